"""The chain rule told in words, as the lecture tells it, with a program's numbers.

Backprop runs right to left: the explanation starts next to the output and
walks back to the inputs, one step per node, asking the lecture's question at
each: "if this node goes up by ε, how much does J change?" Each step reads the
node's local derivative from the op table (``derivative`` for how it reads,
``partials`` for its value) and the answer already found for the node it
feeds. A node that feeds several others lists each path's contribution, then
their sum. The end is the lecture's check: nudge each input by 0.001, run the
forward pass again, and compare the change with the derivative's prediction.

Nothing recurses: the steps are one loop over the flat node list, backwards.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Sequence

from . import ops, passes
from .api import Result
from .errors import CgdiffError
from .formula import Builder, derivative_template, instantiate, plain_text
from .text import enclosed
from .text import human_number

#: How far the closing check moves each input: the lecture's 2 → 2.001.
NUDGE = 0.001

#: The functions local derivatives are written with that a student may not
#: know (README, "Derivatives as formulas"): said once, after the steps.
GLOSSARY = {
    "step": "step(u) is 1 when u > 0, else 0",
    "sign": "sign(u) is -1, 0 or 1, the sign of u",
    "gt": "gt(a, b) is 1 when a > b, else 0",
    "powlog": "powlog(a, b) is a^b*log(a), taken as 0 at a = 0",
    "sech": "sech(u) is 1/cosh(u)",
}

_SIMPLE = re.compile(r"[\w.]+")
_CALL = re.compile(r"\w+\(")


# ---------------------------------------------------------------- how things read

def _name(graph, i: int) -> str:
    """A node as the text calls it: its name, else its source text."""
    if i in graph.name_of:
        return graph.name_of[i]
    return graph.short_label(i)


def _wrapped(text: str) -> str:
    """``text`` ready to sit inside a formula: ``d^2`` → ``(d^2)``; names,
    numbers, groups and calls (``sigmoid(z)``) stay as they are."""
    call = _CALL.match(text)
    atomic = _SIMPLE.fullmatch(text) or enclosed(text[call.end() - 1:] if call else text)
    return text if atomic else f"({text})"


def _definition(graph, i: int) -> str:
    """``c = w*x`` for a named node, ``d^2`` for an unnamed one."""
    text = graph.short_label(i)
    if i in graph.name_of and graph.op[i] is not ops.INPUT and text != graph.name_of[i]:
        return f"{graph.name_of[i]} = {text}"
    return text


def _times_eps(k: float) -> str:
    """``2ε``, ``ε``, ``-ε``, ``-0.5ε``, ``0``."""
    if k == 0:
        return "0"
    if k == 1:
        return "ε"
    if k == -1:
        return "-ε"
    return f"{human_number(k)}ε"


def _factor(k: float) -> str:
    """A number as a factor in a product: negative ones in parentheses."""
    return f"({human_number(k)})" if k < 0 else human_number(k)


def _term(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _moves(k: float) -> str:
    """``goes up by 2ε``, ``goes down by 4ε``, ``does not move``."""
    if k != k:
        return "has no derivative here"
    if k == 0:
        return "does not move"
    return f"goes up by {_times_eps(k)}" if k > 0 else f"goes down by {_times_eps(-k)}"


def local_formula(graph, values: Sequence[float], user: int, position: int) -> tuple[str, float]:
    """∂user/∂(its argument at ``position``): the op table's ``derivative``
    formula with this program's names put in ("" when it is a plain number),
    and its value (``x`` and -2 for ``c = w*x``)."""
    op = graph.op[user]
    args = graph.args(user)
    partial = op.partials(*(values[a] for a in args), values[user])[position]
    if position >= len(op.derivative):
        return "", partial
    # The template with this program's texts as its inputs: ``out`` reads as
    # the node's own formula, sigmoid(z)*(1 - sigmoid(z)). A text that is not
    # a name, number, group or call is in parentheses but as a call's only
    # argument.
    texts = {"a": _name(graph, args[0]), "out": graph.short_label(user)}
    if len(args) > 1:
        texts["b"] = _name(graph, args[1])
    f = Builder()
    leaf = {key: f.var(text) for key, text in texts.items()}
    root = instantiate(f, op, position, leaf["a"], leaf.get("b", -1), leaf["out"],
                       simplify=False)
    formula = plain_text(f.graph, root,
                         loose={leaf[key] for key, text in texts.items() if _wrapped(text) != text})
    try:
        is_number = float(formula) == partial
    except ValueError:
        is_number = False
    return ("" if is_number else formula), partial


def local_change(graph, values: Sequence[float], user: int, position: int) -> tuple[str, float]:
    """How node ``user`` changes when its argument at ``position`` goes up by ε:
    the op table's ``derivative`` formula with this program's names put in, and its
    value (``x × ε = -2ε`` for ``c = w*x``)."""
    formula, partial = local_formula(graph, values, user, position)
    if not formula:
        return _times_eps(partial), partial
    if _is_sum(formula):  # (1 - tanh(z1)^2) × ε, not 1 - tanh(z1)^2 × ε
        formula = f"({formula})"
    return f"{formula} × ε = {_times_eps(partial)}", partial


def _is_sum(text: str) -> bool:
    """Whether ``text`` is a sum or difference outside any parentheses
    (``1 - out^2``, not ``out*(1 - out)``). The op table and the labels put
    spaces around a binary + or -, never around a sign or an exponent's."""
    depth = 0
    for position, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif (char in "+-" and depth == 0 and 0 < position < len(text) - 1
              and text[position - 1] == " " and text[position + 1] == " "):
            return True
    return False


