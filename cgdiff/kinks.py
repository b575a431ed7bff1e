"""Kinks and ties, said out loud: where the point sits exactly on a place where
an op has no derivative (relu, abs, step, sign at 0; max/min with equal
arguments; sqrt at 0), the derivative cgdiff reports there is a convention.
This module finds those places (the op table's ``kink`` entries) so that
``grad``, ``explain`` and ``check`` can say so, with both one-sided
derivatives. One loop over the flat node list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .graph import Graph


@dataclass
class Kink:
    node: int  #: the node whose op has the kink (``relu(x)``)
    position: int  #: which of its arguments
    argument: int  #: that argument's node
    left: float  #: the one-sided partial as the argument moves down
    right: float  #: ... and up
    used: float  #: the partial cgdiff uses there (the convention)

    def as_dict(self, graph: Graph) -> dict:
        return {"node": graph.node_id(self.node), "op": graph.op[self.node].name,
                "argument": graph.node_id(self.argument), "left": self.left,
                "right": self.right, "used": self.used}


def find(graph: Graph, values: Sequence[float]) -> list[Kink]:
    """Every kink, tie or jump the point sits on, in evaluation order."""
    found = []
    op = graph.op
    for i in range(len(graph)):
        kink = op[i].kink
        if kink is None:
            continue
        args = graph.args(i)
        if len(args) == 2 and args[0] == args[1]:
            continue  # max(x, x) is x: no kink
        arguments = [values[a] for a in args]
        sides = kink(*arguments, values[i])
        if sides is None:
            continue
        used = op[i].partials(*arguments, values[i])
        for position, ((left, right), a) in enumerate(zip(sides, args)):
            found.append(Kink(i, position, a, left, right, used[position]))
    return found


def find_at(graph: Graph, values: Sequence[float], node: int, position: int) -> Kink | None:
    """The kink of ``node`` in its argument at ``position``, if the point sits on one."""
    op = graph.op[node]
    if op.kink is None:
        return None
    args = graph.args(node)
    if len(args) == 2 and args[0] == args[1]:
        return None
    arguments = [values[a] for a in args]
    sides = op.kink(*arguments, values[node])
    if sides is None:
        return None
    left, right = sides[position]
    return Kink(node, position, args[position], left, right,
                op.partials(*arguments, values[node])[position])


def describe(graph: Graph, values: Sequence[float], kink: Kink) -> str:
    """``relu(x) has a kink at x = 0: ∂/∂x is 0 from the left and 1 from the
    right; cgdiff uses 0 there (a convention)``."""
    from .text import human_number as h

    label = graph.label(kink.node)
    arg = graph.node_id(kink.argument) if kink.argument in graph.name_of else \
        graph.label(kink.argument)
    if not arg.replace("_", "").isalnum() and not arg.startswith("("):
        arg = f"({arg})"
    args = graph.args(kink.node)
    if len(args) == 2:
        what = (f"a tie ({graph.label(args[0])} = {graph.label(args[1])} = "
                f"{h(values[args[0]])})")
    elif kink.left != kink.left or abs(kink.right) == float("inf") \
            or abs(kink.left) == float("inf"):
        what = f"{'a jump' if graph.op[kink.node].name in ('step', 'sign') else 'an edge'} at " \
               f"{arg} = {h(values[kink.argument])}"
    else:
        what = f"a kink at {arg} = {h(values[kink.argument])}"
    used = (f"{h(kink.used)} is used there (a convention)" if kink.used == kink.used
            else "there is no derivative there")
    return (f"{label} has {what}: ∂/∂{arg} is {side(kink.left)} from the left and "
            f"{side(kink.right)} from the right; {used}")


def side(x: float) -> str:
    from .text import human_number as h

    if x != x:
        return "undefined"
    if x == float("inf"):
        return "+∞"
    if x == float("-inf"):
        return "-∞"
    return h(x)
