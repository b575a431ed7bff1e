"""One output row per data row (``eval``/``grad --data``): CSV, JSON lines or
plain (``FORMATS``), written a chunk of rows at a time as they are computed."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING, Iterable

from . import json_text

if TYPE_CHECKING:
    from ..batch import Chunk, Row, Rows


class RowWriter:
    """Writes rows of ``eval``/``grad --data`` in one format as they come."""

    def __init__(self, out: IO[str], output_format: str, columns: list[str], output: str,
                 names: list[str] | None):
        self.out = out
        self.format = output_format
        self.columns = columns
        self.output = output
        self.names = names
        if self.format == "csv":
            self.csv = csv.writer(out, lineterminator="\n")
            header = [*columns, output]
            if names is not None:
                header += [f"d{output}/d{name}" for name in names]
            self.csv.writerow(header)

    def write(self, row: Row) -> None:
        if self.format == "csv":
            cells = [*map(repr, row.data), repr(row.value)]
            if row.gradient is not None:
                cells += map(repr, row.gradient)
            self.csv.writerow(cells)
        elif self.format == "json":
            record = {"row": row.number, "inputs": dict(zip(self.columns, row.data)),
                      "value": row.value}
            if row.gradient is not None:
                record["gradient"] = dict(zip(self.names, row.gradient))
            self.out.write(json_text(record) + "\n")
        else:
            cells = [row.value] + (row.gradient or [])
            self.out.write("\t".join(map(repr, cells)) + "\n")

    def write_chunk(self, chunk: Chunk) -> None:
        """Every row of a chunk: the same text as :meth:`write` row by row,
        made a column at a time."""
        if self.format == "json":
            for row in chunk.rows():
                self.write(row)
            return
        columns = [chunk.value, *(chunk.gradient or [])]
        if self.format == "csv":
            columns = [*chunk.data.T, *columns]
        separator = "," if self.format == "csv" else "\t"
        for start in range(0, len(chunk), 4096):  # a few MB of text at a time
            texts = [map(repr, column[start:start + 4096].tolist()) for column in columns]
            self.out.write("\n".join(map(separator.join, zip(*texts))) + "\n")

    def write_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.write(row)


def _rows_in(output_format: str):
    def write(rows: Rows, out: IO[str]) -> None:
        writer = RowWriter(out, output_format, rows.columns, rows.output, rows.names)
        for chunk in rows:
            writer.write_chunk(chunk)
    write.__name__ = f"write_{output_format}"
    return write


FORMATS = {name: _rows_in(name) for name in ("csv", "json", "plain")}
