"""``cgdiff grad --symbolic``: the derivatives as formulas (``FORMATS``):
``table`` a cgdiff program (shared parts named), ``plain`` one inlined
formula per input (``NAME<TAB>FORMULA``), ``csv``, ``json`` (both), ``latex``.

The formulas are a graph (:mod:`cgdiff.symbolic`); the plain text of one node
is :func:`cgdiff.formula.plain_text`. Written as a program
(:func:`program_text`), a node used more than once gets its own statement
(the program's own name where it is one of its statements, else ``t1``,
``t2``, ...), so the result stays small; :func:`inline_text` writes one
formula whole; :func:`latex_text` for LaTeX. Nothing here recurses: every
walk goes over the graph in index order or with an explicit stack.

Every writer works its text out whole before writing, so a formula too long
to inline is an error with nothing written.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from .. import ops
from ..errors import CgdiffError
from ..formula import (ATOM, PRECEDENCE, PRODUCT, SUM, UNARY, number_text,
                       plain_text, reachable, too_long, use_counts, write)
from ..graph import Graph
from ..symbolic import derivative_name
from ..text import clip, exact_number, fresh_names, unique_name
from . import json_text

if TYPE_CHECKING:
    from ..symbolic import Derivatives

#: Inlined formulas longer than this are refused (they can grow exponentially
#: with depth); the default format names shared parts instead.
INLINE_LIMIT = 1_000_000

VAR, CONST = ops.INPUT, ops.CONST


@dataclass
class Statement:
    name: str
    text: str


def statements(d: Derivatives, values: dict[str, float] | None = None) -> list[Statement]:
    """The derivatives as a cgdiff program: inputs with a value first, then the
    shared subexpressions (used more than once) and one statement per
    derivative, ``dJ_dw = ...``."""
    f = d.formulas
    roots = list(d.gradient.values())
    keep = reachable(f, roots)
    uses = use_counts(f, keep, roots)  # a derivative that another one uses is shared too
    taken = set(d.graph.inputs) | set(d.graph.statement_names) | set(ops.FUNCTIONS) \
        | set(ops.CONSTANTS)
    out_names = {name: unique_name(derivative_name(d, name), taken) for name in d.gradient}

    # Shared nodes become statements: the program's own name where it has one.
    derivative_names = set(out_names.values())
    names: dict[int, str] = {}
    temporaries = fresh_names(taken)
    for i in sorted(keep):
        if uses[i] < 2 or f.op[i] in (VAR, CONST) or _is_small(f, i):
            continue
        name = d.statement_name.get(i)
        if name is None or name in derivative_names:
            name = next(temporaries)
        taken.add(name)
        names[i] = name

    result = []
    for name in d.graph.inputs:
        value = (values or {}).get(name)
        node = d.graph.index.get(name)
        if value is None and node is not None:
            value = d.graph.const.get(node)
        if value is not None and f.index.get(name) in keep:
            # a literal, never a constant's name (number_text would say 'pi')
            result.append(Statement(name, exact_number(value)))
    for i in sorted(keep):
        if i in names:
            result.append(Statement(names[i], plain_text(f, i, names)))
    for name, node in d.gradient.items():
        text = names[node] if node in names else plain_text(f, node, names)
        result.append(Statement(out_names[name], text))
    return result


def _is_small(f: Graph, i: int) -> bool:
    """-x, 2*x, x^2: cheaper to repeat than to name."""
    o, args = f.op[i], f.args(i)
    if o is ops.NEG:
        return f.op[args[0]] is VAR
    if o is ops.MUL or o is ops.POW:
        kinds = {f.op[k] for k in args}
        return kinds == {VAR, CONST}
    return False


def program_text(d: Derivatives, values: dict[str, float] | None = None) -> str:
    """The derivatives as a program that cgdiff reads back (``--of dJ_dw``)."""
    names = list(d.gradient)
    what = ", ".join(f"∂{clip(d.output_name, 30)}/∂{clip(name, 30)}" for name in names[:8])
    if len(names) > 8:
        what += f", … ({len(names)} in all)"
    lines = [f"# {what} (cgdiff grad --symbolic)"]
    lines += [_plain_names(f"{s.name} = {s.text}") for s in statements(d, values)]
    return "\n".join(lines) + "\n"


_ELEMENT_NAME = re.compile(r"(?<![\w\]])([^\W\d]\w*)\[([0-9]+(?:,[0-9]+)*)\]")


def _plain_names(line: str) -> str:
    """Element names as names a program can hold: ``x[0]`` → ``x_0``,
    ``dJ_dW[0,1]`` → ``dJ_dW_0_1`` (vectors are unrolled, so the derivatives
    are of elements)."""
    if "[" not in line:
        return line
    return _ELEMENT_NAME.sub(lambda m: m.group(1) + "_" + m.group(2).replace(",", "_"), line)


def inline_text(d: Derivatives, name: str) -> str:
    """∂output/∂name as one formula, nothing named."""
    f, root = d.formulas, d.gradient[name]
    text = None
    if not too_long(f, reachable(f, [root]), INLINE_LIMIT):
        text = plain_text(f, root)
    if text is None or len(text) > INLINE_LIMIT:
        raise CgdiffError(f"the formula for ∂{clip(d.output_name, 30)}/∂{clip(name, 30)} is "
                          f"too long to write on one line (over {INLINE_LIMIT:,} characters); "
                          "the default format names its shared parts")
    return text


# ---------------------------------------------------------------- LaTeX

_LATEX_FUNCTIONS = {"exp": r"\exp", "log": r"\ln", "sin": r"\sin", "cos": r"\cos",
                    "tan": r"\tan", "tanh": r"\tanh", "sigmoid": r"\sigma", "max": r"\max",
                    "min": r"\min"}


def latex_name(name: str) -> str:
    body = name.replace("_", r"\_")
    if len(name) == 1:
        return body
    return r"\mathrm{" + body + "}"


def latex_text(d: Derivatives, name: str) -> str:
    r"""``\frac{\partial J}{\partial w} = ...``, the formula inlined."""
    f = d.formulas
    root = d.gradient[name]
    if too_long(f, reachable(f, [root]), INLINE_LIMIT):
        inline_text(d, name)  # raises the error
    lhs = (r"\frac{\partial " + latex_name(d.output_name) + r"}{\partial "
           + latex_name(name) + "}")
    return f"{lhs} = {write(f, root, _latex_pieces, _latex_precedence)}"


def _latex_precedence(f: Graph, i: int) -> int:
    o = f.op[i]
    if o is CONST:
        s = number_text(f.const[i])
        if "e" in s and s != "e":
            return PRODUCT  # 1.5 \cdot 10^{-7}
        return UNARY if f.const[i] < 0 else ATOM
    if o is ops.DIV:
        return ATOM  # \frac{}{} needs no parentheses
    return PRECEDENCE.get(o, ATOM)


def _latex_pieces(f: Graph, i: int, prec) -> list:
    o = f.op[i]
    if o is VAR:
        return [latex_name(f.name_of[i])]
    if o is CONST:
        s = number_text(f.const[i])
        if s == "pi":
            return [r"\pi"]
        if "e" in s and s != "e":
            mantissa, exponent = s.split("e")
            return [mantissa + r" \cdot 10^{" + str(int(exponent)) + "}"]
        return [s]

    def arg(k: int, at_least: int) -> list:
        return [k] if prec(k) >= at_least else [r"\left(", k, r"\right)"]

    a, b = f.arg0[i], f.arg1[i]
    if o is ops.ADD or o is ops.SUB:
        return [*arg(a, SUM), f" {o.symbol} ", *arg(b, PRODUCT)]
    if o is ops.MUL:
        return [*arg(a, PRODUCT), r" \cdot ", *arg(b, UNARY)]
    if o is ops.DIV:
        return [r"\frac{", a, "}{", b, "}"]
    if o is ops.NEG:
        return ["-", *arg(a, UNARY)]
    if o is ops.POW:
        return [*arg(a, ATOM), "^{", b, "}"]
    if o is ops.GT:  # gt(a, b) as an Iverson bracket: [a > b]
        return [r"\left[", *arg(a, SUM), " > ", *arg(b, SUM), r"\right]"]
    if o.name == "sqrt":
        return [r"\sqrt{", a, "}"]
    if o.name == "abs":
        return [r"\left|", a, r"\right|"]
    pieces: list = [_LATEX_FUNCTIONS.get(o.name, r"\operatorname{" + o.name + "}"), r"\left("]
    for position, k in enumerate(f.args(i)):
        pieces += [", ", k] if position else [k]
    return pieces + [r"\right)"]


# ---------------------------------------------------------------- the formats

def _inlined(d: Derivatives) -> dict[str, str]:
    return {name: inline_text(d, name) for name in d.gradient}


def write_program(d: Derivatives, out: IO[str]) -> None:
    out.write(program_text(d, d.values))


def write_plain(d: Derivatives, out: IO[str]) -> None:
    out.write("".join(f"{name}\t{formula}\n" for name, formula in _inlined(d).items()))


def write_csv(d: Derivatives, out: IO[str]) -> None:
    inlined = _inlined(d)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "derivative"])
    writer.writerows(inlined.items())


def write_json(d: Derivatives, out: IO[str]) -> None:
    out.write(json_text({"of": d.graph.node_id(d.graph.output), "gradient": _inlined(d),
                         "program": program_text(d, d.values)}) + "\n")


def write_latex(d: Derivatives, out: IO[str]) -> None:
    out.write("".join(latex_text(d, name) + "\n" for name in d.gradient))


FORMATS = {"table": write_program, "json": write_json, "csv": write_csv, "plain": write_plain,
           "latex": write_latex}
#: The output and its gradient as code (cgdiff.render.code, imported when one is
#: asked for: its tables would cost every command's start-up 3 ms); a test
#: keeps this list and code.FORMATS the same.
CODE_FORMATS = ("python", "numpy", "c", "javascript")


def _code_writer(language: str):
    def write(d: Derivatives, out: IO[str]) -> None:
        from . import code

        code.FORMATS[language](d, out)
    return write


FORMATS.update({language: _code_writer(language) for language in CODE_FORMATS})
