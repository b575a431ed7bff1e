"""Renderers: the one place results are formatted, for people and for scripts.

``data`` (json, csv, plain) needs only the standard library; ``table`` needs
Rich and is imported only when a table is asked for.
"""


def human_number(x: float | None) -> str:
    """A number for people: ``-4``, ``1.996002``, ``—`` where there is none."""
    if x is None or x != x:
        return "—"
    x = float(x)  # an int from a library caller: int.is_integer is Python 3.12's
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".10g")