# ---------------------------------------------------------------- the explanation

def explain(result: Result, wrt: Iterable[str] | None = None, nudge: float = NUDGE) -> list[str]:
    """The chain rule from the output back to each input in ``wrt`` (default:
    every input), one step per node, then the nudge check. ``result`` is a
    reverse-mode :func:`cgdiff.api.differentiate` result. Returns lines."""
    graph, values, adjoints = result.graph, result.values, result.adjoints
    seeds = graph.targets(wrt)
    names = list(seeds)
    passes.refuse_past_limit(len(graph) * len(names),  # a path and a nudge per input
                             f"explaining {len(names):,} inputs of {len(graph):,} nodes")
    if adjoints is None:
        adjoints = passes.reverse(graph, values, wrt=seeds.values())
    out = graph.output
    J = _name(graph, out)
    dJ = f"∂{_wrapped(J)}"
    n = len(graph)

    # The nodes on a path from a requested input to the output: a forward
    # sweep marks every node that reads a marked one.
    on_path = bytearray(n)
    for node in seeds.values():
        if node is not None:
            on_path[node] = 1
    users: dict[int, list[tuple[int, int]]] = {}
    for k in range(n):
        for position, a in enumerate(graph.args(k)):
            if on_path[a]:
                on_path[k] = 1
                users.setdefault(a, []).append((k, position))

    settings = ", ".join(f"{name} = {human_number(value)}" for name, value in result.inputs.items())
    lines = [f"{_definition(graph, out)} = {human_number(values[out])}"
             + (f", with {settings}." if settings else "."),
             "",
             f"Backprop works right to left, from {J} back to the inputs, asking at each node: "
             f"if this node goes up by ε, how much does {J} change?"]

    # Right to left through the inner nodes, then the inputs in the order asked.
    steps = [i for i in range(out - 1, -1, -1)
             if on_path[i] and i in users and graph.op[i] is not ops.INPUT]
    steps += [node for node in seeds.values()
              if node is not None and node in users and graph.op[node] is ops.INPUT]
    for i in steps:
        lines.append("")
        lines.extend(_step(graph, values, adjoints, i, users[i], J, dJ))

    lines.extend(_glossary(graph, steps, users))
    lines.append("")
    if names:
        gradient = {name: result_derivative(result, adjoints, seeds, name) for name in names}
        lines.append("So " + ", ".join(f"{dJ}/∂{_wrapped(name)} = {human_number(d)}"
                                       for name, d in gradient.items()) + ".")
        lines.append("")
        lines.append(f"Check: nudge each input by {human_number(nudge)} and run the forward "
                     f"pass again.")
        for name, d in gradient.items():
            lines.append("  " + nudge_line(result, name, nudge, d))
    return lines


