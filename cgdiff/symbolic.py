"""Derivatives as formulas: the reverse pass run on expressions instead of numbers.

The same sweep as :func:`cgdiff.passes.reverse`, right to left over the graph,
but each adjoint is a formula: ``adjoint[arg] += adjoint[node] * partial``,
where the partial comes from the op table's ``derivative`` templates (cgdiff
formulas over ``a``, ``b`` and ``out``). No computer-algebra library.

Formulas live in a :class:`Formulas` store: a flat, hash-consed list of nodes
(children before parents), so a subexpression used twice is one node. Every
node is built through :meth:`Formulas.make`, which simplifies as it goes:
constant folding, ``x*1``, ``x+0``, ``x*0``, ``--x``, merged constants
(``2*(3*x)`` is ``6*x``), ``a + -b`` is ``a - b``, ``x*x`` is ``x^2``.
Simplifying assumes the point lies in the program's domain (``0/x`` is 0).

Written out (:func:`program_text`), a node used more than once gets its own
statement (the program's own name where it is one of its statements, else
``t1``, ``t2``, ...), so the result stays small; :func:`inline_text` writes one
formula whole, for scripts; :func:`latex_text` for worksheets. Nothing here
recurses: every walk goes over the store in index order.
"""

from __future__ import annotations

import re

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from . import ops
from .errors import CgdiffError
from .text import clip, exact_number
from .graph import Graph
from .simplify import RULES

#: Inlined formulas longer than this are refused (they can grow exponentially
#: with depth); the default format names shared parts instead.
INLINE_LIMIT = 1_000_000

ADD, SUB, MUL, DIV, NEG, POW = ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.POW
VAR, CONST = ops.INPUT, ops.CONST

# Precedence of what a node prints as: + - < * / < unary minus < ^ < atom.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_PRECEDENCE = {ADD: _SUM, SUB: _SUM, MUL: _PRODUCT, DIV: _PRODUCT, NEG: _UNARY, POW: _POWER}


class Formulas:
    """A hash-consed store of formula nodes, children before parents."""

    def __init__(self):
        self.op: list[ops.Op] = []
        self.arg0: list[int] = []
        self.arg1: list[int] = []
        #: node → number (CONST) or name (VAR)
        self.value: dict[int, float] = {}
        self.name: dict[int, str] = {}
        self._key: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.op)

    def args(self, i: int) -> tuple[int, ...]:
        a, b = self.arg0[i], self.arg1[i]
        return () if a < 0 else (a,) if b < 0 else (a, b)

    # -- leaves

    def const(self, x: float) -> int:
        x = float(x) + 0.0  # no negative zero
        key = ("const", repr(x))
        node = self._key.get(key)
        if node is None:
            node = self._add(CONST, -1, -1, key)
            self.value[node] = x
        return node

    def var(self, name: str) -> int:
        key = ("var", name)
        node = self._key.get(key)
        if node is None:
            node = self._add(VAR, -1, -1, key)
            self.name[node] = name
        return node

    def _add(self, op, a, b, key) -> int:
        self.op.append(op)
        self.arg0.append(a)
        self.arg1.append(b)
        node = len(self.op) - 1
        self._key[key] = node
        return node

    def find_var(self, name: str) -> int | None:
        """The node of the input ``name``, if the formulas use it."""
        return self._key.get(("var", name))

    def is_const(self, i: int, x: float | None = None) -> bool:
        return self.op[i] is CONST and (x is None or self.value[i] == x)

    # -- building, with simplification

    def make(self, op: ops.Op, *args: int) -> int:
        """The node ``op(args)``, simplified."""
        if op is ops.IDENTITY:
            return args[0]
        if op.value is not None and all(self.op[a] is CONST for a in args):
            folded = self._fold(op, args)
            if folded is not None:
                return folded
        rule = RULES.get(op)
        if rule is not None:
            node = rule(self, *args)
            if node is not None:
                return node
        return self.raw(op, *args)

    def raw(self, op: ops.Op, *args: int) -> int:
        """The node ``op(args)`` exactly as given (shared if it exists)."""
        key = (op.name, *args)
        node = self._key.get(key)
        if node is None:
            node = self._add(op, args[0], args[1] if len(args) > 1 else -1, key)
        return node

    def _fold(self, op, args) -> int | None:
        try:
            x = op.value(*(self.value[a] for a in args))
        except (ValueError, ZeroDivisionError, OverflowError):
            return None  # left as is: evaluating it reports the domain error
        return self.const(x) if math.isfinite(x) else None


