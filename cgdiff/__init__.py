"""cgdiff: a command-line expression differentiator, and its Python API.

Text → computation graph → forward pass (values) → reverse pass (derivatives)::

    >>> import cgdiff
    >>> cgdiff.grad("J = 0.5*(w*x + b - y)^2", w=2, x=-2, b=8, y=2)
    Result(J=2.0, grad={w: -4.0, x: 4.0, b: 2.0, y: -2.0})

One function per command (:mod:`cgdiff.public`): ``grad``, ``eval``, ``check``,
``hessian``, ``jacobian``, ``symbolic``, ``explain``, ``view``, and ``compile`` for a program
used at many points. ``differentiate`` and ``evaluate`` (:mod:`cgdiff.api`) are
the lower level the commands call.
"""

from .api import differentiate, evaluate
from .errors import CgdiffError
from .public import Node, Program, Result, compile, eval, grad, view

__version__ = "0.1.0"

__all__ = ["CgdiffError", "Node", "Program", "Result", "__version__", "check", "compile",
           "differentiate", "eval", "evaluate", "explain", "grad", "grade", "hessian", "jacobian",
           "symbolic",
           "view"]


def __getattr__(name: str):
    # cgdiff.check, .hessian, .symbolic, .explain: modules that are also the
    # API's functions (see cgdiff._callable); imported when first asked for.
    if name in ("check", "grade", "hessian", "jacobian", "symbolic", "explain"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cgdiff' has no attribute {name!r}")