def _glossary(graph, steps: list[int], users: dict[int, list[tuple[int, int]]]) -> list[str]:
    """One line defining the helper functions the steps' local derivatives are
    written with (read from the op table's templates), where the program
    itself does not use them."""
    in_program = {o.name for o in set(graph.op)}
    used: dict[str, None] = {}
    for i in steps:
        for user, position in users[i]:
            op = graph.op[user]
            if position < len(op.derivative):
                for o in derivative_template(op, position).op:
                    if o.name in GLOSSARY and o.name not in in_program:
                        used[o.name] = None
    return ["", "Where " + "; ".join(GLOSSARY[name] for name in used) + "."] if used else []


def result_derivative(result: Result, adjoints, seeds, name: str) -> float:
    node = seeds[name]
    if result.gradient is not None and name in result.gradient:
        return result.gradient[name]
    return 0.0 if node is None else adjoints[node]


def _step(graph, values, adjoints, i: int, users: list[tuple[int, int]], J: str,
          dJ: str) -> list[str]:
    """One node's paragraph: how J feels a nudge of it, path by path."""
    me = _name(graph, i)
    head = f"{_definition(graph, i)} = {human_number(values[i])}"
    lines = []
    contributions = []
    for k, position in users:
        change, partial = local_change(graph, values, k, position)
        via = _name(graph, k)
        feeds_output = k == graph.output
        total = adjoints[k] * partial
        if feeds_output:
            line = f"if {me} goes up by ε, {_definition(graph, k)} changes by {change}"
        else:
            line = (f"if {me} goes up by ε, {_definition(graph, k)} changes by {change}; "
                    f"when {via} goes up by ε, {J} {_moves(adjoints[k])} "
                    f"({dJ}/∂{_wrapped(via)} = {human_number(adjoints[k])}), so {J} changes by "
                    f"{_factor(adjoints[k])} × {_term(_times_eps(partial))} = {_times_eps(total)}")
        lines.append(line)
        contributions.append(total)
    derivative = adjoints[i]
    conventions = _kink_notes(graph, values, users)
    if len(users) == 1:
        return [head, "  " + lines[0][0].upper() + lines[0][1:] + ".", *conventions,
                f"  So when {me} goes up by ε, {J} {_moves(derivative)}: "
                f"{dJ}/∂{_wrapped(me)} = {human_number(derivative)}"]
    paragraph = [f"{head}, which feeds {len(users)} nodes: {J} feels each path, and the "
                 f"changes add up."]
    for line, total in zip(lines, contributions):
        paragraph.append(f"  - {line}" + ("" if line.endswith(_times_eps(total))
                                          else f", so {J} changes by {_times_eps(total)}") + ".")
    paragraph += conventions
    added = " + ".join(_term(_times_eps(total)) for total in contributions)
    paragraph.append(f"  Together: {added} = {_times_eps(derivative)}, so "
                     f"{dJ}/∂{_wrapped(me)} = {human_number(derivative)}")
    return paragraph


def _kink_notes(graph, values, users: list[tuple[int, int]]) -> list[str]:
    """At a kink, tie or jump: the derivative is a convention; both sides."""
    from .kinks import describe, find_at

    notes = []
    for k, position in users:
        kink = find_at(graph, values, k, position)
        if kink is not None:
            notes.append(f"  Careful: the derivative here is a convention, not a slope: "
                         f"{describe(graph, values, kink)}.")
    return notes


def _close(a: float, b: float) -> bool:
    """Close enough to write ``a ≈ b`` (within 1%)."""
    return abs(a - b) <= 1e-12 + 0.01 * max(abs(a), abs(b))


