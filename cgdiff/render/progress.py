"""A Rich progress bar on standard error, only when it is a terminal.

``progress(total, description)`` is a context manager yielding
``update(completed, **fields)``; piped or redirected, it shows nothing and
Rich is not imported.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager


def _noop(completed, **fields):
    pass


@contextmanager
def progress(total: float | None, description: str, cost: bool = False,
             enabled: bool | None = None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn)

    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn()]
    if cost:
        columns.append(TextColumn("cost {task.fields[cost]}"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total, cost="")

        def update(completed, **fields):
            bar.update(task, completed=completed, **fields)

        yield update
