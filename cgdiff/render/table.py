"""Rich tables for people: one row per node, in evaluation order, as the
lecture lays out its forward and backward pass by hand.

Renderers return renderables; only the command line prints them.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..api import Result
from ..text import human_number
from .fitted import Fitted, number_column


#: A table of more nodes shows the first and last MAX_ROWS/2: drawing a row
#: takes about a millisecond, and nobody reads a million rows in a terminal.
MAX_ROWS = 400


def node_table(result: Result) -> Table:
    graph, values, adjoints = result.graph, result.values, result.adjoints
    out = result.graph.output_name()
    title = "forward and reverse pass" if adjoints is not None else "forward pass"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("node", style="bold cyan", no_wrap=True)
    table.add_column("expression", overflow="fold")
    table.add_column("op", style="dim")
    table.add_column("inputs")
    number_column(table, "value")
    if adjoints is not None:
        number_column(table, f"∂{out}/∂node", style="magenta")
    n = len(graph)
    half = MAX_ROWS // 2
    shown = range(n) if n <= MAX_ROWS else [*range(half), None, *range(n - half, n)]
    for i in shown:
        if i is None:
            table.add_row("⋮", f"{n - 2 * half:,} more nodes (--format csv has all)",
                          style="dim")
            continue
        op = graph.op[i]
        row = [
            graph.node_id(i),
            "" if op.name == "input" else graph.label(i),
            op.name,
            ", ".join(graph.node_id(a) for a in graph.args(i)),
            human_number(values[i]),
        ]
        if adjoints is not None:
            row.append(human_number(adjoints[i]))
        table.add_row(*row)
    return table


def summary(result: Result) -> Text:
    out = result.graph.output_name()
    text = Text()
    text.append(f"{out} = ", style="bold")
    text.append(human_number(result.value), style="bold green")
    if result.gradient is not None:
        mode = "reverse mode" if result.mode == "reverse" else "forward mode"
        text.append(f"\ngradient ({mode}):", style="bold")
        for name, derivative in result.gradient.items():
            text.append(f"\n  ∂{out}/∂{name} = ")
            text.append(human_number(derivative), style="bold magenta")
    return text


def render(result: Result) -> Group:
    return Group(Fitted(node_table(result)), summary(result))
