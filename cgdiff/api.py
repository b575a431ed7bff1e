"""The library behind the commands: text in, values and derivatives out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from . import graphcache, passes
from .errors import DomainError
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
    #: forward mode: input name → ∂node/∂input for every node (its tangents)
    tangents: dict[str, list[float]] | None = None
    #: several outputs (``--of u,v``): output → ∂output/∂node for every node
    #: (reverse mode), and output → its gradient; None for one output
    adjoint_columns: dict[str, list[float]] | None = None
    gradients: dict[str, dict[str, float]] | None = None

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


def load(source: str, of: str | list[str] | None = None,
         progress: PhaseHook = _no_progress, given=(), cache: bool | None = None) -> Graph:
    """Parse ``source`` and build the graph of the output ``of`` (or outputs).
    ``given``: the names that will get values (they give vector inputs their
    shapes, ``W[0,1]``). A big program's graph comes from the warm-run cache
    when it is there (:mod:`cgdiff.graphcache`; ``cache=False`` or
    CGDIFF_NO_CACHE=1 turn it off)."""
    use_cache = len(source) >= graphcache.THRESHOLD and graphcache.enabled(cache)
    if use_cache:
        progress("cache")
        graph = graphcache.fetch(source, of, given)
        if graph is not None:
            return graph
    progress("parse")
    program = parse(source)
    progress("build")
    graph = build_graph(program, of, given)
    if use_cache:
        graphcache.store(graph, source, of, given)
    return graph


def evaluate(source: str | Graph, settings: Mapping[str, float] | None = None,
             of: str | None = None, progress: PhaseHook = _no_progress) -> Result:
    """The forward pass: every node's value."""
    graph = source if isinstance(source, Graph) else load(source, of, progress,
                                                          given=list(settings or ()))
    inputs = passes.input_values(graph, settings or {})
    progress("forward")
    with _hinted(graph, inputs):
        return Result(graph, inputs, passes.forward(graph, inputs))


class _hinted:
    """A domain error of the passes gets the rewrite hints that would avoid
    it (``log(1 + exp(x))`` overflowing at x = 800: use softplus(x))."""

    def __init__(self, graph: Graph, inputs: Mapping[str, float]):
        self.graph, self.inputs = graph, inputs

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, DomainError) and not error.hints:
            from .patterns import attach_hints

            attach_hints(self.graph, self.inputs, error)
        return False


def differentiate(source: str | Graph, settings: Mapping[str, float] | None = None,
                  of: str | None = None, wrt: Iterable[str] | None = None,
                  mode: str = "reverse", progress: PhaseHook = _no_progress) -> Result:
    """Forward pass, then the derivatives of the output with respect to ``wrt``
    (default: every input) by reverse mode (one sweep) or forward mode (one
    sweep per name)."""
    result = evaluate(source, settings, of, progress)
    graph = result.graph
    targets = graph.targets(wrt)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    result.mode = mode
    progress("reverse" if mode == "reverse" else "forward mode")
    with _hinted(graph, result.inputs):
        return _derivatives(result, targets, mode)


def _derivatives(result: Result, targets: dict, mode: str) -> Result:
    graph, values = result.graph, result.values
    outputs = graph.outputs or [graph.output]
    if len(outputs) > 1:
        _several_outputs(result, targets, mode)
        return result
    if mode == "reverse":
        result.adjoints = passes.reverse(graph, values, wrt=targets.values())
        derivatives = passes.gradient(graph, values, targets.values(), mode, result.adjoints)
    else:
        result.tangents = tangents = _tangents(graph, values, targets)
        derivatives = [tangents[name][graph.output] if node is not None else 0.0
                       for name, node in targets.items()]
        if not all(math.isfinite(d) for d in derivatives):
            derivatives = passes.gradient(graph, values, targets.values(), mode)  # its error
    result.gradient = dict(zip(targets, derivatives))
    return result


def _tangents(graph: Graph, values: list[float], targets: dict) -> dict[str, list[float]]:
    """Forward mode: one tangent sweep per input, ∂node/∂input for every node."""
    zero = None
    tangents = {}
    for name, node in targets.items():
        if node is None:
            if zero is None:
                zero = [0.0] * len(graph)
            tangents[name] = zero
        else:
            tangents[name] = passes.tangent(graph, values, node)
    return tangents


def _several_outputs(result: Result, targets: dict, mode: str) -> None:
    """The gradient of each output: one reverse sweep per output, or one
    forward sweep per input read at every output."""
    graph, values = result.graph, result.values
    result.adjoint_columns, result.gradients = {}, {}
    if mode == "forward":
        result.tangents = tangents = _tangents(graph, values, targets)
    for name, output in zip(graph.output_names, graph.outputs):
        if mode == "reverse":
            adjoints = passes.reverse(graph, values, output, wrt=targets.values())
            result.adjoint_columns[name] = adjoints
            derivatives = [adjoints[node] if node is not None else 0.0
                           for node in targets.values()]
        else:
            derivatives = [tangents[t][output] if node is not None else 0.0
                           for t, node in targets.items()]
        if not all(math.isfinite(d) for d in derivatives):
            adjoints = passes.reverse(graph, values, output, wrt=targets.values())
            passes.gradient(graph, values, targets.values(), "reverse", adjoints)  # its error
        result.gradients[name] = dict(zip(targets, derivatives))
    first = graph.output_names[0]
    result.gradient = result.gradients[first]
    if mode == "reverse":
        result.adjoints = result.adjoint_columns[first]