# ---------------------------------------------------------------- derivative templates

@lru_cache(maxsize=None)
def _template(text: str) -> Graph:
    """A ``derivative`` template of the op table, as a graph over a, b, out."""
    from .api import load

    return load(text)


def instantiate(f: Formulas, text: str, a: int, b: int, out: int) -> int:
    """The template ``text`` with ``a``, ``b`` and ``out`` bound to nodes of ``f``."""
    graph = _template(text)
    bound = {"a": a, "b": b, "out": out}
    node = [0] * len(graph)
    for i in range(len(graph)):
        op = graph.op[i]
        if op is ops.INPUT:
            node[i] = bound[graph.name_of[i]]
        elif op is ops.CONST:
            node[i] = f.const(graph.const[i])
        else:
            node[i] = f.make(op, *(node[k] for k in graph.args(i)))
    return node[graph.output]


# ---------------------------------------------------------------- the symbolic reverse pass

@dataclass
class Derivatives:
    """Formulas for ∂output/∂name, in one store, with the graph they came from."""

    graph: Graph
    formulas: Formulas
    #: name → node in ``formulas``, in the order asked
    gradient: dict[str, int]
    #: graph node → its value's formula
    primal: list[int]
    #: formula node → the program's statement name for it (where it has one)
    statement_name: dict[int, str] = field(default_factory=dict)
    #: the inputs' values to write in the program (``--set``), beside the defaults
    values: dict[str, float] | None = None
    #: the program's file name, where it came from one (the comment code exports start with)
    name: str | None = None

    @property
    def output_name(self) -> str:
        name = self.graph.name_of.get(self.graph.output)
        return name if name is not None else "f"


def derivatives(graph: Graph, wrt: Iterable[str] | None = None) -> Derivatives:
    """∂output/∂name as formulas, for each name in ``wrt`` (default: every input)."""
    targets = graph.targets(wrt)
    f = Formulas()
    n = len(graph)
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1

    # Forward: each node's value as a formula over the inputs.
    primal = [0] * n
    statement_name: dict[int, str] = {}
    for i in range(n):
        o = op[i]
        if o is ops.INPUT:
            primal[i] = f.var(graph.name_of[i])
        elif o is ops.CONST:
            primal[i] = f.const(graph.const[i])
        else:
            primal[i] = f.make(o, *(primal[k] for k in graph.args(i)))
            name = graph.name_of.get(i)
            if name is not None and f.op[primal[i]] not in (VAR, CONST):
                statement_name.setdefault(primal[i], name)

    # Which nodes depend on a requested input: only they need adjoints.
    active = bytearray(n)
    for node in targets.values():
        if node is not None:
            active[node] = 1
    for i in range(n):
        if not active[i] and ((arg0[i] >= 0 and active[arg0[i]])
                              or (arg1[i] >= 0 and active[arg1[i]])):
            active[i] = 1

    # Reverse: adjoint[arg] += adjoint[node] * partial, right to left.
    out = graph.output
    adjoint: list[int | None] = [None] * n
    adjoint[out] = f.const(1)
    for i in range(out, -1, -1):
        g = adjoint[i]
        if g is None or not active[i]:
            continue
        o = op[i]
        args = graph.args(i)
        if not args:
            continue
        a = primal[args[0]]
        b = primal[args[1]] if len(args) > 1 else -1
        for position, k in enumerate(args):
            if not active[k]:
                continue
            partial = instantiate(f, o.derivative[position], a, b, primal[i])
            term = f.make(MUL, g, partial)
            adjoint[k] = term if adjoint[k] is None else f.make(ADD, adjoint[k], term)

    gradient = {}
    for name, node in targets.items():
        formula = adjoint[node] if node is not None else None
        gradient[name] = f.const(0) if formula is None else formula
    return Derivatives(graph, f, gradient, primal, statement_name)


# ---------------------------------------------------------------- writing formulas

def number_text(x: float) -> str:
    """A number as cgdiff reads it back exactly: ``2``, ``0.5``, ``1e-05``, ``pi``."""
    if x == math.pi:
        return "pi"
    if x == math.e:
        return "e"
    return exact_number(x)


def _too_long(f: Formulas, keep: set[int], limit: int) -> bool:
    """Whether the inlined text of some node would pass ``limit`` characters
    (sizes are added up, children before parents, before any text is built)."""
    size: dict[int, int] = {}
    for i in sorted(keep):
        o = f.op[i]
        if o is VAR or o is CONST:
            size[i] = 24 if o is CONST else len(f.name[i])
        else:
            size[i] = 16 + sum(size[k] for k in f.args(i))
            if size[i] > limit:
                return True
    return False


