"""Renderers: the one place results are formatted, for people and for scripts.

Each result type has one module that declares its formats in one mapping,
``FORMATS = {"table": write, "json": write, ...}``, every ``write(result, out)``
writing to a text stream: ``data`` (nodes and gradient), ``annotated``
(the node table with grad --stats or --expect beside it), ``check_table`` (check), ``claims`` (check --against), ``matrix``
(hessian), ``formulas`` (grad --symbolic), ``fitting`` (fit), ``rows`` (--data),
``picture`` (graph), ``sheets`` (worksheet). The command line offers a
command's ``--format`` choices from its mapping and writes with ``cli.emit``.
Rich is imported only inside the table writers.

``data`` (json, csv, plain) needs only the standard library; ``table`` needs
Rich and is imported only when a table is asked for.
"""

import math

from ..text import human_number  # noqa: F401  (its old home; cgdiff.text has it)


#: Each result type (its class's name) → the module that declares its FORMATS.
MODULES = {"Result": "data", "Annotated": "annotated", "Report": "check", "ClaimReport": "claims",
           "GradeReport": "grade",
           "Hessian": "matrix", "Derivatives": "formulas", "Fit": "fitting", "Rows": "rows",
           "Picture": "picture", "Jacobian": "jacobian"}


def formats_for(result) -> dict:
    """The FORMATS of ``result``'s render module: format name → ``write(result, out)``."""
    from importlib import import_module

    return import_module(f"{__name__}.{MODULES[type(result).__name__]}").FORMATS


def as_text(result, output_format: str) -> str:
    """``result`` in one of its formats, as a string (for library callers)."""
    import io

    buffer = io.StringIO()
    formats_for(result)[output_format](result, buffer)
    return buffer.getvalue()


def titled_table(title=None, **options):
    """A Rich table at least as wide as its title's longest word
    (``min_width``): a title wraps at its spaces to the table's width, and a
    narrow table would otherwise fold a word of it (``∂²J/∂row∂colu`` / ``mn``)."""
    from rich.cells import cell_len
    from rich.table import Table

    if isinstance(title, str):
        options.setdefault("min_width", max(map(cell_len, title.split()), default=0))
    return Table(title=title, **options)


def gradient_blocks(graph, gradient: dict, max_rank: int | None = None):
    """The gradient's names in order, a vector or matrix input whose every
    element is there once as a block: ``(name, None, None)`` for a scalar,
    ``(base, shape, elements)`` for a block (of at most ``max_rank`` axes)."""
    whole = {}
    for name, (shape, elements) in (graph.shapes or {}).items():
        if ((max_rank is None or len(shape) <= max_rank) and elements
                and all(e in gradient for e in elements)):
            whole[elements[0]] = (name, shape, elements)
    skip = set()
    for name in gradient:
        if name in skip:
            continue
        if name in whole:
            skip.update(whole[name][2])
            yield whole[name]
        else:
            yield name, None, None


def print_rich(out, *renderables, width: int | None = None) -> None:
    """Rich renderables printed to ``out`` (``width`` columns, else the
    terminal's width there, else 80 or $COLUMNS), without Rich's guessing at
    what to highlight."""
    from rich.console import Console

    console = Console(file=out, width=width, highlight=False)
    for renderable in renderables:
        console.print(renderable)


def why_not_finite(x: float) -> str:
    """Why a number is missing from JSON output (where it is ``null``)."""
    if x != x:
        return "does not exist here (not a number)"
    return "too large for a float (" + ("+" if x > 0 else "-") + "infinity)"


def finite_data(data):
    """``data`` (dicts, lists, numbers, strings) with every float that is not
    finite replaced by None, as JSON has no NaN or Infinity. In a dict, a key
    ``<key>_note`` beside the None says why; a list that held one gets
    ``<key>_note`` in the dict that holds the list."""
    if isinstance(data, float):
        exact = getattr(data, "exact", None)  # precision.Digits (--digits): a string
        return exact if exact is not None else data if math.isfinite(data) else None
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[key] = None
                out[f"{key}_note"] = why_not_finite(value)
            elif isinstance(value, (dict, list, tuple)):
                out[key] = finite_data(value)
                bad = _first_missing(value) if isinstance(value, (list, tuple)) else None
                if bad is not None:
                    out[f"{key}_note"] = f"null entries: {why_not_finite(bad)}"
            else:
                out[key] = getattr(value, "exact", value)
        return out
    if isinstance(data, (list, tuple)):
        return [finite_data(value) for value in data]
    return data


def _first_missing(values) -> float | None:
    """The first float that is not finite in a list (or its nested lists)."""
    stack = [values]
    while stack:
        for value in stack.pop():
            if isinstance(value, float) and not math.isfinite(value):
                return value
            if isinstance(value, (list, tuple)):
                stack.append(value)
    return None


def json_text(data) -> str:
    """``data`` as one line of JSON: UTF-8 text as it is, never ``NaN`` or
    ``Infinity`` (see :func:`finite_data`); the one JSON encoder of the renderers."""
    import json

    return json.dumps(finite_data(data), ensure_ascii=False, allow_nan=False)
