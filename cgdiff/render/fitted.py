"""Tables whose numbers are never cut.

Rich fits a table to the terminal by shrinking its columns and, as a last
resort, cutting cells with ``…``: ``2.775557562e-17`` became ``2.775557562e-…``.
Here a number column is ``no_wrap`` (Rich never shrinks those while a text
column can give way), and :class:`Fitted` decides at drawing time, knowing the
width: the table as it is; else the same table without its outer edge and
vertical lines; else,
for a matrix, blocks of its columns; else a vertical layout, one block per row,
where nothing needs cutting.

Text columns may still fold (the expression) or wrap (several words).
"""

from __future__ import annotations

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from . import titled_table

#: The narrowest a text column may get before the table goes vertical.
TEXT_FLOOR = 8


def number_column(table: Table, header: str, **style) -> None:
    """Add a right-aligned column of numbers, never shrunk or cut."""
    table.add_column(header, justify="right", no_wrap=True, **style)


def column_widths(table: Table, console: Console, options: ConsoleOptions) -> list[int]:
    """The width each column needs, padding included: a no_wrap column whole,
    another at least its longest word (TEXT_FLOOR for a folding one)."""
    wide = options.update_width(10**6)
    widths = []
    for column in table.columns:
        low, high = table._measure_column(console, wide, column)
        if column.no_wrap:
            widths.append(high)
        elif column.overflow == "fold":
            padding = table._get_padding_width(column._index)
            widths.append(min(high, TEXT_FLOOR + padding))
        else:
            widths.append(low)
    return widths


def needed_width(table: Table, console: Console, options: ConsoleOptions) -> int:
    """The width ``table`` needs with no number cut."""
    return table._extra_width + sum(column_widths(table, console, options))


def column_blocks(table: Table, console: Console, options: ConsoleOptions) -> list[Table]:
    """A wide matrix as blocks of its columns, each block the first column and
    as many more as fit, like NumPy prints a wide array; [] if not even one
    more column fits."""
    widths = column_widths(table, console, options)
    if len(widths) < 3:
        return []
    edge = table._extra_width - (len(widths) - 1)  # the outer borders
    room = options.max_width - edge - widths[0]
    blocks, block, used = [], [], 0
    for k in range(1, len(widths)):
        if used + 1 + widths[k] > room:
            if not block:
                return []
            blocks.append(block)
            block, used = [], 0
        block.append(k)
        used += 1 + widths[k]
    blocks.append(block)
    tables = []
    for number, block in enumerate(blocks):
        part = titled_table(title=table.title if number == 0 else None,
                     title_justify=table.title_justify, header_style=table.header_style,
                     caption=f"columns {block[0]}–{block[-1]} of {len(widths) - 1}: "
                             f"{table.columns[block[0]].header} to "
                             f"{table.columns[block[-1]].header}",
                     caption_justify="left", caption_style="dim")
        for k in (0, *block):
            column = table.columns[k]
            part.add_column(column.header, justify=column.justify, style=column.style,
                            no_wrap=column.no_wrap, overflow=column.overflow)
        cells = [list(table.columns[k].cells) for k in (0, *block)]
        for row in zip(*cells):
            part.add_row(*row)
        tables.append(part)
    return tables


def vertical(table: Table) -> Group:
    """One block per row: the first cell as its heading, then ``header  cell``
    for every other cell that is not empty."""
    parts: list = []
    if table.title:
        parts.append(Text(str(table.title), style="bold"))
    headers = [str(column.header) for column in table.columns]
    pad = max((len(h) for h in headers[1:]), default=0)
    cells = [list(column.cells) for column in table.columns]
    rows = len(cells[0]) if cells else 0
    for r in range(rows):
        heading = cells[0][r]
        block = Text()
        block.append_text(heading if isinstance(heading, Text) else Text(str(heading),
                                                                       style="bold cyan"))
        for header, column in zip(headers[1:], cells[1:]):
            cell = column[r]
            plain = cell.plain if isinstance(cell, Text) else str(cell)
            if not plain:
                continue
            block.append(f"\n  {header:<{pad}}  " if header else "\n  ")
            block.append_text(cell if isinstance(cell, Text) else Text(plain))
        parts.append(block)
    if table.caption:
        parts.append(Text(str(table.caption)))
    return Group(*parts)


class Fitted:
    """``table`` drawn so that no number is cut, whatever the width."""

    def __init__(self, table: Table, blocks: bool = False):
        self.table = table
        self.blocks = blocks  # a matrix: split its columns before going vertical

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = self.table
        if needed_width(table, console, options) <= options.max_width:
            yield table
            return
        saved = table.box, table.show_edge, table.pad_edge
        table.box, table.show_edge, table.pad_edge = box.SIMPLE_HEAD, False, False
        try:
            if needed_width(table, console, options) <= options.max_width:
                yield table
                return
        finally:
            table.box, table.show_edge, table.pad_edge = saved
        parts = column_blocks(table, console, options) if self.blocks else []
        if parts:
            yield from parts
        else:
            yield vertical(table)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)
