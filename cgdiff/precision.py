"""Precision warnings: the program's values and derivatives again at 50
significant digits (mpmath, imported here only), compared with float64's.

Where float64 has lost more than half its digits in the output's value or in a
derivative asked for, one warning names the node where the digits were lost:
the first node, in evaluation order, whose float value is off by more than
half its digits while its arguments' float values are still good, and why
(``1 - cos(x): cancellation, 1 - 0.99999999999999994; about 16 of 16 digits
lost``). The high-precision pass evaluates each node from the high-precision
values of its arguments, and each local derivative from the op table's
``derivative`` formulas, so it follows the program exactly, without float
rounding.

The truth is the program with its inputs and constants as written (their
shortest decimals), so that a function that magnifies the rounding of an
input (``tan`` near a pole) counts; a value's loss that no sum explains is put
down to the op's condition number (``tan(x): tan near a pole:
ill-conditioned, ...``) or a subnormal result, and a derivative's loss where
no value lost digits to an ill-conditioned local derivative or to
contributions that cancel (``_derivative_culprit``).

mpmath runs only when a float-only screen (``suspicious``) finds a reason:
a cancelling or absorbing sum, or a first-order error bound above SCREEN.
Skipped (with a note) above NODE_LIMIT nodes, where 50-digit arithmetic in
Python would take longer than the command itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from . import ops
from .formula import derivative_template
from .graph import Graph
from .text import clip, enclosed

#: Programs larger than this are not re-evaluated (about a second of mpmath).
NODE_LIMIT = 100_000
DIGITS = 50
#: float64 carries about 16 significant digits; losing more than half is a warning.
LOST = 1e-8


@dataclass
class Warning:
    node: int
    text: str

    def as_dict(self, graph: Graph) -> dict:
        return {"node": graph.node_id(self.node), "message": self.text}


@lru_cache(maxsize=1)
def _mp_functions():
    import mpmath
    from mpmath import mp

    def sigmoid(x):
        return 1 / (1 + mp.exp(-x))

    def step(x):
        return mp.mpf(1) if x > 0 else mp.mpf(0)

    def sign(x):
        return mp.mpf(1) if x > 0 else mp.mpf(-1) if x < 0 else mp.mpf(0)

    table = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "id": lambda a: a,
        "pow": lambda a, b: mp.power(a, b) if a != 0 or b >= 0 else mp.inf,
        "exp": mp.exp, "log": mp.log, "sqrt": mp.sqrt, "sin": mp.sin, "cos": mp.cos,
        "tan": mp.tan, "tanh": mp.tanh, "sech": mp.sech, "sigmoid": sigmoid,
        "relu": lambda a: a if a > 0 else mp.mpf(0), "abs": abs,
        "max": lambda a, b: a if a >= b else b, "min": lambda a, b: a if a <= b else b,
        "step": step, "sign": sign, "gt": lambda a, b: mp.mpf(1) if a > b else mp.mpf(0),
        "asin": mp.asin, "acos": mp.acos, "atan": mp.atan, "atan2": mp.atan2,
        "sinh": mp.sinh, "cosh": mp.cosh, "asinh": mp.asinh, "acosh": mp.acosh,
        "atanh": mp.atanh, "log2": lambda a: mp.log(a, 2), "log10": lambda a: mp.log(a, 10),
        "log1p": mpmath.log1p, "expm1": mpmath.expm1, "hypot": mp.hypot,
        "softplus": lambda a: mpmath.log1p(mp.exp(a)),
        "logsigmoid": lambda a: -mpmath.log1p(mp.exp(-a)), "erf": mp.erf,
        "powlog": lambda a, b: mp.mpf(0) if a == 0 and b > 0 else mp.power(a, b) * mp.log(a),
    }
    return mp, table


def _mp_forward(graph, mp, table, leaf) -> tuple[list, int | None]:
    """Every node's value with mpmath, in order; ``leaf(i)`` gives an input's or
    a constant's. Returns the values and None, or the first node that has no
    real value in arbitrary precision (outside its domain)."""
    exact = [None] * len(graph)
    op = graph.op
    for i in range(len(graph)):
        o = op[i]
        try:
            if o is ops.INPUT or o is ops.CONST:
                exact[i] = leaf(i)
            else:
                exact[i] = _mp_apply(table, o, [exact[k] for k in graph.args(i)])
                if not isinstance(exact[i], mp.mpf):
                    raise TypeError("complex")
        except (ValueError, ZeroDivisionError, TypeError):
            return exact, i
    return exact, None


def _mp_apply(table, op: ops.Op, args):
    f = table.get(op.name)
    if f is None:  # an op without a high-precision form: its float function
        from mpmath import mpf

        return mpf(op.value(*(float(a) for a in args)))
    return f(*args)


def _mp_partial(table, op: ops.Op, position: int, a, b, out, constants):
    graph = derivative_template(op, position)
    bound = {"a": a, "b": b, "out": out}
    value = [None] * len(graph)
    for i in range(len(graph)):
        op = graph.op[i]
        if op is ops.INPUT:
            value[i] = bound[graph.name_of[i]]
        elif op is ops.CONST:
            value[i] = constants(graph.const[i])
        else:
            value[i] = _mp_apply(table, op, [value[k] for k in graph.args(i)])
    return value[graph.output]


def suspicious(graph: Graph, values: list[float], inputs=None, adjoints=None,
               wrt=None) -> bool:
    """A float-only screen, so that ordinary programs never import mpmath: up
    to BOUND_LIMIT nodes, a first-order bound on the relative error of a value
    or a derivative above SCREEN (``error_bound``: cancelling sums,
    ill-conditioned functions, ``tan`` near a pole, ``x^1e9``, derivatives
    that cancel); above it, an addition or subtraction that cancels (a result
    below 1e-8 of its larger argument) or absorbs (one argument below 1e-8 of
    the other)."""
    if len(graph) <= BOUND_LIMIT:
        # the bound sees what the sums' test sees, but not where a sum is exact
        # (1 - y at y = 1): fewer programs import mpmath for nothing
        return error_bound(graph, values, inputs, adjoints, wrt) > SCREEN
    # the bound costs some 4 µs a node: above the limit, the sums only
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    ADD, SUB = ops.ADD, ops.SUB
    for i, o in enumerate(op):
        if o is ADD or o is SUB:
            a, b = abs(values[arg0[i]]), abs(values[arg1[i]])
            big, small = (a, b) if a >= b else (b, a)
            if small != 0.0 and (small < big * LOST or abs(values[i]) < big * LOST):
                return True
    return False


#: pi and e: float64 rounds them
NAMED_VALUES = frozenset(ops.CONSTANTS.values())
#: The most nodes the screen bounds the error of (above: sums only): the
#: bound takes about 0.15 s at this size.
BOUND_LIMIT = 20_000
#: The screen's threshold on the bound of a relative error: a hundredth of
#: LOST, as the bound is first order.
SCREEN = LOST / 100
#: float64's unit roundoff
UNIT = 2.0 ** -53
#: the smallest normal float64: below it, fewer digits
TINY = 2.2250738585072014e-308


def _rounded(x: float) -> float:
    """The relative error of ``x`` as written: 0 when its shortest decimal
    (``repr``, how it is typed) is exactly x, else half an ulp."""
    if x == 0.0 or not math.isfinite(x):
        return 0.0
    if x == int(x) and abs(x) < 2.0 ** 53:
        return 0.0
    mantissa, _, exponent = repr(x).partition("e")
    e = int(exponent) if exponent else 0
    whole, _, fraction = mantissa.partition(".")
    m = int(whole + fraction)
    e -= len(fraction)
    p, q = x.as_integer_ratio()
    exact = p * 10 ** -e == m * q if e < 0 else p == m * 10 ** e * q
    return 0.0 if exact else UNIT


def error_bound(graph: Graph, values: list[float], inputs=None, adjoints=None,
                wrt=None) -> float:
    """The largest first-order bound on the relative error of a node's value
    (from the rounding of inputs and constants as written and of every
    operation, each magnified by the op's condition number |a f'(a)/f(a)|),
    or, given ``adjoints``, of a derivative asked for (``wrt``: nodes; a
    derivative's error comes from its consumers', the local derivatives'
    own sensitivity, and cancellation where contributions add up)."""
    n = len(graph)
    op, arg0, arg1, const = graph.op, graph.arg0, graph.arg1, graph.const
    INPUT, CONST = ops.INPUT, ops.CONST
    ADD, SUB, MUL, DIV = ops.ADD, ops.SUB, ops.MUL, ops.DIV
    EXACT = (ops.NEG, ops.IDENTITY, ops.FUNCTIONS["abs"])
    rel = [0.0] * n
    worst = 0.0
    for i in range(n):
        o = op[i]
        if o is INPUT:
            rel[i] = _rounded(values[i])
            continue
        if o is CONST:
            c = const.get(i, values[i])
            rel[i] = UNIT if c in NAMED_VALUES else _rounded(c)
            continue
        a, b = arg0[i], arg1[i]
        v = values[i]
        if o in EXACT:  # -a, a, |a|: no rounding of their own
            rel[i] = rel[a]
            continue
        if o is MUL or o is DIV:  # condition number 1 in each argument
            bound = rel[i] = UNIT + rel[a] + rel[b]
            if bound > worst:
                worst = bound
            continue
        if o is ADD or o is SUB:
            if v == 0.0:
                bound = math.inf if rel[a] or rel[b] else UNIT
            else:
                bound = UNIT + (abs(values[a]) * rel[a] + abs(values[b]) * rel[b]) / abs(v)
            rel[i] = bound
            if bound > worst:
                worst = bound
            continue
        if o.partials is None:
            rel[i] = UNIT
            continue
        args = (a,) if b < 0 else (a, b)
        try:
            partials = o.partials(*(values[k] for k in args), v)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        # a subnormal result keeps fewer digits: its rounding is up to half of 2^-1074
        bound = UNIT if not 0.0 < abs(v) < TINY else max(UNIT, 2.0 ** -1074 / abs(v) / 2)
        for k, d in zip(args, partials):
            if rel[k] == 0.0 or d == 0.0 or d != d:  # nan: no derivative that way
                continue
            if v == 0.0 or not math.isfinite(d):
                bound = math.inf
                break
            bound += abs(values[k] * d / v) * rel[k]
        rel[i] = bound
        if bound > worst:
            worst = bound
    if adjoints is None or worst > SCREEN:
        return worst
    return max(worst, _adjoint_bound(graph, values, adjoints, rel, wrt))


def _adjoint_bound(graph: Graph, values, adjoints, rel, wrt) -> float:
    """The derivative half of error_bound: one sweep right to left."""
    n = len(graph)
    out = graph.output
    err = [0.0] * n      # absolute error bound of each adjoint
    total = [0.0] * n    # sum of the contributions' magnitudes
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    ADD, SUB, MUL = ops.ADD, ops.SUB, ops.MUL
    for i in range(out, -1, -1):
        g = adjoints[i]
        if g == 0.0 or g != g or not math.isfinite(g):
            continue
        o = op[i]
        a, b = arg0[i], arg1[i]
        if a < 0 or o.partials is None:
            continue
        g_rel = err[i] / abs(g) if total[i] else 0.0
        if o is ADD or o is SUB:  # constant local derivatives
            c = abs(g)
            for k in ((a,) if b < 0 else (a, b)):
                err[k] += c * (g_rel + UNIT)
                total[k] += c
            continue
        if o is MUL:  # each one's local derivative is the other
            err[a] += abs(g * values[b]) * (g_rel + rel[b] + UNIT)
            err[b] += abs(g * values[a]) * (g_rel + rel[a] + UNIT)
            total[a] += abs(g * values[b])
            total[b] += abs(g * values[a])
            continue
        args = (a,) if b < 0 else (a, b)
        here = [values[k] for k in args]
        try:
            partials = o.partials(*here, values[i])
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        for position, (k, d) in enumerate(zip(args, partials)):
            if not math.isfinite(d):
                continue
            c = abs(g * d)
            d_rel = _partial_sensitivity(o, here, values[i], rel, args, position, d)
            err[k] += c * (g_rel + d_rel + UNIT)
            total[k] += c
    worst = 0.0
    for k in (wrt if wrt is not None else range(n)):
        if k is None or not total[k]:
            continue
        d = abs(adjoints[k])
        bound = math.inf if d == 0.0 else err[k] / d
        worst = max(worst, bound)
    return worst


def _partial_sensitivity(o, here, out, rel, args, position, d) -> float:
    """How much a local derivative moves when its arguments move by their
    error bounds (relative; by evaluating it there)."""
    if d == 0.0 or all(rel[k] == 0.0 for k in args):
        return 0.0
    # Each argument moved by its bound, or by one ulp where the bound is
    # smaller (x*(1 + 2^-53) rounds back to x), and the change scaled back.
    moved, scale = [], 1.0
    for x, k in zip(here, args):
        r = rel[k]
        if r == 0.0 or not math.isfinite(x) or r >= 0.5:
            moved.append(x)
            continue
        step = abs(x) * r
        ulp = math.ulp(x)
        if step < ulp:
            scale = min(scale, step / ulp) if ulp else scale
            step = ulp
        moved.append(x + step)
    try:
        new_out = o.value(*moved)
        e = o.partials(*moved, new_out)[position]
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.inf
    return scale * abs(e - d) / abs(d) if math.isfinite(e) else math.inf


def check(graph: Graph, inputs: dict[str, float], values: list[float],
          gradient: dict[str, float] | None = None,
          adjoints: list[float] | None = None) -> tuple[list[Warning], str | None]:
    """(warnings, note): the warnings about lost digits, and a note when the
    program is too large to check. The truth is the program at 50 digits
    with its inputs and constants as written (each float's shortest decimal,
    ``repr``: 1.5707963267948966 is that decimal, not the float64 number
    nearest it), so that float64's rounding of them counts as lost where a
    function magnifies it. ``adjoints``: the float reverse pass, if run."""
    n = len(graph)
    if n > NODE_LIMIT:
        return [], (f"precision not checked: {n:,} nodes is more than {NODE_LIMIT:,} "
                    "(50-digit arithmetic would take longer than the command)")
    wrt = None
    if gradient:
        wrt = [graph.index.get(name) for name in gradient]
        if adjoints is None and n:
            from .errors import CgdiffError
            from .passes import reverse

            try:
                adjoints = reverse(graph, values, wrt=wrt)
            except CgdiffError:
                adjoints = None
    if not suspicious(graph, values, inputs, adjoints, wrt):
        return [], None
    mp, table = _mp_functions()
    with mp.workdps(DIGITS):
        name_of, const = graph.name_of, graph.const

        def as_written(i: int):
            if graph.op[i] is ops.INPUT:
                return _written(mp, inputs[name_of[i]])
            named = NAMED.get(graph.label(i))
            if named and const[i] == ops.CONSTANTS.get(graph.label(i)):
                return getattr(mp, named)  # pi as π, not as its float
            return _written(mp, const[i])

        exact, failed = _mp_forward(graph, mp, table, as_written)
        if failed is not None:
            return [], None  # outside the domain or complex at 50 digits: nothing to compare
        out = graph.output
        bad = _lost_here(values[out], exact[out])
        exact_adjoints, exact_partials = None, {}
        if gradient:
            exact_adjoints = _mp_reverse(graph, exact, mp, table, exact_partials)
            for name, d in gradient.items():
                node = graph.index.get(name)
                if node is not None and exact_adjoints[node] is not None:
                    bad = bad or _lost_here(d, exact_adjoints[node])
        if not bad:
            return [], None
        culprit = _culprit(graph, values, exact)
        if culprit is not None:
            culprit = _blamed_sum(graph, values, culprit)
            return [Warning(culprit, _reason(graph, values, exact, culprit, mp, table))], None
        if exact_adjoints is not None and exact_adjoints[0] is not None and adjoints:
            found = _derivative_culprit(graph, values, adjoints, exact_adjoints,
                                        exact_partials, mp)
            if found is not None:
                return [found], None
        # no one node to blame: float64's roundings add up
        lost = _digits_lost(values[out], exact[out]) if _lost(values[out], exact[out]) else 0
        for name, d in (gradient or {}).items():
            node = graph.index.get(name)
            if node is not None and exact_adjoints[node] is not None and \
                    _lost(d, exact_adjoints[node]):
                lost = max(lost, _digits_lost(d, exact_adjoints[node]))
        return [Warning(out, f"{_shown_label(graph, out)}: rounding, the roundings of many "
                             f"operations add up; about {lost} of 16 digits lost")], None


#: The named constants' true values (mpmath's names): pi is π, not 3.141592653589793.
NAMED = {"pi": "pi", "e": "e"}


def _written(mp, x: float):
    """``x`` as written: its shortest decimal (how it is typed), at 50 digits."""
    if not math.isfinite(x) or x == int(x):
        return mp.mpf(x)
    return mp.mpf(repr(x))


def _mp_reverse(graph: Graph, exact, mp, table, partials: dict | None = None):
    """The adjoints at high precision (None throughout where a local
    derivative cannot be computed); ``partials``, if given, gets each local
    derivative: (node, argument position) → its value."""
    n = len(graph)
    adjoint = [mp.mpf(0)] * n
    out = graph.output
    adjoint[out] = mp.mpf(1)
    for i in range(out, -1, -1):
        g = adjoint[i]
        if g == 0:
            continue
        o = graph.op[i]
        args = graph.args(i)
        if not args or not o.derivative:
            continue
        a = exact[args[0]]
        b = exact[args[1]] if len(args) > 1 else None
        for position, k in enumerate(args):
            try:
                d = _mp_partial(table, o, position, a, b, exact[i], mp.mpf)
            except (ValueError, ZeroDivisionError, TypeError):
                return [None] * n
            if partials is not None:
                partials[i, position] = d
            adjoint[k] += g * d
    return adjoint


def _digits_lost(got: float, true) -> int:
    if true == 0:
        return 16
    error = float(abs(got - true) / abs(true))
    return min(16, max(1, round(16 + math.log10(error)))) if error > 0 else 16


def _derivative_culprit(graph: Graph, values, adjoints, exact_adjoints, exact_partials,
                        mp) -> Warning | None:
    """Where a derivative lost its digits when no value did: the node nearest
    the output whose float derivative is off while the derivatives of the
    nodes that use it are good: either one of its local derivatives is off
    (an ill-conditioned derivative: cos(u) of sin(u) near a zero of cos), or
    the contributions cancel where they add up."""
    n = len(graph)
    out = graph.output
    users: list[list[int]] = [[] for _ in range(n)]
    for j in range(out + 1):
        for k in dict.fromkeys(graph.args(j)):
            users[k].append(j)
    name = graph.node_id(out)

    def lost(k):
        g = adjoints[k]
        return exact_adjoints[k] is not None and g == g and _lost(g, exact_adjoints[k])

    for k in range(out - 1, -1, -1):
        if not users[k] or not lost(k) or any(lost(j) for j in users[k]):
            continue
        contributions = []
        for j in users[k]:
            args = graph.args(j)
            partials = graph.op[j].partials(*(values[a] for a in args), values[j])
            for position, (a, d) in enumerate(zip(args, partials)):
                if a != k:
                    continue
                true = exact_partials.get((j, position))
                if true is not None and _lost(d, true):
                    why = _ill_conditioned(graph, j, position, exact_partials, values, mp)
                    return Warning(j, f"the derivative of {_shown_label(graph, j)} with respect "
                                      f"to {clip(graph.label(k), 40)}, {d!r}: {why}; about "
                                      f"{_digits_lost(d, true)} of 16 digits lost")
                contributions.append(adjoints[j] * d)
        total = adjoints[k]
        shown = " + ".join(repr(c) for c in contributions[:4]) + (
            " + ..." if len(contributions) > 4 else "")
        return Warning(k, f"∂{name}/∂{clip(graph.label(k), 40)}: cancellation, the derivatives "
                          f"through its {len(contributions)} uses add up to {total!r} "
                          f"({shown}); about {_digits_lost(total, exact_adjoints[k])} of 16 "
                          "digits lost")
    return None


def _shown_label(graph: Graph, i: int) -> str:
    label = graph.label(i)
    if enclosed(label):
        label = label[1:-1]
    return clip(label, 60)


def _ill_conditioned(graph: Graph, j: int, position: int, exact_partials, values, mp) -> str:
    """Why a local derivative lost digits: the one its op's derivative
    formula is ill-conditioned at (cos near a zero for sin)."""
    o = graph.op[j].name
    names = {"sin": "cos near a zero", "cos": "sin near a zero", "tan": "tan near a pole",
             "log": "1/x", "sqrt": "1/(2*sqrt(x)) near 0", "pow": "a power"}
    what = names.get(o, f"the derivative formula of {o}")
    arg = graph.args(j)[position]
    return (f"ill-conditioned ({what}): it magnifies the rounding of "
            f"{clip(graph.label(arg), 40)}")


def _lost_here(got: float, true) -> bool:
    """_lost, unless ``got`` is ``true`` correctly rounded to float64 (a
    derivative of 1e-695 is 0.0 in float64: nothing float64 could do
    better)."""
    try:
        if got == float(true):
            return False
    except (OverflowError, ValueError):
        pass
    return _lost(got, true)


def _lost(got: float, true) -> bool:
    """Whether float ``got`` has lost more than half the digits of ``true``."""
    scale = abs(true)
    if scale == 0:
        return abs(got) > 1e-300
    return abs(got - true) / scale > LOST


def _culprit(graph: Graph, values, exact) -> int | None:
    """The first node whose float value lost more than half its digits while
    its arguments' float values had not."""
    for i in range(len(graph)):
        args = graph.args(i)
        if not args or not _lost(values[i], exact[i]):
            continue
        if all(not _lost(values[k], exact[k]) for k in args):
            return i
    return None


