"""The error family: every problem cgdiff reports, with where in the text it is.

Each error renders as one short paragraph that starts with ``error:``; a
syntax error adds the offending line (clipped to ~120 characters around the
column) and a caret under the column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: How many characters of the offending line an error shows at most.
CONTEXT_WIDTH = 120


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

    def render(self, source: str | None = None) -> str:
        """The whole paragraph, with the source line and a caret when known."""
        text = f"error: {self.message}"
        if self.span is not None and source is not None:
            text += "\n" + caret_excerpt(source, self.span.start)
        return text


class SyntaxProblem(CgdiffError):
    """The text does not follow the grammar."""


class NameProblem(CgdiffError):
    """An unknown name or function, a duplicate definition, a bad assignment, or
    an option naming something the program lacks."""


class CycleError(CgdiffError):
    """Statements that depend on themselves."""


class MissingValues(CgdiffError):
    """Inputs that have no value."""


class DomainProblem(CgdiffError):
    """A value or derivative outside its function's domain, or not finite."""


class InputTextError(CgdiffError):
    """The program text cannot be read (invalid UTF-8, too large, ...)."""


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def caret_excerpt(source: str, offset: int) -> str:
    """The line holding ``offset`` and a caret under it, both indented by two.

    A long line is clipped to CONTEXT_WIDTH characters around the column, with
    ``...`` where it was cut, so a million-character line still gives a short
    message. Control characters are shown escaped so the caret stays aligned
    and the terminal is not disturbed. In a program of several lines, a margin
    gives the line's number (``  3 | J = log(x)``).
    """
    offset = max(0, min(offset, len(source)))
    line_start = source.rfind("\n", 0, offset) + 1
    line_end = source.find("\n", offset)
    if line_end == -1:
        line_end = len(source)
    if line_end > line_start and source[line_end - 1] == "\r":
        line_end -= 1  # CRLF
    offset = min(offset, line_end)
    start = max(line_start, offset - CONTEXT_WIDTH // 2)
    end = min(line_end, start + CONTEXT_WIDTH)
    before = printable(source[start:offset])
    shown = before + printable(source[offset:end])
    prefix = "..." if start > line_start else ""
    suffix = "..." if end < line_end else ""
    caret_column = len(prefix) + len(before)
    gutter = margin = ""
    if line_start > 0 or line_end < len(source.rstrip("\r\n")):
        # A program of several lines: say which one, in a margin.
        number = str(source.count("\n", 0, line_start) + 1)
        gutter, margin = f"{number} | ", f"{' ' * len(number)} | "
    return (f"  {gutter}{prefix}{shown}{suffix}\n"
            f"  {margin}{' ' * caret_column}^")


def printable(text: str) -> str:
    """Text with control characters escaped (``\\x00``), tabs as one space."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\t":
            out.append(" ")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "".join(out)


def clip(text: str, width: int = 60) -> str:
    """Text shortened to ``width`` characters with an ellipsis, for messages."""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised group: ``(a + b)`` but not ``(a)*(b)``."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and position < len(text) - 1:
            return False
    return True


def exact_number(x: float) -> str:
    """A number as it reads back exactly, integers without ``.0``: ``-1``, ``0.5``, ``1e-200``."""
    x = float(x)  # an int from a library caller: int.is_integer is Python 3.12's
    return repr(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def as_float(name: str, value) -> float:
    """A value a library caller gave for ``name`` as a float: ``0``, ``True``,
    ``Fraction(1, 2)`` or a NumPy scalar are numbers too; text is not."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"the value of {clip(name)} must be a number, not {type(value).__name__}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"the value of {clip(name)} must be a number, "
                        f"not {type(value).__name__}") from None


#: The number syntax of option values (``--set w=2``) and data cells: ASCII
#: digits, an optional sign, point and exponent. Python's float() also takes
#: ``1_000``, ``nan``, ``infinity`` and other scripts' digits; cgdiff does not.
NUMBER_SYNTAX = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_SYNTAX)
_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


def number_problem(text: str) -> str | None:
    """Why ``text`` (already stripped) is not a finite number in cgdiff's
    syntax, or None when it is one."""
    if _NUMBER.fullmatch(text):
        return None if math.isfinite(float(text)) else "is too large for a float"
    if _NON_FINITE.fullmatch(text):
        return "must be a finite number"
    if "_" in text and _NUMBER.fullmatch(text.replace("_", "")):
        return "is not a number (write it without '_')"
    return "is not a number"
