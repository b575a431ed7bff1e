"""Formulas as graphs: the op table's derivative templates, a builder that
simplifies as it appends, and the one plain writer.

A formula is an ordinary :class:`~cgdiff.graph.Graph` (source ``""``): inputs
are INPUT nodes (``name_of``, ``index``, ``inputs``), numbers CONST nodes
(``const``), and every other node an op of the op table, children before
parents, so the passes run on it as they do on a program. Its labels are
formula text (:class:`FormulaLabels`) and it has no spans: an error raised
while evaluating a formula names the formula, never a place in the user's
program.

- :func:`derivative_template` is each ``derivative`` text of the op table
  (cgdiff formulas over ``a``, ``b`` and ``out``), parsed once.
- :class:`Builder` appends hash-consed nodes to a Graph (a subexpression used
  twice is one node) through :meth:`Builder.make`, which folds constants and
  applies :data:`cgdiff.simplify.RULES`; :func:`instantiate` puts a template
  in with ``a``, ``b`` and ``out`` bound to nodes.
- :func:`plain_text` writes a node in cgdiff's own syntax (what labels and
  ``grad --symbolic`` show); :func:`extract` copies the nodes some formulas
  use into a graph of their own (simplifying leaves nodes no formula uses).

Nothing here recurses: every walk goes over the columns in index order or
with an explicit stack.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Collection, Iterable, Mapping

from . import ops
from .graph import Graph, build_graph
from .parser import parse
from .simplify import RULES
from .text import exact_number

ADD, SUB, MUL, DIV, NEG, POW = ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.POW
VAR, CONST = ops.INPUT, ops.CONST

#: Formulas longer than this are not written whole by default (they can grow
#: exponentially with depth).
INLINE_LIMIT = 1_000_000
#: The longest formula a node's label shows (longer ones are called ``#k``).
LABEL_LIMIT = 200


# ---------------------------------------------------------------- derivative templates

def derivative_template(op: ops.Op, position: int) -> Graph:
    """∂op/∂(its argument at ``position``): the op table's ``derivative`` text
    as a graph over the inputs ``a``, ``b`` and ``out`` (parsed once)."""
    return _parsed(op.derivative[position])


@lru_cache(maxsize=None)
def _parsed(text: str) -> Graph:
    return build_graph(parse(text))


def instantiate(f: Builder, op: ops.Op, position: int, a: int, b: int, out: int,
                simplify: bool = True) -> int:
    """The template of ``op`` at ``position`` built into ``f`` with ``a``,
    ``b`` and ``out`` bound to its nodes; ``simplify=False`` keeps the
    template's own shape (what the op table says, for text)."""
    template = derivative_template(op, position)
    bound = {"a": a, "b": b, "out": out}
    build = f.make if simplify else f.raw
    t_op, t_arg0, t_arg1 = template.op, template.arg0, template.arg1
    node = [0] * len(template)
    for i in range(len(template)):
        o = t_op[i]
        if o is VAR:
            node[i] = bound[template.name_of[i]]
        elif o is CONST:
            node[i] = f.const(template.const[i])
        elif o is ops.IDENTITY:  # a template that is one name: ``b``
            node[i] = node[t_arg0[i]]
        elif t_arg1[i] >= 0:
            node[i] = build(o, node[t_arg0[i]], node[t_arg1[i]])
        else:
            node[i] = build(o, node[t_arg0[i]])
    return node[template.output]


# ---------------------------------------------------------------- the builder