def _loses(graph: Graph, values, i: int) -> bool:
    """An addition or subtraction that cancels or absorbs (see suspicious)."""
    if graph.op[i] not in (ops.ADD, ops.SUB):
        return False
    a, b = abs(values[graph.arg0[i]]), abs(values[graph.arg1[i]])
    big, small = (a, b) if a >= b else (b, a)
    return small != 0.0 and (small < big * LOST or abs(values[i]) < big * LOST)


def _blamed_sum(graph: Graph, values, i: int) -> int:
    """The culprit's nearest argument (or argument's argument, ...) that is a
    sum losing digits: ``1 + x`` in ``log(1 + x)``, not the log that shows it."""
    stack, seen = [i], set()
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if _loses(graph, values, k):
            return k
        stack.extend(graph.args(k))
    return i


def _reason(graph: Graph, values, exact, i: int, mp=None, table=None) -> str:
    op = graph.op[i]
    args = graph.args(i)
    true = exact[i]
    error = abs(values[i] - true) / abs(true) if true != 0 else 1.0
    lost = min(16, max(1, round(16 + math.log10(error)))) if error > 0 else 16
    label = graph.label(i)
    if enclosed(label):
        label = label[1:-1]
    label = clip(label, 60)
    if op in (ops.SUB, ops.ADD) and len(args) == 2:
        a, b = values[args[0]], values[args[1]]
        biggest = max(abs(a), abs(b))
        result = values[i]
        if biggest > 0 and (result == 0 or abs(result) < biggest / 1e8):
            cancelled = 16 if result == 0 else min(16, round(math.log10(biggest / abs(result))))
            sign = "-" if op is ops.SUB else "+"
            return (f"{label}: cancellation, {a!r} {sign} {b!r}; "
                    f"about {max(cancelled, lost)} of 16 digits lost")
    if op in (ops.SUB, ops.ADD) and len(args) == 2:
        a, b = values[args[0]], values[args[1]]
        big, small = max(abs(a), abs(b)), min(abs(a), abs(b))
        if small > 0:
            kept = max(0, round(16 - math.log10(big / small)))
            sign = "-" if op is ops.SUB else "+"
            return (f"{label}: absorption, {a!r} {sign} {b!r} keeps about {kept} of the "
                    f"smaller term's 16 digits")
    conditioned = _conditioning(graph, values, exact, i, mp, table) if mp is not None else None
    if conditioned is not None:
        return f"{label}: {conditioned}; about {lost} of 16 digits lost"
    value = values[i]
    if value != 0 and abs(value) < TINY:
        return (f"{label}: underflow, {value!r} is subnormal (fewer digits than a float64's "
                f"16); about {lost} of 16 digits lost")
    return f"{label}: rounding; about {lost} of 16 digits lost"


