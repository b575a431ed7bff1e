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
from . import titled_table


#: A table of more nodes shows the first and last MAX_ROWS/2: drawing a row
#: takes about a millisecond, and nobody reads a million rows in a terminal.
MAX_ROWS = 400


def node_table(result: Result) -> Table:
    graph, values, adjoints = result.graph, result.values, result.adjoints
    out = result.graph.output_name()
    title = ("forward and reverse pass" if adjoints is not None else
             "forward pass and forward-mode tangents" if result.tangents is not None else
             "forward pass")
    table = titled_table(title=title, title_justify="left", header_style="bold")
    table.add_column("node", style="bold cyan", no_wrap=True)
    table.add_column("expression", overflow="fold")
    table.add_column("op", style="dim")
    table.add_column("inputs")
    number_column(table, "value")
    columns = []  # (heading, per-node numbers)
    if result.adjoint_columns is not None:
        columns += [(f"∂{name}/∂node", column) for name, column in result.adjoint_columns.items()]
    elif adjoints is not None:
        columns.append((f"∂{out}/∂node", adjoints))
    if result.tangents is not None:  # forward mode: each node's tangent
        columns += [(f"∂node/∂{name}", column) for name, column in result.tangents.items()]
    for heading, _ in columns:
        number_column(table, heading, style="magenta" if heading.endswith("node") else "yellow")
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
        row += [human_number(column[i]) for _, column in columns]
        table.add_row(*row)
    return table


def summary(result: Result) -> Text:
    graph = result.graph
    if len(graph.outputs) > 1:
        text = Text()
        for k, (name, o) in enumerate(zip(graph.output_names, graph.outputs)):
            text.append(("\n" if k else "") + f"{name} = ", style="bold")
            text.append(human_number(result.values[o]), style="bold green")
        if result.gradients is not None:
            mode = "reverse mode" if result.mode == "reverse" else "forward mode"
            for name, gradient in result.gradients.items():
                text.append(f"\ngradient of {name} ({mode}):", style="bold")
                _gradient_lines(text, result, name, gradient)
        return text
    out = result.graph.output_name()
    text = Text()
    text.append(f"{out} = ", style="bold")
    text.append(human_number(result.value), style="bold green")
    if result.gradient is not None and graph.shapes:
        mode = "reverse mode" if result.mode == "reverse" else "forward mode"
        text.append(f"\ngradient ({mode}):", style="bold")
        _gradient_lines(text, result, out, result.gradient)
        return text
    if result.gradient is not None:
        mode = "reverse mode" if result.mode == "reverse" else "forward mode"
        text.append(f"\ngradient ({mode}):", style="bold")
        for name, derivative in result.gradient.items():
            text.append(f"\n  ∂{out}/∂{name} = ")
            text.append(human_number(derivative), style="bold magenta")
    return text


def _gradient_lines(text: Text, result: Result, out: str, gradient: dict) -> None:
    """∂out/∂name for each name; a vector or matrix input whose every element
    is there as one block in its shape."""
    from . import gradient_blocks

    for name, shape, elements in gradient_blocks(result.graph, gradient, max_rank=2):
        if shape is not None:
            base = name
            cells = [human_number(gradient[e]) for e in elements]
            width = max(len(c) for c in cells)
            cols = shape[-1]
            rows = [cells[k:k + cols] for k in range(0, len(cells), cols)]
            text.append(f"\n  ∂{out}/∂{base} =")
            for row in rows:
                text.append("\n    [ " + "  ".join(c.rjust(width) for c in row) + " ]",
                            style="bold magenta")
            continue
        text.append(f"\n  ∂{out}/∂{name} = ")
        text.append(human_number(gradient[name]), style="bold magenta")


def render(result: Result) -> Group:
    return Group(Fitted(node_table(result)), summary(result))
