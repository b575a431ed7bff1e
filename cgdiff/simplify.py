"""Simplification rules for formulas, one function per op.

A formula store builds every node through its ``make``, which calls the rule
of the node's op first: ``rule(f, *args)`` returns an existing or new node
that means the same, or None to keep ``op(args)`` as it is. A rule reads the
store through ``f.op[i]``, ``f.arg0[i]``, ``f.arg1[i]``, ``f.value[i]`` (a
constant's number), ``f.is_const(i, x=None)`` and builds with ``f.make``,
``f.raw`` and ``f.const``; it never recurses (``make`` may call a rule again,
but only on smaller formulas, so the depth is bounded by the rules, not the
program).

Simplifying assumes the point lies in the program's domain (``0/x`` is 0).
"""

from __future__ import annotations

from . import ops

ADD, SUB, MUL, DIV, NEG, POW = ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.POW

def _add_rule(f, a: int, b: int):
    if f.is_const(a, 0):
        return b
    if f.is_const(b, 0):
        return a
    if a == b:
        return f.make(MUL, f.const(2), a)
    if f.op[b] is NEG:
        return f.make(SUB, a, f.arg0[b])
    if f.op[a] is NEG:
        return f.make(SUB, b, f.arg0[a])
    if f.is_const(b) and f.value[b] < 0:
        return f.make(SUB, a, f.const(-f.value[b]))
    if f.op[b] is MUL and f.is_const(f.arg0[b]) and f.value[f.arg0[b]] < 0:
        return f.make(SUB, a, f.make(MUL, f.const(-f.value[f.arg0[b]]), f.arg1[b]))
    if f.is_const(a):
        return f.make(ADD, b, a)  # constants to the right: x + 1
    ca, xa = _coefficient(f, a)
    cb, xb = _coefficient(f, b)
    if xa == xb:  # like terms: 2*x + x = 3*x
        return f.make(MUL, f.const(ca + cb), xa)
    if f.is_const(b) and f.op[a] in (ADD, SUB) and f.is_const(f.arg1[a]):
        # (x + c1) + c2 and (x - c1) + c2: one constant
        c1 = f.value[f.arg1[a]] if f.op[a] is ADD else -f.value[f.arg1[a]]
        return f.make(ADD, f.arg0[a], f.const(c1 + f.value[b]))
    return None


def _coefficient(f, i: int) -> tuple[float, int]:
    """``c*x`` → (c, x); anything else → (1, itself)."""
    if f.op[i] is MUL and f.is_const(f.arg0[i]):
        return f.value[f.arg0[i]], f.arg1[i]
    return 1.0, i


def _sub_rule(f, a: int, b: int):
    if f.is_const(b, 0):
        return a
    if f.is_const(a, 0):
        return f.make(NEG, b)
    if a == b:
        return f.const(0)
    if f.op[b] is NEG:
        return f.make(ADD, a, f.arg0[b])
    if f.is_const(b) and f.value[b] < 0:
        return f.make(ADD, a, f.const(-f.value[b]))
    if f.is_const(b) and f.op[a] in (ADD, SUB) and f.is_const(f.arg1[a]):
        c1 = f.value[f.arg1[a]] if f.op[a] is ADD else -f.value[f.arg1[a]]
        return f.make(ADD, f.arg0[a], f.const(c1 - f.value[b]))
    ca, xa = _coefficient(f, a)
    cb, xb = _coefficient(f, b)
    if xa == xb and not f.is_const(xa):  # 3*x - x = 2*x
        return f.make(MUL, f.const(ca - cb), xa)
    return None


def _mul_rule(f, a: int, b: int):
    if f.is_const(a, 0) or f.is_const(b, 0):
        return f.const(0)
    if f.is_const(a, 1):
        return b
    if f.is_const(b, 1):
        return a
    if f.is_const(a, -1):
        return f.make(NEG, b)
    if f.is_const(b, -1):
        return f.make(NEG, a)
    if f.is_const(b):
        return f.make(MUL, b, a)  # constants to the left: 2*x
    if f.op[a] is NEG:
        return f.make(NEG, f.make(MUL, f.arg0[a], b))
    if f.op[b] is NEG:
        return f.make(NEG, f.make(MUL, a, f.arg0[b]))
    if f.is_const(a):
        if f.op[b] is MUL and f.is_const(f.arg0[b]):  # c1*(c2*x) = (c1*c2)*x
            return f.make(MUL, f.const(f.value[a] * f.value[f.arg0[b]]), f.arg1[b])
        if f.op[b] is DIV and f.is_const(f.arg0[b]):  # c1*(c2/x) = (c1*c2)/x
            return f.make(DIV, f.const(f.value[a] * f.value[f.arg0[b]]), f.arg1[b])
    if f.op[a] is MUL and f.is_const(f.arg0[a]):  # (c*x)*y = c*(x*y)
        return f.make(MUL, f.arg0[a], f.make(MUL, f.arg1[a], b))
    if f.op[b] is MUL and f.is_const(f.arg0[b]):  # x*(c*y) = c*(x*y)
        return f.make(MUL, f.arg0[b], f.make(MUL, a, f.arg1[b]))
    if f.op[b] is DIV and f.is_const(f.arg0[b], 1):  # x*(1/y) = x/y
        return f.make(DIV, a, f.arg1[b])
    if f.op[a] is DIV and f.is_const(f.arg0[a], 1):
        return f.make(DIV, b, f.arg1[a])
    if a == b:
        return f.make(POW, a, f.const(2))
    return None


def _div_rule(f, a: int, b: int):
    if f.is_const(b, 1):
        return a
    if f.is_const(b, -1):
        return f.make(NEG, a)
    if f.is_const(a, 0):
        return f.const(0)
    if a == b:
        return f.const(1)
    if f.op[a] is NEG:
        return f.make(NEG, f.make(DIV, f.arg0[a], b))
    if f.op[b] is NEG:
        return f.make(NEG, f.make(DIV, a, f.arg0[b]))
    if f.op[a] is MUL and f.is_const(f.arg0[a]) and not f.is_const(b):  # (c*x)/y = c*(x/y)
        return f.make(MUL, f.arg0[a], f.make(DIV, f.arg1[a], b))
    return None


def _neg_rule(f, a: int):
    if f.op[a] is NEG:
        return f.arg0[a]
    if f.op[a] is SUB:
        return f.make(SUB, f.arg1[a], f.arg0[a])
    if f.op[a] is MUL and f.is_const(f.arg0[a]):
        return f.make(MUL, f.const(-f.value[f.arg0[a]]), f.arg1[a])
    if f.op[a] is DIV and f.is_const(f.arg0[a]):
        return f.make(DIV, f.const(-f.value[f.arg0[a]]), f.arg1[a])
    return None


def _pow_rule(f, a: int, b: int):
    if f.is_const(b, 1):
        return a
    if f.is_const(b, 0) or f.is_const(a, 1):
        return f.const(1)
    return None


def _powlog_rule(f, a: int, b: int):
    import math

    if f.is_const(a) and f.value[a] > 0:  # 2^x*log(2): log(0) cannot happen
        return f.make(MUL, f.make(POW, a, b), f.const(math.log(f.value[a])))
    return None


RULES = {ops.POW_LOG: _powlog_rule, ADD: _add_rule, SUB: _sub_rule, MUL: _mul_rule,
         DIV: _div_rule, NEG: _neg_rule,
         POW: _pow_rule}
