"""The error family: every problem cgdiff reports, with where in the text it is.

Each error renders as one short paragraph that starts with ``error:``; a
syntax error adds the offending line (clipped to ~120 characters around the
column) and a caret under the column.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .text import caret_excerpt, line_and_column


@dataclass(frozen=True, slots=True)  # slots: one per statement, twice
class Span:
    """A half-open range of character offsets into the program text."""

    start: int
    end: int


class CgdiffError(Exception):
    """A problem with the program or its numbers (exit status 1)."""

    exit_code = 1

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        #: (offset, text) of rewrite hints that would avoid the error
        #: (cgdiff.precision.attach_hints): they end the paragraph
        self.hints: list[tuple[int, str]] = []

    def render(self, source: str | None = None) -> str:
        """The whole paragraph, with the source line and a caret when known."""
        text = f"error: {self.message}"
        if self.span is not None and source is not None:
            text += "\n" + caret_excerpt(source, self.span.start)
        if source is not None:
            for offset, hint in getattr(self, "hints", ()):
                line, column = line_and_column(source, offset)
                text += ("\n" + textwrap.fill(f"  hint: line {line}, column {column}: {hint}",
                                               width=79, subsequent_indent="    ",
                                               break_long_words=False, break_on_hyphens=False)
                         + "\n" + caret_excerpt(source, offset))
        return text


class ParseError(CgdiffError):
    """The text does not follow the grammar."""


class NamingError(CgdiffError):
    """An unknown name or function, a duplicate definition, a bad assignment, or
    an option naming something the program lacks."""


class CycleError(CgdiffError):
    """Statements that depend on themselves."""


class MissingValueError(CgdiffError):
    """Inputs that have no value."""


class DomainError(CgdiffError):
    """A value or derivative outside its function's domain, or not finite."""


class InputTextError(CgdiffError):
    """The program text cannot be read (invalid UTF-8, too large, ...)."""


class OutputError(CgdiffError):
    """A file cannot be written (exit status 1); the message names it."""


class CommandFailedError(OutputError):
    """The program that was to write a file (Graphviz's ``dot``) failed or ran out of time."""


class LimitError(CgdiffError):
    """The work or memory a command would need passes one of its stated limits
    (README: Errors and limits); the message says how to ask for less."""


class WorksheetError(CgdiffError):
    """The program cannot be made into a worksheet (too big, no inputs in the domain)."""


class KeyMismatchError(WorksheetError):
    """A worksheet key's number disagrees with the passes run again (a bug in cgdiff)."""


class GraphvizMissingError(CgdiffError):
    """Graphviz's ``dot`` is not on PATH."""


class GraphvizFailedError(CgdiffError):
    """Graphviz's ``dot`` ran and failed."""


class TooLargeError(NamingError):
    """A program whose unrolled graph would pass the node limit (``expand.MAX_NODES``)."""


class ShapeError(NamingError):
    """Shapes that do not fit (``W @ x`` with W 2×3 and x a vector of 2)."""


class ClaimError(CgdiffError):
    """The claims cannot be checked: a claim names no node of the program, the
    derivative of another output, or uses a name nobody defines."""


class NoDerivativeError(DomainError):
    """A derivative the fit needs does not exist at some row (sqrt at 0)."""

    @classmethod
    def of(cls, error: CgdiffError) -> NoDerivativeError:
        return cls(error.message, error.span)


class SheetError(CgdiffError):
    """A sheet that cannot be read: the file and line say where."""

    def __init__(self, path: str, line: int | None, message: str):
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.reason = path, line, message


class PageTooLargeError(CgdiffError):
    """A graph with more nodes than the interactive page (``cgdiff view``) draws."""


class NotFiniteError(Exception):
    """A column pass met a value or a derivative that is not finite in some
    row. Not a user-facing error: the caller runs those rows through the scalar
    passes instead, which raise the error they would have raised row by row
    (the same message)."""
