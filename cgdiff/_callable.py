"""``cgdiff.check(...)``, ``cgdiff.hessian(...)``, ``cgdiff.symbolic(...)`` and
``cgdiff.explain(...)``: the Python API's functions share their names with the
modules that do the work, and Python binds a package's attribute to its
submodule once that is imported. So each of those modules is made callable:
calling it calls the function of the same name in :mod:`cgdiff.public`, while
``from cgdiff import check`` inside the package still gets the module.
"""

from __future__ import annotations

import sys
import types


class CallableModule(types.ModuleType):
    """A module that, called, calls ``cgdiff.public.<its last name>``."""

    def _function(self):
        from . import public

        return getattr(public, self.__name__.rsplit(".", 1)[1])

    def __call__(self, *args, **kwargs):
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        return inspect.signature(self._function())


def make_callable(module_name: str) -> None:
    sys.modules[module_name].__class__ = CallableModule
