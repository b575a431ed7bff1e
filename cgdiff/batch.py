"""Batches: one program over every row of a CSV file.

The graph is built once; each row binds inputs by column name (``--set``
gives the rest). Rows are read, computed and written in chunks of CHUNK rows,
so memory stays flat however long the file is: each chunk runs through the
column passes (one NumPy operation per node for all its rows). A chunk where
some value or derivative is not finite, or a short one, runs row by row
through the scalar passes, which report the first failing row exactly as
without chunks (the rows before it are still written).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO, Iterable, Iterator, Mapping, Sequence

from . import ops, passes
from .errors import CgdiffError, DomainError, InputTextError, NamingError, NotFiniteError
from .text import clip, did_you_mean, number_problem
from .graph import Graph


#: Rows read, computed and written at a time.
CHUNK = 65_536
#: Fewer rows than this run through the scalar passes (NumPy's cost per call
#: would outweigh the work).
COLUMNS_FROM = 64


#: The longest line of data read (bytes): ``--data /dev/zero`` or a file
#: without line ends is an error after this much, not memory exhausted.
MAX_LINE_BYTES = 2**20

#: A carriage return that does not start a CRLF: where an old-Mac line ends.
_BARE_CR = re.compile(rb"(?<=\r)(?!\n)")


class _Lines:
    """A binary stream as lines, at most MAX_LINE_BYTES each, ending in LF,
    CRLF or CR alone (``raw``: bytes; iterated: text), counting the bytes
    read (for a progress bar) and refusing invalid UTF-8 with its line number."""

    def __init__(self, stream: IO[bytes], name: str = "the data"):
        self.stream = stream
        self.name = name
        self.bytes_read = 0
        self.line = 0
        #: The raw lines, bounded: every reader of the stream reads through it.
        self.raw = self._bounded()

    def __iter__(self) -> Iterator[str]:
        return self.decode(self.raw, "utf-8-sig")

    def _bounded(self) -> Iterator[bytes]:
        readline = self.stream.readline
        limit = MAX_LINE_BYTES
        count = 0  # lines given out (decode and chunks count self.line themselves)
        carry = b""  # the unfinished end of a block of CR-only lines
        while True:
            raw = readline(limit + 1 - len(carry))
            if carry:
                raw, carry = carry + raw, b""
            if not raw:
                return
            if len(raw) > limit and raw[-1:] != b"\n":
                if b"\r" not in raw[:-1]:
                    raise InputTextError(
                        f"{self.name}, line {count + 1}: longer than {limit // 2**20} MB, the "
                        "most cgdiff reads in one line of data (is it a CSV file?)")
                cut = raw.rindex(b"\r") + 1  # CR-only lines: keep the unfinished last one
                raw, carry = raw[:cut], raw[cut:]
            if b"\r" in raw and _BARE_CR.search(raw):
                for piece in _BARE_CR.split(raw):
                    if piece:
                        count += 1
                        yield piece
                continue
            count += 1
            yield raw

    def decode(self, raw_lines: Iterable[bytes], encoding: str = "utf-8") -> Iterator[str]:
        for raw in raw_lines:
            self.bytes_read += len(raw)
            self.line += 1
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputTextError(f"{self.name}, line {self.line}: not valid UTF-8 (byte "
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


@dataclass
class Rows:
    """The results of a run over data, as they are computed: iterate for chunks of rows."""

    columns: list[str]  # the data's header
    output: str  # the output's name
    names: list[str] | None  # the gradient's names (None: values only)
    chunks: Iterable[Chunk]  # the rows, a chunk at a time (see run_chunks)

    def __iter__(self):
        return iter(self.chunks)


class Data:
    """A CSV stream: the header's column names, then rows of numbers."""

    def __init__(self, stream: IO[bytes], name: str = "the data"):
        self.lines = _Lines(stream, name)
        self.name = name
        self.reader = csv.reader(iter(self.lines))
        header = _next(self.reader, name, 0)
        while header is not None and not any(cell.strip() for cell in header):
            header = _next(self.reader, name, 0)
        if header is None:
            raise InputTextError(f"{name} is empty: the first line must name the columns")
        # NFC, as the program's names: a decomposed é in a header matches é.
        self.columns = [unicodedata.normalize("NFC", cell.strip()) for cell in header]
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
        for lines, block in self.chunks():
            yield from zip(lines, block.tolist())

    def chunks(self, size: int = CHUNK) -> Iterator[tuple[Sequence[int], object]]:
        """(line numbers, a rows × columns float64 array) for up to ``size``
        non-blank rows at a time.

        Plain lines of numbers are split and converted in bulk (Python's own
        ``float``, so the same numbers are accepted). At the first chunk that
        is not plain (quotes, blank lines, a bad cell, non-ASCII), the rest of
        the file goes through the csv module row by row, which also words
        the errors.
        """
        np = ops.np
        width = len(self.columns)
        stream = self.lines.raw
        while True:
            raw = list(islice(stream, size))
            if not raw:
                return
            block = _plain_block(raw, width)
            if block is None:
                break
            first = self.lines.line + 1
            self.lines.line += len(raw)
            self.lines.bytes_read += sum(map(len, raw))
            yield range(first, first + len(raw)), block
        rows: list[list[float]] = []
        lines: list[int] = []
        for line, row in self._csv_rows(self.lines.decode(chain(raw, stream)), self.lines.line):
            rows.append(row)
            lines.append(line)
            if len(rows) == size:
                yield lines, np.array(rows, dtype=np.float64)
                rows, lines = [], []
        if rows:
            yield lines, np.array(rows, dtype=np.float64)

    def _csv_rows(self, text_lines: Iterable[str], offset: int) -> Iterator[tuple[int, list[float]]]:
        width = len(self.columns)
        columns = self.columns
        reader = csv.reader(text_lines)
        while True:
            cells = _next(reader, self.name, offset)
            if cells is None:
                return
            line = offset + reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                raise InputTextError(f"{self.name}, line {line}: {len(cells)} "
                                     f"fields where the header has {width}")
            try:
                row = [float(cell) for cell in cells]
            except ValueError:
                row = None
            if row is None or not math.isfinite(sum(row)) or not _plain(cells):
                # float() takes more than cgdiff's number syntax (1_000, nan, ٣): say which
                for column, cell in zip(columns, cells):
                    problem = number_problem(cell.strip())
                    if problem is not None:
                        raise InputTextError(
                            f"{self.name}, line {line}, column '{clip(column, 30)}': "
                            f"'{clip(cell.strip(), 30)}' {problem}")
            yield line, row


