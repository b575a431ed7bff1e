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
from .text import clip
from .graph import Graph


#: The most entries of a Hessian (2,000 inputs): p² numbers, about 32 bytes
#: each as Python floats, 128 MB at this limit.
MAX_ENTRIES = 4_000_000
#: About how many times larger the derivative's formulas are than the program,
#: for the estimate of the work before they are built.
FORMULA_GROWTH = 3


class FormulaGraph(Graph):
    """A :class:`symbolic.Formulas` store seen as a :class:`Graph`, so the
    ordinary passes run on it. Labels are the formulas' own text."""

    def __init__(self, formulas: symbolic.Formulas, roots: Iterable[int]):
        """Only the nodes the formulas ``roots`` use, renumbered in order
        (``self.node[k]`` is store node k's number here): simplifying leaves
        nodes in the store that no formula uses (``x^-1`` of ``0*x^(0 - 1)``,
        the derivative of ``x^0``), and they must not be evaluated."""
        super().__init__(source="")
        self.formulas = formulas
        keep = sorted(symbolic._reachable(formulas, roots))
        self.node = node = {old: new for new, old in enumerate(keep)}
        self.store = keep
        for i in keep:
            self.op.append(formulas.op[i])
            a, b = formulas.arg0[i], formulas.arg1[i]
            self.arg0.append(node[a] if a >= 0 else -1)
            self.arg1.append(node[b] if b >= 0 else -1)
            self.start.append(0)
            self.end.append(0)
        for i, value in formulas.value.items():
            if i in node:
                self.const[node[i]] = value
        for i, name in formulas.name.items():
            if i in node:
                self.name_of[node[i]] = name
                self.index[name] = node[i]
                self.inputs.append(name)

    def label(self, i: int) -> str:
        return symbolic.formula_text(self.formulas, self.store[i], limit=200) or f"#{i + 1}"


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
    formulas = FormulaGraph(d.formulas, d.gradient.values())
    inputs = {name: result.inputs[name] for name in formulas.inputs}
    try:
        values = passes.forward(formulas, inputs)
    except DomainError as error:
        raise DomainError(f"the first derivative cannot be evaluated here: {error.message}") \
            from None
    gradient = {name: values[formulas.node[node]] for name, node in d.gradient.items()}
    matrix = []
    for name in names:
        node = formulas.node[d.gradient[name]]
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
