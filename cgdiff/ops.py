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
    #: Whether ``partials`` can be nan (no derivative) or infinite at a point
    #: where ``value`` succeeds. The passes look at such an op's partials even
    #: where the derivative reaching it is 0 (README, "A derivative that does
    #: not exist"): a zero factor does not hide a partial that does not exist.
    singular: bool = False
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
         js=("b === 0 ? NaN : a / b", "[1 / b, -out / b]"),
         singular=True)
NEG = Op("neg", 1, _neg, _neg_partials, ("-1",), symbol="-",
         array_value=_neg, array_partials=_neg_partials,
         js=("-a", "[-1]"))
POW = Op("pow", 2, _pow, _pow_partials, ("b*a^(b - 1)", "powlog(a, b)"), _pow_domain, symbol="^",
         array_value=lambda a, b: np.power(a, b), array_partials=_pow_array_partials,
         js=("(a === 0 && b < 0) ? NaN : Math.pow(a, b)",
             "[b === 0 ? 0 : (a === 0 && b < 1) ? NaN : b * Math.pow(a, b - 1), "
             "a > 0 ? out * Math.log(a) : (a === 0 && b > 0) ? 0 : NaN]"),
         singular=True)

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
              js=("a > 0 ? Math.log(a) : NaN", "[1 / a]"),
              singular=True),
    "sqrt": Op("sqrt", 1, math.sqrt, lambda a, out: (0.5 / out if out > 0 else NAN,),
               ("0.5/out",), lambda a: None if a >= 0 else f"x = {exact_number(a)} is not >= 0",
               array_value=lambda a: np.sqrt(a),
               array_partials=lambda a, out: (np.where(out > 0, 0.5 / out, NAN),),
               js=("Math.sqrt(a)", "[out > 0 ? 0.5 / out : NaN]"),
               singular=True, kink=lambda a, out: ((NAN, INF),) if a == 0 else None),
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
              ("1 - gt(b, a)", "gt(b, a)"),
              array_value=lambda a, b: np.where(a >= b, a, b),
              array_partials=lambda a, b, out: (np.where(a >= b, 1.0, 0.0),
                                                np.where(a >= b, 0.0, 1.0)),
              js=("a >= b ? a : b", "a >= b ? [1, 0] : [0, 1]"),
              # at a tie, either argument moved up takes the max with it
              kink=lambda a, b, out: ((0.0, 1.0), (0.0, 1.0)) if a == b else None),
    "min": Op("min", 2, lambda a, b: a if a <= b else b,
              lambda a, b, out: (1.0, 0.0) if a <= b else (0.0, 1.0),
              ("1 - gt(a, b)", "gt(a, b)"),
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
# ---------------------------------------------------------------- the function library
# Each partial is computed from the inputs in a form that keeps its digits across
# the whole float range (tests/test_stable_partials.py checks each against mpmath).

def _range_domain(low, high, closed=True):
    def domain(a):
        if closed and low <= a <= high or not closed and low < a < high:
            return None
        brackets = "[]" if closed else "()"
        return (f"x = {exact_number(a)} is not in {brackets[0]}{exact_number(low)}, "
                f"{exact_number(high)}{brackets[1]}")
    return domain


def _asin_partial(a, out):
    d = (1.0 - a) * (1.0 + a)  # not 1 - a^2: exact near ±1
    return (1.0 / math.sqrt(d) if d > 0 else NAN,)  # an infinite slope at ±1


def _acos_partial(a, out):
    (d,) = _asin_partial(a, out)
    return (-d,)


def _atan_partial(a, out):
    if abs(a) > 1.0:  # 1/(1 + a^2) without overflowing a^2
        r = 1.0 / a
        return (r * r / (1.0 + r * r),)
    return (1.0 / (1.0 + a * a),)


def _atan2_partials(a, b, out):
    # atan2(a, b) is the angle of the point (b, a): ∂/∂a = b/(a²+b²), ∂/∂b = -a/(a²+b²),
    # each as (b/h)/h with h = hypot(a, b), which neither overflows nor underflows.
    h = math.hypot(a, b)
    if h == 0.0:
        return NAN, NAN
    return (b / h) / h, (-a / h) / h


def _cosh_or_inf(a):
    try:
        return math.cosh(a)
    except OverflowError:
        return INF


def _acosh_partial(a, out):
    d = math.sqrt(a - 1.0) * math.sqrt(a + 1.0)  # not a^2 - 1: no overflow, exact near 1
    return (1.0 / d if d > 0 else NAN,)


def _log_domain_above(low):
    def domain(a):
        return None if a > low else f"x = {exact_number(a)} is not > {exact_number(low)}"
    return domain


def _reciprocal_scaled(scale):
    def partials(a, out):
        try:
            return (scale / a,)
        except ZeroDivisionError:
            return (NAN,)
    return partials


def _exp_or_inf(a):
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def _hypot_partials(a, b, out):
    if out == 0.0:
        return NAN, NAN  # a cone's tip
    return a / out, b / out


def _softplus(a):
    # log(1 + exp(a)) = max(a, 0) + log1p(exp(-|a|)): neither overflows nor loses digits.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _logsigmoid(a):
    # log(sigmoid(a)) = -softplus(-a)
    return min(a, 0.0) - math.log1p(math.exp(-abs(a)))


def _two_product(a, b):
    """a*b = p + e exactly (Dekker), for |a|, |b| below 1e150."""
    p = a * b
    c = 134217729.0 * a
    ah = c - (c - a)
    al = a - ah
    c = 134217729.0 * b
    bh = c - (c - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


_TWO_OVER_SQRT_PI = 1.1283791670955126


def _erf_partial(a, out):
    # 2/sqrt(pi)*exp(-a^2), with a^2 split exactly into p + e so that rounding
    # a^2 (an absolute error of up to a^2*1e-16 in the exponent) loses nothing.
    if abs(a) > 30.0:
        return (0.0,)
    p, e = _two_product(a, a)
    return (_TWO_OVER_SQRT_PI * (math.exp(-p) * (1.0 - e)),)


#: erf for the browser (JavaScript has none): the Taylor series below 2.5
#: (about 14 digits), the continued fraction of erfc above.
_JS_ERF = ("((x) => { const ax = Math.abs(x); if (ax < 2.5) { let t = x, s = x; "
           "for (let n = 1; n < 200; n++) { t *= -x * x / n; const d = t / (2 * n + 1); "
           "s += d; if (Math.abs(d) <= 1e-17 * Math.abs(s)) break; } "
           "return 1.1283791670955126 * s; } if (ax > 6) return Math.sign(x); "
           "let f = ax; for (let k = 150; k >= 1; k--) f = ax + (k / 2) / f; "
           "return Math.sign(x) * (1 - Math.exp(-ax * ax) / 1.7724538509055159 / f); })(a)")
_JS_SIGMOID = "(a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a)))"

# NumPy forms of the library (the column passes): the scalar functions' formulas
# with np and np.where; erf, which NumPy lacks, element by element.

def _elementwise(f):
    def apply(*arrays):
        return np.array(list(map(f, *(np.broadcast_to(x, np.shape(arrays[0])).tolist()
                                      for x in arrays))), dtype=np.float64)
    return apply


def _asin_array_partial(a, out):
    d = (1.0 - a) * (1.0 + a)
    return (np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), NAN),)