def _conditioning(graph: Graph, values, exact, i: int, mp, table) -> str | None:
    """"tan near a pole: ill-conditioned, ..." when node ``i``'s op magnifies
    the rounding of an argument more than 1e4 times (its relative condition
    number |a f'(a)/f(a)|, at 50 digits); None otherwise."""
    o = graph.op[i]
    args = graph.args(i)
    true = exact[i]
    if not args or not o.derivative or true == 0:
        return None
    a = exact[args[0]]
    b = exact[args[1]] if len(args) > 1 else None
    best, where = 0.0, None
    for position, k in enumerate(args):
        try:
            d = _mp_partial(table, o, position, a, b, true, mp.mpf)
            kappa = float(abs(exact[k] * d / true))
        except (ValueError, ZeroDivisionError, TypeError):
            continue
        if kappa > best:
            best, where = kappa, k
    if where is None or best < 1e4:
        return None
    name = o.name
    x = float(a)
    near = {
        "tan": "tan near a pole" if abs(float(true)) > 1 else "tan near a zero",
        "sin": "sin near a zero", "cos": "cos near a zero",
        "log": "log near 1", "log2": "log2 near 1", "log10": "log10 near 1",
        "asin": "asin near ±1", "acos": "acos near 1" if x > 0 else "acos near -1",
        "acosh": "acosh near 1", "atanh": "atanh near ±1",
        "pow": ("a power with a large exponent" if where == args[0]
                else "a power of a large base"),
        "exp": "exp of a large argument", "expm1": "expm1 of a large argument",
        "sinh": "sinh of a large argument", "cosh": "cosh of a large argument",
        "div": "a division", "mul": "a product",
    }.get(name, name)
    arg = graph.args(i)[0] if where is None else where
    written = ""
    if graph.op[arg] in (ops.INPUT, ops.CONST) and _rounded(values[arg]):
        written = " (as written, not a float64 number)"
        if graph.op[arg] is ops.INPUT:
            written = f" = {values[arg]!r}{written}"
    times = f"about {best:.2g} times" if best < 1e16 else "more than 1e16 times"
    return (f"{near}: ill-conditioned, it magnifies the rounding of "
            f"{clip(graph.label(arg), 40)}{written} {times}")


