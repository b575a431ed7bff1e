"""explain says what it means (issue 10, item 4): a local derivative that is a
sum is parenthesised before × ε, and the text wraps to the terminal's width,
at most 88 columns."""

import pytest
from click.testing import CliRunner

from cgdiff.cli import cli



def explain(*args, columns=None):
    env = {"COLUMNS": str(columns)} if columns else {}
    result = CliRunner().invoke(cli, ["explain", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("program, shown", [
    ("z = w*x; J = tan(z)", "changes by (1 + tan(z)^2) × ε"),
    ("J = max(w, x)", "changes by (1 - gt(x, w)) × ε"),
    ("J = min(w, x)", "changes by (1 - gt(w, x)) × ε"),
])
def test_a_sum_is_parenthesised_before_times_eps(program, shown):
    text = explain(program, "--set", "w=0.5,x=1", "--wrt", "w", "--width", "200")
    assert shown in text


@pytest.mark.parametrize("program, shown", [
    ("z = w*x; J = sigmoid(z)", "changes by sigmoid(z)*sigmoid(-z) × ε"),
    ("y = 0; z1 = w*x; h = tanh(z1); J = (h - y)^2", "changes by sech(z1)^2 × ε = 0.786447733ε"),
    ("J = w^x", "changes by x*w^(x - 1) × ε"),
    ("J = w*x", "changes by x × ε"),
])
def test_a_product_or_a_name_is_not(program, shown):
    assert shown in explain(program, "--set", "w=0.5,x=1", "--wrt", "w", "--width", "200")


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_text_wraps_to_the_terminal(columns):
    text = explain("-f", "examples/seed-steps.cg", "--set", "w=2,x=-2,b=8,y=2", columns=columns)
    widths = [len(line) for line in text.splitlines()]
    assert max(widths) <= columns
    assert max(widths) > columns - 12  # the room is used


def test_a_wide_terminal_still_gets_at_most_88_columns():
    text = explain("-f", "examples/seed-steps.cg", "--set", "w=2,x=-2,b=8,y=2", columns=200)
    widths = [len(line) for line in text.splitlines()]
    assert 80 < max(widths) <= 88


def test_width_given_explicitly_wins():
    text = explain("-f", "examples/seed-steps.cg", "--set", "w=2,x=-2,b=8,y=2", "--width", "120",
                   columns=50)
    assert max(len(line) for line in text.splitlines()) > 88


@pytest.mark.parametrize("program, settings, said, unsaid", [
    ("J = max(x, y)", "x=2,y=3", "Where gt(a, b) is 1 when a > b, else 0.", "step(u)"),
    ("J = x^y", "x=2,y=3", "Where powlog(a, b) is a^b*log(a)", "gt(a, b)"),
    ("J = relu(x)*step(x)", "x=2", None, "Where"),  # the program says step itself
    ("J = w*x", "w=2,x=3", None, "Where"),
])
def test_helper_functions_in_local_derivatives_are_defined_once(run, program, settings, said,
                                                                unsaid):
    text = run("explain", program, "--set", settings).output
    if said:
        assert text.count(said) == 1
    assert unsaid not in text


def test_a_zero_change_reads_0_not_0_epsilon(run):
    text = run("explain", "J = max(x, y)", "--set", "x=2,y=3").output
    assert "× ε = 0." in text and "0ε" not in text
