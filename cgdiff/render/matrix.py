"""The Hessian for scripts (json, csv, plain; stdlib only) and for people
(a Rich table, imported only when asked for)."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..hessian import Hessian
from ..text import human_number
from . import json_text, titled_table


def write_json(h: Hessian, out: IO[str]) -> None:
    graph = h.graph
    out.write(json_text({"of": graph.node_id(graph.output), "value": h.value, "wrt": h.names,
                         "gradient": h.gradient, "hessian": h.matrix}) + "\n")


def write_csv(h: Hessian, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *h.names])
    for name, row in zip(h.names, h.matrix):
        writer.writerow([name, *(repr(x) for x in row)])


def write_plain(h: Hessian, out: IO[str]) -> None:
    for row in h.matrix:
        out.write("\t".join(repr(x) for x in row) + "\n")


def render(h: Hessian):
    """A table of ∂²J/∂row∂column, then the value and the gradient."""
    from rich.console import Group
    from rich.text import Text

    from .fitted import Fitted, number_column

    out = h.graph.output_name()
    table = titled_table(title=f"∂²{out}/∂row∂column", title_justify="left",
                  header_style="bold")
    table.add_column("", style="bold cyan", no_wrap=True)
    for name in h.names:
        number_column(table, name)
    for name, row in zip(h.names, h.matrix):
        table.add_row(name, *(human_number(x) for x in row))
    text = Text()
    text.append(f"{out} = ", style="bold")
    text.append(human_number(h.value), style="bold green")
    text.append("\ngradient:", style="bold")
    for name, x in h.gradient.items():
        text.append(f"\n  ∂{out}/∂{name} = ")
        text.append(human_number(x), style="bold magenta")
    return Group(Fitted(table, blocks=True), text)


def write_table(h: Hessian, out: IO[str]) -> None:
    from . import print_rich

    print_rich(out, render(h))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
