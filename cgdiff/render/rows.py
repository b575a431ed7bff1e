"""One output row per data row (``eval``/``grad --data``): CSV, JSON lines or
plain (``FORMATS``), each row written as it is computed (stdlib only)."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..batch import Rows
from . import json_text


def write_csv(rows: Rows, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    header = [*rows.columns, rows.output]
    if rows.names is not None:
        header += [f"d{rows.output}/d{name}" for name in rows.names]
    writer.writerow(header)
    for row in rows:
        cells = [*map(repr, row.data), repr(row.value)]
        if row.gradient is not None:
            cells += map(repr, row.gradient)
        writer.writerow(cells)


def write_json(rows: Rows, out: IO[str]) -> None:
    """JSON lines: one object per row."""
    for row in rows:
        record = {"row": row.number, "inputs": dict(zip(rows.columns, row.data)),
                  "value": row.value}
        if row.gradient is not None:
            record["gradient"] = dict(zip(rows.names, row.gradient))
        out.write(json_text(record) + "\n")


def write_plain(rows: Rows, out: IO[str]) -> None:
    for row in rows:
        cells = [row.value] + (row.gradient or [])
        out.write("\t".join(map(repr, cells)) + "\n")


FORMATS = {"csv": write_csv, "json": write_json, "plain": write_plain}
