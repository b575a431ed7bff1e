"""The op table: every operation's value and local partial derivatives, together.

Each entry says how to compute the operation and how it changes when each of its
arguments changes. Every pass reads this table: the forward pass (``value``),
the reverse pass and forward mode (``partials``), the explanations and
symbolic derivatives (``derivative``) and error messages (``domain``).
Adding a function is one entry in FUNCTIONS.

``partials(*args, out)`` returns one number per argument; ``nan`` marks a
derivative that does not exist at that point (``sqrt`` at 0, the exponent of a
negative base). ``domain(*args)`` explains, in words, why ``value`` failed.
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


ADD = Op("add", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), ("1", "1"), symbol="+")
SUB = Op("sub", 2, lambda a, b: a - b, lambda a, b, out: (1.0, -1.0), ("1", "-1"), symbol="-")
MUL = Op("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a), ("b", "a"), symbol="*")
DIV = Op("div", 2, lambda a, b: a / b, lambda a, b, out: (1.0 / b, -out / b),
         ("1/b", "-out/b"), _div_domain, symbol="/")
NEG = Op("neg", 1, lambda a: -a, lambda a, out: (-1.0,), ("-1",), symbol="-")
POW = Op("pow", 2, _pow, _pow_partials, ("b*a^(b - 1)", "out*log(a)"), _pow_domain, symbol="^")

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


def _log_domain(a):
    return None if a > 0 else f"x = {exact_number(a)} is not > 0"


def _overflow(a, *rest):
    return "the result is too large for a float"


FUNCTIONS: dict[str, Op] = {
    "exp": Op("exp", 1, math.exp, lambda a, out: (out,), ("out",), _overflow),
    "log": Op("log", 1, math.log, lambda a, out: (1.0 / a,), ("1/a",), _log_domain),
    "sqrt": Op("sqrt", 1, math.sqrt, lambda a, out: (0.5 / out if out > 0 else NAN,),
               ("0.5/out",), lambda a: None if a >= 0 else f"x = {exact_number(a)} is not >= 0"),
    "sin": Op("sin", 1, math.sin, lambda a, out: (math.cos(a),), ("cos(a)",)),
    "cos": Op("cos", 1, math.cos, lambda a, out: (-math.sin(a),), ("-sin(a)",)),
    "tan": Op("tan", 1, math.tan, lambda a, out: (1.0 + out * out,), ("1 + out^2",)),
    "tanh": Op("tanh", 1, math.tanh, _tanh_partial, ("sech(a)^2",)),
    "sech": Op("sech", 1, _sech, lambda a, out: (-out * math.tanh(a),), ("-out*tanh(a)",)),
    "sigmoid": Op("sigmoid", 1, _sigmoid, _sigmoid_partial, ("out*sigmoid(-a)",)),
    # relu'(0) = 0 and abs'(0) = 0, the SPEC's conventions at the kink.
    "relu": Op("relu", 1, lambda a: a if a > 0 else 0.0,
               lambda a, out: (1.0 if a > 0 else 0.0,), ("step(a)",)),
    "abs": Op("abs", 1, abs, lambda a, out: (1.0 if a > 0 else -1.0 if a < 0 else 0.0,),
              ("sign(a)",)),
    # At a tie the first argument takes the whole derivative.
    "max": Op("max", 2, lambda a, b: a if a >= b else b,
              lambda a, b, out: (1.0, 0.0) if a >= b else (0.0, 1.0),
              ("1 - step(b - a)", "step(b - a)")),
    "min": Op("min", 2, lambda a, b: a if a <= b else b,
              lambda a, b, out: (1.0, 0.0) if a <= b else (0.0, 1.0),
              ("1 - step(a - b)", "step(a - b)")),
    "pow": POW,
    # Jumps, so that the kinks' derivatives above are formulas: step(0) = 0 and
    # sign(0) = 0; their own derivative is 0 (taken as 0 at the jump, too).
    "step": Op("step", 1, lambda a: 1.0 if a > 0 else 0.0, lambda a, out: (0.0,), ("0",)),
    "sign": Op("sign", 1, lambda a: 1.0 if a > 0 else -1.0 if a < 0 else 0.0,
               lambda a, out: (0.0,), ("0",)),
}
FUNCTIONS["ln"] = FUNCTIONS["log"]

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# ---------------------------------------------------------------- graph leaves

#: An input: a name whose value comes from the program's default or --set.
INPUT = Op("input", 0)
#: A number literal or a named constant.
CONST = Op("const", 0)
#: ``a = b``: a statement whose whole expression is another name.
IDENTITY = Op("id", 1, lambda a: a, lambda a, out: (1.0,), ("1",))

BINARY_OPERATORS = {"+": ADD, "-": SUB, "*": MUL, "/": DIV}

#: Every op by its name, as it appears in JSON.
BY_NAME: dict[str, Op] = {op.name: op for op in
                          [INPUT, CONST, IDENTITY, ADD, SUB, MUL, DIV, NEG, POW,
                           *FUNCTIONS.values()]}
