"""``cgdiff check --against``: the claim report as a table, json, csv or plain.

``FORMATS[name](report, out)`` writes the report to ``out``; the table needs
Rich and imports it only when asked for.
"""

from __future__ import annotations

from typing import IO

from ..text import human_number
from . import titled_table

MARKS = {"right": "✓", "wrong": "✗", "inherits": "✗", "unchecked": "?"}


def _error(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return "0" if x == 0 else f"{x:.1e}"


def point_text(point: dict | None) -> str:
    if not point:
        return ""
    return ", ".join(f"{name} = {human_number(value)}" for name, value in point.items())


def where(report, verdict) -> str:
    """``the given point`` or ``sample 7``."""
    if verdict.point is None:
        return "—"
    for k, point in enumerate(report.points):
        if point == verdict.point:
            return "given point" if k == 0 else f"sample {k}"
    return "—"


def verdict_text(verdict) -> str:
    if verdict.status == "right":
        return "right"
    if verdict.status == "unchecked":
        return "undefined at every point"
    if verdict.status == "inherits":
        return f"inherits the error of {verdict.inherits_from}"
    return "wrong step" if verdict.claim.uses else "wrong"


def notes(report) -> list[tuple[str, str]]:
    """(line, style) under the table: what is wrong and where."""
    lines = []
    out = report.output
    for v in report.verdicts:
        if v.status == "wrong":
            lines.append((f"✗ {v.name} is wrong: at {point_text(v.point)} ({where(report, v)}) "
                          f"it gives {human_number(v.claimed)}, the true ∂{out}/∂{v.claim.node} "
                          f"is {human_number(v.true)}", "bold red"))
            if v.blame:
                lines.append((f"  {v.blame}", "red"))
        elif v.status == "inherits":
            lines.append((f"✗ {v.name} inherits the error of {v.inherits_from}: its own step "
                          f"is right", "red"))
        elif v.status == "unchecked":
            lines.append((f"? {v.name} is undefined at every point tried", "yellow"))
    first = report.first_wrong
    bad = [v for v in report.verdicts if v.ok is False]
    if first is not None and any(v.status == "inherits" for v in report.verdicts):
        lines.append((f"the first wrong step is {first.name}", "bold red"))
    if not bad:
        right = sum(v.ok is True for v in report.verdicts)
        lines.append((f"✓ {right} of {len(report.verdicts)} claims hold at "
                      f"{len(report.points)} points", "bold green"))
    return lines


#: Below this many columns the table becomes one line per claim.
NARROW = 72


def table(report, out: IO[str]) -> None:
    from rich.console import Console, Group
    from rich.text import Text

    console = Console(file=out, highlight=False)
    title = (f"claims against the program's derivatives at the given point and "
             f"{len(report.points) - 1} samples (seed {report.seed}; rtol {report.rtol:g}, "
             f"atol {report.atol:g})")
    styles = {"✓": "bold green", "✗": "bold red", "?": "yellow"}
    claimed = [human_number(v.claimed) for v in report.verdicts]
    true = [human_number(v.true) for v in report.verdicts]
    if console.width < NARROW:
        grid = Text(title + "\n", style="bold")
        for k, v in enumerate(report.verdicts):
            mark = MARKS[v.status]
            grid.append(mark, style=styles[mark])
            grid.append(f" {v.name}: claimed {claimed[k]}, true {true[k]}; {verdict_text(v)}\n")
    else:
        grid = titled_table(title=title, title_justify="left", header_style="bold")
        grid.add_column("claim", style="bold cyan", overflow="fold")
        # numbers are never folded nor cut: their columns are as wide as the longest
        grid.add_column("claimed", justify="right", no_wrap=True,
                        min_width=max(map(len, claimed), default=0))
        grid.add_column("true", justify="right", style="magenta", no_wrap=True,
                        min_width=max(map(len, true), default=0))
        grid.add_column("rel error", justify="right", no_wrap=True, min_width=7)
        grid.add_column("at", overflow="fold")
        grid.add_column("", no_wrap=True)
        grid.add_column("verdict", overflow="fold")
        for k, v in enumerate(report.verdicts):
            mark = MARKS[v.status]
            grid.add_row(v.name, claimed[k], true[k], _error(v.rel_error), where(report, v),
                         Text(mark, style=styles[mark]), verdict_text(v))
    text = Text()
    for k, (line, style) in enumerate(notes(report)):
        text.append(("\n" if k else "") + line, style=style)
    console.print(Group(grid, text))


def _number(x):
    return None if x is None or x != x else x


def as_data(report) -> dict:
    return {
        "of": report.output, "ok": report.ok, "rtol": report.rtol, "atol": report.atol,
        "samples": report.samples, "seed": report.seed,
        "first_wrong": report.first_wrong.name if report.first_wrong else None,
        "points": report.points,
        "claims": [{
            "claim": v.name, "node": v.claim.node, "formula": v.claim.formula,
            "uses": v.claim.uses, "status": v.status, "ok": v.ok,
            "inherits_from": v.inherits_from, "point": v.point,
            "claimed": _number(v.claimed), "step": _number(v.step), "true": _number(v.true),
            "abs_error": _number(v.abs_error), "rel_error": _number(v.rel_error),
            "points_checked": v.points, "blame": v.blame or None, "local": v.local,
        } for v in report.verdicts],
    }


def write_json(report, out: IO[str]) -> None:
    from . import json_text

    out.write(json_text(as_data(report)) + "\n")


CSV_HEADER = ["claim", "node", "status", "inherits_from", "claimed", "step", "true",
              "abs_error", "rel_error", "points_checked", "point", "blame"]


def write_csv(report, out: IO[str]) -> None:
    import csv

    def number(x):
        return "" if x is None or x != x else repr(x)

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for v in report.verdicts:
        point = ";".join(f"{k}={value!r}" for k, value in (v.point or {}).items())
        writer.writerow([v.name, v.claim.node, v.status, v.inherits_from or "",
                         number(v.claimed), number(v.step), number(v.true),
                         number(v.abs_error), number(v.rel_error), v.points, point, v.blame])


def write_plain(report, out: IO[str]) -> None:
    """``CLAIM<TAB>status<TAB>claimed<TAB>true`` per claim."""
    for v in report.verdicts:
        claimed = "" if v.claimed is None else repr(v.claimed)
        true = "" if v.true is None else repr(v.true)
        out.write(f"{v.name}\t{v.status}\t{claimed}\t{true}\n")


FORMATS = {"table": table, "json": write_json, "csv": write_csv, "plain": write_plain}


def summary(report) -> str:
    """The one-paragraph message for standard error when a claim is wrong."""
    bad = [v for v in report.verdicts if v.ok is False]
    first = report.first_wrong or bad[0]
    noun = ("claim" if len(report.verdicts) == 1 else "claims") + (" is" if len(bad) == 1
                                                                    else " are")
    names = ", ".join(v.name for v in bad)
    return (f"{len(bad)} of {len(report.verdicts)} {noun} wrong: {names}; first {first.name} "
            f"at {point_text(first.point)}: claimed {human_number(first.claimed)}, true "
            f"∂{report.output}/∂{first.claim.node} = {human_number(first.true)}")
