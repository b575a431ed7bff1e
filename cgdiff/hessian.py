"""Second derivatives: the reverse pass run over the derivative's own graph.

``grad --symbolic`` builds ∂J/∂x_i as formulas (:mod:`cgdiff.symbolic`). Those
formulas are a computation graph made of the same ops, so one forward pass
gives every ∂J/∂x_i at the point, and one ordinary reverse pass from ∂J/∂x_i
gives row i of the Hessian, ∂²J/∂x_i∂x_j for every j. That is p reverse sweeps
for p inputs, each over a graph a small multiple of the program's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from . import ops, passes, symbolic
from .errors import DomainError, LimitError, NamingError
from .formula import extract
from .graph import Graph
from .text import clip


#: The most entries of a Hessian (2,000 inputs): p² numbers, about 32 bytes
#: each as Python floats, 128 MB at this limit.
MAX_ENTRIES = 4_000_000
#: About how many times larger the derivative's formulas are than the program,
#: for the estimate of the work before they are built.
FORMULA_GROWTH = 3


@dataclass
class Hessian:
    """The output's value, gradient and Hessian at one point."""

    graph: Graph
    inputs: dict[str, float]
    value: float
    names: list[str]
    gradient: dict[str, float]
    #: matrix[i][j] = ∂²output/∂names[i]∂names[j]
    matrix: list[list[float]]


def hessian(source: str | Graph, settings: Mapping[str, float] | None = None,
            of: str | None = None, wrt: Iterable[str] | None = None) -> Hessian:
    """The Hessian of the output with respect to ``wrt`` (default: every input)."""
    from .api import differentiate, evaluate

    result = evaluate(source, settings, of)
    graph = result.graph
    names = list(graph.targets(wrt))  # an error for a name the program lacks
    inputs = set(graph.inputs)
    for name in names:
        if name not in inputs:
            raise NamingError(f"--wrt {clip(name)}: '{clip(name)}' is a statement; the Hessian "
                              "is taken with respect to inputs")
    p = len(names)
    if p * p > MAX_ENTRIES:
        raise LimitError(f"the Hessian with respect to {p:,} inputs has {p * p:,} entries, "
                         f"more than the {MAX_ENTRIES:,} cgdiff makes (each takes about 32 "
                         f"bytes as a Python float); choose fewer inputs with --wrt")
    # The derivative's formulas are a few times the program's size; a reverse
    # sweep over them per input.
    passes.refuse_past_limit(FORMULA_GROWTH * len(graph) * p,
                             f"the Hessian with respect to {p:,} inputs of {len(graph):,} nodes")
    # The gradient by the reverse pass first: where a first derivative does not
    # exist, the same error as grad's (README, "A derivative that does not exist").
    differentiate(graph, result.inputs, wrt=names)
    d = symbolic.derivatives(graph, names)
    # Only the nodes the gradient's formulas use: simplifying leaves others
    # (``x^-1`` of ``0*x^(0 - 1)``, the derivative of ``x^0``), and they must
    # not be evaluated. Labels are formula text; there are no spans.
    formulas, node_of = extract(d.formulas, d.gradient.values())
    inputs = {name: result.inputs[name] for name in formulas.inputs}
    try:
        values = passes.forward(formulas, inputs)
    except DomainError as error:
        raise DomainError(f"the first derivative cannot be evaluated here: {error.message}") \
            from None
    gradient = {name: values[node_of[node]] for name, node in d.gradient.items()}
    matrix = []
    for name in names:
        node = node_of[d.gradient[name]]
        if formulas.op[node] is ops.CONST:
            matrix.append([0.0] * len(names))
            continue
        try:
            adjoint = passes.reverse(formulas, values, output=node)
        except DomainError as error:
            raise DomainError(f"the second derivative with respect to {clip(name)} is not "
                                f"finite here: {error.message}") from None
        row = []
        for other in names:
            k = formulas.index.get(other)
            x = adjoint[k] if k is not None else 0.0
            if x != x or math.isinf(x):
                raise DomainError(f"∂²/∂{clip(name)}∂{clip(other)} does not exist at this "
                                    "point")
            row.append(x)
        matrix.append(row)
    return Hessian(graph, result.inputs, result.value, names, gradient, matrix)



from ._callable import make_callable  # noqa: E402  (cgdiff.hessian(...) is the Python API's)

make_callable(__name__)
