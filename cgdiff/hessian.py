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
from .errors import DomainError, NamingError
from .text import clip
from .graph import Graph


class FormulaGraph(Graph):
    """A :class:`symbolic.Formulas` store seen as a :class:`Graph`, so the
    ordinary passes run on it. Labels are the formulas' own text."""

    def __init__(self, formulas: symbolic.Formulas):
        super().__init__(source="")
        self.formulas = formulas
        for i in range(len(formulas)):
            self.op.append(formulas.op[i])
            self.arg0.append(formulas.arg0[i])
            self.arg1.append(formulas.arg1[i])
            self.start.append(0)
            self.end.append(0)
        for i, value in formulas.value.items():
            self.const[i] = value
        for i, name in formulas.name.items():
            self.name_of[i] = name
            self.index[name] = i
            self.inputs.append(name)

    def label(self, i: int) -> str:
        return symbolic.formula_text(self.formulas, i, limit=200) or f"#{i + 1}"


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
    for name in names:
        if name not in graph.inputs:
            raise NamingError(f"--wrt {clip(name)}: '{clip(name)}' is a statement; the Hessian "
                              "is taken with respect to inputs")
    # The gradient by the reverse pass first: where a first derivative does not
    # exist, the same error as grad's (README, "A derivative that does not exist").
    differentiate(graph, result.inputs, wrt=names)
    d = symbolic.derivatives(graph, names)
    formulas = FormulaGraph(d.formulas)
    inputs = {name: result.inputs[name] for name in formulas.inputs}
    try:
        values = passes.forward(formulas, inputs)
    except DomainError as error:
        raise DomainError(f"the first derivative cannot be evaluated here: {error.message}") \
            from None
    gradient = {name: values[node] for name, node in d.gradient.items()}
    matrix = []
    for name in names:
        node = d.gradient[name]
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
