"""Checking derivatives: reverse mode beside central finite differences, and the
lecture's nudge ("if w goes from 2 to 2.001, J goes from 2 to 1.996002").

The finite difference for an input x is (J(x + h) - J(x - h)) / 2h. Its error
has two parts: truncation, which shrinks like h², and rounding, which grows
like ε·|J|/h (ε = 2.2e-16, the float spacing at 1). They balance near
h = ε^(1/3) ≈ 6e-6, and that is relative: the spacing of floats near x grows
with |x|, so the step is h = H·max(1, |x|). The step is also rounded so that
x + h is exactly representable, which removes one more rounding error.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from . import passes
from .api import Result
from .errors import CgdiffError, DomainError, NamingError
from .text import as_float, clip

#: The default relative step: the cube root of the float epsilon (≈ 6.06e-6).
RELATIVE_STEP = sys.float_info.epsilon ** (1 / 3)
#: The default relative tolerance.
RTOL = 1e-5
#: The default absolute tolerance (for derivatives near 0).
ATOL = 1e-8


@dataclass
class Row:
    """One input's check."""

    name: str
    value: float
    derivative: float  # reverse mode
    step: float
    #: central finite difference; None when x ± h leaves the domain
    difference: float | None
    abs_error: float | None = None
    rel_error: float | None = None
    ok: bool | None = None  # None: could not be checked (or a kink, unless strict)
    note: str = ""
    #: at a kink, tie or jump: the one-sided differences (J(x) - J(x - h))/h
    #: and (J(x + h) - J(x))/h, which disagree
    left: float | None = None
    right: float | None = None

    @property
    def kink(self) -> bool:
        return self.left is not None


@dataclass
class Nudge:
    """The output before and after moving some inputs, and the change the
    derivatives predict (∂J/∂x·Δx summed over the nudged inputs)."""

    deltas: dict[str, float]
    before: float
    after: float | None
    predicted: float
    #: name → (value before, value after)
    moves: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: name → ∂output/∂name, for the nudged inputs the output depends on
    derivatives: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def change(self) -> float | None:
        return None if self.after is None else self.after - self.before


@dataclass
class Report:
    output: str
    value: float
    rows: list[Row]
    rtol: float
    atol: float
    relative_step: float
    nudge: Nudge | None = None

    @property
    def ok(self) -> bool:
        """No input disagrees (an input that could not be checked does not fail)."""
        return all(row.ok is not False for row in self.rows)


def step_for(x: float, relative_step: float = RELATIVE_STEP) -> float:
    """h = H·max(1, |x|), rounded so that x + h - x == h exactly."""
    h = relative_step * max(1.0, abs(x))
    h = (x + h) - x
    if not h > 0:
        raise ValueError(f"the relative step {relative_step!r} does not move x = {x!r}; "
                         "it must be at least 1e-15")
    return h


def agree(derivative: float, difference: float, rtol: float, atol: float) -> bool:
    return abs(derivative - difference) <= atol + rtol * max(abs(derivative), abs(difference))