def nudge_line(result: Result, name: str, delta: float, derivative: float) -> str:
    """``w: 2 → 2.001 moves J: 2 → 1.996002 (change -0.003998 ≈ -4 × 0.001)``."""
    graph = result.graph
    J = _name(graph, graph.output)
    before = result.value
    start = result.inputs.get(name)
    if start is None and name in graph.index:
        return f"{name}: a statement, not an input; the check nudges inputs only"
    if start is None:  # the output does not depend on it
        return f"{name}: {J} does not depend on {name}, so nudging it changes nothing (∂ = 0)"
    moved = dict(result.inputs)
    moved[name] = start + delta
    try:
        after = passes.forward(graph, moved)[graph.output]
    except CgdiffError as error:
        return (f"{name}: {human_number(start)} → {human_number(start + delta)} leaves the "
                f"domain ({error.message})")
    change = after - before
    moves = (f"{name}: {human_number(start)} → {human_number(start + delta)} moves {J}: "
             f"{human_number(before)} → {human_number(after)}")
    predicted = derivative * delta
    if _close(change, predicted):
        return (f"{moves} (change {human_number(change)} ≈ {human_number(derivative)} × "
                f"{human_number(delta)})")
    # never "≈" between numbers that differ: at a kink the derivative is a
    # convention, and a nudge to one side sees that side's slope
    return (f"{moves} (change {human_number(change)}, while {human_number(derivative)} × "
            f"{human_number(delta)} = {human_number(predicted)}: they differ"
            + (", because the point sits on a kink" if _on_kink(graph, result.values)
               else "") + ")")


def _on_kink(graph, values) -> bool:
    from .kinks import find

    return bool(find(graph, values))


#: Text is wrapped to the terminal, but never wider than this (long lines are
#: hard to read), nor narrower than MIN_WIDTH.
MAX_WIDTH, MIN_WIDTH = 88, 40


def explain_width() -> int:
    """The terminal's width (``COLUMNS`` first; 88 when not a terminal), kept
    between MIN_WIDTH and MAX_WIDTH."""
    import shutil

    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def _keep_together(text: str) -> str:
    r"""``∂J/∂d = 2``, ``w = 2``, ``2 × ε`` and ``2 → 2.001`` joined by
    no-break spaces, so wrapping never splits them. One pass over the words:
    linear in the text's length, however long a name (a regular expression
    such as ``\w+ = \S+`` retries from every letter of a long name)."""
    words = text.split(" ")
    out = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        if i + 2 < n and word and words[i + 2] and (
                words[i + 1] in ("×", "→") or
                words[i + 1] == "=" and ("∂" in word[:-1] or _ends_in_letter(word))):
            out.append(f"{word}\xa0{words[i + 1]}\xa0{words[i + 2]}")
            i += 3
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def _ends_in_letter(word: str) -> bool:
    last = word[-1]
    return last.isalnum() or last == "_"


def as_text(lines: Sequence[str], width: int = 88) -> str:
    """The lines as one text, long ones wrapped with a hanging indent (never
    inside ``∂J/∂d = 2``, ``2 × ε`` or ``2 → 2.001``)."""
    import textwrap

    out = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        body = _keep_together(line[len(indent):])
        hang = indent + "  " if indent else ""
        wrapped = textwrap.fill(body, width, initial_indent=indent, subsequent_indent=hang,
                                break_long_words=False, break_on_hyphens=False)
        out.append(wrapped.replace("\xa0", " "))
    return "\n".join(out) + "\n"


from ._callable import make_callable  # noqa: E402  (cgdiff.explain(...) is the Python API's)

make_callable(__name__)


# ---------------------------------------------------------------- forward mode

