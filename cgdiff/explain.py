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

import re
from typing import Iterable, Sequence

from . import ops, passes
from .api import Result
from .errors import CgdiffError
from .text import enclosed
from .text import human_number

#: How far the closing check moves each input: the lecture's 2 → 2.001.
NUDGE = 0.001

_SIMPLE = re.compile(r"[\w.]+")
_CALL = re.compile(r"\w+\(")
_ARGUMENT = re.compile(r"\b(a|b|out)\b")


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
    """``2ε``, ``ε``, ``-ε``, ``-0.5ε``."""
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
    # ``out`` reads as the node's own formula: sigmoid(z)*(1 - sigmoid(z)).
    names = {"a": _name(graph, args[0]), "out": graph.short_label(user)}
    if len(args) > 1:
        names["b"] = _name(graph, args[1])
    text = op.derivative[position] if position < len(op.derivative) else ""

    def put_in(match):
        name = names.get(match.group(), match.group())
        inside_call = (text[match.start() - 1:match.start()] == "("
                       and text[match.end():match.end() + 1] == ")")
        return name if inside_call else _wrapped(name)

    formula = _ARGUMENT.sub(put_in, text)
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
