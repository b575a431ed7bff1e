"""Batches: one program over every row of a CSV file.

The graph is built once; each row binds inputs by column name (``--set``
gives the rest) and is run through the forward pass (and the reverse pass for
gradients). Rows are read, computed and written one at a time, so memory
stays flat however long the file is.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, Mapping

from . import passes
from .errors import CgdiffError, InputTextError, NamingError
from .text import clip, did_you_mean, number_problem
from .graph import Graph


#: The longest line of data read (bytes): ``--data /dev/zero`` or a file
#: without line ends is an error after this much, not memory exhausted.
MAX_LINE_BYTES = 2**20

#: A carriage return that does not start a CRLF: where an old-Mac line ends.
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


class _Lines:
    """A binary stream as text lines, at most MAX_LINE_BYTES each, counting
    the bytes read (for a progress bar) and refusing invalid UTF-8 with its
    line number. Lines may end in LF, CRLF or CR alone."""

    def __init__(self, stream: IO[bytes], name: str = "the data"):
        self.stream = stream
        self.name = name
        self.bytes_read = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        encoding = "utf-8-sig"
        readline = self.stream.readline
        limit = MAX_LINE_BYTES
        carry = b""  # the unfinished end of a block of CR-only lines
        while True:
            raw = readline(limit + 1 - len(carry))
            if carry:
                raw, carry = carry + raw, b""
            if not raw:
                return
            self.bytes_read += len(raw)
            if len(raw) > limit and raw[-1:] != b"\n":
                if b"\r" in raw[:-1]:  # CR-only lines: keep the unfinished last one
                    cut = raw.rindex(b"\r") + 1
                    raw, carry = raw[:cut], raw[cut:]
                    self.bytes_read -= len(carry)
                else:
                    raise InputTextError(
                        f"{self.name}, line {self.line + 1}: longer than "
                        f"{limit // 2**20} MB, the most cgdiff reads in one line of data "
                        "(is it a CSV file?)")
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputTextError(f"{self.name}, line {self.line + 1}: not valid UTF-8 "
                                     f"(byte 0x{raw[error.start]:02x})") from None
            encoding = "utf-8"
            if b"\r" in raw and _BARE_CR.search(text):
                for piece in _BARE_CR.split(text):
                    if piece:
                        self.line += 1
                        yield piece
                continue
            self.line += 1
            yield text


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
        self.lines = _Lines(stream, name)
        self.name = name
        self.reader = csv.reader(iter(self.lines))
        header = self._next()
        while header is not None and not any(cell.strip() for cell in header):
            header = self._next()
        if header is None:
            raise InputTextError(f"{name} is empty: the first line must name the columns")
        # NFC, as the program's names: a decomposed é in a header matches é.
        self.columns = [unicodedata.normalize("NFC", cell.strip()) for cell in header]
        for k, column in enumerate(self.columns):
            if not column:
                raise InputTextError(f"{name}: column {k + 1} of the header has no name")
            if column in self.columns[:k]:
                raise InputTextError(f"{name}: the column '{clip(column)}' appears twice")

    def _next(self) -> list[str] | None:
        """The next record's cells; csv's errors, and a quoted field that runs
        over a line end (in numbers, an unclosed quote), in cgdiff's words."""
        before = self.reader.line_num
        try:
            cells = next(self.reader, None)
        except csv.Error as error:
            raise InputTextError(f"{self.name}, line {self.reader.line_num}: "
                                 f"{_csv_problem(str(error))}") from None
        if cells is not None and self.reader.line_num > before + 1 and \
                any("\n" in cell or "\r" in cell for cell in cells):
            raise InputTextError(
                f"{self.name}, line {before + 1}: a quote (\") opened on this line is not "
                f"closed on it" + (" (it runs to the end of the file)"
                                   if self.lines.stream.read(1) == b"" else
                                   f" (it runs to line {self.reader.line_num})"))
        return cells

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read

    def __iter__(self) -> Iterator[tuple[int, list[float]]]:
        """(line number, the row's numbers) for each non-blank row."""
        width = len(self.columns)
        columns = self.columns
        reader = self.reader
        while True:
            cells = self._next()
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
            if row is None or not math.isfinite(sum(row)) or not _plain(cells):
                # float() takes more than cgdiff's number syntax (1_000, nan, ٣): say which
                for column, cell in zip(columns, cells):
                    problem = number_problem(cell.strip())
                    if problem is not None:
                        raise InputTextError(
                            f"{self.name}, line {reader.line_num}, column '{clip(column, 30)}': "
                            f"'{clip(cell.strip(), 30)}' {problem}")
            yield reader.line_num, row


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


def run(graph: Graph, data: Data, settings: Mapping[str, float] | None = None,
        wrt: Iterable[str] | None = None, gradient: bool = False,
        mode: str = "reverse") -> Iterator[Row]:
    """Each row's value (and gradient with respect to ``wrt``), one at a time.

    Columns, settings and ``wrt`` are checked before the first row is read.
    """
    shared = check_columns(graph, data.columns, settings or {})
    nodes = list(graph.targets(wrt).values())
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
            derivatives = passes.gradient(graph, values, nodes, mode) if gradient else None
        except CgdiffError as error:
            raise type(error)(f"data line {line}: {error.message}", error.span) from None
        yield Row(number, line, row, values[out], derivatives)