def _atan_array_partial(a, out):
    big = np.abs(a) > 1.0
    r = 1.0 / np.where(big, a, 1.0)
    return (np.where(big, r * r / (1.0 + r * r), 1.0 / (1.0 + a * a)),)


def _atan2_array_partials(a, b, out):
    h = np.hypot(a, b)
    safe = np.where(h == 0.0, 1.0, h)
    return np.where(h == 0.0, NAN, (b / safe) / safe), np.where(h == 0.0, NAN, (-a / safe) / safe)


def _acosh_array_partial(a, out):
    d = np.sqrt(np.maximum(a - 1.0, 0.0)) * np.sqrt(a + 1.0)
    return (np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), NAN),)


def _hypot_array_partials(a, b, out):
    safe = np.where(out == 0.0, 1.0, out)
    return np.where(out == 0.0, NAN, a / safe), np.where(out == 0.0, NAN, b / safe)


def _softplus_array(a):
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def _logsigmoid_array(a):
    return np.minimum(a, 0.0) - np.log1p(np.exp(-np.abs(a)))


FUNCTIONS.update({
    "asin": Op("asin", 1, math.asin, _asin_partial, ("1/sqrt((1 - a)*(1 + a))",),
               _range_domain(-1.0, 1.0), singular=True,
               kink=lambda a, out: ((INF, NAN),) if a == 1 else ((NAN, INF),) if a == -1 else None,
               js=("Math.asin(a)", "[1 / Math.sqrt((1 - a) * (1 + a))]"),
               array_value=lambda a: np.arcsin(a), array_partials=_asin_array_partial),
    "acos": Op("acos", 1, math.acos, _acos_partial, ("-1/sqrt((1 - a)*(1 + a))",),
               _range_domain(-1.0, 1.0), singular=True,
               kink=lambda a, out: (((-INF, NAN),) if a == 1 else ((NAN, -INF),) if a == -1
                                    else None),
               js=("Math.acos(a)", "[-1 / Math.sqrt((1 - a) * (1 + a))]"),
               array_value=lambda a: np.arccos(a),
               array_partials=lambda a, out: (-_asin_array_partial(a, out)[0],)),
    "atan": Op("atan", 1, math.atan, _atan_partial, ("1/(1 + a^2)",),
               js=("Math.atan(a)", "[1 / (1 + a * a)]"),
               array_value=lambda a: np.arctan(a), array_partials=_atan_array_partial),
    "atan2": Op("atan2", 2, math.atan2, _atan2_partials, ("b/(a^2 + b^2)", "-a/(a^2 + b^2)"),
                singular=True,  # a jump at the origin
                kink=lambda a, b, out: ((INF, INF), (INF, INF)) if a == b == 0 else None,
                js=("Math.atan2(a, b)", "[b / (a * a + b * b), -a / (a * a + b * b)]"),
                array_value=lambda a, b: np.arctan2(a, b), array_partials=_atan2_array_partials),
    "sinh": Op("sinh", 1, math.sinh, lambda a, out: (_cosh_or_inf(a),), ("cosh(a)",),
               _overflow, js=("Math.sinh(a)", "[Math.cosh(a)]"),
               array_value=lambda a: np.sinh(a), array_partials=lambda a, out: (np.cosh(a),)),
    "cosh": Op("cosh", 1, math.cosh, lambda a, out: (math.sinh(a),), ("sinh(a)",), _overflow,
               js=("Math.cosh(a)", "[Math.sinh(a)]"),
               array_value=lambda a: np.cosh(a), array_partials=lambda a, out: (np.sinh(a),)),
    "asinh": Op("asinh", 1, math.asinh, lambda a, out: (1.0 / math.hypot(1.0, a),),
                ("1/hypot(1, a)",), js=("Math.asinh(a)", "[1 / Math.hypot(1, a)]"),
                array_value=lambda a: np.arcsinh(a),
                array_partials=lambda a, out: (1.0 / np.hypot(1.0, a),)),
    "acosh": Op("acosh", 1, math.acosh, _acosh_partial, ("1/(sqrt(a - 1)*sqrt(a + 1))",),
                lambda a: None if a >= 1 else f"x = {exact_number(a)} is not >= 1",
                singular=True, kink=lambda a, out: ((NAN, INF),) if a == 1 else None,
                js=("Math.acosh(a)", "[1 / (Math.sqrt(a - 1) * Math.sqrt(a + 1))]"),
                array_value=lambda a: np.arccosh(a), array_partials=_acosh_array_partial),
    "atanh": Op("atanh", 1, math.atanh,
                lambda a, out: (1.0 / ((1.0 - a) * (1.0 + a)),), ("1/((1 - a)*(1 + a))",),
                _range_domain(-1.0, 1.0, closed=False),
                js=("Math.atanh(a)", "[1 / ((1 - a) * (1 + a))]"),
                array_value=lambda a: np.arctanh(a),
                array_partials=lambda a, out: (1.0 / ((1.0 - a) * (1.0 + a)),)),
    "log2": Op("log2", 1, math.log2, _reciprocal_scaled(1.0 / math.log(2.0)),
               ("1/(a*log(2))",), _log_domain, singular=True,
               js=("a > 0 ? Math.log2(a) : NaN", "[1 / (a * Math.LN2)]"),
               array_value=lambda a: np.log2(a),
               array_partials=lambda a, out: ((1.0 / math.log(2.0)) / a,)),
    "log10": Op("log10", 1, math.log10, _reciprocal_scaled(1.0 / math.log(10.0)),
                ("1/(a*log(10))",), _log_domain, singular=True,
                js=("a > 0 ? Math.log10(a) : NaN", "[1 / (a * Math.LN10)]"),
                array_value=lambda a: np.log10(a),
                array_partials=lambda a, out: ((1.0 / math.log(10.0)) / a,)),
    "log1p": Op("log1p", 1, math.log1p, lambda a, out: (1.0 / (1.0 + a),), ("1/(1 + a)",),
                _log_domain_above(-1.0),
                js=("a > -1 ? Math.log1p(a) : NaN", "[1 / (1 + a)]"),
                array_value=lambda a: np.log1p(a),
                array_partials=lambda a, out: (1.0 / (1.0 + a),)),
    "expm1": Op("expm1", 1, math.expm1, lambda a, out: (_exp_or_inf(a),), ("exp(a)",),
                _overflow, js=("Math.expm1(a)", "[Math.exp(a)]"),
                array_value=lambda a: np.expm1(a), array_partials=lambda a, out: (np.exp(a),)),
    "hypot": Op("hypot", 2, math.hypot, _hypot_partials, ("a/out", "b/out"), singular=True,
                # a cone's tip at the origin
                kink=lambda a, b, out: ((-1.0, 1.0), (-1.0, 1.0)) if a == b == 0 else None,
                js=("Math.hypot(a, b)", "[a / out, b / out]"),
                array_value=lambda a, b: np.hypot(a, b), array_partials=_hypot_array_partials),
    "softplus": Op("softplus", 1, _softplus, lambda a, out: (_sigmoid(a),), ("sigmoid(a)",),
                   js=("Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))",
                       f"[{_JS_SIGMOID}]"),
                   array_value=_softplus_array,
                   array_partials=lambda a, out: (_sigmoid_array(a),)),
    "logsigmoid": Op("logsigmoid", 1, _logsigmoid, lambda a, out: (_sigmoid(-a),),
                     ("sigmoid(-a)",),
                     js=("Math.min(a, 0) - Math.log1p(Math.exp(-Math.abs(a)))",
                         "[a <= 0 ? 1 / (1 + Math.exp(a)) : Math.exp(-a) / (1 + Math.exp(-a))]"),
                     array_value=_logsigmoid_array,
                     array_partials=lambda a, out: (_sigmoid_array(-a),)),
    "erf": Op("erf", 1, math.erf, _erf_partial, ("2/sqrt(pi)*exp(-a^2)",),
              js=(_JS_ERF, "[1.1283791670955126 * Math.exp(-a * a)]"),
              array_value=_elementwise(math.erf),
              array_partials=lambda a, out: (_elementwise(lambda x: _erf_partial(x, 0.0)[0])(a),)),
})
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