def check(result: Result, wrt: Iterable[str] | None = None,
          relative_step: float = RELATIVE_STEP, rtol: float = RTOL, atol: float = ATOL,
          nudges: Mapping[str, float] | None = None, strict: bool = False) -> Report:
    """Compare ``result``'s reverse-mode gradient (from
    :func:`cgdiff.api.differentiate`) with central finite differences, input
    by input; with ``nudges``, also move those inputs and compare.

    Where the point sits on a kink, tie or jump (an op table ``kink``) and an
    input's one-sided differences disagree, the derivative is a convention:
    the row is marked as a kink with both one-sided differences instead of
    failing (``strict``: it fails)."""
    from .kinks import find

    graph = result.graph
    on_kink = bool(find(graph, result.values))
    names = list(result.gradient)  # differentiate's targets: ``wrt``, once each, in order
    moved = sum(name in result.inputs for name in names)
    passes.refuse_past_limit(2 * len(graph) * moved,  # two forward passes per input
                             f"finite differences for {moved:,} inputs of {len(graph):,} nodes")
    rows = []
    for name in names:
        derivative = result.gradient[name]
        if name not in result.inputs and name in graph.index:
            rows.append(Row(name, result.values[graph.index[name]], derivative, 0.0, None,
                            note="a statement, not an input: finite differences move inputs"))
            continue
        if name not in result.inputs:  # the output does not depend on it
            rows.append(Row(name, math.nan, derivative, 0.0, 0.0, 0.0, 0.0, derivative == 0.0,
                            "the output does not depend on it"))
            continue
        x = result.inputs[name]
        row = Row(name, x, derivative, step_for(x, relative_step), None)
        try:
            row.difference = passes.central_difference(graph, result.inputs, name, row.step)
        except CgdiffError as error:
            # Near a domain edge (log(x) at x = 1e-7), a step relative to |x| alone
            # may stay inside.
            small = (x + relative_step * abs(x)) - x
            row.note = f"{name} ± h leaves the domain: {error.message}"
            if 0 < small < row.step:
                try:
                    row.difference = passes.central_difference(graph, result.inputs, name, small)
                    row.step = small
                    row.note = (f"step H·|{name}| instead: {name} ± H·max(1, |{name}|) "
                                f"leaves the domain")
                except CgdiffError:
                    pass
        if row.difference is not None:
            row.abs_error = abs(derivative - row.difference)
            scale = max(abs(derivative), abs(row.difference))
            row.rel_error = row.abs_error / scale if scale else 0.0
            row.ok = agree(derivative, row.difference, rtol, atol)
            if on_kink:
                _one_sided(graph, result, row, rtol, atol, strict)
        rows.append(row)
    name_of_output = graph.name_of.get(graph.output) or f"({clip(graph.label(graph.output), 24)})"
    report = Report(name_of_output, result.value, rows, rtol, atol, relative_step)
    if nudges:
        report.nudge = nudge(result, nudges)
    return report


def _one_sided(graph, result: Result, row: Row, rtol: float, atol: float, strict: bool) -> None:
    """At a kink: both one-sided differences; if they disagree, a kink."""
    from .text import human_number as h

    inputs, name, step = result.inputs, row.name, row.step
    out = graph.output
    try:
        up = dict(inputs)
        up[name] = inputs[name] + step
        down = dict(inputs)
        down[name] = inputs[name] - step
        right = (passes.forward(graph, up)[out] - result.value) / step
        left = (result.value - passes.forward(graph, down)[out]) / step
    except CgdiffError:
        return
    if agree(left, right, rtol, atol):
        return
    row.left, row.right = left, right
    failed = strict and not row.ok
    row.ok = row.ok if strict else None
    row.note = (f"a kink: the one-sided differences are {h(left)} (left) and {h(right)} "
                f"(right); {h(row.derivative)} is the convention used there"
                + (" (--strict: a failure)" if failed else ""))


def nudge(result: Result, deltas: Mapping[str, float]) -> Nudge:
    """Move each input by its delta at once and run the forward pass again."""
    graph = result.graph
    deltas = {name: as_float(name, delta) for name, delta in deltas.items()}
    adjoints = result.adjoints if result.adjoints is not None else \
        passes.reverse(graph, result.values)
    moved = dict(result.inputs)
    predicted = 0.0
    moves = {}
    derivatives = {}
    for name, delta in deltas.items():
        if name not in graph.inputs:
            what = ("a statement, not an input" if name in graph.statement_names
                    else "not a name in the program")
            raise NamingError(f"--nudge {clip(name)}: '{clip(name)}' is {what}")
        if name not in moved:  # the output does not depend on it
            continue
        moves[name] = (moved[name], moved[name] + delta)
        moved[name] += delta
        derivative = adjoints[graph.index[name]]
        if derivative != derivative:
            raise DomainError(f"--nudge {clip(name)}: the derivative with respect to "
                                f"{clip(name)} does not exist here")
        derivatives[name] = derivative
        predicted += derivative * delta
    result_nudge = Nudge(dict(deltas), result.value, None, predicted, moves, derivatives)
    try:
        result_nudge.after = passes.forward(graph, moved)[graph.output]
    except CgdiffError as error:
        result_nudge.note = f"the nudged point is outside the domain: {error.message}"
    return result_nudge


from ._callable import make_callable  # noqa: E402  (cgdiff.check(...) is the Python API's)

make_callable(__name__)
