"""The Jacobian (``cgdiff jacobian``): a table for people, json, csv and plain
for scripts (stdlib only outside the table)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..jacobian import Jacobian
from ..text import human_number
from . import json_text, titled_table
from .matrix import matrix_csv, matrix_plain, matrix_table


def write_json(j: Jacobian, out: IO[str]) -> None:
    data = {"outputs": j.outputs, "wrt": j.names, "values": dict(zip(j.outputs, j.values)),
            "mode": j.mode, "jacobian": j.matrix}
    if j.counts is not None:
        data["stats"] = j.counts
    out.write(json_text(data) + "\n")


def write_csv(j: Jacobian, out: IO[str]) -> None:
    matrix_csv(j.outputs, j.names, j.matrix, out)


def write_plain(j: Jacobian, out: IO[str]) -> None:
    matrix_plain(j.matrix, out)


def render(j: Jacobian):
    """A table of ∂row/∂column, the outputs' values, and (--stats) the costs."""
    from rich.console import Group
    from rich.text import Text

    from .fitted import Fitted, number_column

    text = Text()
    how = "one sweep per output" if j.mode == "reverse" else "one tangent sweep per input"
    text.append(f"{j.mode} mode: {how}\n", style="dim")
    for k, (name, value) in enumerate(zip(j.outputs, j.values)):
        text.append(("\n" if k else "") + f"{name} = ", style="bold")
        text.append(human_number(value), style="bold green")
    parts = [matrix_table("∂row/∂column", j.outputs, j.names, j.matrix), text]
    if j.counts is not None:
        c = j.counts
        stats = titled_table(title=f"cost: {c['nodes']:,} nodes, {c['outputs']} out, "
                            f"{c['inputs']} in", title_justify="left",
                      header_style="bold")
        stats.add_column("mode", style="bold cyan")
        number_column(stats, "sweeps")
        number_column(stats, "node visits")
        for mode in ("reverse", "forward"):
            used = " (used)" if mode == j.mode else ""
            stats.add_row(mode + used, f"{c[mode]['sweeps']:,}", f"{c[mode]['node_visits']:,}")
        parts.append(Fitted(stats))
    return Group(*parts)


def write_table(j: Jacobian, out: IO[str]) -> None:
    from . import print_rich

    print_rich(out, render(j))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
