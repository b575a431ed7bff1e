"""Fitting parameters by gradient descent: where the lecture's backpropagation
leads.

The program's output is a loss L for one data row; the cost is its mean over
the rows, J = 1/m Σ L. Each step runs the forward and reverse pass over every
row (the graph is built once; the column passes of ``passes`` run on chunks
of rows, one NumPy operation per node), averages ∂L/∂param, and moves every
parameter against its gradient: p ← p - lr·∂J/∂p. It stops when the
gradient's norm falls below ``tol`` or after ``steps`` updates.

The rows are read into memory once, as float64 columns (a fit passes over
them many times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Mapping

from . import ops, passes
from .batch import CHUNK, COLUMNS_FROM, Data, check_columns
from .errors import (CgdiffError, DomainError, InputTextError, NamingError, NoDerivativeError,
                     NotFiniteError)
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


class Dataset:
    """The rows of a fit as float64 columns (``array``: rows × columns)."""

    def __init__(self, columns: list[str], rows, lines=None):
        np = ops.np
        self.columns = list(columns)
        #: the line of the data file each row is on (for messages), if known
        self.lines = lines
        self.array = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.columns))
        #: each column as its own contiguous array
        self.column_arrays = [np.ascontiguousarray(c) for c in self.array.T]

    def __len__(self) -> int:
        return len(self.array)

    @property
    def rows(self) -> list[list[float]]:
        return self.array.tolist()


def read_data(stream: IO[bytes], name: str = "the data") -> Dataset:
    """Every row of a CSV stream, in memory as float64 columns."""
    np = ops.np
    data = Data(stream, name)
    blocks, lines = [], []
    for numbers, block in data.chunks():
        blocks.append(block)
        lines.extend(numbers)
    if not blocks:
        raise InputTextError(f"{name} has a header but no rows")
    return Dataset(data.columns, np.concatenate(blocks) if len(blocks) > 1 else blocks[0],
                   lines)


def cost_and_gradient(graph: Graph, dataset: Dataset, inputs: dict[str, float],
                      params: list[str]) -> tuple[float, list[float]]:
    """J = mean of the output over the rows, and ∂J/∂param for each param.

    All rows at once, node by node (the column passes, CHUNK rows at a
    time); equal to one forward and reverse pass per row (:func:`_row_by_row`)
    up to the order of the sums. That one runs whenever a value or a
    derivative is not finite, to report the row, and for fewer than
    COLUMNS_FROM rows.
    """
    result = _columns(graph, dataset, inputs, params) if len(dataset) >= COLUMNS_FROM else None
    return result if result is not None else _row_by_row(graph, dataset, inputs, params)


def _columns(graph: Graph, dataset: Dataset, inputs: dict[str, float],
             params: list[str], size: int = CHUNK) -> tuple[float, list[float]] | None:
    """The column passes over the rows, a chunk at a time; None when a value
    or a derivative is not finite in some row."""
    m = len(dataset)
    where = {column: k for k, column in enumerate(dataset.columns) if column in graph.index}
    nodes = [graph.index.get(name) for name in params]
    total = 0.0
    gradient = [0.0] * len(params)
    for start in range(0, m, size):
        rows = min(size, m - start)
        chunk_inputs = dict(inputs)
        for column, k in where.items():
            chunk_inputs[column] = dataset.column_arrays[k][start:start + rows]
        try:
            value, derivatives = passes.column_gradient(graph, chunk_inputs, rows, nodes)
        except NotFiniteError:
            return None
        total += float(value.sum())
        for j, column in enumerate(derivatives):
            gradient[j] += float(column.sum())
    result = total / m, [g / m for g in gradient]
    if not math.isfinite(result[0]) or not all(map(math.isfinite, result[1])):
        return None
    return result


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
    lines = dataset.lines or range(1, len(dataset) + 1)
    for line, row in zip(lines, dataset.rows):
        for k, column in bind:
            inputs[column] = row[k]
        try:
            values = passes.forward(graph, inputs)
            adjoint = passes.reverse(graph, values, wrt=nodes)
            for j, node in active:
                if adjoint[node] != adjoint[node]:  # does not exist here (sqrt at 0)
                    raise NoDerivativeError.of(passes.undefined_derivative(graph, values, adjoint,
                                                                      node))
        except CgdiffError as error:  # named with its row, as --data does
            where = "data line" if dataset.lines else "data row"
            named = type(error)(f"{where} {line}: {error.message}", error.span)
            if isinstance(error, DomainError):  # the rewrite that avoids it, if any
                from .patterns import attach_hints

                attach_hints(graph, inputs, named)
            raise named from None
        total += values[out]
        for j, node in active:
            gradient[j] += adjoint[node]
    m = len(dataset)
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
            at = ", ".join(f"{clip(name, 20)} = {current[name]:.6g}" for name in params[:4])
            if isinstance(error, NoDerivativeError) or "too large" not in error.message:
                # Not a divergence: the parameters reached a point where a
                # derivative does not exist, or left a function's domain.
                raise type(error)(f"at step {step} of the fit ({at}): {error.message}",
                                  error.span) from None
            raise DomainError(f"the fit diverged at step {step} ({at}): the cost is no longer "
                              f"a finite number ({error.message}); try a smaller --lr than "
                              f"{lr!r}") from None
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
               len(dataset))
