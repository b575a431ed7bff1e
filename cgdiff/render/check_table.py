"""Rich renderings of ``cgdiff check`` and ``cgdiff grad --stats``.

Renderers return renderables; only the command line prints them.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ..check import Report
from ..stats import Stats
from ..text import human_number
from .fitted import Fitted, number_column
from . import titled_table


def _error(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return "0" if x == 0 else f"{x:.1e}"


def _precise(x: float | None) -> str:
    """More digits than human_number: a finite difference is off in its last ones."""
    if x is None or x != x:
        return "—"
    return human_number(x) if x.is_integer() else format(x, ".12g")


def check_table(report: Report) -> Group:
    out = report.output
    table = titled_table(title=f"reverse mode against central finite differences "
                        f"(rtol {report.rtol:g}, atol {report.atol:g})",
                  title_justify="left", header_style="bold")
    table.add_column("input", style="bold cyan", no_wrap=True)
    number_column(table, "value")
    number_column(table, f"∂{out}/∂input", style="magenta")
    number_column(table, "finite diff.")
    number_column(table, "step h", style="dim")
    number_column(table, "abs error")
    number_column(table, "rel error")
    table.add_column("", no_wrap=True)
    for row in report.rows:
        mark = Text("✓", style="bold green") if row.ok else (
            Text("✗", style="bold red") if row.ok is False else
            Text("kink", style="yellow") if row.kink else Text("?", style="yellow"))
        table.add_row(row.name, human_number(row.value), human_number(row.derivative),
                      _precise(row.difference), _error(row.step) if row.step else "—",
                      _error(row.abs_error), _error(row.rel_error), mark)
    parts = [Fitted(table)]
    notes = Text()
    for row in report.rows:
        if row.note:
            notes.append(f"{row.name}: {row.note}\n", style="yellow" if row.ok is None else "dim")
    bad = [row.name for row in report.rows if row.ok is False]
    if bad:
        notes.append(f"✗ {len(bad)} of {len(report.rows)} disagree: {', '.join(bad)}",
                     style="bold red")
    elif report.rows:
        agreed = sum(row.ok is True for row in report.rows)
        kinks = sum(row.ok is None and row.kink for row in report.rows)
        unchecked = len(report.rows) - agreed - kinks
        if agreed:
            notes.append(f"✓ {agreed} of {len(report.rows)} agree", style="bold green")
        if kinks:
            notes.append(("; " if agreed else "") + f"{kinks} at a kink (not a failure; "
                         "--strict makes it one)", style="yellow")
        if unchecked:
            notes.append(("; " if agreed or kinks else "")
                         + f"{unchecked} could not be checked here", style="yellow")
    parts.append(notes)
    if report.nudge is not None:
        parts.append(nudge_text(report))
    return Group(*parts)


def nudge_text(report: Report) -> Text:
    n = report.nudge
    out = report.output
    text = Text()
    deltas = ", ".join(f"{name} by {human_number(delta)}" for name, delta in n.deltas.items())
    text.append(f"\nnudge {deltas}\n", style="bold")
    for name, (before, after) in n.moves.items():
        text.append(f"  {name}: {human_number(before)} → {human_number(after)}\n")
    if n.after is None:
        text.append(f"  {n.note}\n", style="yellow")
        return text
    text.append(f"  {out}: {human_number(n.before)} → {human_number(n.after)}\n")
    derivatives = dict(n.derivatives)
    terms = " + ".join(f"∂{out}/∂{name} × {human_number(delta)}"
                       for name, delta in n.deltas.items() if name in n.moves)
    numbers = " + ".join(f"{_factor(derivatives[name])} × {human_number(delta)}"
                         for name, delta in n.deltas.items() if name in n.moves)
    text.append("  actual change:    ")
    text.append(human_number(n.change), style="bold")
    text.append("\n  predicted change: ")
    text.append(human_number(n.predicted), style="bold magenta")
    text.append(f"  ({terms} = {numbers})\n" if terms else "  (nothing moves)\n")
    text.append(f"  difference:       {human_number(n.change - n.predicted)}"
                "  (curvature: shrinks like Δ²)", style="dim")
    return text


def _factor(x: float) -> str:
    return f"({human_number(x)})" if x < 0 else human_number(x)


def stats_table(stats: Stats) -> Fitted:
    p = stats.inputs
    table = titled_table(title=f"cost, counted while the passes ran: n = {stats.nodes} nodes, "
                        f"p = {p} input{'s' if p != 1 else ''}", title_justify="left",
                  caption=f"for scale: n + p = {stats.nodes + p:,}, n·p = {stats.nodes * p:,}",
                  caption_justify="left", header_style="bold")
    table.add_column("method", style="bold")
    table.add_column("what is counted")
    number_column(table, "count", style="magenta")
    number_column(table, "× reverse")
    base = stats.reverse_partials or 1
    table.add_row("forward pass (values)", "operations evaluated",
                  f"{stats.forward_values:,}", "")
    table.add_row("reverse mode: one sweep", "local derivatives",
                  f"{stats.reverse_partials:,}", "1")
    for method, count in [(f"forward mode: {p} sweep{'s' if p != 1 else ''}",
                           stats.forward_mode_partials),
                          (f"finite differences: {2 * p} passes",
                           stats.finite_difference_values)]:
        what = "local derivatives" if method.startswith("forward") else "operations evaluated"
        if count is None:
            table.add_row(method, what, "not run", "(n·p too large)")
        else:
            table.add_row(method, what, f"{count:,}", f"{count / base:,.1f}")
    return Fitted(table)