def _next(reader, name: str, offset: int) -> list[str] | None:
    """The reader's next record; csv's errors, and a quoted field that runs
    over a line end (in numbers, an unclosed quote), in cgdiff's words, with
    the line (``offset``: lines read before the reader started)."""
    before = reader.line_num
    try:
        cells = next(reader, None)
    except csv.Error as error:
        raise InputTextError(f"{name}, line {offset + reader.line_num}: "
                             f"{_csv_problem(str(error))}") from None
    if cells is not None and reader.line_num > before + 1 and \
            any("\n" in cell or "\r" in cell for cell in cells):
        raise InputTextError(
            f"{name}, line {offset + before + 1}: a quote (\") opened on this line is not "
            f"closed on it (the field runs on to line {offset + reader.line_num})")
    return cells


def _plain(cells: list[str]) -> bool:
    """Whether float() read these cells as cgdiff's number syntax would (a
    quick test per row: ASCII, no '_'; nan and inf are caught as not finite)."""
    joined = "".join(cells)
    return joined.isascii() and "_" not in joined


#: csv's messages, in cgdiff's words.
_CSV_WORDS = {
    "new-line character seen in unquoted field": "a line break inside a field",
    "line contains NUL": "the line holds a NUL byte (\\x00): is it a CSV file?",
    "field larger than field limit": "a field is longer than "
                                     f"{csv.field_size_limit() // 1024} KB",
}


def _csv_problem(message: str) -> str:
    return next((words for start, words in _CSV_WORDS.items() if message.startswith(start)),
                message)


def _plain_block(raw: list[bytes], width: int):
    """The lines as a rows × width array if every line is ``width`` finite
    numbers separated by commas, else None (the csv module then reads them).

    NumPy's reader (C) accepts a subset of what Python's ``float`` does, so
    whatever it takes, the csv path would take with the same numbers; what it
    skips (blank lines) shows as a row count that differs.
    """
    np = ops.np
    joined = b"".join(raw)
    if not joined.isascii() or b'"' in joined or joined.count(b"\r") != joined.count(b"\r\n") \
            or b"_" in joined:  # float() reads 1_000; cgdiff's number syntax does not
        return None
    try:
        block = np.loadtxt(io.BytesIO(joined), delimiter=",", comments=None, dtype=np.float64,
                           ndmin=2, quotechar=None)
    except ValueError:  # a cell that is not a number, a row of another width
        return None
    if block.shape != (len(raw), width) or not np.isfinite(block).all():
        return None
    return block