def explain_forward(result: Result, wrt: Iterable[str] | None = None) -> list[str]:
    """Forward mode in words: for each input in ``wrt`` (default: every
    input), nudge it by ε and follow the change left to right, node by node,
    to the output (``grad --mode forward``'s tangent column). Returns lines."""
    graph, values = result.graph, result.values
    seeds = graph.targets(wrt)
    out = graph.output
    J = _name(graph, out)
    settings = ", ".join(f"{name} = {human_number(value)}" for name, value in result.inputs.items())
    lines = [f"{_definition(graph, out)} = {human_number(values[out])}"
             + (f", with {settings}." if settings else "."),
             "",
             f"Forward mode works left to right, one sweep per input: nudge the input by ε, "
             f"and carry how much each node moves (its tangent) forward to {J}. A node moves by "
             f"the sum, over its arguments, of its local derivative times the argument's move."]
    gradient = {}
    for name, seed in seeds.items():
        lines.append("")
        if seed is None:
            lines.append(f"With respect to {name}: {J} does not depend on it, so "
                         f"∂{_wrapped(J)}/∂{_wrapped(name)} = 0.")
            gradient[name] = 0.0
            continue
        tangent = passes.tangent(graph, values, seed)
        lines.append(f"With respect to {name}: {name} goes up by ε.")
        for i in range(seed + 1, out + 1):
            moving = [(position, a) for position, a in enumerate(graph.args(i)) if tangent[a]]
            if not moving:
                continue
            parts = []
            for position, a in moving:
                formula, partial = local_formula(graph, values, i, position)
                shown = f"{_wrapped(formula)} = {human_number(partial)}" if formula \
                    else human_number(partial)
                parts.append(f"{shown} times {_name(graph, a)}'s {_times_eps(tangent[a])}")
            lines.append(f"  {_definition(graph, i)} {_moves(tangent[i])}: "
                         + " plus ".join(parts) + ".")
        gradient[name] = tangent[out]
        lines.append(f"  So ∂{_wrapped(J)}/∂{_wrapped(name)} = {human_number(tangent[out])}.")
    lines.append("")
    lines.append("So " + ", ".join(f"∂{_wrapped(J)}/∂{_wrapped(name)} = {human_number(d)}"
                                   for name, d in gradient.items()) + " (forward mode: "
                 f"{len(seeds)} sweep{'s' if len(seeds) != 1 else ''}, one per input; "
                 f"reverse mode needs one for all).")
    return lines


# ---------------------------------------------------------------- --shapes

_NAME = r"([A-Za-z_]\w*|\d+(?:\.\d*)?)"
_MATMUL = re.compile(rf"{_NAME}\s*@\s*{_NAME}(?:\s*\+\s*{_NAME})?")
_CALL1 = re.compile(rf"(\w+)\(\s*{_NAME}\s*\)")
_BINARY = re.compile(rf"{_NAME}\s*([-+*])\s*{_NAME}")
NO_FORM = "(no vectorised form shown for this statement)"


def _dims(shape: tuple) -> str:
    """A shape as rows×columns, a vector being a column: (2, 3) → 2×3, (2,) → 2×1."""
    if len(shape) == 0:
        return "1×1"
    if len(shape) == 1:
        return f"{shape[0]}×1"
    return f"{shape[0]}×{shape[1]}"


def _t(shape: tuple) -> str:
    """The transpose's shape."""
    rows, columns = _dims(shape).split("×")
    return f"{columns}×{rows}"


class _Shapes:
    """What the vectorised view reads: each name's shape and element values/adjoints."""

    def __init__(self, result: Result, adjoints, J: str):
        self.graph, self.values, self.adjoints = result.graph, result.values, adjoints
        self.dJ = f"∂{_wrapped(J)}"
        self.users = [0] * len(self.graph)
        for k in range(len(self.graph)):
            for a in self.graph.args(k):
                self.users[a] += 1

    def shape(self, name: str):
        """(shape, element names) of a name, () for a scalar; None for a number
        or a name the graph lacks."""
        graph = self.graph
        if name in graph.shapes:
            shape, elements = graph.shapes[name]
            if all(e in graph.index for e in elements):
                return tuple(shape), list(elements)
            return None
        if name in graph.index:
            return (), [name]
        return None

    def value(self, element: str) -> float:
        return self.values[self.graph.index[element]]

    def adjoint(self, element: str) -> float:
        return self.adjoints[self.graph.index[element]]

    def d(self, name: str) -> str:
        return f"{self.dJ}/∂{name}"


