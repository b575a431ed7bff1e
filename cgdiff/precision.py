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
        "softplus": lambda a: mp.log(1 + mp.exp(a)),
        "logsigmoid": lambda a: -mp.log(1 + mp.exp(-a)), "erf": mp.erf,
        "powlog": lambda a, b: mp.mpf(0) if a == 0 and b > 0 else mp.power(a, b) * mp.log(a),
    }
    return mp, table


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


def suspicious(graph: Graph, values: list[float]) -> bool:
    """A float-only screen, so that ordinary programs never import mpmath: an
    addition or subtraction that cancels (a result below 1e-8 of its larger
    argument) or absorbs (one argument below 1e-8 of the other)."""
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    ADD, SUB = ops.ADD, ops.SUB
    for i, o in enumerate(op):
        if o is ADD or o is SUB:
            a, b = abs(values[arg0[i]]), abs(values[arg1[i]])
            big, small = (a, b) if a >= b else (b, a)
            if small != 0.0 and (small < big * LOST or abs(values[i]) < big * LOST):
                return True
    return False


def check(graph: Graph, inputs: dict[str, float], values: list[float],
          gradient: dict[str, float] | None = None) -> tuple[list[Warning], str | None]:
    """(warnings, note): the warnings about lost digits, and a note when the
    program is too large to check."""
    n = len(graph)
    if n > NODE_LIMIT:
        return [], (f"precision not checked: {n:,} nodes is more than {NODE_LIMIT:,} "
                    "(50-digit arithmetic would take longer than the command)")
    if not suspicious(graph, values):
        return [], None
    mp, table = _mp_functions()
    with mp.workdps(DIGITS):
        exact = [None] * n
        op, name_of, const = graph.op, graph.name_of, graph.const
        for i in range(n):
            o = op[i]
            try:
                if o is ops.INPUT:
                    exact[i] = mp.mpf(inputs[name_of[i]])
                elif o is ops.CONST:
                    exact[i] = mp.mpf(const[i])
                else:
                    exact[i] = _mp_apply(table, o, [exact[k] for k in graph.args(i)])
            except (ValueError, ZeroDivisionError, TypeError):
                return [], None  # outside the domain at 50 digits: nothing to compare
        out = graph.output
        bad = _lost(values[out], exact[out])
        if gradient:
            exact_gradient = _mp_reverse(graph, exact, mp, table)
            for name, d in gradient.items():
                node = graph.index.get(name)
                if node is not None and exact_gradient[node] is not None:
                    bad = bad or _lost(d, exact_gradient[node])
        if not bad:
            return [], None
        culprit = _culprit(graph, values, exact)
        if culprit is not None:
            culprit = _blamed_sum(graph, values, culprit)
        return ([Warning(culprit, _reason(graph, values, exact, culprit))]
                if culprit is not None else []), None


def _mp_reverse(graph: Graph, exact, mp, table):
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
            adjoint[k] += g * d
    return adjoint


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


def _reason(graph: Graph, values, exact, i: int) -> str:
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
    return f"{label}: rounding; about {lost} of 16 digits lost"


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
        exact = [None] * n
        op, name_of, const = graph.op, graph.name_of, graph.const
        for i in range(n):
            o = op[i]
            try:
                if o is ops.INPUT:
                    exact[i] = mp.mpf(result.inputs[name_of[i]])
                elif o is ops.CONST:
                    exact[i] = mp.mpf(const[i])
                else:
                    exact[i] = _mp_apply(table, o, [exact[k] for k in graph.args(i)])
                    if not isinstance(exact[i], mp.mpf):
                        raise TypeError("not real")
            except (ValueError, ZeroDivisionError, TypeError):
                raise DomainError(f"--digits: {clip(graph.label(i), 60)} cannot be computed at "
                                  f"{digits} digits") from None
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