# A node is written as a list of pieces: strings, and child nodes (ints) that
# are written in their place. Writing walks the pieces with an explicit stack,
# so the memory is that of the output, however long and deep the formula.

def _precedence(f: Formulas, i: int) -> int:
    o = f.op[i]
    if o is CONST:
        return _UNARY if f.value[i] < 0 else _ATOM
    return _PRECEDENCE.get(o, _ATOM)


def _plain_pieces(f: Formulas, i: int, prec) -> list:
    """The pieces of node ``i`` in cgdiff's own syntax."""
    o = f.op[i]
    if o is VAR:
        return [f.name[i]]
    if o is CONST:
        return [number_text(f.value[i])]

    def arg(k: int, at_least: int) -> list:
        return [k] if prec(k) >= at_least else ["(", k, ")"]

    a, b = f.arg0[i], f.arg1[i]
    if o is ADD or o is SUB:
        return [*arg(a, _SUM), f" {o.symbol} ", *arg(b, _PRODUCT)]
    if o is MUL or o is DIV:
        return [*arg(a, _PRODUCT), o.symbol, *arg(b, _UNARY)]
    if o is NEG:
        return ["-", *arg(a, _UNARY)]
    if o is POW:
        return [*arg(a, _ATOM), "^", *arg(b, _UNARY)]
    if o is ops.STEP_DIFF:
        return ["step(", *arg(a, _SUM), " - ", *arg(b, _PRODUCT), ")"]
    pieces: list = [o.name, "("]
    for position, k in enumerate(f.args(i)):
        pieces += [", ", k] if position else [k]
    return pieces + [")"]


def _write(f: Formulas, root: int, names: dict[int, str], pieces_of, precedence) -> str:
    """The text of ``root``: nodes in ``names`` (other than root) by name."""
    def prec(k: int) -> int:
        return _ATOM if k in names else precedence(f, k)

    out: list[str] = []
    stack: list = list(reversed(pieces_of(f, root, prec)))
    while stack:
        item = stack.pop()
        if item.__class__ is str:
            out.append(item)
        elif item in names:
            out.append(names[item])
        else:
            stack.extend(reversed(pieces_of(f, item, prec)))
    return "".join(out)


def _reachable(f: Formulas, roots: Iterable[int]) -> set[int]:
    seen = set()
    stack = list(roots)
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        stack.extend(f.args(i))
    return seen


def _use_counts(f: Formulas, keep: set[int], roots: Iterable[int]) -> dict[int, int]:
    uses = dict.fromkeys(keep, 0)
    for i in keep:
        for k in f.args(i):
            uses[k] += 1
    for r in roots:
        uses[r] += 1
    return uses


def derivative_name(d: Derivatives, name: str) -> str:
    """What a derivative is called in a program: ``dJ_dw``."""
    return f"d{d.output_name}_d{name}"


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
    keep = _reachable(f, roots)
    uses = _use_counts(f, keep, roots)  # a derivative that another one uses is shared too
    taken = set(d.graph.inputs) | set(d.graph.statement_names) | set(ops.FUNCTIONS) \
        | set(ops.CONSTANTS)
    out_names = {}
    for name in d.gradient:
        wanted = derivative_name(d, name)
        candidate, k = wanted, 1
        while candidate in taken:
            candidate, k = f"{wanted}_{k}", k + 1
        taken.add(candidate)
        out_names[name] = candidate

    # Shared nodes become statements: the program's own name where it has one.
    derivative_names = set(out_names.values())
    names: dict[int, str] = {}
    counter = 0
    for i in sorted(keep):
        if uses[i] < 2 or f.op[i] in (VAR, CONST) or _is_small(f, i):
            continue
        name = d.statement_name.get(i)
        if name is None or name in derivative_names:
            while True:
                counter += 1
                name = f"t{counter}"
                if name not in taken:
                    break
        taken.add(name)
        names[i] = name

    result = []
    for name in d.graph.inputs:
        value = (values or {}).get(name)
        node = d.graph.index.get(name)
        if value is None and node is not None:
            value = d.graph.const.get(node)
        if value is not None and f.find_var(name) in keep:
            # a literal, never a constant's name (number_text would say 'pi')
            result.append(Statement(name, exact_number(value)))
    for i in sorted(keep):
        if i in names:
            result.append(Statement(names[i], _write(f, i, names, _plain_pieces, _precedence)))
    for name, node in d.gradient.items():
        text = names[node] if node in names else _write(f, node, names, _plain_pieces,
                                                         _precedence)
        result.append(Statement(out_names[name], text))
    return result


