"""The op table: every operation's value and local partial derivatives, together.

Each entry says how to compute the operation and how it changes when each of its
arguments changes. Every pass reads this table: the forward pass (``value``),
the reverse pass and forward mode (``partials``), the explanations and
symbolic derivatives (``derivative``) and error messages (``domain``).
Adding a function is one entry in FUNCTIONS.

``partials(*args, out)`` returns one number per argument; ``nan`` marks a
derivative that does not exist at that point (``sqrt`` at 0, the exponent of a
negative base). ``domain(*args)`` explains, in words, why ``value`` failed.

``array_value`` and ``array_partials`` are the same two functions on NumPy
float64 arrays (one row per element), for the column passes (``--data``,
``fit``): one vectorised operation per node. They must give the scalar
functions' numbers element by element (a value the scalar ``value`` refuses
may come out as nan or inf: the passes then ask the scalar functions which
row failed and why). Write ``np.exp(a)``, not ``math.exp``: ``np`` below is
NumPy, imported on first use, so single-point commands never import it. An op
without them still works in columns, one element at a time (slower).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from .text import exact_number

NAN = float("nan")
INF = float("inf")


@dataclass(frozen=True, eq=False)
class Op:
    name: str
    arity: int
    value: Callable[..., float] | None = None
    partials: Callable[..., tuple[float, ...]] | None = None
    #: Each partial as a formula in cgdiff's own language over the arguments
    #: ``a``, ``b`` and the result ``out``: how ``explain`` words it, and what
    #: ``grad --symbolic`` and ``hessian`` build on. Kinks follow the
    #: ``partials`` conventions exactly, written with ``step`` (0 at 0) and ``sign``.
    derivative: tuple[str, ...] = ()
    domain: Callable[..., str | None] = field(default=lambda *args: None)
    #: The operator's symbol for infix operators (``*``), else None.
    symbol: str | None = None
    #: ``value`` and ``partials`` on NumPy arrays (see the module's docstring).
    array_value: Callable | None = None
    array_partials: Callable | None = None
    #: Kinks, ties and jumps: ``kink(*args, out)`` is None where the op is
    #: differentiable, and at a point where it is not (relu at 0, max with equal
    #: arguments) one pair per argument, (left, right): the one-sided partials
    #: as that argument moves down and up (``inf`` for a jump or a vertical
    #: slope, ``nan`` where one side is outside the domain). ``partials`` gives
    #: the convention used there. Ops without kinks leave it None.
    kink: Callable[..., tuple[tuple[float, float], ...] | None] | None = None
    #: The same value and partials in JavaScript, for the page ``cgdiff view``
    #: writes (it re-runs both passes in the browser): an expression over
    #: ``a``, ``b`` for the value, and an array over ``a``, ``b``, ``out`` for
    #: the partials, following ``value`` and ``partials`` exactly (NaN where
    #: ``partials`` has nan; NaN or ±Infinity where ``value`` raises).
    js: tuple[str, str] = ()


class _NumPy:
    """``numpy``, imported when an attribute is first read (inside an array
    function, at run time): this module is read by every command."""

    def __getattr__(self, name: str):
        import numpy

        found = getattr(numpy, name)
        setattr(self, name, found)  # later reads skip __getattr__
        return found


np = _NumPy()


# ---------------------------------------------------------------- operators

def _div_domain(a, b):
    return f"division by zero ({exact_number(a)}/{exact_number(b)})" if b == 0 else None


def _pow(a, b):
    # math.pow, not **: it raises instead of returning a complex number.
    return math.pow(a, b)


def _pow_domain(a, b):
    if a == 0 and b < 0:
        return f"division by zero: 0^{exact_number(b)}"
    if a < 0 and not b.is_integer():
        return (f"a negative base ({exact_number(a)}) needs an integer exponent, "
                f"not {exact_number(b)}")
    return None


def _pow_partials(a, b, out):
    if b == 0:
        d_base = 0.0
    elif a == 0 and b < 1:
        d_base = NAN  # the slope is infinite at 0
    else:
        d_base = b * _pow_or_inf(a, b - 1)
    if a > 0:
        d_exponent = out * math.log(a)
    elif a == 0 and b > 0:
        d_exponent = 0.0
    else:
        d_exponent = NAN  # a^b is not defined for a < 0 near a non-integer b
    return d_base, d_exponent


def _pow_or_inf(a, b):
    try:
        return math.pow(a, b)
    except OverflowError:
        return INF if a > 0 or b % 2 == 0 else -INF


def _pow_array_partials(a, b, out):
    d_exponent = np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)),
                          np.where(a == 0, np.where(b > 0, 0.0, NAN), NAN))
    return pow_array_base_partial(a, b), d_exponent


def pow_array_base_partial(a, b):
    """∂(a^b)/∂a alone on arrays: what the column reverse pass asks for when the
    exponent is a constant (``x^2``), sparing the exponent's log."""
    if not isinstance(b, np.ndarray) or b.ndim == 0:  # one exponent for every row
        b = float(b)
        if b == 0:
            return 0.0
        if b == 2.0:
            return 2.0 * a  # b*a^1, exactly
        d = b * np.power(a, b - 1)
        return np.where(a == 0, NAN, d) if b < 1 else d
    return np.where(b == 0, 0.0, np.where((a == 0) & (b < 1), NAN, b * np.power(a, b - 1)))