#: ``gt(a, b)``: 1 if a > b, else 0 — ``step(a - b)`` without computing a - b,
#: which can overflow where only its sign matters. The derivatives of ``max``
#: and ``min`` are written with it, so their formulas hold at x = -1e308,
#: y = 1e308 (README, "Derivatives as formulas").
GT = Op("gt", 2, lambda a, b: 1.0 if a > b else 0.0, lambda a, b, out: (0.0, 0.0),
        ("0", "0"), array_value=lambda a, b: np.where(a > b, 1.0, 0.0),
        array_partials=lambda a, b, out: (0.0, 0.0), js=("a > b ? 1 : 0", "[0, 0]"))
FUNCTIONS["gt"] = GT

#: ``powlog(a, b)`` = a^b*log(a), ∂(a^b)/∂b: 0 at a = 0 for b > 0 (the limit,
#: and grad's number), where ``a^b*log(a)`` would take log(0). Its own partials
#: are the limits there too (∂/∂a = a^(b-1)*(b*log(a) + 1) is 0 at a = 0 for
#: b > 1; ∂/∂b = a^b*log(a)^2 is 0), so the second derivatives of ``x^y`` at
#: x = 0 are numbers where they exist. It is the op table's formula for
#: ∂(a^b)/∂b, so the formulas ``grad --symbolic`` writes are defined wherever
#: grad's number is, and a function of the language, so they read back.
def _pow_log(a, b):
    if a == 0 and b > 0:
        return 0.0
    if a <= 0:
        raise ValueError("log of a base that is not > 0")
    return _pow_or_inf(a, b) * math.log(a)


