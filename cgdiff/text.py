"""Text helpers every layer shares: clipping, escaping, numbers, names (and
``no_gc``, the one switch of the cycle collector).

The lowest module of the package (it imports nothing of cgdiff's): error
messages, renderers and the command line all word things through it, so a
number or a clipped name reads the same everywhere.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import math
import re
from typing import Iterable, Iterator

#: How many characters of the offending line an error shows at most.
CONTEXT_WIDTH = 120

#: The one number syntax: what the grammar's NUMBER terminal accepts (a test
#: holds ``grammars/cgdiff.lark`` to it), what ``--set`` takes after a sign.
NUMBER = r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
#: A number with an optional sign, as ``--set`` and data cells take it.
SIGNED_NUMBER = re.compile(r"[+-]?" + NUMBER)
#: A sign, then a number, maybe with blanks between: a statement's default.
SIGNED_LITERAL = re.compile(r"([+-]?)[ \t\f\r]*(" + NUMBER + ")")
#: What Python's float() reads that cgdiff refuses: not finite.
NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


def number_problem(text: str) -> str | None:
    """Why ``text`` (already stripped) is not a finite number in cgdiff's
    syntax (SIGNED_NUMBER), or None when it is one. Python's float() also
    takes ``1_000``, ``nan``, ``infinity`` and other scripts' digits; cgdiff
    takes none of them, in options or in data."""
    if SIGNED_NUMBER.fullmatch(text):
        return None if math.isfinite(float(text)) else "is too large for a float"
    if NON_FINITE.fullmatch(text):
        return "must be a finite number"
    if "_" in text and SIGNED_NUMBER.fullmatch(text.replace("_", "")):
        return "is not a number (write it without '_')"
    return "is not a number"


#: A combining mark (accents, ...) with no letter before it to sit on.
_LONE_MARK = re.compile("(?<![\\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                        "\ufe20-\ufe2f])[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff"
                        "\u20d0-\u20ff\ufe20-\ufe2f]")


def printable(text: str) -> str:
    """Text with control characters escaped (``\\x00``), tabs as one space,
    and a combining mark with no letter to sit on (it would join the quote
    or space before it) as ``\\u0301``."""
    if _LONE_MARK.search(text):
        text = _LONE_MARK.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
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


def one_line(text: str) -> str:
    """Text with every run of blanks and line breaks as one space."""
    return " ".join(text.split())


def short_label(source: str, start: int, end: int, width: int = 40) -> str:
    """``source[start:end]`` on one line, clipped to ``width``. Reads only the
    start of a long span, so labelling every node of a deep expression stays
    linear."""
    limit = 4 * width
    text = one_line(source[start:min(end, start + limit)])
    if end - start > limit and len(text) <= width:
        text += "…"
    return clip(text, width)


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


def human_number(x: float | None) -> str:
    """A number for people: ``-4``, ``1.996002``, ``—`` where there is none."""
    if x is None or x != x:
        return "—"
    exact = getattr(x, "exact", None)  # precision.Digits: all its digits (--digits)
    if exact is not None:
        return exact[:-2] if exact.endswith(".0") else exact
    x = float(x)  # an int from a library caller: int.is_integer is Python 3.12's
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".10g")


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


#: Names longer than this get no spelling hint (comparing spellings takes
#: time that grows with the square of their length) ...
MAX_HINT_LENGTH = 64
#: ... and at most this many names, the likeliest by a quick look (the same
#: start and end, letters, length), are compared in full, so that a hint
#: costs about the same with 10,000 names as with 20.
MAX_COMPARED = 20

#: Letters of other scripts drawn like Latin ones (Cyrillic, Greek): a few of
#: Unicode's confusables. NFKC adds fullwidth letters, the Angstrom sign, ...
_LOOKALIKES = str.maketrans(
    "асеіјорхуѕԁԛԝһԍАВЕЅІЈКМНОРСТХУαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aceijopxysdqwhgABESIJKMHOPCTXYaBeiKvopTuxABEZHIKMNOPTYX")


def lookalike(name: str) -> str:
    """``name`` as it looks: NFKC and the lookalike letters mapped to Latin,
    so that Cyrillic 'а', fullwidth 'ａ' and Latin 'a' give the same text."""
    if name.isascii():
        return name
    import unicodedata

    return unicodedata.normalize("NFKC", name).translate(_LOOKALIKES)


def suggest(name: str, known: Iterable[str], ignore_case: bool = False) -> str | None:
    """The known name ``name`` is most likely a typo of, or None: one that
    looks the same (another script's letters, another Unicode form), then
    (with ``ignore_case``) the same name in other letter case, then the
    closest by spelling. Bounded: linear in the names' total length, plus
    at most MAX_COMPARED full comparisons of names up to MAX_HINT_LENGTH."""
    known = [candidate for candidate in known if candidate != name]
    looks = lookalike(name)
    for candidate in known:
        if not (candidate.isascii() and name.isascii()) and lookalike(candidate) == looks:
            return candidate
    if ignore_case:
        folded = name.casefold()
        for candidate in known:
            if len(candidate) == len(name) and candidate.casefold() == folded:
                return candidate
    size = len(name)
    if size > MAX_HINT_LENGTH:
        return None
    # difflib's ratio 2·M/(a + b) >= 0.6 needs the shorter name to be at
    # least 3/7 of the longer: others cannot match.
    pool = [c for c in known if len(c) <= MAX_HINT_LENGTH and
            7 * min(len(c), size) >= 3 * max(len(c), size)]
    if len(pool) > MAX_COMPARED:
        import heapq

        letters = set(name)
        starts = [name[:k] for k in (1, 2, 4, 8, 16, 32, 64) if k <= size]
        ends = [name[-k:] for k in (1, 2, 4, 8, 16, 32, 64) if k <= size]

        def likeness(candidate: str) -> int:
            """What a typo keeps: the start, the end, the letters, the length
            (each test one call into C, so 10,000 names take milliseconds)."""
            return (sum(map(candidate.startswith, starts)) + sum(map(candidate.endswith, ends))
                    + len(letters.intersection(candidate)) - abs(len(candidate) - size))

        pool = heapq.nlargest(MAX_COMPARED, pool, key=likeness)
    close = difflib.get_close_matches(name, pool, n=1)
    return close[0] if close else None


def code_points(name: str) -> str:
    """``U+0430`` for each character of a short name (the first 12, else the
    ones that are not ASCII), to tell apart names that look the same."""
    chars = name if len(name) <= 12 else [c for c in name if not c.isascii()][:12]
    return " ".join(f"U+{ord(c):04X}" for c in chars)


def spelled(name: str, always: bool = False) -> str:
    """``'x'``, or ``'а' (U+0430)`` for a name that is not plain ASCII (or
    ``always``), for messages that set one name beside another."""
    shown = f"'{clip(name)}'"
    return f"{shown} ({code_points(name)})" if always or not name.isascii() else shown


def compared(name: str, other: str) -> tuple[str, str]:
    """Two names for a message that sets them side by side: quoted, with
    their code points when either is not ASCII (they may look the same)."""
    both = not (name.isascii() and other.isascii())
    return spelled(name, both), spelled(other, both)


def did_you_mean(name: str, known: Iterable[str], ignore_case: bool = False) -> str:
    """`` (did you mean 'x'?)`` for a likely typo, else ''; names that are not
    ASCII are shown with their code points: `` (did you mean 'a' (U+0061),
    not 'а' (U+0430)?)``."""
    close = suggest(name, known, ignore_case)
    if close is None:
        return ""
    if name.isascii() and close.isascii():
        return f" (did you mean '{close}'?)"
    theirs, mine = compared(close, name)
    return f" (did you mean {theirs}, not {mine}?)"


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cycle collector off for a block that makes millions of objects and
    no cycles (parsing, building, loading a graph): collections would only
    rescan them. Back on afterwards if it was on."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# ---------------------------------------------------------------- where in the text

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


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_1``, ``name_2``, ... when taken; added to ``taken``."""
    candidate, k = name, 1
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    taken.add(candidate)
    return candidate


def fresh_names(taken: set[str], prefix: str = "t"):
    """``t1``, ``t2``, ...: the names a writer gives its temporaries, each one
    not in ``taken`` and added to it when handed out."""
    counter = 0
    while True:
        counter += 1
        name = f"{prefix}{counter}"
        if name not in taken:
            taken.add(name)
            yield name
