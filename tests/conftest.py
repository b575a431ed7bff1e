import pytest
from click.testing import CliRunner

from cgdiff.cli import cli

SEED_ONE_LINE = "J = 0.5*(w*x + b - y)^2"
SEED_STATEMENTS = "c = w*x\na = c + b\nd = a - y\nJ = 1/2*d^2\n"
SEED_VALUES = {"w": 2.0, "x": -2.0, "b": 8.0, "y": 2.0}
SEED_SET = "w=2,x=-2,b=8,y=2"


@pytest.fixture
def run():
    """Run the CLI through Click's CliRunner: run('grad', PROGRAM, '--format', 'json')."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


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


# A Hypothesis profile for fuzzing by hand, far longer than CI's few seconds
# (tests/test_fuzz.py): pytest tests/test_fuzz.py --hypothesis-profile=fuzz
from hypothesis import HealthCheck, settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# No timed unit tests: Hypothesis's 200 ms deadline fails a test whose first
# example builds the parser's table on a fresh cache, or runs on a loaded
# machine (the everyday profile; --hypothesis-profile=fuzz still overrides).
_hypothesis_settings.register_profile("untimed", deadline=None)
_hypothesis_settings.load_profile("untimed")