def _is_small(f: Formulas, i: int) -> bool:
    """-x, 2*x, x^2: cheaper to repeat than to name."""
    o, args = f.op[i], f.args(i)
    if o is NEG:
        return f.op[args[0]] is VAR
    if o is MUL or o is POW:
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


def formula_text(f: Formulas, node: int, limit: int | None = None) -> str | None:
    """One node's formula, inlined; None when longer than ``limit``
    (default INLINE_LIMIT)."""
    limit = INLINE_LIMIT if limit is None else limit
    if _too_long(f, _reachable(f, [node]), limit):
        return None
    text = _write(f, node, {}, _plain_pieces, _precedence)
    return text if len(text) <= limit else None


def inline_text(d: Derivatives, name: str) -> str:
    """∂output/∂name as one formula, nothing named."""
    text = formula_text(d.formulas, d.gradient[name])
    if text is None:
        raise CgdiffError(f"the formula for ∂{clip(d.output_name, 30)}/∂{clip(name, 30)} is "
                          f"too long to write on one line (over {INLINE_LIMIT:,} characters); "
                          "the default format names its shared parts")
    return text


def symbolic_gradient(source: str, settings=None, of: str | None = None,
                      wrt: Iterable[str] | None = None) -> Derivatives:
    """Parse ``source`` and differentiate its output symbolically. ``settings``
    only need to name inputs (they become the inputs' values in the program)."""
    from .api import load
    from .errors import NamingError

    graph = load(source, of)
    for name in settings or {}:
        if name not in graph.inputs:
            raise NamingError(f"--set {clip(name)}: '{clip(name)}' is not an input of the program")
    result = derivatives(graph, wrt)
    result.values = dict(settings) if settings else None
    return result


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
    if _too_long(f, _reachable(f, [root]), INLINE_LIMIT):
        inline_text(d, name)  # raises the error
    lhs = (r"\frac{\partial " + latex_name(d.output_name) + r"}{\partial "
           + latex_name(name) + "}")
    return f"{lhs} = {_write(f, root, {}, _latex_pieces, _latex_precedence)}"


def _latex_precedence(f: Formulas, i: int) -> int:
    o = f.op[i]
    if o is CONST:
        s = number_text(f.value[i])
        if "e" in s and s != "e":
            return _PRODUCT  # 1.5 \cdot 10^{-7}
        return _UNARY if f.value[i] < 0 else _ATOM
    if o is DIV:
        return _ATOM  # \frac{}{} needs no parentheses
    return _PRECEDENCE.get(o, _ATOM)


def _latex_pieces(f: Formulas, i: int, prec) -> list:
    o = f.op[i]
    if o is VAR:
        return [latex_name(f.name[i])]
    if o is CONST:
        s = number_text(f.value[i])
        if s == "pi":
            return [r"\pi"]
        if "e" in s and s != "e":
            mantissa, exponent = s.split("e")
            return [mantissa + r" \cdot 10^{" + str(int(exponent)) + "}"]
        return [s]

    def arg(k: int, at_least: int) -> list:
        return [k] if prec(k) >= at_least else [r"\left(", k, r"\right)"]

    a, b = f.arg0[i], f.arg1[i]
    if o is ADD or o is SUB:
        return [*arg(a, _SUM), f" {o.symbol} ", *arg(b, _PRODUCT)]
    if o is MUL:
        return [*arg(a, _PRODUCT), r" \cdot ", *arg(b, _UNARY)]
    if o is DIV:
        return [r"\frac{", a, "}{", b, "}"]
    if o is NEG:
        return ["-", *arg(a, _UNARY)]
    if o is POW:
        return [*arg(a, _ATOM), "^{", b, "}"]
    if o is ops.STEP_DIFF:
        return [r"\operatorname{step}\left(", *arg(a, _SUM), " - ", *arg(b, _PRODUCT), r"\right)"]
    if o.name == "sqrt":
        return [r"\sqrt{", a, "}"]
    if o.name == "abs":
        return [r"\left|", a, r"\right|"]
    pieces: list = [_LATEX_FUNCTIONS.get(o.name, r"\operatorname{" + o.name + "}"), r"\left("]
    for position, k in enumerate(f.args(i)):
        pieces += [", ", k] if position else [k]
    return pieces + [r"\right)"]


from ._callable import make_callable  # noqa: E402  (cgdiff.symbolic(...) is the Python API's)

make_callable(__name__)
