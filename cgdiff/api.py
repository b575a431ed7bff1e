"""The library behind the commands: text in, values and derivatives out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from . import graphcache, passes
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
    return Result(graph, inputs, passes.forward(graph, inputs))


def differentiate(source: str | Graph, settings: Mapping[str, float] | None = None,
                  of: str | None = None, wrt: Iterable[str] | None = None,
                  mode: str = "reverse", progress: PhaseHook = _no_progress) -> Result:
    """Forward pass, then the derivatives of the output with respect to ``wrt``
    (default: every input) by reverse mode (one sweep) or forward mode (one
    sweep per name)."""
    result = evaluate(source, settings, of, progress)
    graph, values = result.graph, result.values
    targets = graph.targets(wrt)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    result.mode = mode
    progress("reverse" if mode == "reverse" else "forward mode")
    if mode == "reverse":
        result.adjoints = passes.reverse(graph, values, wrt=targets.values())
    derivatives = passes.gradient(graph, values, targets.values(), mode, result.adjoints)
    result.gradient = dict(zip(targets, derivatives))
    return result

