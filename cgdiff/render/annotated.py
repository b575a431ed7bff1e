"""The node table with more to show (``grad --stats``, ``--expect``): more
Rich tables after the table, more keys after the JSON (``FORMATS``: a format
without room for them is not offered)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from . import data, print_rich

if TYPE_CHECKING:
    from ..api import Result


@dataclass
class Annotated:
    result: Result
    #: Rich renderables printed after the node table
    tables: list = field(default_factory=list)
    #: top-level JSON keys written after the nodes and the gradient
    json_extra: dict = field(default_factory=dict)


def write_json(annotated: Annotated, out: IO[str]) -> None:
    data.write_json(annotated.result, out, annotated.json_extra)


def write_table(annotated: Annotated, out: IO[str]) -> None:
    from .table import render

    print_rich(out, render(annotated.result), *annotated.tables)


FORMATS = {"table": write_table, "json": write_json}