def _product(parts: list[tuple[str, float]]) -> tuple[str, str, float]:
    """``a × b`` in names, in numbers, and its value."""
    value = 1.0
    for _, v in parts:
        value *= v
    return (" × ".join(f"({text})" if " " in text else text for text, _ in parts),
            " × ".join(_factor(v) for _, v in parts), value)


def _element_line(s: _Shapes, target: str, terms: list[list[tuple[str, float]]],
                  sign: float = 1.0) -> str:
    """One element spelled out: ∂J/∂W[0,0] = ∂J/∂z[0] × x[0] = 0.5 × 1 = 0.5."""
    products = [_product(parts) for parts in terms]
    value = sign * sum(p[2] for p in products)
    minus = "-" if sign < 0 else ""
    if len(products) == 1:
        names, numbers = products[0][0], products[0][1]
    else:
        names = " + ".join(p[0] for p in products)
        numbers = " + ".join(p[1] for p in products)
        if sign < 0:
            names, numbers = f"({names})", f"({numbers})"
    text = f"    one element: {s.d(target)} = {minus}{names}"
    if f"{minus}{numbers}" != human_number(value):
        text += f" = {minus}{numbers}"
    text += f" = {human_number(value)}"
    total = s.adjoint(target)
    if s.users[s.graph.index[target]] > 1 and not _close(total, value):
        text += f" (this statement's part; {target} feeds other nodes too: in all " \
                f"{s.d(target)} = {human_number(total)})"
    return text