def _pow_log_domain(a, b):
    if a == 0 and b > 0:
        return None
    if a < 0:
        return f"a negative base ({exact_number(a)}) has no logarithm"
    return f"0^{exact_number(b)}*log(0) is not a number" if a == 0 else None


def _pow_log_partials(a, b, out):
    if a == 0:  # b > 0: the value is defined
        return (0.0 if b > 1 else NAN), 0.0  # a^(b-1)*(b*log(a) + 1) is infinite for b <= 1
    log_a = math.log(a)
    return _pow_or_inf(a, b - 1) * (b * log_a + 1.0), out * log_a


def _pow_log_array(a, b):
    positive = a > 0
    safe = np.where(positive, a, 1.0)
    return np.where(positive, np.power(safe, b) * np.log(safe),
                    np.where((a == 0) & (b > 0), 0.0, NAN))


def _pow_log_array_partials(a, b, out):
    positive = a > 0
    safe = np.where(positive, a, 1.0)
    log_a = np.log(safe)
    d_a = np.where(positive, np.power(safe, b - 1) * (b * log_a + 1.0),
                   np.where((a == 0) & (b > 1), 0.0, NAN))
    d_b = np.where(positive, out * log_a, np.where(a == 0, 0.0, NAN))
    return d_a, d_b


POW_LOG = Op("powlog", 2, _pow_log, _pow_log_partials,
             ("a^(b - 1)*(b*log(a) + 1)", "out*log(a)"), _pow_log_domain, singular=True,
             array_value=_pow_log_array, array_partials=_pow_log_array_partials,
             js=("a > 0 ? Math.pow(a, b) * Math.log(a) : (a === 0 && b > 0) ? 0 : NaN",
                 "a > 0 ? [Math.pow(a, b - 1) * (b * Math.log(a) + 1), out * Math.log(a)] "
                 ": a === 0 ? [b > 1 ? 0 : NaN, 0] : [NaN, NaN]"))
FUNCTIONS["powlog"] = POW_LOG

#: Every op by its name, as it appears in JSON.
BY_NAME: dict[str, Op] = {op.name: op for op in
                          [INPUT, CONST, IDENTITY, ADD, SUB, MUL, DIV, NEG, POW,
                           *FUNCTIONS.values()]}
