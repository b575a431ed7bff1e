"""Tables and helpers the test modules share (instead of importing each other):
the lecture's seed program, the language's structure/program/error tables,
running the installed console script, and what a clean error looks like."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cgdiff.errors import CycleError, NamingError, ParseError

# ---------------------------------------------------------------- the seed example

SEED_ONE_LINE = "J = 0.5*(w*x + b - y)^2"
SEED_STATEMENTS = "c = w*x\na = c + b\nd = a - y\nJ = 1/2*d^2\n"
SEED_VALUES = {"w": 2.0, "x": -2.0, "b": 8.0, "y": 2.0}
SEED_SET = "w=2,x=-2,b=8,y=2"


# ---------------------------------------------------------------- the language (test_grammar)

STRUCTURE = [
    # precedence and associativity
    ("1 + 2*3", "(add 1 (mul 2 3))"),
    ("1 - 2 - 3", "(sub (sub 1 2) 3)"),
    ("8 / 4 / 2", "(div (div 8 4) 2)"),
    ("a*b + c/d", "(add (mul a b) (div c d))"),
    ("-x^2", "(neg (pow x 2))"),
    ("2^3^2", "(pow 2 (pow 3 2))"),
    ("2**3**2", "(pow 2 (pow 3 2))"),
    ("2^-1", "(pow 2 (neg 1))"),
    ("-2^2", "(neg (pow 2 2))"),
    ("(-2)^2", "(pow (neg 2) 2)"),
    ("+x", "(id x)"),
    ("- -x", "(neg (neg x))"),
    ("a*-b", "(mul a (neg b))"),
    ("(a + b)*c", "(mul (add a b) c)"),
    ("((((x))))", "(id x)"),
    # functions and constants
    ("exp(x) + ln(x) + log(x)", "(add (add (exp x) (log x)) (log x))"),
    ("max(a, b) - min(a, b)", "(sub (max a b) (min a b))"),
    ("pow(x, 3)", "(pow x 3)"),
    ("sigmoid(relu(abs(tanh(x))))", "(sigmoid (relu (abs (tanh x))))"),
    ("sqrt(sin(x)^2 + cos(x)^2)", "(sqrt (add (pow (sin x) 2) (pow (cos x) 2)))"),
    ("tan(pi*e)", "(tan (mul pi e))"),
    # numbers
    ("2.5 + .5 + 1e-3 + 1.5E+2 + 3.", "(add (add (add (add 2.5 .5) 1e-3) 1.5E+2) 3.)"),
    # names: Unicode, underscores, case
    ("θ*α_1 + _x", "(add (mul θ α_1) _x)"),
    ("X + x", "(add X x)"),
]


PROGRAMS = [
    # statements: separators, comments, blank lines, CRLF, tabs, order
    ("a = 1; b = a + 1", "(add a 1)"),
    ("a = 1\n\n\nb = a + 1\n", "(add a 1)"),
    ("a = 1;;b = a + 1;", "(add a 1)"),
    ("a = 1\r\nb = a + 1\r\n", "(add a 1)"),
    ("a = 1\n\tb\t=\ta + 1", "(add a 1)"),
    ("# comment\na = 1 # trailing\nb = a + 1 # done", "(add a 1)"),
    ("b = a + 1\na = 1", "(add a 1)"),
]


ERRORS = [
    # source, error class, column of the caret (1-based), words in the message
    ("J = 0.5*(w*x + $b)", ParseError, 16, "expected a number, a name or '('"),
    ("J = (x", ParseError, 7, "expected an operator or ')'"),
    ("J = x)", ParseError, 6, "')'"),
    ("2**", ParseError, 4, "a number, a name or '('"),
    ("x =", ParseError, 4, "a number"),
    ("= 3", ParseError, 1, "'='"),
    ("3 = x", ParseError, 3, "'='"),
    ("x + * y", ParseError, 5, "a number, a name or '('"),
    ("1.2.3", ParseError, 1, "malformed number '1.2.3'"),
    ("1e", ParseError, 1, "malformed number '1e'"),
    ("f()", NamingError, 1, "unknown function 'f'"),
    ("sqr(x)", NamingError, 1, "did you mean 'sqrt'?"),
    ("pow(1)", ParseError, 1, "pow() takes 2 arguments, got 1"),
    ("exp(1, 2)", ParseError, 1, "exp() takes 1 argument, got 2"),
    ("y = exp + 1", NamingError, 5, "'exp' is a function"),
    ("pi = 3", NamingError, 1, "cannot assign to 'pi'"),
    ("exp = 3", NamingError, 1, "cannot assign to 'exp'"),
    ("a = 1\na = 2", NamingError, 1, "'a' is defined twice (first at line 1, column 1)"),
    ("a = b + 1; b = a*2", CycleError, 1, "a → b → a"),
    ("a = a + 1", CycleError, 1, "'a' is defined in terms of itself"),
    ("", ParseError, None, "no statement"),
    ("# only a comment\n;;\n", ParseError, None, "no statement"),
    ("1e999", ParseError, 1, "too large for a float"),
]


# ---------------------------------------------------------------- helpers

def shape(graph, node=None) -> str:
    """The expression under ``node`` (default: the output) as an S-expression,
    ``(mul w x)``; names and numbers as leaves. Built with an explicit stack."""
    node = graph.output if node is None else node
    done: dict[int, str] = {}
    stack = [node]
    while stack:
        i = stack[-1]
        pending = [a for a in graph.args(i) if a not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        op = graph.op[i].name
        if op in ("input", "const"):
            done[i] = graph.label(i).strip("()")
        else:
            done[i] = "(" + " ".join([op, *(done[a] for a in graph.args(i))]) + ")"
    return done[node]


def clean_error(result, status: int = 1) -> str:
    """Assert that a CliRunner result is one clean error paragraph on stderr with
    ``status`` (no traceback, nothing on stdout); return the paragraph."""
    assert result.exit_code == status, (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    first = "error: " if status == 1 else ""
    assert result.stderr.startswith(first) and ("error: " in result.stderr.lower())
    return result.stderr


def cgdiff_command() -> list[str]:
    script = Path(sys.executable).with_name("cgdiff")
    if script.exists():
        return [str(script)]
    found = shutil.which("cgdiff")
    if found is None:
        pytest.skip("the cgdiff console script is not installed")
    return [found]


def cgdiff(*args, input=None):
    return subprocess.run(cgdiff_command() + list(args), input=input, capture_output=True,
                          text=True, timeout=60)


# ---------------------------------------------------------------- every op (test_ops, ...)

#: Points where each op of the op table is defined and smooth, by its name: a
#: new op needs points here (test_ops says so).
OP_POINTS = {
    "add": [(1.5, -2.0)], "sub": [(1.5, -2.0)], "mul": [(1.5, -2.0)],
    "div": [(1.5, -2.0), (-3.0, 0.5)], "neg": [(1.5,)],
    "pow": [(1.5, 2.5), (-2.0, 3.0), (0.7, -1.5)],
    "exp": [(0.3,), (-2.0,)], "log": [(0.3,), (4.0,)], "sqrt": [(0.3,), (9.0,)],
    "sin": [(0.3,), (2.0,)], "cos": [(0.3,), (2.0,)], "tan": [(0.3,), (-1.0,)],
    "tanh": [(0.3,), (-1.5,)], "sech": [(0.3,), (-1.5,)], "sigmoid": [(0.3,), (-4.0,), (30.0,)],
    "relu": [(0.3,), (-1.5,)], "abs": [(0.3,), (-1.5,)],
    "max": [(1.0, 2.0), (3.0, -1.0)], "min": [(1.0, 2.0), (3.0, -1.0)], "id": [(0.7,)],
    "step": [(0.3,), (-1.5,)], "sign": [(0.3,), (-1.5,)],
    "asin": [(0.3,), (-0.8,)], "acos": [(0.3,), (-0.8,)], "atan": [(0.3,), (-4.0,)],
    "atan2": [(0.3, -2.0), (-1.5, 0.7)], "sinh": [(0.3,), (-2.0,)], "cosh": [(0.3,), (-2.0,)],
    "asinh": [(0.3,), (-4.0,)], "acosh": [(1.5,), (40.0,)], "atanh": [(0.3,), (-0.8,)],
    "log2": [(0.3,), (8.0,)], "log10": [(0.3,), (100.0,)], "log1p": [(0.3,), (-0.5,)],
    "expm1": [(0.3,), (-2.0,)], "hypot": [(0.3, -2.0), (3.0, 4.0)],
    "powlog": [(1.5, 2.5), (0.7, -1.5)], "gt": [(1.5, -2.0), (-2.0, 1.5)],
    "softplus": [(0.3,), (-4.0,)], "logsigmoid": [(0.3,), (-4.0,)], "erf": [(0.3,), (-1.5,)],
}
