"""Kinks and ties under a table (``grad``), and as data (``"kinks"`` in JSON)."""

from __future__ import annotations

from typing import IO


def note(graph, values, found):
    """A Rich Text: one line per kink, tie or jump the point sits on."""
    from rich.text import Text

    from ..kinks import describe

    text = Text()
    text.append("note: the point sits on a kink, tie or jump, where the derivative is a "
                "convention:", style="bold yellow")
    for kink in found:
        text.append(f"\n  {describe(graph, values, kink)}", style="yellow")
    return text


def as_data(graph, found) -> list[dict]:
    return [k.as_dict(graph) for k in found]


def write_plain(graph, values, found, out: IO[str]) -> None:
    from ..kinks import describe

    for kink in found:
        out.write(describe(graph, values, kink) + "\n")
