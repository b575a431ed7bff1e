"""cgdiff: a command-line expression differentiator.

Text → computation graph → forward pass (values) → reverse pass (derivatives).
The command line is a thin layer over :mod:`cgdiff.api`::

    >>> from cgdiff import differentiate
    >>> differentiate("J = 0.5*(w*x + b - y)^2", {"w": 2, "x": -2, "b": 8, "y": 2}).gradient
    {'w': -4.0, 'x': 4.0, 'b': 2.0, 'y': -2.0}
"""

from .api import Result, differentiate, evaluate
from .errors import CgdiffError

__all__ = ["CgdiffError", "Result", "differentiate", "evaluate"]
