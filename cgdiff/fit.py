"""Fitting parameters by gradient descent: where the lecture's backpropagation
leads.

The program's output is a loss L for one data row; the cost is its mean over
the rows, J = 1/m Σ L. Each step runs the forward and reverse pass over every
row (the graph is built once; the passes run on whole columns), averages
∂L/∂param, and moves every parameter against its gradient: p ← p - lr·∂J/∂p.
It stops when the gradient's norm falls below ``tol`` or after ``steps``
updates.

The rows are read into memory once (a fit passes over them many times).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Mapping

from . import ops, passes
from .batch import Data, check_columns
from .errors import CgdiffError, DomainError, InputTextError, NamingError
from .text import as_float, clip
from .graph import Graph


@dataclass
class Fit:
    """The outcome of a fit."""

    start: dict[str, float]
    params: dict[str, float]
    #: the cost at ``params``
    cost: float
    #: updates made
    steps: int
    converged: bool
    #: ∂J/∂param at ``params``
    gradient: dict[str, float]
    #: the cost before each update, then at the end (steps + 1 numbers)
    history: list[float] = field(default_factory=list)
    rows: int = 0

    @property
    def gradient_norm(self) -> float:
        return math.sqrt(sum(x * x for x in self.gradient.values()))


@dataclass
class Dataset:
    columns: list[str]
    rows: list[list[float]]
    _column_lists: list[list[float]] | None = field(default=None, repr=False)

    def column_lists(self) -> list[list[float]]:
        """The rows transposed: one list per column (made once)."""
        if self._column_lists is None:
            self._column_lists = [list(column) for column in zip(*self.rows)]
        return self._column_lists


def read_data(stream: IO[bytes], name: str = "the data") -> Dataset:
    """Every row of a CSV stream, in memory."""
    data = Data(stream, name)
    rows = [row for _, row in data]
    if not rows:
        raise InputTextError(f"{name} has a header but no rows")
    return Dataset(data.columns, rows)


def cost_and_gradient(graph: Graph, dataset: Dataset, inputs: dict[str, float],
                      params: list[str]) -> tuple[float, list[float]]:
    """J = mean of the output over the rows, and ∂J/∂param for each param.

    All rows at once, node by node (:func:`_columns`); the same numbers as one
    forward and reverse pass per row (:func:`_row_by_row`), which also runs
    whenever a row fails, to report it.
    """
    result = _columns(graph, dataset, inputs, params)
    return result if result is not None else _row_by_row(graph, dataset, inputs, params)


def _columns(graph: Graph, dataset: Dataset, inputs: dict[str, float],
             params: list[str]) -> tuple[float, list[float]] | None:
    """The forward and reverse pass over whole columns: each node's values for
    every row in one list, each op applied with ``map``. The arithmetic per row
    is that of the passes, in the same order, so the sums agree to the bit.
    None when any value or derivative is not finite (the row-by-row passes
    then say where)."""
    m = len(dataset.rows)
    columns = dataset.column_lists()
    where = {column: k for k, column in enumerate(dataset.columns)}
    op, arg0, arg1, const, name_of = graph.op, graph.arg0, graph.arg1, graph.const, graph.name_of
    n = len(graph)
    values: list[list[float]] = [None] * n  # type: ignore[list-item]
    try:
        for i in range(n):
            o = op[i]
            if o.value is None:
                if o is ops.INPUT:
                    name = name_of[i]
                    values[i] = columns[where[name]] if name in where else [inputs[name]] * m
                else:
                    values[i] = [const[i]] * m
            elif o.arity == 2:
                values[i] = list(map(o.value, values[arg0[i]], values[arg1[i]]))
            else:
                values[i] = list(map(o.value, values[arg0[i]]))
            if not math.isfinite(sum(values[i])):
                return None
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    out = graph.output
    adjoint: list[list[float] | None] = [None] * n
    adjoint[out] = [1.0] * m
    for i in range(out, -1, -1):
        g = adjoint[i]
        o = op[i]
        if g is None or o.arity == 0:
            continue
        # The commonest ops by hand: their partials are finite, so no zero-skip
        # is needed, and the products are those of the op table's partials.
        if o is ops.ADD:
            _accumulate(adjoint, arg0[i], g)
            _accumulate(adjoint, arg1[i], g)
        elif o is ops.SUB:
            _accumulate(adjoint, arg0[i], g)
            _accumulate(adjoint, arg1[i], [-x for x in g])
        elif o is ops.MUL:
            a, b = arg0[i], arg1[i]
            _accumulate(adjoint, a, list(map(operator.mul, g, values[b])))
            _accumulate(adjoint, b, list(map(operator.mul, g, values[a])))
        elif o is ops.NEG:
            _accumulate(adjoint, arg0[i], [-x for x in g])
        elif o is ops.IDENTITY:
            _accumulate(adjoint, arg0[i], g)
        elif o.arity == 2:
            a, b = arg0[i], arg1[i]
            parts = list(map(o.partials, values[a], values[b], values[i]))
            _accumulate(adjoint, a, [x * p[0] if x != 0.0 else 0.0 for x, p in zip(g, parts)])
            _accumulate(adjoint, b, [x * p[1] if x != 0.0 else 0.0 for x, p in zip(g, parts)])
        else:
            a = arg0[i]
            parts = list(map(o.partials, values[a], values[i]))
            _accumulate(adjoint, a, [x * p[0] if x != 0.0 else 0.0 for x, p in zip(g, parts)])
    # As the reverse pass: an infinite derivative that a parameter's needs is an error.
    infinite = [i for i, column in enumerate(adjoint)
                if column is not None and math.isinf(sum(x for x in column if x == x))]
    if infinite:
        needed = passes.depends_on(graph, [graph.index.get(name) for name in params], out)
        if any(needed[i] for i in infinite):
            return None
    gradient = []
    for name in params:
        node = graph.index.get(name)
        column = adjoint[node] if node is not None else None
        total = 0.0
        if column is not None:
            for x in column:
                total += x
        gradient.append(total / m)
    if not all(map(math.isfinite, gradient)):
        return None
    total = 0.0
    for x in values[out]:
        total += x
    return total / m, gradient


def _accumulate(adjoint, node: int, terms: list[float]) -> None:
    current = adjoint[node]
    adjoint[node] = terms if current is None else list(map(operator.add, current, terms))


def _row_by_row(graph: Graph, dataset: Dataset, inputs: dict[str, float],
                params: list[str]) -> tuple[float, list[float]]:
    """One forward and one reverse pass per row: the reference, and the one
    that reports a failing row."""
    index = graph.index
    bind = [(k, column) for k, column in enumerate(dataset.columns) if column in index]
    nodes = [index.get(name) for name in params]
    active = [(j, node) for j, node in enumerate(nodes) if node is not None]
    total = 0.0
    gradient = [0.0] * len(params)
    out = graph.output
    for row in dataset.rows:
        for k, column in bind:
            inputs[column] = row[k]
        values = passes.forward(graph, inputs)
        total += values[out]
        adjoint = passes.reverse(graph, values, wrt=nodes)
        for j, node in active:
            gradient[j] += adjoint[node]
    m = len(dataset.rows)
    return total / m, [g / m for g in gradient]


def fit(graph: Graph, dataset: Dataset, params: Iterable[str],
        settings: Mapping[str, float] | None = None, lr: float = 0.1, steps: int = 10_000,
        tol: float = 1e-10, on_step: Callable[[int, float], None] | None = None) -> Fit:
    """Gradient descent on the mean of the output over the rows.

    Parameters start from ``settings``, else the program's values, else 0.
    ``on_step(step, cost)`` is called before each update (for a progress bar).
    """
    settings = dict(settings or {})
    params = list(dict.fromkeys(params))
    for name in params:
        if name not in graph.inputs:
            what = ("a statement, not an input" if name in graph.statement_names
                    else "not a name in the program")
            raise NamingError(f"--params {clip(name)}: '{clip(name)}' is {what}")
        if name in dataset.columns:
            raise NamingError(f"--params {clip(name)}: '{clip(name)}' is a column of the data")
    start = {}
    for name in params:
        node = graph.index.get(name)
        start[name] = as_float(name, settings.pop(name, graph.const.get(node, 0.0)
                                                  if node is not None else 0.0))
    inputs = check_columns(graph, dataset.columns, {**settings, **start})
    current = dict(start)
    history: list[float] = []
    step = 0
    converged = False
    while True:
        inputs.update((name, current[name]) for name in params if name in inputs)
        try:
            cost, gradient = cost_and_gradient(graph, dataset, inputs, params)
        except CgdiffError as error:
            if step == 0:
                raise
            raise DomainError(f"the fit diverged at step {step}: the cost is no longer a "
                                f"finite number; try a smaller --lr than {lr!r}") from None
        norm = math.sqrt(sum(g * g for g in gradient))
        if not math.isfinite(cost) or not math.isfinite(norm):
            raise DomainError(f"the fit diverged at step {step}: the cost or its gradient "
                                f"is not finite; try a smaller --lr than {lr!r}")
        history.append(cost)
        if on_step is not None:
            on_step(step, cost)
        if norm < tol:
            converged = True
            break
        if step >= steps:
            break
        for name, g in zip(params, gradient):
            current[name] -= lr * g
        step += 1
    return Fit(start, current, cost, step, converged, dict(zip(params, gradient)), history,
               len(dataset.rows))
