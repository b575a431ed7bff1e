"""A fit's result: json, csv and plain for scripts; for people a Rich table of
the parameters, the final cost and the cost curve drawn in the terminal."""

from __future__ import annotations

import csv
import math
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..fit import Fit
from ..text import human_number
from . import json_text, titled_table


def write_json(fit: Fit, out: IO[str]) -> None:
    out.write(json_text({"params": fit.params, "cost": fit.cost, "steps": fit.steps,
                         "converged": fit.converged}) + "\n")


def write_csv(fit: Fit, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["param", "value"])
    writer.writerows((name, repr(x)) for name, x in fit.params.items())


def write_plain(fit: Fit, out: IO[str]) -> None:
    for name, x in fit.params.items():
        out.write(f"{name}\t{x!r}\n")


def cost_curve(history: list[float], width: int = 60,
               height: int = 10) -> tuple[list[str], bool]:
    """The cost against the step as lines of text: one column per stretch of
    steps, a ● at its cost. A log scale when the costs are positive and span
    more than one order of magnitude (the second item says which)."""
    if not history:
        return [], False
    n = len(history)
    width = max(1, min(width, n))
    samples = [history[round(k * (n - 1) / max(1, width - 1))] for k in range(width)]
    low, high = min(samples), max(samples)
    log = low > 0 and high / low > 10
    scale = (lambda y: math.log10(y)) if log else (lambda y: y)
    bottom, top = scale(low), scale(high)
    span = top - bottom or 1.0
    grid = [[" "] * width for _ in range(height)]
    for k, y in enumerate(samples):
        r = round((top - scale(y)) / span * (height - 1))
        grid[r][k] = "●"
    labels = [format(high, ".4g"), format(low, ".4g")]
    pad = max(len(s) for s in labels)
    lines = []
    for r, row in enumerate(grid):
        label = labels[0] if r == 0 else labels[1] if r == height - 1 else ""
        lines.append(f"{label:>{pad}} │{''.join(row)}")
    lines.append(" " * pad + " └" + "─" * width)
    axis = f"step 0{(n - 1):>{max(1, width - 6)}}"
    lines.append(" " * (pad + 2) + axis)
    return lines, log


def render(fit: Fit):
    from rich.console import Group
    from rich.text import Text

    from .fitted import Fitted, number_column

    table = titled_table(title="fitted parameters", title_justify="left", header_style="bold")
    table.add_column("param", style="bold cyan")
    number_column(table, "start")
    number_column(table, "fitted", style="bold green")
    number_column(table, "∂cost/∂param", style="magenta")
    for name, x in fit.params.items():
        table.add_row(name, human_number(fit.start[name]), human_number(x),
                      format(fit.gradient[name], ".3g"))
    text = Text()
    text.append("cost = ", style="bold")
    text.append(human_number(fit.cost), style="bold green")
    text.append(f" (mean over {fit.rows} rows) after {fit.steps} steps; ")
    if fit.converged:
        text.append(f"converged: gradient norm {fit.gradient_norm:.3g}")
    else:
        text.append(f"stopped at --steps (gradient norm {fit.gradient_norm:.3g})",
                    style="yellow")
    return Group(Fitted(table), text, CostCurve(fit.history))


class CostCurve:
    """The cost curve, as wide as the console allows (at most 60 steps' columns)."""

    def __init__(self, history: list[float]):
        self.history = history

    def __rich_console__(self, console, options):
        from rich.text import Text

        room = max(10, min(60, options.max_width - 14))  # the labels and the axis
        lines, log = cost_curve(self.history, width=room)
        curve = Text("\ncost curve" + (" (log scale)\n" if log else "\n"), style="bold")
        curve.append("\n".join(lines), style="")
        yield curve


def write_table(fit: Fit, out: IO[str]) -> None:
    from . import print_rich

    print_rich(out, render(fit))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
