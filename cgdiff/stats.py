"""What derivatives cost, counted while the passes run (``cgdiff grad --stats``).

The lecture's claim: backprop gets every derivative in about n + p steps, where
the naive way needs about n·p. Rather than print those formulas, cgdiff runs
the real passes on a copy of the graph whose ops count their own calls: every
operation evaluated (forward pass, finite differences) and every local
derivative computed (one per argument of a node: reverse mode, forward mode).
The passes themselves are untouched, so counting costs nothing when it is not
asked for.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Iterable, Mapping

from . import passes
from .check import step_for
from .errors import CgdiffError
from .graph import Graph

#: Forward mode and finite differences take about n·p operations; past this
#: many, --stats says so instead of running them.
WORK_LIMIT = 50_000_000


@dataclass
class Stats:
    nodes: int  # n
    inputs: int  # p: the inputs differentiated with respect to
    forward_values: int  # operations evaluated by one forward pass
    reverse_partials: int  # local derivatives computed by one reverse sweep
    forward_mode_partials: int | None  # ... by forward mode, one sweep per input
    finite_difference_values: int | None  # operations evaluated by 2 passes per input

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


class _Counter:
    __slots__ = ("count",)

    def __init__(self):
        self.count = 0


def counting_graph(graph: Graph, counter: _Counter) -> Graph:
    """A shallow copy of ``graph`` whose ops add to ``counter``: 1 per value
    computed, 1 per local derivative (per argument) computed. Leaves (inputs,
    constants) are shared as they are, so passes still recognise them."""
    wrapped: dict[int, object] = {}

    def counting(op):
        if op.value is None:
            return op
        if id(op) not in wrapped:
            value, partials, arity = op.value, op.partials, op.arity

            def counted_value(*args):
                counter.count += 1
                return value(*args)

            def counted_partials(*args):
                counter.count += arity
                return partials(*args)

            wrapped[id(op)] = dataclasses.replace(op, value=counted_value,
                                                  partials=counted_partials)
        return wrapped[id(op)]

    counted = copy.copy(graph)
    counted.op = [counting(op) for op in graph.op]
    return counted


def measure(graph: Graph, inputs: Mapping[str, float], wrt: Iterable[str] | None = None,
            work_limit: int = WORK_LIMIT) -> Stats:
    """Run the forward pass, one reverse sweep, forward mode for every input in
    ``wrt`` (default: all) and central differences for each, counting."""
    counter = _Counter()
    counted = counting_graph(graph, counter)
    targets = graph.targets(wrt)
    names = list(targets)
    seeds = [node for node in targets.values() if node is not None]

    values = passes.forward(counted, inputs)
    forward_values = counter.count
    counter.count = 0
    passes.reverse(counted, values)
    reverse_partials = counter.count

    forward_mode = finite_differences = None
    if len(graph) * max(1, len(seeds)) <= work_limit:
        counter.count = 0
        for node in seeds:
            passes.tangent(counted, values, node)
        forward_mode = counter.count
        counter.count = 0
        for name in names:
            if name not in inputs:
                continue
            try:
                passes.central_difference(counted, inputs, name, step_for(inputs[name]))
            except CgdiffError:
                pass  # x ± h outside the domain: the passes that ran are counted
        finite_differences = counter.count
    return Stats(len(graph), len(names), forward_values, reverse_partials, forward_mode,
                 finite_differences)
