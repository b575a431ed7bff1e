"""Size: deep nesting, huge programs, long lines, names and literals. Each
either works or ends in a short, clean error, in seconds, without recursion.

The giant inputs are marked slow (run them with `pytest -m slow`); the README's
"Errors and limits" gives the times and memory measured with /usr/bin/time."""

import sys

import pytest

from cgdiff import api
from cases import clean_error

DEEP = 100_000


@pytest.fixture
def shallow_stack():
    """A recursion limit far below the depth of the inputs: anything that
    recursed over the parse or the graph would fail."""
    api.differentiate("x = 1; J = sin((x + 1)*2)")  # imports and caches first
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    yield
    sys.setrecursionlimit(old)


@pytest.mark.parametrize("template", ["({})", "-{}", "sin({})", "x^{}", "+{}", "1*({})"])
def test_no_recursion_over_a_deep_expression(shallow_stack, template):
    depth = 20_000
    head, tail = template.split("{}")
    source = "x = 0.5\nJ = " + head * depth + "x" + tail * depth
    reverse = api.differentiate(source)
    forward = api.differentiate(source, mode="forward")
    assert reverse.gradient == pytest.approx(forward.gradient)


def test_no_recursion_through_the_commands(shallow_stack, run):
    source = "x = 0.5\nJ = " + "tanh(" * 20_000 + "x" + ")" * 20_000
    for command in (["grad", "--format", "json"], ["eval"], ["check"], ["graph"],
                    ["graph", "--format", "dot"]):
        result = run(*command, input=source)
        assert result.exit_code == 0, (command, result.stderr)


def test_a_million_character_name(run):
    name = "n" * 1_000_000
    result = run("eval", "-f", "-", "--format", "plain", input=f"{name} = 2\nJ = {name}*3\n")
    assert result.exit_code == 0 and result.stdout == "6.0\n"


def test_a_million_character_name_in_an_error(run):
    name = "n" * 1_000_000
    stderr = clean_error(run("eval", "-f", "-", input=f"J = {name}(2)\n"))
    assert len(stderr) < 400 and "unknown function 'nnnn" in stderr


def test_a_million_digit_literal(run):
    stderr = clean_error(run("eval", "-f", "-", input="J = " + "7" * 1_000_000))
    assert len(stderr) < 400 and "too large for a float" in stderr


@pytest.mark.slow
def test_deep_parentheses_work(run):
    source = "x = 3\nJ = " + "(" * DEEP + "x*x" + ")" * DEEP + "\n"
    result = run("grad", "-f", "-", "--format", "plain", input=source)
    assert result.exit_code == 0 and result.stdout == "x\t6.0\n"


@pytest.mark.slow
def test_deep_unclosed_parentheses_are_a_short_error(run):
    stderr = clean_error(run("eval", "-f", "-", input="x = 1\nJ = " + "(" * DEEP + "x\n"))
    assert f"line 2, column {DEEP + 6}: unexpected end of the line" in stderr
    assert f"{DEEP} '(' are not closed; the last is at column {DEEP + 4}" in stderr
    assert len(stderr) < 500


@pytest.mark.slow
def test_deep_unopened_parentheses_are_a_short_error(run):
    stderr = clean_error(run("eval", "-f", "-", input="x = 1\nJ = x" + ")" * DEEP))
    assert "unexpected ')'" in stderr and "there is no '(' for it to close" in stderr
    assert len(stderr) < 500


@pytest.mark.slow
def test_a_million_nodes_on_one_million_character_line(run):
    source = "J = " + "+".join(["1"] * 500_000)
    assert len(source) > 1_000_000
    result = run("eval", "-f", "-", "--format", "plain", input=source)  # 999,999 nodes
    assert result.exit_code == 0 and result.stdout == "500000.0\n"


@pytest.mark.slow
def test_a_million_character_line_with_an_error_at_the_end(run):
    source = "x = 1; J = " + "+".join(["x"] * 500_000) + " $ 1\n"
    stderr = clean_error(run("eval", "-f", "-", input=source))
    first, shown, caret = stderr.splitlines()
    assert "unexpected character '$'" in first
    assert len(shown) < 130 and shown[caret.index("^")] == "$"


@pytest.mark.slow
def test_a_five_megabyte_sum_on_stdin(run):
    term = "abcdefghij"
    count = 5 * 2**20 // (len(term) + 3)
    source = f"{term} = 1\nJ = " + " + ".join([term] * count) + "\n"
    assert len(source) > 5 * 10**6
    result = run("grad", "--format", "plain", input=source)
    assert result.exit_code == 0 and result.stdout == f"{term}\t{float(count)}\n"


@pytest.mark.slow
def test_many_statements(run):
    n = 100_000
    source = "x0 = 1\n" + "\n".join(f"x{i} = x{i - 1} + 1" for i in range(1, n)) + "\n"
    result = run("grad", "--wrt", "x0", "--format", "plain", input=source)
    assert result.exit_code == 0 and result.stdout == "x0\t1.0\n"


@pytest.mark.slow
def test_many_statements_in_reverse_order(run):
    n = 100_000
    lines = ["x0 = 1"] + [f"x{i} = x{i - 1} * 1" for i in range(1, n)]
    source = "\n".join(reversed(lines[1:])) + "\n" + lines[0] + "\n"
    result = run("eval", "--of", f"x{n - 1}", "--format", "plain", input=source)
    assert result.exit_code == 0 and result.stdout == "1.0\n"


@pytest.mark.slow
def test_a_long_cycle(run):
    n = 100_000
    source = "\n".join(f"a{i} = a{(i + 1) % n} + 1" for i in range(n))
    stderr = clean_error(run("eval", input=source))
    assert stderr.startswith("error: a cycle: a0 → a1 → a2 → a3 → a4 → a5 → … (99,989 more) → "
                             "a99995 → a99996 → a99997 → a99998 → a99999 → a0\n")
