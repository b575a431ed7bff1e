"""``--expect`` outcomes: a small table beside the node table, and data for
JSON. ``FORMATS[name](outcomes, out)`` writes them on their own."""

from __future__ import annotations

from typing import IO

from . import human_number, titled_table


#: Below this many columns the table becomes one line per expectation.
NARROW = 60


def table(outcomes, width: int = 80):
    """A Rich renderable: expectation, expected, actual, ✓ or ✗ (one line each
    on a terminal narrower than NARROW)."""
    from rich.text import Text

    if width < NARROW:
        text = Text("expected\n", style="bold")
        for o in outcomes:
            text.append("✓" if o.ok else "✗", style="bold green" if o.ok else "bold red")
            text.append(f" {o.expectation.text} = {human_number(o.expectation.expected)}"
                        + ("" if o.ok else f", actual {human_number(o.actual)}") + "\n")
        return text

    grid = titled_table(title="expected", title_justify="left", header_style="bold")
    expected = [human_number(o.expectation.expected) for o in outcomes]
    actual = [human_number(o.actual) for o in outcomes]
    grid.add_column("expect", style="bold cyan", overflow="fold")
    # numbers are never folded nor cut: their columns are as wide as the longest
    grid.add_column("expected", justify="right", no_wrap=True,
                    min_width=max(map(len, expected), default=0))
    grid.add_column("actual", justify="right", no_wrap=True,
                    min_width=max(map(len, actual), default=0))
    grid.add_column("", no_wrap=True)
    for o, e, a in zip(outcomes, expected, actual):
        mark = Text("✓", style="bold green") if o.ok else Text("✗", style="bold red")
        grid.add_row(o.expectation.text, e, a, mark)
    return grid


def as_data(outcomes) -> list[dict]:
    return [{"expect": o.expectation.text, "kind": o.expectation.kind,
             "node": o.expectation.node, "expected": o.expectation.expected,
             "actual": o.actual, "ok": o.ok} for o in outcomes]


def write_table(outcomes, out: IO[str]) -> None:
    from rich.console import Console

    console = Console(file=out, highlight=False)
    console.print(table(outcomes, console.width))


def write_json(outcomes, out: IO[str]) -> None:
    from . import json_text

    out.write(json_text({"expect": as_data(outcomes)}) + "\n")


def write_csv(outcomes, out: IO[str]) -> None:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["expect", "kind", "expected", "actual", "ok"])
    for o in outcomes:
        writer.writerow([o.expectation.text, o.expectation.kind, repr(o.expectation.expected),
                         "" if o.actual is None else repr(o.actual), "ok" if o.ok else "FAIL"])


def write_plain(outcomes, out: IO[str]) -> None:
    for o in outcomes:
        out.write(f"{o.expectation.text}\t{'ok' if o.ok else 'FAIL'}\n")


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
