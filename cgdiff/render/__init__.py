"""Renderers: the one place results are formatted, for people and for scripts.

``data`` (json, csv, plain) needs only the standard library; ``table`` needs
Rich and is imported only when a table is asked for.
"""

import math

from ..text import human_number  # noqa: F401  (its old home; cgdiff.text has it)


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
        return data if math.isfinite(data) else None
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
                out[key] = value
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
