"""Derivatives as formulas: the reverse pass run on expressions instead of numbers.

The same sweep as :func:`cgdiff.passes.reverse`, right to left over the graph,
but each adjoint is a formula: ``adjoint[arg] += adjoint[node] * partial``,
where the partial is the op table's ``derivative`` template
(:func:`cgdiff.formula.derivative_template`) with ``a``, ``b`` and ``out``
bound. No computer-algebra library.

The formulas are one ordinary :class:`~cgdiff.graph.Graph` (hash-consed:
a subexpression used twice is one node), built by a
:class:`cgdiff.formula.Builder`, which simplifies as it goes: constant
folding, ``x*1``, ``x+0``, ``x*0``, ``--x``, merged constants (``2*(3*x)`` is
``6*x``), ``a + -b`` is ``a - b``, ``x*x`` is ``x^2`` (:mod:`cgdiff.simplify`).
Simplifying assumes the point lies in the program's domain (``0/x`` is 0).
The passes run on that graph as on a program's (``hessian``); the writers
(the program, one formula, LaTeX, code) are in :mod:`cgdiff.render.formulas`
and :mod:`cgdiff.render.code`. Nothing here recurses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from . import ops
from .formula import Builder, instantiate
from .graph import Graph
from .text import clip

@dataclass
class Derivatives:
    """Formulas for ∂output/∂name, in one graph, with the graph they came from."""

    graph: Graph
    #: the formulas: a graph with no source (its nodes' labels are formula
    #: text); it may hold nodes no formula uses, left by simplifying
    formulas: Graph
    #: name → node in ``formulas``, in the order asked
    gradient: dict[str, int]
    #: graph node → its value's formula
    primal: list[int]
    #: formula node → the program's statement name for it (where it has one)
    statement_name: dict[int, str] = field(default_factory=dict)
    #: the inputs' values to write in the program (``--set``), beside the defaults
    values: dict[str, float] | None = None
    #: the program's file name, where it came from one (the comment code exports start with)
    name: str | None = None

    @property
    def output_name(self) -> str:
        name = self.graph.name_of.get(self.graph.output)
        return name if name is not None else "f"


def derivatives(graph: Graph, wrt: Iterable[str] | None = None) -> Derivatives:
    """∂output/∂name as formulas, for each name in ``wrt`` (default: every input)."""
    targets = graph.targets(wrt)
    f = Builder()
    n = len(graph)
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1

    # Forward: each node's value as a formula over the inputs.
    primal = [0] * n
    statement_name: dict[int, str] = {}
    for i in range(n):
        o = op[i]
        if o is ops.INPUT:
            primal[i] = f.var(graph.name_of[i])
        elif o is ops.CONST:
            primal[i] = f.const(graph.const[i])
        else:
            primal[i] = f.make(o, *(primal[k] for k in graph.args(i)))
            name = graph.name_of.get(i)
            if name is not None and f.op[primal[i]] not in (ops.INPUT, ops.CONST):
                statement_name.setdefault(primal[i], name)

    # Which nodes depend on a requested input: only they need adjoints.
    active = bytearray(n)
    for node in targets.values():
        if node is not None:
            active[node] = 1
    for i in range(n):
        if not active[i] and ((arg0[i] >= 0 and active[arg0[i]])
                              or (arg1[i] >= 0 and active[arg1[i]])):
            active[i] = 1

    # Reverse: adjoint[arg] += adjoint[node] * partial, right to left.
    out = graph.output
    adjoint: list[int | None] = [None] * n
    adjoint[out] = f.const(1)
    for i in range(out, -1, -1):
        g = adjoint[i]
        if g is None or not active[i]:
            continue
        o = op[i]
        args = graph.args(i)
        if not args:
            continue
        a = primal[args[0]]
        b = primal[args[1]] if len(args) > 1 else -1
        for position, k in enumerate(args):
            if not active[k]:
                continue
            partial = instantiate(f, o, position, a, b, primal[i])
            term = f.make(ops.MUL, g, partial)
            adjoint[k] = term if adjoint[k] is None else f.make(ops.ADD, adjoint[k], term)

    gradient = {}
    for name, node in targets.items():
        formula = adjoint[node] if node is not None else None
        gradient[name] = f.const(0) if formula is None else formula
    return Derivatives(graph, f.graph, gradient, primal, statement_name)


def derivative_name(d: Derivatives, name: str) -> str:
    """What a derivative is called in a program: ``dJ_dw``."""
    return f"d{d.output_name}_d{name}"


def symbolic_gradient(source: str, settings=None, of: str | None = None,
                      wrt: Iterable[str] | None = None) -> Derivatives:
    """Parse ``source`` and differentiate its output symbolically. ``settings``
    only need to name inputs (they become the inputs' values in the program)."""
    from .api import load
    from .errors import NamingError

    graph = load(source, of)
    for name in settings or {}:
        if name not in graph.inputs:
            raise NamingError(f"--set {clip(name)}: '{clip(name)}' is not an input of the program")
    result = derivatives(graph, wrt)
    result.values = dict(settings) if settings else None
    return result


from ._callable import make_callable  # noqa: E402  (cgdiff.symbolic(...) is the Python API's)

make_callable(__name__)
