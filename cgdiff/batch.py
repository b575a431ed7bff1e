"""Batches: one program over every row of a CSV file.

The graph is built once; each row binds inputs by column name (``--set``
gives the rest) and is run through the forward pass (and the reverse pass for
gradients). Rows are read, computed and written one at a time, so memory
stays flat however long the file is.
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, Mapping

from . import passes
from .errors import CgdiffError, DomainProblem, InputTextError, NameProblem, clip
from .graph import Graph


class _Lines:
    """A binary stream as text lines, counting the bytes read (for a progress
    bar) and refusing invalid UTF-8 with its line number."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.bytes_read = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        encoding = "utf-8-sig"
        for raw in self.stream:
            self.bytes_read += len(raw)
            self.line += 1
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputTextError(f"data line {self.line}: not valid UTF-8 (byte "
                                     f"0x{raw[error.start]:02x})") from None
            encoding = "utf-8"


@dataclass
class Row:
    """One data row's result."""

    number: int  # 1-based, counting data rows (not the header)
    line: int  # the line it ends on in the file
    data: list[float]
    value: float
    gradient: list[float] | None = None


class Data:
    """A CSV stream: the header's column names, then rows of numbers."""

    def __init__(self, stream: IO[bytes], name: str = "the data"):
        self.lines = _Lines(stream)
        self.name = name
        self.reader = csv.reader(iter(self.lines))
        try:
            header = next(self.reader, None)
        except csv.Error as error:
            raise InputTextError(f"{name}, line 1: {error}") from None
        while header is not None and not any(cell.strip() for cell in header):
            header = next(self.reader, None)
        if header is None:
            raise InputTextError(f"{name} is empty: the first line must name the columns")
        self.columns = [cell.strip() for cell in header]
        for k, column in enumerate(self.columns):
            if not column:
                raise InputTextError(f"{name}: column {k + 1} of the header has no name")
            if column in self.columns[:k]:
                raise InputTextError(f"{name}: the column '{clip(column)}' appears twice")

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read

    def __iter__(self) -> Iterator[tuple[int, list[float]]]:
        """(line number, the row's numbers) for each non-blank row."""
        width = len(self.columns)
        columns = self.columns
        reader = self.reader
        while True:
            try:
                cells = next(reader, None)
            except csv.Error as error:
                raise InputTextError(f"{self.name}, line {reader.line_num}: {error}") from None
            if cells is None:
                return
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                raise InputTextError(f"{self.name}, line {reader.line_num}: {len(cells)} "
                                     f"fields where the header has {width}")
            try:
                row = [float(cell) for cell in cells]
            except ValueError:
                row = None
            if row is None or not math.isfinite(sum(row)):
                for column, cell in zip(columns, cells):
                    try:
                        x = float(cell)
                    except ValueError:
                        x = None
                    if x is None or not math.isfinite(x):
                        raise InputTextError(
                            f"{self.name}, line {reader.line_num}, column '{clip(column, 30)}': "
                            f"{clip(cell.strip(), 30)!r} is not a finite number")
            yield reader.line_num, row


def check_columns(graph: Graph, columns: list[str], settings: Mapping[str, float]) -> dict:
    """The inputs every row shares (from --set and defaults), after checking
    that every column names an input and every input has a value."""
    for column in columns:
        if column not in graph.inputs:
            what = ("a statement, not an input" if column in graph.statement_names
                    else "not a name in the program")
            close = [name for name in graph.inputs if name.lower() == column.lower()] or \
                difflib.get_close_matches(column, graph.inputs, n=1)
            hint = (f" (did you mean '{close[0]}'?)" if close else
                    "; every column must bind an input (remove it, e.g. with cut)")
            raise NameProblem(f"the data's column '{clip(column)}' is {what}{hint}")
        if column in settings:
            raise NameProblem(f"--set {clip(column)}: '{clip(column)}' is a column of the data; "
                              "drop one of them")
    placeholder = dict.fromkeys(columns, 0.0)
    return passes.input_values(graph, {**settings, **placeholder})


def run(graph: Graph, data: Data, settings: Mapping[str, float] | None = None,
        wrt: Iterable[str] | None = None, gradient: bool = False,
        mode: str = "reverse") -> Iterator[Row]:
    """Each row's value (and gradient with respect to ``wrt``), one at a time.

    Columns, settings and ``wrt`` are checked before the first row is read.
    """
    shared = check_columns(graph, data.columns, settings or {})
    names = wrt_names(graph, wrt)
    nodes = [graph.find(name, "--wrt") for name in names]
    return _rows(graph, data, shared, nodes, gradient, mode)


def _rows(graph, data, shared, nodes, gradient, mode) -> Iterator[Row]:
    bind = [(k, column) for k, column in enumerate(data.columns) if column in graph.index]
    out = graph.output
    for number, (line, row) in enumerate(data, 1):
        inputs = dict(shared)
        for k, column in bind:
            inputs[column] = row[k]
        try:
            values = passes.forward(graph, inputs)
            derivatives = _gradient(graph, values, nodes, mode) if gradient else None
        except CgdiffError as error:
            raise type(error)(f"data line {line}: {error.message}", error.span) from None
        yield Row(number, line, row, values[out], derivatives)


def wrt_names(graph: Graph, wrt: Iterable[str] | None) -> list[str]:
    return list(dict.fromkeys(wrt)) if wrt is not None else list(graph.inputs)


def _gradient(graph: Graph, values: list[float], nodes: list[int | None], mode: str):
    if mode == "reverse":
        adjoints = passes.reverse(graph, values, wrt=nodes)
        result = [adjoints[node] if node is not None else 0.0 for node in nodes]
    else:
        result = [passes.tangent(graph, values, node)[graph.output] if node is not None
                  else 0.0 for node in nodes]
    if not all(map(math.isfinite, result)):
        from .api import derivative_error  # the same error as grad's, in both modes

        raise derivative_error(graph, values, {graph.node_id(node): node for node in nodes
                                               if node is not None},
                               adjoints if mode == "reverse" else None)
    return result