def _vectorised(s: _Shapes, name: str, rhs: str) -> list[str] | None:
    """The vectorised chain rule for the statement ``name = rhs``, with shapes
    and one element spelled out; None for a form it does not cover."""
    out = s.shape(name)
    if out is None:
        return None
    shape, elements = out
    dy = s.d(name)
    lines: list[str] = []

    def rule(target: str, formula: str, shapes: str):
        lines.append(f"  {s.d(target)} = {formula}   ({_dims(s.shape(target)[0])}) = {shapes}")

    m = _MATMUL.fullmatch(rhs)
    if m:
        a, b, c = m.groups()
        A, B = s.shape(a), s.shape(b)
        if A is None or B is None or len(A[0]) != 2 or len(B[0]) not in (1, 2):
            return None
        (rows, inner), (bshape, belements) = A[0], B
        columns = 1 if len(bshape) == 1 else bshape[1]
        C = s.shape(c) if c is not None else None
        if c is not None and (C is None or C[0] not in ((), shape)):
            return None

        def y(i, k):
            return elements[i * columns + k]

        def W(i, j):
            return A[1][i * inner + j]

        def X(j, k):
            return belements[j * columns + k]

        rule(a, f"{dy} · {b}ᵀ", f"({_dims(shape)})·({_t(bshape)})")
        lines.append(_element_line(s, W(0, 0), [[(s.d(y(0, k)), s.adjoint(y(0, k))),
                                                  (X(0, k), s.value(X(0, k)))]
                                                 for k in range(columns)]))
        rule(b, f"{a}ᵀ · {dy}", f"({_t(A[0])})·({_dims(shape)})")
        lines.append(_element_line(s, X(0, 0), [[(W(i, 0), s.value(W(i, 0))),
                                                  (s.d(y(i, 0)), s.adjoint(y(i, 0)))]
                                                 for i in range(rows)]))
        if c is not None:
            _added(s, lines, rule, c, C, name, shape, elements, 1.0)
        return lines

    m = _CALL1.fullmatch(rhs)
    if m:
        f, a = m.groups()
        A = s.shape(a)
        if A is None or A[0] == ():
            return None
        ashape, aelements = A
        if f in ("sum", "mean") and shape == ():
            n = len(aelements)
            scale = "" if f == "sum" else f" / {n}"
            # 𝟏 first: a column of ones times a 1×1, so the shapes multiply as written.
            rule(a, f"𝟏 · {dy}{scale}", f"({_dims(ashape)})·(1×1)" + scale)
            parts = [(dy, s.adjoint(name))] + ([] if f == "sum" else [(f"1/{n}", 1 / n)])
            lines.append(_element_line(s, aelements[0], [parts]))
            return lines
        if f == "logsumexp" and shape == ():
            rule(a, f"{dy} · softmax({a})", f"(1×1)·({_dims(ashape)})")
            p0 = math.exp(s.value(aelements[0]) - s.value(name))
            lines.append(_element_line(s, aelements[0], [[(dy, s.adjoint(name)),
                                                          (f"exp({aelements[0]} - {name})", p0)]]))
            return lines
        if f == "softmax" and shape == ashape:
            rule(a, f"{name} ⊙ ({dy} - {name}ᵀ · {dy})",
                 f"({_dims(shape)}) ⊙ (({_dims(shape)}) - ({_t(shape)})·({_dims(shape)}))")
            inner = sum(s.value(e) * s.adjoint(e) for e in elements)
            p0, d0 = s.value(elements[0]), s.adjoint(elements[0])
            value = p0 * (d0 - inner)
            line = (f"    one element: {s.d(aelements[0])} = {elements[0]} × ({s.d(elements[0])} - "
                    f"{name}ᵀ · {dy}) = {_factor(p0)} × ({human_number(d0)} - {_factor(inner)}) "
                    f"= {human_number(value)}")
            total = s.adjoint(aelements[0])
            if s.users[s.graph.index[aelements[0]]] > 1 and not _close(total, value):
                line += (f" (this statement's part; in all {s.d(aelements[0])} = "
                         f"{human_number(total)})")
            lines.append(line)
            return lines
        op = ops.FUNCTIONS.get(f)
        if op is None or shape != ashape:
            return None
        nodes = [s.graph.index[e] for e in elements]
        if any(s.graph.args(k) != (s.graph.index[e],) for k, e in zip(nodes, aelements)):
            return None
        rule(a, f"{dy} ⊙ {f}'({a})", f"({_dims(shape)}) ⊙ ({_dims(ashape)})")
        formula, partial = local_formula(s.graph, s.values, nodes[0], 0)
        lines.append(_element_line(s, aelements[0], [[(s.d(elements[0]), s.adjoint(elements[0])),
                                                       (formula or human_number(partial), partial)]]))
        return lines

    m = _BINARY.fullmatch(rhs)
    if m:
        a, operator, b = m.groups()
        A, B = s.shape(a), s.shape(b)
        for operand in (A, B):
            if operand is not None and operand[0] not in ((), shape):
                return None
        if a == b:  # d * d: both arguments are the same name
            if operator != "*" or A is None or A[0] != shape:
                return None
            rule(a, f"2 · {dy} ⊙ {a}", f"(1×1)·({_dims(shape)}) ⊙ ({_dims(shape)})")
            lines.append(_element_line(s, A[1][0], [[("2", 2.0), (s.d(elements[0]),
                                                                  s.adjoint(elements[0])),
                                                     (A[1][0], s.value(A[1][0]))]]))
            return lines
        if operator in "+-":
            if A is not None:
                _added(s, lines, rule, a, A, name, shape, elements, 1.0)
            if B is not None:
                _added(s, lines, rule, b, B, name, shape, elements, 1.0 if operator == "+" else -1.0)
            return lines or None
        for me, other, ME, OTHER in ((a, b, A, B), (b, a, B, A)):
            if ME is None:
                continue
            if OTHER is None:  # a number
                number = float(other)
                rule(me, f"{dy} · {other}" if ME[0] == () else f"{other} · {dy}",
                     f"({_dims(shape)})·(1×1)" if ME[0] == () else f"(1×1)·({_dims(shape)})")
                if ME[0] == ():
                    terms = [[(s.d(e), s.adjoint(e)), (other, number)] for e in elements]
                else:
                    terms = [[(other, number), (s.d(elements[0]), s.adjoint(elements[0]))]]
            elif ME[0] == shape and OTHER[0] == shape:
                rule(me, f"{dy} ⊙ {other}", f"({_dims(shape)}) ⊙ ({_dims(shape)})")
                terms = [[(s.d(elements[0]), s.adjoint(elements[0])),
                          (OTHER[1][0], s.value(OTHER[1][0]))]]
            elif ME[0] == shape:  # the other is a scalar
                rule(me, f"{dy} · {other}", f"({_dims(shape)})·(1×1)")
                terms = [[(s.d(elements[0]), s.adjoint(elements[0])), (other, s.value(other))]]
            else:  # me is a scalar, the other a vector or matrix
                if len(shape) > 1:
                    return None
                rule(me, f"{other}ᵀ · {dy}", f"({_t(shape)})·({_dims(shape)})")
                terms = [[(o, s.value(o)), (s.d(e), s.adjoint(e))]
                         for o, e in zip(OTHER[1], elements)]
            lines.append(_element_line(s, ME[1][0], terms))
        return lines or None
    return None


