"""Fitting parameters by gradient descent: where the lecture's backpropagation
leads.

The program's output is a loss L for one data row; the cost is its mean over
the rows, J = 1/m Σ L. Each step runs the forward and reverse pass once per
row (the graph is built once), averages ∂L/∂param, and moves every parameter
against its gradient: p ← p - lr·∂J/∂p. It stops when the gradient's norm falls
below ``tol`` or after ``steps`` updates.

The rows are read into memory once (a fit passes over them many times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Mapping

from . import passes
from .batch import Data, check_columns
from .errors import CgdiffError, DomainProblem, InputTextError, NameProblem, clip
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


def read_data(stream: IO[bytes], name: str = "the data") -> Dataset:
    """Every row of a CSV stream, in memory."""
    data = Data(stream, name)
    rows = [row for _, row in data]
    if not rows:
        raise InputTextError(f"{name} has a header but no rows")
    return Dataset(data.columns, rows)


def cost_and_gradient(graph: Graph, dataset: Dataset, inputs: dict[str, float],
                      params: list[str]) -> tuple[float, list[float]]:
    """J = mean of the output over the rows, and ∂J/∂param for each param."""
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
        adjoint = passes.reverse(graph, values)
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
            raise NameProblem(f"--params {clip(name)}: '{clip(name)}' is {what}")
        if name in dataset.columns:
            raise NameProblem(f"--params {clip(name)}: '{clip(name)}' is a column of the data")
    start = {}
    for name in params:
        node = graph.index.get(name)
        start[name] = settings.pop(name, graph.const.get(node, 0.0) if node is not None else 0.0)
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
            raise DomainProblem(f"the fit diverged at step {step}: the cost is no longer a "
                                f"finite number; try a smaller --lr than {lr!r}") from None
        norm = math.sqrt(sum(g * g for g in gradient))
        if not math.isfinite(cost) or not math.isfinite(norm):
            raise DomainProblem(f"the fit diverged at step {step}: the cost or its gradient "
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