# The arithmetic operators' scalar functions work on arrays as they are.
_add, _add_partials = lambda a, b: a + b, lambda a, b, out: (1.0, 1.0)
_sub, _sub_partials = lambda a, b: a - b, lambda a, b, out: (1.0, -1.0)
_mul, _mul_partials = lambda a, b: a * b, lambda a, b, out: (b, a)
_div, _div_partials = lambda a, b: a / b, lambda a, b, out: (1.0 / b, -out / b)
_neg, _neg_partials = lambda a: -a, lambda a, out: (-1.0,)

ADD = Op("add", 2, _add, _add_partials, ("1", "1"), symbol="+",
         array_value=_add, array_partials=_add_partials,
         js=("a + b", "[1, 1]"))
SUB = Op("sub", 2, _sub, _sub_partials, ("1", "-1"), symbol="-",
         array_value=_sub, array_partials=_sub_partials,
         js=("a - b", "[1, -1]"))
MUL = Op("mul", 2, _mul, _mul_partials, ("b", "a"), symbol="*",
         array_value=_mul, array_partials=_mul_partials,
         js=("a * b", "[b, a]"))
DIV = Op("div", 2, _div, _div_partials, ("1/b", "-out/b"), _div_domain, symbol="/",
         array_value=_div, array_partials=_div_partials,
         js=("b === 0 ? NaN : a / b", "[1 / b, -out / b]"))
NEG = Op("neg", 1, _neg, _neg_partials, ("-1",), symbol="-",
         array_value=_neg, array_partials=_neg_partials,
         js=("-a", "[-1]"))
POW = Op("pow", 2, _pow, _pow_partials, ("b*a^(b - 1)", "out*log(a)"), _pow_domain, symbol="^",
         array_value=lambda a, b: np.power(a, b), array_partials=_pow_array_partials,
         js=("(a === 0 && b < 0) ? NaN : Math.pow(a, b)",
             "[b === 0 ? 0 : (a === 0 && b < 1) ? NaN : b * Math.pow(a, b - 1), "
             "a > 0 ? out * Math.log(a) : (a === 0 && b > 0) ? 0 : NaN]"))

# ---------------------------------------------------------------- functions

def _sigmoid(x):
    # Two forms so that neither exp() overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sigmoid_partial(a, out):
    # sigmoid(a)*sigmoid(-a) = u/(1 + u)^2 with u = exp(-|a|), from the input: the
    # output-based out*(1 - out) is 0 once sigmoid(a) rounds to 1 (a > 37).
    u = math.exp(-abs(a))
    return (u / ((1.0 + u) * (1.0 + u)),)


def _sech(x):
    # 2u/(1 + u^2) with u = exp(-|x|): no overflow, full precision in the tails.
    u = math.exp(-abs(x))
    return 2.0 * u / (1.0 + u * u)


def _tanh_partial(a, out):
    # sech(a)^2, from the input: 1 - tanh(a)^2 is 0 once tanh(a) rounds to ±1.
    s = _sech(a)
    return (s * s,)


# The same on arrays (see the module's docstring): np for math, np.where for if.

def _sigmoid_array(x):
    z = np.exp(-np.abs(x))  # never overflows; the scalar function's two forms
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _sigmoid_array_partial(a, out):
    u = np.exp(-np.abs(a))
    return (u / ((1.0 + u) * (1.0 + u)),)