class FormulaLabels(Mapping):
    """A formula graph's labels, made when asked for: each node's formula
    text, or ``#k`` where it is longer than LABEL_LIMIT."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < len(self.graph):
            raise KeyError(i)
        return formula_text(self.graph, i, LABEL_LIMIT) or f"#{i + 1}"

    def __contains__(self, i) -> bool:
        return isinstance(i, int) and 0 <= i < len(self.graph)

    def __len__(self) -> int:
        return len(self.graph)

    def __iter__(self):
        return iter(range(len(self.graph)))


def formula_graph() -> Graph:
    """An empty graph for formulas: no source, labels that are formula text.
    Its integer columns are lists: formulas are a few times a program's size,
    and the simplification rules read them often (a list hands back the int
    it holds; an array makes a new one at each read)."""
    graph = Graph(source="", arg0=[], arg1=[])
    graph.labels = FormulaLabels(graph)
    return graph


class Builder:
    """Appends formula nodes to :attr:`graph`, hash-consed and simplified.

    The simplification rules (:mod:`cgdiff.simplify`) read it through ``op``,
    ``arg0``, ``arg1`` (the graph's columns), ``value`` (a constant's number:
    the graph's ``const``) and :meth:`is_const`, and build with :meth:`make`,
    :meth:`raw` and :meth:`const`."""

    def __init__(self):
        self.graph = graph = formula_graph()
        self.op, self.arg0, self.arg1 = graph.op, graph.arg0, graph.arg1
        self.value: dict[int, float] = graph.const
        self._key: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.op)

    def args(self, i: int) -> tuple[int, ...]:
        return self.graph.args(i)

    # -- leaves

    def const(self, x: float) -> int:
        x = float(x) + 0.0  # no negative zero
        key = ("const", repr(x))
        node = self._key.get(key)
        if node is None:
            node = self._add(CONST, -1, -1, key)
            self.value[node] = x
        return node

    def var(self, name: str) -> int:
        """The input ``name`` (one node per name)."""
        node = self.graph.index.get(name)
        if node is None:
            graph = self.graph
            node = self._add(VAR, -1, -1, ("var", name))
            graph.name_of[node] = name
            graph.index[name] = node
            graph.inputs.append(name)
        return node

    def _add(self, op, a, b, key) -> int:
        self.op.append(op)
        self.arg0.append(a)
        self.arg1.append(b)
        node = len(self.op) - 1
        self._key[key] = node
        return node

    def is_const(self, i: int, x: float | None = None) -> bool:
        return self.op[i] is CONST and (x is None or self.value[i] == x)

    # -- building, with simplification

    def make(self, op: ops.Op, *args: int) -> int:
        """The node ``op(args)``, simplified."""
        if op is ops.IDENTITY:
            return args[0]
        if op.value is not None and all(self.op[a] is CONST for a in args):
            folded = self._fold(op, args)
            if folded is not None:
                return folded
        rule = RULES.get(op)
        if rule is not None:
            node = rule(self, *args)
            if node is not None:
                return node
        return self.raw(op, *args)

    def raw(self, op: ops.Op, *args: int) -> int:
        """The node ``op(args)`` exactly as given (shared if it exists)."""
        key = (op.name, *args)
        node = self._key.get(key)
        if node is None:
            node = self._add(op, args[0], args[1] if len(args) > 1 else -1, key)
        return node

    def _fold(self, op, args) -> int | None:
        try:
            x = op.value(*(self.value[a] for a in args))
        except (ValueError, ZeroDivisionError, OverflowError):
            return None  # left as is: evaluating it reports the domain error
        return self.const(x) if math.isfinite(x) else None


def reachable(graph: Graph, roots: Iterable[int]) -> set[int]:
    """The nodes ``roots`` use, themselves included."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        stack.extend(graph.args(i))
    return seen


def use_counts(graph: Graph, keep: set[int], roots: Iterable[int]) -> dict[int, int]:
    """How many times each node of ``keep`` is used: by its parents in
    ``keep``, and once more as each of ``roots``."""
    uses = dict.fromkeys(keep, 0)
    for i in keep:
        for k in graph.args(i):
            uses[k] += 1
    for r in roots:
        uses[r] += 1
    return uses


def extract(graph: Graph, roots: Iterable[int]) -> tuple[Graph, dict[int, int]]:
    """Only the nodes the formulas ``roots`` use, copied in order into a graph
    of their own, and the map from ``graph``'s node numbers to the copy's."""
    keep = sorted(reachable(graph, roots))
    out = formula_graph()
    node = {old: new for new, old in enumerate(keep)}
    op, arg0, arg1, const, name_of = graph.op, graph.arg0, graph.arg1, graph.const, graph.name_of
    for new, old in enumerate(keep):
        o = op[old]
        out.op.append(o)
        a, b = arg0[old], arg1[old]
        out.arg0.append(node[a] if a >= 0 else -1)
        out.arg1.append(node[b] if b >= 0 else -1)
        if o is CONST:
            out.const[new] = const[old]
        elif o is VAR:
            name = name_of[old]
            out.name_of[new] = name
            out.index[name] = new
            out.inputs.append(name)
    return out, node


# ---------------------------------------------------------------- the plain writer

# Precedence of what a node prints as: + - < * / < unary minus < ^ < atom.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
PRECEDENCE = {ADD: SUM, SUB: SUM, MUL: PRODUCT, DIV: PRODUCT, NEG: UNARY, POW: POWER}


def number_text(x: float) -> str:
    """A number as cgdiff reads it back exactly: ``2``, ``0.5``, ``1e-05``, ``pi``."""
    if x == math.pi:
        return "pi"
    if x == math.e:
        return "e"
    return exact_number(x)


def precedence(graph: Graph, i: int) -> int:
    o = graph.op[i]
    if o is CONST:
        return UNARY if graph.const[i] < 0 else ATOM
    return PRECEDENCE.get(o, ATOM)


def plain_pieces(graph: Graph, i: int, prec: Callable[[int], int]) -> list:
    """Node ``i`` in cgdiff's own syntax, as pieces: strings, and child nodes
    (ints) written in their place. ``prec(k)`` is child k's precedence."""
    o = graph.op[i]
    if o is VAR:
        return [graph.name_of[i]]
    if o is CONST:
        return [number_text(graph.const[i])]

    def arg(k: int, at_least: int) -> list:
        return [k] if prec(k) >= at_least else ["(", k, ")"]

    a, b = graph.arg0[i], graph.arg1[i]
    if o is ADD or o is SUB:
        return [*arg(a, SUM), f" {o.symbol} ", *arg(b, PRODUCT)]
    if o is MUL or o is DIV:
        return [*arg(a, PRODUCT), o.symbol, *arg(b, UNARY)]
    if o is NEG:
        return ["-", *arg(a, UNARY)]
    if o is POW:
        return [*arg(a, ATOM), "^", *arg(b, UNARY)]
    if b < 0:
        return [o.name, "(", a, ")"]
    # arguments of a call of two: a loose name (see plain_text) in parentheses
    return [o.name, "(", *arg(a, SUM), ", ", *arg(b, SUM), ")"]


def write(graph: Graph, root: int, pieces_of, precedence_of, names: Mapping[int, str] | None = None,
          loose: Collection[int] = ()) -> str:
    """The text of ``root`` from ``pieces_of`` (e.g. :func:`plain_pieces`):
    nodes in ``names`` (other than root) by that name, as atoms; nodes in
    ``loose`` of the lowest precedence. An explicit stack: the memory is that
    of the output, however long and deep the formula."""
    if names is None:
        names = {}

    def prec(k: int) -> int:
        return ATOM if k in names else precedence_of(graph, k)

    if loose:
        def prec(k: int, named=prec) -> int:  # noqa: F811
            return 0 if k in loose else named(k)

    out: list[str] = []
    stack: list = list(reversed(pieces_of(graph, root, prec)))
    while stack:
        item = stack.pop()
        if item.__class__ is str:
            out.append(item)
        elif item in names:
            out.append(names[item])
        else:
            stack.extend(reversed(pieces_of(graph, item, prec)))
    return "".join(out)


def plain_text(graph: Graph, root: int, names: Mapping[int, str] | None = None,
               loose: Collection[int] = ()) -> str:
    """``root`` in cgdiff's own syntax, whole: nodes in ``names`` (other than
    root) by that name. A node in ``loose`` (an input whose name is a text
    such as ``d^2``) is in parentheses everywhere (root included) but as a
    call's only argument."""
    text = write(graph, root, plain_pieces, precedence, names, loose)
    return f"({text})" if root in loose else text


def too_long(graph: Graph, keep: Iterable[int], limit: int) -> bool:
    """Whether the text of some node of ``keep`` (the nodes some formulas use)
    would pass ``limit`` characters; sizes are added up, children before
    parents, before any text is built."""
    size: dict[int, int] = {}
    op, name_of = graph.op, graph.name_of
    for i in sorted(keep):
        o = op[i]
        if o is VAR or o is CONST:
            size[i] = 24 if o is CONST else len(name_of[i])
        else:
            size[i] = 16 + sum(size[k] for k in graph.args(i))
            if size[i] > limit:
                return True
    return False


def formula_text(graph: Graph, node: int, limit: int | None = None) -> str | None:
    """One node's formula, written whole; None when longer than ``limit``
    (default INLINE_LIMIT)."""
    limit = INLINE_LIMIT if limit is None else limit
    if too_long(graph, reachable(graph, [node]), limit):
        return None
    text = plain_text(graph, node)
    return text if len(text) <= limit else None