def _added(s: _Shapes, lines, rule, c: str, C, name: str, shape, elements, sign: float):
    """∂J/∂c for ``name = ... ± c``: ∂J/∂name itself, or summed when c is a scalar."""
    dy = s.d(name)
    minus = "-" if sign < 0 else ""
    if C[0] == shape:
        rule(c, f"{minus}{dy}", f"{minus}({_dims(shape)})")
        lines.append(_element_line(s, C[1][0], [[(s.d(elements[0]), s.adjoint(elements[0]))]], sign))
    else:
        rule(c, f"{minus}𝟏ᵀ · {dy}", f"{minus}({_t(shape)})·({_dims(shape)})")
        lines.append(_element_line(s, C[1][0], [[(s.d(e), s.adjoint(e))] for e in elements], sign))


def explain_shapes(result: Result) -> list[str]:
    """The vectorised view of the chain rule for each statement that makes or
    reads a vector or matrix (``∂L/∂W = ∂L/∂z · xᵀ``, shapes ``(2×3) = (2×1)·(1×3)``),
    right to left, each with one element spelled out in the per-element
    numbers. Vectors are columns. Returns lines (none for a scalar program)."""
    from .parser import parse

    graph = result.graph
    if not graph.shapes:
        return []
    program = parse(graph.source)
    st = program.statements
    adjoints = passes.reverse(graph, result.values)
    J = _name(graph, graph.output)
    s = _Shapes(result, adjoints, J)
    found = []
    for k in range(len(st)):
        name = st.name[k]
        if name is None or name in graph.inputs or name in graph.shapes and \
                graph.shapes[name][1][0] in graph.inputs:
            continue
        out = s.shape(name)
        top = st.top[k]
        rhs = graph.source[program.start[top]:program.end[top]].strip()
        reads = [w for w in re.findall(r"[A-Za-z_]\w*", rhs) if w in graph.shapes]
        if out is None:  # some elements are not needed: no rule for the whole
            present = [graph.index[e] for e in graph.shapes.get(name, ((), []))[1]
                       if e in graph.index]
            if present:
                found.append((max(present), name, rhs))
            continue
        if out[0] or reads:
            found.append((graph.index[out[1][-1]], name, rhs))
    if not found:
        return []
    lines = ["", "The same, vectorised (--shapes): vectors are columns, ᵀ transposes, "
                 "· is the matrix product, ⊙ the elementwise one, 𝟏 a vector of ones; "
                 "shapes are rows×columns. Each rule is followed by one element spelled "
                 "out with this program's numbers."]
    for _, name, rhs in sorted(found, reverse=True):
        lines.append("")
        out = s.shape(name)
        if out is None:
            lines += [f"{name} = {rhs}", "  " + NO_FORM + ": only some of its elements "
                      "are needed"]
            continue
        lines.append(f"{name} = {rhs}   ({name}: {_dims(out[0])})")
        try:
            rules = _vectorised(s, name, rhs)
        except (KeyError, IndexError, ValueError, ZeroDivisionError, OverflowError):
            rules = None
        lines.extend(rules if rules else ["  " + NO_FORM])
    return lines
