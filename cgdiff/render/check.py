"""``cgdiff check``: the report as a table for people, json, csv or plain for
scripts (``FORMATS``). The table is drawn by ``render.check_table`` (Rich,
imported only when asked for)."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..check import Report
from . import json_text, print_rich

OK = {True: "ok", False: "FAIL", None: "unchecked"}


def status(row) -> str:
    """ok, FAIL, unchecked, or kink (a kink, tie or jump: not a failure)."""
    return "kink" if row.ok is None and row.kink else OK[row.ok]


def as_data(report: Report) -> dict:
    """The report as plain data (numbers in full precision, None for none)."""
    def number(x):
        return None if x is None or x != x else x

    data = {
        "of": report.output,
        "value": report.value,
        "ok": report.ok,
        "rtol": report.rtol,
        "atol": report.atol,
        "relative_step": report.relative_step,
        "inputs": [{"name": row.name, "value": number(row.value), "reverse": row.derivative,
                    "finite_difference": number(row.difference), "step": row.step,
                    "abs_error": number(row.abs_error), "rel_error": number(row.rel_error),
                    "ok": row.ok, **({"note": row.note} if row.note else {}),
                    **({"kink": {"left": row.left, "right": row.right}} if row.kink else {})}
                   for row in report.rows],
    }
    if report.nudge is not None:
        n = report.nudge
        data["nudge"] = {"deltas": n.deltas, "before": n.before, "after": n.after,
                         "change": n.change, "predicted": n.predicted,
                         **({"note": n.note} if n.note else {})}
    return data


def write_json(report: Report, out: IO[str]) -> None:
    out.write(json_text(as_data(report)) + "\n")


def write_csv(report: Report, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["input", "value", "reverse", "finite_difference", "step",
                     "abs_error", "rel_error", "ok", "note"])
    for row in report.rows:
        writer.writerow([row.name, *("" if x is None or x != x else repr(x) for x in
                                     (row.value, row.derivative, row.difference, row.step,
                                      row.abs_error, row.rel_error)),
                         status(row), row.note])


def write_plain(report: Report, out: IO[str]) -> None:
    """NAME, reverse, difference, ok: one line per input, tab-separated."""
    for row in report.rows:
        difference = "" if row.difference is None else repr(row.difference)
        out.write(f"{row.name}\t{row.derivative!r}\t{difference}\t{status(row)}\n")


def write_table(report: Report, out: IO[str]) -> None:
    from .check_table import check_table

    print_rich(out, check_table(report))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
