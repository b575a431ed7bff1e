"""``cgdiff grad --stats``: the node table and the work each method did, as a
table or as json (``FORMATS``); a format without room for the counts is not
offered."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..stats import Measured
from . import data, print_rich


def write_json(measured: Measured, out: IO[str]) -> None:
    data.write_json(measured.result, out, {"stats": measured.stats.as_dict()})


def write_table(measured: Measured, out: IO[str]) -> None:
    from .check_table import stats_table
    from .table import render

    print_rich(out, render(measured.result), stats_table(measured.stats))


FORMATS = {"table": write_table, "json": write_json}
