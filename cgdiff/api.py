"""The library behind the commands: text in, values and derivatives out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from . import passes
from .errors import DomainProblem
from .graph import Graph, build_graph
from .parser import parse


@dataclass
class Result:
    """A graph with its forward pass and, for ``differentiate``, derivatives."""

    graph: Graph
    inputs: dict[str, float]
    values: list[float]
    #: ∂output/∂node for every node (reverse mode only; nan where none exists)
    adjoints: list[float] | None = None
    #: ∂output/∂name for each requested name, in the order asked
    gradient: dict[str, float] | None = None
    mode: str = "reverse"

    @property
    def output(self) -> int:
        return self.graph.output

    @property
    def value(self) -> float:
        return self.values[self.graph.output]


#: Told the name of each phase as it starts ("parse", "build", "forward",
#: "reverse", "forward mode"), so that a caller can show progress.
PhaseHook = Callable[[str], None]


def _no_progress(phase: str) -> None:
    pass


def load(source: str, of: str | None = None, progress: PhaseHook = _no_progress) -> Graph:
    """Parse ``source`` and build the graph of the output ``of``."""
    progress("parse")
    program = parse(source)
    progress("build")
    return build_graph(program, of)


def evaluate(source: str | Graph, settings: Mapping[str, float] | None = None,
             of: str | None = None, progress: PhaseHook = _no_progress) -> Result:
    """The forward pass: every node's value."""
    graph = source if isinstance(source, Graph) else load(source, of, progress)
    inputs = passes.input_values(graph, settings or {})
    progress("forward")
    return Result(graph, inputs, passes.forward(graph, inputs))


def derivative_error(graph: Graph, values: list[float], nodes: Mapping[str, int | None],
                     adjoints: list[float] | None = None) -> DomainProblem:
    """The error for derivatives of which one is not finite: the same error in
    both modes, from the reverse pass (which raises for one that overflows) and
    the first name, in the order asked, whose derivative does not exist."""
    if adjoints is None:
        adjoints = passes.reverse(graph, values, wrt=nodes.values())
    for name, node in nodes.items():
        if node is None:
            continue
        d = adjoints[node]
        if d != d:
            return passes.undefined_derivative(graph, values, adjoints, node)
        if math.isinf(d):
            return DomainProblem(f"the derivative with respect to {name} is not finite")
    return DomainProblem("a derivative is not finite here (the forward and reverse passes "
                         "disagree: an intermediate product overflowed in one of them)")


def differentiate(source: str | Graph, settings: Mapping[str, float] | None = None,
                  of: str | None = None, wrt: Iterable[str] | None = None,
                  mode: str = "reverse", progress: PhaseHook = _no_progress) -> Result:
    """Forward pass, then the derivatives of the output with respect to ``wrt``
    (default: every input) by reverse mode (one sweep) or forward mode (one
    sweep per name)."""
    result = evaluate(source, settings, of, progress)
    graph, values = result.graph, result.values
    names = list(dict.fromkeys(wrt)) if wrt is not None else list(graph.inputs)
    nodes = {name: graph.find(name, "--wrt") for name in names}
    result.mode = mode
    progress("reverse" if mode == "reverse" else "forward mode")
    if mode == "reverse":
        result.adjoints = passes.reverse(graph, values, wrt=nodes.values())
        derivative_of = result.adjoints.__getitem__
    elif mode == "forward":
        def derivative_of(node):
            return passes.tangent(graph, values, node)[graph.output]
    else:
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    gradient = {}
    for name, node in nodes.items():
        if node is None:  # the output does not depend on it
            gradient[name] = 0.0
            continue
        d = derivative_of(node)
        if not math.isfinite(d):
            raise derivative_error(graph, values, nodes, result.adjoints)
        gradient[name] = d
    result.gradient = gradient
    return result