def check_columns(graph: Graph, columns: list[str], settings: Mapping[str, float]) -> dict:
    """The inputs every row shares (from --set and defaults), after checking
    that every column names an input and every input has a value."""
    for column in columns:
        if column not in graph.inputs:
            what = ("a statement, not an input" if column in graph.statement_names
                    else "not a name in the program")
            hint = (did_you_mean(column, graph.inputs, ignore_case=True)
                    or "; every column must bind an input (remove it, e.g. with cut)")
            raise NamingError(f"the data's column '{clip(column)}' is {what}{hint}")
        if column in settings:
            raise NamingError(f"--set {clip(column)}: '{clip(column)}' is a column of the data; "
                              "drop one of them")
    placeholder = dict.fromkeys(columns, 0.0)
    return passes.input_values(graph, {**settings, **placeholder})


@dataclass
class Chunk:
    """Consecutive rows' results, as columns."""

    first: int  # the number of its first row (1-based, counting data rows)
    lines: Sequence[int]  # the line each row ends on in the file
    data: object  # rows × columns float64 array
    value: object  # one number per row
    gradient: list | None = None  # one array per --wrt name

    def __len__(self) -> int:
        return len(self.lines)

    def rows(self) -> Iterator[Row]:
        values = self.value.tolist()
        gradients = None
        if self.gradient is not None:
            gradients = (list(zip(*(g.tolist() for g in self.gradient))) if self.gradient
                         else [()] * len(self))
        for k, (line, data) in enumerate(zip(self.lines, self.data.tolist())):
            yield Row(self.first + k, line, data, values[k],
                      list(gradients[k]) if gradients is not None else None)


def run(graph: Graph, data: Data, settings: Mapping[str, float] | None = None,
        wrt: Iterable[str] | None = None, gradient: bool = False,
        mode: str = "reverse") -> Iterator[Row]:
    """Each row's value (and gradient with respect to ``wrt``), one at a time.

    Columns, settings and ``wrt`` are checked before the first row is read.
    """
    chunks = run_chunks(graph, data, settings, wrt, gradient, mode)
    return (row for chunk in chunks for row in chunk.rows())


def run_chunks(graph: Graph, data: Data, settings: Mapping[str, float] | None = None,
               wrt: Iterable[str] | None = None, gradient: bool = False,
               mode: str = "reverse", size: int = CHUNK) -> Iterator[Chunk]:
    """:func:`run`, a chunk of rows at a time (see :class:`Chunk`)."""
    shared = check_columns(graph, data.columns, settings or {})
    nodes = list(graph.targets(wrt).values())
    return _chunks(graph, data, shared, nodes, gradient, mode, size)


def _chunks(graph, data, shared, nodes, gradient, mode, size) -> Iterator[Chunk]:
    np = ops.np
    bind = [(k, column) for k, column in enumerate(data.columns) if column in graph.index]
    number = 1
    for lines, block in data.chunks(size):
        m = len(lines)
        result = None
        if m >= COLUMNS_FROM:
            inputs = dict(shared)
            for k, column in bind:
                inputs[column] = np.ascontiguousarray(block[:, k])
            try:
                if gradient:
                    result = passes.column_gradient(graph, inputs, m, nodes, mode)
                else:
                    value = passes.column_forward(graph, inputs, m)[graph.output]
                    result = np.broadcast_to(value, (m,)), None
            except NotFiniteError:
                result = None
        if result is None:
            yield from _rows_one_by_one(graph, shared, bind, nodes, gradient, mode, number,
                                        lines, block)
        else:
            yield Chunk(number, lines, block, *result)
        number += m


def _rows_one_by_one(graph, shared, bind, nodes, gradient, mode, number, lines, block):
    """A chunk through the scalar passes; an error comes after the chunk of
    the rows before it."""
    np = ops.np
    out = graph.output
    values_out, gradients = [], []
    error = None
    for line, row in zip(lines, block.tolist()):
        inputs = dict(shared)
        for k, column in bind:
            inputs[column] = row[k]
        try:
            values = passes.forward(graph, inputs)
            if gradient:
                gradients.append(passes.gradient(graph, values, nodes, mode))
        except CgdiffError as problem:
            error = type(problem)(f"data line {line}: {problem.message}", problem.span)
            if isinstance(problem, DomainError):  # the rewrite that avoids it, if any
                from .patterns import attach_hints

                attach_hints(graph, inputs, error)
            break
        values_out.append(values[out])
    done = len(values_out)
    if done:
        columns = ([np.array(g, dtype=np.float64) for g in zip(*gradients)] if gradient
                   else None)
        if gradient and not columns:
            columns = [np.zeros(done) for _ in nodes]
        yield Chunk(number, lines[:done], block[:done],
                    np.array(values_out, dtype=np.float64), columns)
    if error is not None:
        raise error
