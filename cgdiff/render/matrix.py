"""The Hessian for scripts (json, csv, plain; stdlib only) and for people
(a Rich table, imported only when asked for); and the labelled matrix that
the Jacobian (``render.jacobian``) writes the same way."""

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


def matrix_csv(rows: list[str], columns: list[str], matrix, out: IO[str]) -> None:
    """A header of column names, then each row's name and numbers (repr: every digit)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *columns])
    for name, row in zip(rows, matrix):
        writer.writerow([name, *(repr(x) for x in row)])


def matrix_plain(matrix, out: IO[str]) -> None:
    """The numbers alone, a line a row, tab-separated."""
    for row in matrix:
        out.write("\t".join(repr(x) for x in row) + "\n")


def matrix_table(title: str, rows: list[str], columns: list[str], matrix):
    """A Rich table of the matrix: the row names down the left, numbers in
    number columns (never cut), fitted to the width in blocks of columns."""
    from .fitted import Fitted, number_column

    table = titled_table(title=title, title_justify="left", header_style="bold")
    table.add_column("", style="bold cyan", no_wrap=True)
    for name in columns:
        number_column(table, name)
    for name, row in zip(rows, matrix):
        table.add_row(name, *(human_number(x) for x in row))
    return Fitted(table, blocks=True)


def write_csv(h: Hessian, out: IO[str]) -> None:
    matrix_csv(h.names, h.names, h.matrix, out)


def write_plain(h: Hessian, out: IO[str]) -> None:
    matrix_plain(h.matrix, out)


def render(h: Hessian):
    """A table of ∂²J/∂row∂column, then the value and the gradient."""
    from rich.console import Group
    from rich.text import Text

    out = h.graph.output_name()
    table = matrix_table(f"∂²{out}/∂row∂column", h.names, h.names, h.matrix)
    text = Text()
    text.append(f"{out} = ", style="bold")
    text.append(human_number(h.value), style="bold green")
    text.append("\ngradient:", style="bold")
    for name, x in h.gradient.items():
        text.append(f"\n  ∂{out}/∂{name} = ")
        text.append(human_number(x), style="bold magenta")
    return Group(table, text)


def write_table(h: Hessian, out: IO[str]) -> None:
    from . import print_rich

    print_rich(out, render(h))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
