"""Expected numbers: ``--expect 'c=-4,dJ/dw=-4'`` on ``eval`` and ``grad``.

An expectation names a node's value (``c=-4``, by name or by id, ``#7``) or a
derivative of the output (``dJ/dw=-4``, ``∂J/∂w=-4``), and a number. Each is
compared with the computed one within ``rtol``/``atol`` (as ``check`` does);
the command shows ✓ or ✗ beside its table and exits 3 if one does not hold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

from . import passes
from .api import Result
from .check import ATOL, RTOL, agree
from .errors import NamingError
from .text import clip

_DERIVATIVE = re.compile(r"[d∂](\S+?)/[d∂](\S+)")


@dataclass(frozen=True)
class Expectation:
    text: str  #: as written, ``dJ/dw``
    kind: str  #: "value" or "grad"
    node: str  #: the node's name or id
    expected: float
    out: str | None = None  #: for "grad": the output it names


@dataclass
class Outcome:
    expectation: Expectation
    actual: float | None  #: None: the derivative does not exist here
    ok: bool


def parse(item: str, expected: float) -> Expectation:
    """``dJ/dw`` (or ``∂J/∂w``) → a derivative; any other text → a node."""
    text = item.strip()
    match = _DERIVATIVE.fullmatch(text)
    if match:
        return Expectation(text, "grad", match.group(2), expected, match.group(1))
    return Expectation(text, "value", text, expected)


def _node(result: Result, name: str, text: str) -> int | None:
    graph = result.graph
    if name.startswith("#"):
        for i in range(len(graph)):
            if graph.node_id(i) == name:
                return i
        raise NamingError(f"--expect {clip(text)}: the graph has no node {clip(name)}")
    return graph.find(name, "--expect")


def judge(result: Result, expectations: Iterable[Expectation], rtol: float = RTOL,
          atol: float = ATOL) -> list[Outcome]:
    """Each expectation against ``result`` (from eval or grad; the reverse pass
    is run here if the result has none)."""
    graph = result.graph
    out_name = graph.name_of.get(graph.output)
    outcomes = []
    adjoints = result.adjoints
    for e in expectations:
        node = _node(result, e.node, e.text)
        if e.kind == "value":
            if node is None:  # a name the output does not need: its own graph
                from .api import evaluate

                actual = evaluate(graph.source, result.inputs, of=e.node).value
            else:
                actual = result.values[node]
        else:
            if e.out != out_name and e.out != graph.node_id(graph.output):
                shown = out_name if out_name is not None else "unnamed"
                raise NamingError(f"--expect {clip(e.text)}: the output is {shown}, not "
                                  f"{clip(e.out)} (--of {clip(e.out)} makes it the output)")
            if adjoints is None:
                adjoints = passes.reverse(graph, result.values)
            actual = 0.0 if node is None else adjoints[node]
            if actual != actual:
                actual = None
        ok = actual is not None and math.isfinite(actual) and agree(actual, e.expected,
                                                                     rtol, atol)
        outcomes.append(Outcome(e, actual, ok))
    return outcomes


def failures(outcomes: list[Outcome]) -> str:
    """The error paragraph's text for the expectations that do not hold."""
    from .text import human_number

    bad = [o for o in outcomes if not o.ok]
    noun = "expectation does" if len(outcomes) == 1 else "expectations do"
    if len(bad) == 1 and len(outcomes) > 1:
        noun = "expectations does"
    shown = "; ".join(f"{o.expectation.text}: expected {human_number(o.expectation.expected)}, "
                      f"got {human_number(o.actual) if o.actual is not None else 'none'}"
                      for o in bad)
    return f"{len(bad)} of {len(outcomes)} {noun} not hold: {shown}"
