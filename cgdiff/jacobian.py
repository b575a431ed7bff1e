"""The Jacobian ∂outputs/∂inputs of a program with several outputs.

Reverse mode runs one sweep per output (a row each); forward mode one tangent
sweep per input (a column each). ``auto`` picks the one with fewer sweeps:
reverse when there are no more outputs than inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from . import passes
from .api import evaluate
from .graph import Graph


@dataclass
class Jacobian:
    graph: Graph
    #: the outputs (rows) and the inputs (columns)
    outputs: list[str]
    names: list[str]
    #: each output's value
    values: list[float]
    #: matrix[row][column] = ∂outputs[row]/∂names[column]
    matrix: list[list[float]]
    #: the mode used: "reverse" or "forward"
    mode: str
    #: what each mode costs on this program (``--stats``), or None
    counts: dict | None = None


def costs(graph: Graph, outputs: int, inputs: int) -> dict:
    """Sweeps and node visits of each mode for this many outputs and inputs."""
    n = len(graph)
    return {"nodes": n, "outputs": outputs, "inputs": inputs,
            "reverse": {"sweeps": outputs, "node_visits": outputs * n},
            "forward": {"sweeps": inputs, "node_visits": inputs * n}}


def jacobian(source: str | Graph, settings: Mapping[str, float] | None = None,
             of=None, wrt: Iterable[str] | None = None, mode: str = "auto",
             stats: bool = False) -> Jacobian:
    result = evaluate(source, settings, of)
    graph, values = result.graph, result.values
    targets = graph.targets(wrt)
    outputs = graph.outputs or [graph.output]
    output_names = graph.output_names or [graph.output_name()]
    if mode == "auto":
        mode = "reverse" if len(outputs) <= len(targets) else "forward"
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'auto', 'reverse' or 'forward', not {mode!r}")
    nodes = list(targets.values())
    matrix: list[list[float]] = []
    if mode == "reverse":
        for output in outputs:
            adjoints = passes.reverse(graph, values, output, wrt=nodes)
            row = [adjoints[node] if node is not None else 0.0 for node in nodes]
            if not all(math.isfinite(d) for d in row):
                passes.gradient(graph, values, nodes, "reverse", adjoints)  # its error
            matrix.append(row)
    else:
        columns = []
        for node in nodes:
            tangent = passes.tangent(graph, values, node) if node is not None else None
            columns.append([tangent[o] if tangent is not None else 0.0 for o in outputs])
        matrix = [[column[r] for column in columns] for r in range(len(outputs))]
        for r, output in enumerate(outputs):
            if not all(math.isfinite(d) for d in matrix[r]):
                adjoints = passes.reverse(graph, values, output, wrt=nodes)
                passes.gradient(graph, values, nodes, "reverse", adjoints)  # its error
    return Jacobian(graph, list(output_names), list(targets), [values[o] for o in outputs],
                    matrix, mode, costs(graph, len(outputs), len(targets)) if stats else None)


from ._callable import make_callable  # noqa: E402  (cgdiff.jacobian(...) is the Python API's)

make_callable(__name__)