def _sech_array(x):
    u = np.exp(-np.abs(x))
    return 2.0 * u / (1.0 + u * u)


def _tanh_array_partial(a, out):
    s = _sech_array(a)
    return (s * s,)


def _sign_array(a):
    # Not np.sign: that keeps -0.0, where the scalar function gives 0.0.
    return np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0))


def _log_domain(a):
    return None if a > 0 else f"x = {exact_number(a)} is not > 0"


def _overflow(a, *rest):
    return "the result is too large for a float"


FUNCTIONS: dict[str, Op] = {
    "exp": Op("exp", 1, math.exp, lambda a, out: (out,), ("out",), _overflow,
              array_value=lambda a: np.exp(a), array_partials=lambda a, out: (out,),
              js=("Math.exp(a)", "[out]")),
    "log": Op("log", 1, math.log, lambda a, out: (1.0 / a,), ("1/a",), _log_domain,
              array_value=lambda a: np.log(a), array_partials=lambda a, out: (1.0 / a,),
              js=("a > 0 ? Math.log(a) : NaN", "[1 / a]")),
    "sqrt": Op("sqrt", 1, math.sqrt, lambda a, out: (0.5 / out if out > 0 else NAN,),
               ("0.5/out",), lambda a: None if a >= 0 else f"x = {exact_number(a)} is not >= 0",
               array_value=lambda a: np.sqrt(a),
               array_partials=lambda a, out: (np.where(out > 0, 0.5 / out, NAN),),
               js=("Math.sqrt(a)", "[out > 0 ? 0.5 / out : NaN]"),
               kink=lambda a, out: ((NAN, INF),) if a == 0 else None),
    "sin": Op("sin", 1, math.sin, lambda a, out: (math.cos(a),), ("cos(a)",),
              array_value=lambda a: np.sin(a), array_partials=lambda a, out: (np.cos(a),),
              js=("Math.sin(a)", "[Math.cos(a)]")),
    "cos": Op("cos", 1, math.cos, lambda a, out: (-math.sin(a),), ("-sin(a)",),
              array_value=lambda a: np.cos(a), array_partials=lambda a, out: (-np.sin(a),),
              js=("Math.cos(a)", "[-Math.sin(a)]")),
    "tan": Op("tan", 1, math.tan, lambda a, out: (1.0 + out * out,), ("1 + out^2",),
              array_value=lambda a: np.tan(a), array_partials=lambda a, out: (1.0 + out * out,),
              js=("Math.tan(a)", "[1 + out * out]")),
    "tanh": Op("tanh", 1, math.tanh, _tanh_partial, ("sech(a)^2",),
               array_value=lambda a: np.tanh(a), array_partials=_tanh_array_partial,
               js=("Math.tanh(a)",
                   "((u) => { const s = 2 * u / (1 + u * u); return [s * s]; })"
                   "(Math.exp(-Math.abs(a)))")),
    "sech": Op("sech", 1, _sech, lambda a, out: (-out * math.tanh(a),), ("-out*tanh(a)",),
               array_value=_sech_array, array_partials=lambda a, out: (-out * np.tanh(a),),
               js=("((u) => 2 * u / (1 + u * u))(Math.exp(-Math.abs(a)))",
                   "[-out * Math.tanh(a)]")),
    "sigmoid": Op("sigmoid", 1, _sigmoid, _sigmoid_partial, ("out*sigmoid(-a)",),
                  array_value=_sigmoid_array, array_partials=_sigmoid_array_partial,
                  js=("a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))",
                      "((u) => [u / ((1 + u) * (1 + u))])(Math.exp(-Math.abs(a)))")),
    # relu'(0) = 0 and abs'(0) = 0, the SPEC's conventions at the kink.
    "relu": Op("relu", 1, lambda a: a if a > 0 else 0.0,
               lambda a, out: (1.0 if a > 0 else 0.0,), ("step(a)",),
               array_value=lambda a: np.where(a > 0, a, 0.0),
               array_partials=lambda a, out: (np.where(a > 0, 1.0, 0.0),),
               js=("a > 0 ? a : 0", "[a > 0 ? 1 : 0]"),
               kink=lambda a, out: ((0.0, 1.0),) if a == 0 else None),
    "abs": Op("abs", 1, abs, lambda a, out: (1.0 if a > 0 else -1.0 if a < 0 else 0.0,),
              ("sign(a)",), array_value=lambda a: np.abs(a),
              array_partials=lambda a, out: (_sign_array(a),),
              js=("Math.abs(a)", "[a > 0 ? 1 : a < 0 ? -1 : 0]"),
              kink=lambda a, out: ((-1.0, 1.0),) if a == 0 else None),
    # At a tie the first argument takes the whole derivative.
    "max": Op("max", 2, lambda a, b: a if a >= b else b,
              lambda a, b, out: (1.0, 0.0) if a >= b else (0.0, 1.0),
              ("1 - step(b - a)", "step(b - a)"),
              array_value=lambda a, b: np.where(a >= b, a, b),
              array_partials=lambda a, b, out: (np.where(a >= b, 1.0, 0.0),
                                                np.where(a >= b, 0.0, 1.0)),
              js=("a >= b ? a : b", "a >= b ? [1, 0] : [0, 1]"),
              # at a tie, either argument moved up takes the max with it
              kink=lambda a, b, out: ((0.0, 1.0), (0.0, 1.0)) if a == b else None),
    "min": Op("min", 2, lambda a, b: a if a <= b else b,
              lambda a, b, out: (1.0, 0.0) if a <= b else (0.0, 1.0),
              ("1 - step(a - b)", "step(a - b)"),
              array_value=lambda a, b: np.where(a <= b, a, b),
              array_partials=lambda a, b, out: (np.where(a <= b, 1.0, 0.0),
                                                np.where(a <= b, 0.0, 1.0)),
              js=("a <= b ? a : b", "a <= b ? [1, 0] : [0, 1]"),
              # at a tie, either argument moved down takes the min with it
              kink=lambda a, b, out: ((1.0, 0.0), (1.0, 0.0)) if a == b else None),
    "pow": POW,
    # Jumps, so that the kinks' derivatives above are formulas: step(0) = 0 and
    # sign(0) = 0; their own derivative is 0 (taken as 0 at the jump, too).
    "step": Op("step", 1, lambda a: 1.0 if a > 0 else 0.0, lambda a, out: (0.0,), ("0",),
               array_value=lambda a: np.where(a > 0, 1.0, 0.0),
               array_partials=lambda a, out: (0.0,),
               js=("a > 0 ? 1 : 0", "[0]"),
               kink=lambda a, out: ((0.0, INF),) if a == 0 else None),
    "sign": Op("sign", 1, lambda a: 1.0 if a > 0 else -1.0 if a < 0 else 0.0,
               lambda a, out: (0.0,), ("0",), array_value=_sign_array,
               array_partials=lambda a, out: (0.0,),
               js=("a > 0 ? 1 : a < 0 ? -1 : 0", "[0]"),
               kink=lambda a, out: ((INF, INF),) if a == 0 else None),
}
FUNCTIONS["ln"] = FUNCTIONS["log"]

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: Functions of whole vectors and matrices (and of many scalars), unrolled into
#: the ops above when the graph is built (``cgdiff.expand`` holds how): name →
#: what it computes. ``max`` and ``min`` of two scalars stay FUNCTIONS entries.
VECTOR_FUNCTIONS: dict[str, str] = {
    "sum": "the sum of all elements",
    "mean": "the mean of all elements",
    "max": "the largest element",
    "min": "the smallest element",
    "dot": "the dot product of two vectors of one length",
    "norm": "the Euclidean norm, sqrt(sum(x^2))",
    "softmax": "exp(x - max(x)) / sum(exp(x - max(x))), elementwise",
    "logsumexp": "max(x) + log(sum(exp(x - max(x))))",
    "transpose": "a matrix with rows and columns swapped",
}

# ---------------------------------------------------------------- graph leaves

#: An input: a name whose value comes from the program's default or --set.
INPUT = Op("input", 0)
#: A number literal or a named constant.
CONST = Op("const", 0)
#: ``a = b``: a statement whose whole expression is another name.
IDENTITY = Op("id", 1, lambda a: a, lambda a, out: (1.0,), ("1",),
              array_value=lambda a: a, array_partials=lambda a, out: (1.0,),
              js=("a", "[1]"))

BINARY_OPERATORS = {"+": ADD, "-": SUB, "*": MUL, "/": DIV}

#: Every op by its name, as it appears in JSON.
BY_NAME: dict[str, Op] = {op.name: op for op in
                          [INPUT, CONST, IDENTITY, ADD, SUB, MUL, DIV, NEG, POW,
                           *FUNCTIONS.values()]}
