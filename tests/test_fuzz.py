"""Fuzzing: random text and random mutations of valid programs, through the
command line. Every run must end in success or one clean error paragraph
with status 1 or 2: never an uncaught exception, never a traceback.

CI runs a fixed, small number of examples (a few seconds). To fuzz for longer:

    pytest tests/test_fuzz.py --hypothesis-profile=fuzz     # 20,000 examples a test
    CGDIFF_FUZZ=long pytest tests/test_fuzz.py              # the same
"""

import os
import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cgdiff.cli import cli
from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS

LONG = os.environ.get("CGDIFF_FUZZ") == "long" or settings.default.max_examples >= 1000
FUZZ = settings(max_examples=20_000 if LONG else 150, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

VALID = [
    SEED_ONE_LINE,
    SEED_STATEMENTS,
    "x = -2; y = 2\nw = 2;  b = 8\nJ = 0.5*(w*x + b - y)^2\n",
    "θ = 1.5\nJ = sin(θ)*θ + max(θ, 2)^2 - e  # a comment\n",
    "a = sqrt(x) + log(y); b = a**2 / (1 + exp(-a)); J = tanh(b) - relu(-x) + abs(y)",
    "J = pow(x, 2) + min(x, y) + sigmoid(x*y) - cos(pi*x)/tan(1 + y^2)",
    "c = w*x\r\na = c + b\r\n\r\nd = a - y;;\nJ = 1/2*d^2;\n",
]
SETTINGS = ["--set", SEED_SET]
TOKEN = re.compile(r"\s+|[0-9.]+(?:[eE][+-]?[0-9]+)?|\w+|\*\*|.", re.S)
#: What an insertion draws from: the language's tokens and some trouble.
PIECES = ["(", ")", "+", "-", "*", "/", "^", "**", "=", ",", ";", "\n", "#", " ", "x", "w",
          "J", "1", "0", "1e999", "1e", ".", "exp", "log", "max", "pi", "e", "@", "\x00",
          "\r", "\t", "é", "θ", "(" * 50, ")" * 50, "1" * 400, "\ufeff"]
COMMANDS = [["eval", "--format", "plain"], ["grad", "--format", "json"],
            ["grad", "--format", "csv", "--mode", "forward"], ["eval"],
            ["check", "--format", "plain"],
            ["explain"], ["graph", "--format", "dot"], ["graph"], ["hessian", "--format", "plain"],
            ["grad", "--symbolic", "--format", "plain"]]


def run_cli(command, text: str, extra=()):
    runner = CliRunner()
    data = text.encode("utf-8", "surrogatepass")
    result = runner.invoke(cli, [*command, *extra], input=data, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        (text, result.exception)
    # 3: check found a difference (a kink, say), which is not an error in the program
    assert result.exit_code in (0, 1, 2) or (result.exit_code == 3 and command[0] == "check"), \
        (text, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code:
        assert "error:" in result.stderr.lower(), (text, result.stderr)
        if result.exit_code == 1:
            assert result.stderr.startswith("error: ")
            assert len(result.stderr) < 2000, result.stderr  # one short paragraph
    return result


@st.composite
def mutated(draw):
    """A valid program with a few insertions, deletions, swaps and duplications,
    of whole tokens or of single characters."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        by_token = draw(st.booleans())
        parts = TOKEN.findall(text) if by_token else list(text)
        if not parts:
            parts = [""]
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(0, len(parts) - 1))
        action = draw(st.sampled_from(["insert", "delete", "swap", "duplicate"]))
        if action == "insert":
            piece = draw(st.sampled_from(PIECES) | st.characters())
            parts.insert(i, piece)
        elif action == "delete":
            del parts[i]
        elif action == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        else:
            parts.insert(i, parts[j])
        text = "".join(parts)
    return text


@FUZZ
@given(text=mutated(), command=st.sampled_from(COMMANDS), with_values=st.booleans())
def test_mutated_programs(text, command, with_values):
    run_cli(command, text, SETTINGS if with_values else ())


@FUZZ
@given(text=st.text(alphabet=st.sampled_from("xwyJ=+-*/^()., ;\n#0123456789e") | st.characters(),
                    max_size=80),
       command=st.sampled_from(COMMANDS[:3]))
def test_random_text(text, command):
    run_cli(command, text)


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes(data):
    result = CliRunner().invoke(cli, ["grad", "--format", "plain"], input=data,
                                catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.stderr


@FUZZ
@given(option=st.sampled_from(["--set", "--wrt", "--of"]),
       value=st.text(alphabet=st.sampled_from("wxJ=,.-+e1 nafi\x00é") | st.characters(),
                     max_size=20))
def test_random_option_values(option, value):
    command = ["grad", "--format", "plain"]
    extra = [option, value] + ([] if option == "--set" else SETTINGS)
    run_cli(command, SEED_STATEMENTS, extra)