def warning_text(graph: Graph, warning: Warning) -> str:
    """The stderr paragraph: where, and what to do."""
    from .text import line_and_column

    line, column = line_and_column(graph.source, graph.start[warning.node]) \
        if graph.source else (0, 0)
    where = f"line {line}, column {column}: " if line else ""
    import textwrap

    return textwrap.fill(f"warning: float64 lost more than half its digits at {where}"
                         f"{warning.text}; the output's value or derivative is not to be "
                         "trusted", width=79, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


# ---------------------------------------------------------------- rewrite hints

# The catalogue of unstable patterns lives below the passes (cgdiff.patterns),
# so that the library's errors can carry their hints too.
from .patterns import Pattern, hints, patterns  # noqa: E402,F401


def hint_text(graph: Graph, node: int, hint: str) -> str:
    from .text import caret_excerpt, line_and_column

    line, column = line_and_column(graph.source, graph.start[node])
    import textwrap

    return (textwrap.fill(f"hint: line {line}, column {column}: {clip(hint, 120)}", width=79,
                          subsequent_indent="  ", break_long_words=False,
                          break_on_hyphens=False)
            + "\n" + caret_excerpt(graph.source, graph.start[node]))


# ---------------------------------------------------------------- --digits N

#: The most significant digits ``--digits`` computes with.
MAX_DIGITS = 1000


class Digits(float):
    """A number computed at N significant digits: a float (its value rounded
    to float64, for everything that computes with it) whose ``repr`` and
    ``exact`` are all N digits, so that the renderers (table, plain, csv, and
    JSON as a string) show them."""

    exact: str

    def __new__(cls, value, text: str):
        number = super().__new__(cls, value)
        number.exact = text
        return number

    def __repr__(self) -> str:
        return self.exact

    __str__ = __repr__


def _digits(mp, x, digits: int):
    if x is None:
        return float("nan")
    if mp.isnan(x) or mp.isinf(x):
        return float(x)
    text = mp.nstr(x, digits, min_fixed=-5, max_fixed=digits + 1, strip_zeros=True)
    return Digits(float(x), text)


def at_digits(result, digits: int):
    """``result`` (from api.evaluate or api.differentiate, one output, reverse
    mode) with its values, and derivatives if it has them, computed again at
    ``digits`` significant digits with mpmath: values from the op table's
    functions in mpmath, derivatives by a reverse pass over the op table's
    ``derivative`` formulas. Inputs and constants are their float64 values,
    taken exactly. Raises LimitError above NODE_LIMIT nodes, DomainError
    where a number cannot be computed at that precision."""
    from .errors import DomainError, LimitError

    graph = result.graph
    n = len(graph)
    if n > NODE_LIMIT:
        raise LimitError(f"--digits: the program has {n:,} nodes, more than {NODE_LIMIT:,} "
                         "(the most computed in arbitrary precision); drop --digits")
    if not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be from 1 to {MAX_DIGITS}, not {digits}")
    mp, table = _mp_functions()
    with mp.workdps(digits + 10):  # guard digits: the last shown digit is right
        def as_float(i: int):
            if graph.op[i] is ops.INPUT:
                return mp.mpf(result.inputs[graph.name_of[i]])
            return mp.mpf(graph.const[i])

        exact, failed = _mp_forward(graph, mp, table, as_float)
        if failed is not None:
            raise DomainError(f"--digits: {clip(graph.label(failed), 60)} cannot be "
                              f"computed at {digits} digits")
        values = [_digits(mp, x, digits) for x in exact]
        adjoints = gradient = None
        if result.gradient is not None:
            exact_adjoints = _mp_reverse(graph, exact, mp, table)
            if n and exact_adjoints[graph.output] is None:
                raise DomainError(f"--digits: a derivative cannot be computed at {digits} "
                                  "digits")
            adjoints = [_digits(mp, x, digits) if result.adjoints[i] == result.adjoints[i]
                        else float("nan") for i, x in enumerate(exact_adjoints)]
            gradient = {}
            for name in result.gradient:
                node = graph.index.get(name)
                gradient[name] = adjoints[node] if node is not None else Digits(0.0, "0.0")
    from dataclasses import replace

    return replace(result, values=values, adjoints=adjoints, gradient=gradient)
