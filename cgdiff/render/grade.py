"""``cgdiff grade``: the marks as a table, json, csv (one row per sheet, for a
gradebook) or plain (``FORMATS``)."""

from __future__ import annotations

import csv
from typing import IO

from . import human_number, json_text, print_rich, titled_table

MARKS = {"right": "✓", "carried": "✓ carried forward", "wrong": "✗", "blank": "— blank",
         "unreadable": "? unreadable"}


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def score_line(sheet) -> str:
    return (f"{sheet.path}: {sheet.count('right')} of {sheet.total} right "
            f"({_percent(sheet.score)}); with carried-forward credit "
            f"{sheet.count('right') + sheet.count('carried')} of {sheet.total} "
            f"({_percent(sheet.score_carried)})")


def write_table(report, out: IO[str]) -> None:
    from rich.text import Text

    parts = []
    if len(report.sheets) == 1:
        sheet = report.sheets[0]
        table = titled_table(title=f"{sheet.path}, marked with error carried forward",
                      title_justify="left", header_style="bold")
        table.add_column("node", style="bold cyan", overflow="fold")
        table.add_column("cell", overflow="fold")
        answers = [human_number(c.answer) if c.answer is not None else "" for c in sheet.cells]
        keys = [human_number(c.key) for c in sheet.cells]
        table.add_column("answer", justify="right", no_wrap=True,
                         min_width=max(map(len, answers), default=0))
        table.add_column("key", justify="right", no_wrap=True,
                         min_width=max(map(len, keys), default=0))
        table.add_column("mark", overflow="fold")
        for cell, answer, key in zip(sheet.cells, answers, keys):
            what = "value" if cell.kind == "value" else f"∂{sheet.out}/∂{cell.node}"
            style = {"right": "green", "carried": "green", "wrong": "bold red"}.get(cell.mark,
                                                                                  "yellow")
            mark = MARKS[cell.mark]
            if cell.mark == "carried":
                mark += f" (follows from your numbers: {human_number(cell.follows)})"
            table.add_row(cell.node, what, answer, key, Text(mark, style=style))
        parts += [table, Text(score_line(sheet), style="bold")]
    elif report.sheets:
        table = titled_table(title="sheets, marked with error carried forward", title_justify="left",
                      header_style="bold")
        table.add_column("sheet", style="bold cyan", overflow="fold")
        for name in ("right", "carried", "wrong", "blank", "of", "score", "with carried"):
            table.add_column(name, justify="right", no_wrap=True)
        for sheet in report.sheets:
            table.add_row(sheet.path, str(sheet.count("right")), str(sheet.count("carried")),
                          str(sheet.count("wrong")),
                          str(sheet.count("blank") + sheet.count("unreadable")),
                          str(sheet.total), _percent(sheet.score),
                          _percent(sheet.score_carried))
        parts.append(table)
    notes = Text()
    for sheet in report.sheets:
        for cell in sheet.cells:
            if cell.mark == "unreadable":
                notes.append(f"{sheet.path}: the {cell.kind} of {cell.node} could not be read\n",
                             style="yellow")
    for error in report.unreadable:
        notes.append(f"could not grade {error.message}\n", style="bold red")
    if report.passing is not None:
        failing = report.failing
        notes.append(f"{len(failing)} of {len(report.sheets)} below the pass mark "
                     f"{_percent(report.passing)}" + (": " + ", ".join(s.path for s in failing)
                                                      if failing else ""),
                     style="bold red" if failing else "bold green")
    if notes:
        parts.append(notes)
    print_rich(out, *parts)


def as_data(report) -> dict:
    return {
        "pass": report.passing,
        "sheets": [{
            "sheet": s.path, "score": s.score, "score_carried": s.score_carried,
            "right": s.count("right"), "carried": s.count("carried"), "wrong": s.count("wrong"),
            "blank": s.count("blank"), "unreadable": s.count("unreadable"), "total": s.total,
            "passed": None if report.passing is None else s not in report.failing,
            "cells": [{"node": c.node, "kind": c.kind, "answer": c.answer, "key": c.key,
                       "mark": c.mark, "follows": c.follows} for c in s.cells],
        } for s in report.sheets],
        "unreadable": [{"file": e.path, "line": e.line, "message": e.reason}
                       for e in report.unreadable],
    }


def write_json(report, out: IO[str]) -> None:
    out.write(json_text(as_data(report)) + "\n")


def write_csv(report, out: IO[str]) -> None:
    """One row per sheet: a gradebook."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sheet", "right", "carried", "wrong", "blank", "unreadable", "total",
                     "score", "score_carried"])
    for s in report.sheets:
        writer.writerow([s.path, s.count("right"), s.count("carried"), s.count("wrong"),
                         s.count("blank"), s.count("unreadable"), s.total, repr(s.score),
                         repr(s.score_carried)])


def write_plain(report, out: IO[str]) -> None:
    """``SHEET<TAB>score<TAB>score with carried-forward credit`` per sheet."""
    for s in report.sheets:
        out.write(f"{s.path}\t{s.score!r}\t{s.score_carried!r}\n")


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
