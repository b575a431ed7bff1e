"""Numbers: domain errors, overflow, non-finite values in the forward and the
reverse pass. Each names the node, why, and the values of its arguments."""

import re

import pytest

from cases import clean_error


@pytest.mark.parametrize("source, words", [
    ("J = log(0)", "log(0): 0 is not > 0"),
    ("J = log(-1)", "log(-1): -1 is not > 0"),
    ("J = ln(x - y)", "ln(x - y): x - y = -1 is not > 0"),
    ("J = sqrt(-4)", "sqrt(-4): -4 is not >= 0"),
    ("J = sqrt(x - 3)", "sqrt(x - 3): x - 3 = -1 is not >= 0"),
    ("J = 1/0", "1/0: division by zero (1/0)"),
    ("J = x/(y - 3)", "x/(y - 3): division by zero (2/0)"),
    ("J = 0^-1", "0^-1: division by zero: 0^-1"),
    ("J = (-8)^(1/3)", "(-8)^(1/3): a negative base (-8) needs an integer exponent, "
                       "not 0.3333333333333333"),
    ("J = exp(1000)", "exp(1000): the result is too large for a float"),
    ("J = exp(x*500)", "exp(x*500): the result is too large for a float (x*500 = 1000)"),
    ("J = pow(10, 400)", "pow(10, 400): the result is too large for a float"),
    ("J = 1e200*x*1e200", "1e200*x*1e200: the result is too large for a float (1e200*x = 2e+200)"),
    ("J = x*1e308 - x*1e308", "x*1e308: the result is too large for a float (x = 2)"),
    ("J = sin(x*1e308)", "x*1e308: the result is too large for a float (x = 2)"),
])
def test_forward_pass(run, source, words):
    values = [f"{name}={value}" for name, value in (("x", 2), ("y", 3))
              if re.search(rf"\b{name}\b", source)]
    stderr = clean_error(run("eval", source, *(["--set", ",".join(values)] if values else [])))
    assert stderr.splitlines()[0] == f"error: {words}"
    assert stderr.splitlines()[-1].strip() == "^"


def test_the_caret_points_at_the_failing_node(run):
    stderr = clean_error(run("eval", "J = 1 + log(x - 3)", "--set", "x=2"))
    assert stderr.endswith("  J = 1 + log(x - 3)\n          ^\n")


def test_the_same_errors_from_grad(run):
    stderr = clean_error(run("grad", "J = log(x)", "--set", "x=0"))
    assert stderr.startswith("error: log(x): x = 0 is not > 0")


@pytest.mark.parametrize("source, value, words", [
    ("J = 1/x", "1e-200", "1/x: the derivative of the output with respect to x is too large "
                          "for a float (x = 1e-200)"),
    ("J = log(x)", "1e-310", "log(x): the derivative of the output with respect to x is too "
                             "large for a float (x = 1e-310)"),
    ("J = 1e300*sin(1e300*x)", "1", "1e300*x: the derivative of the output with respect "
                                    "to x is too large for a float (x = 1)"),
])
def test_reverse_pass_overflow_names_the_node(run, source, value, words):
    stderr = clean_error(run("grad", source, "--set", f"x={value}"))
    assert stderr.splitlines()[0] == f"error: {words}"


def test_a_derivative_that_does_not_exist(run):
    stderr = clean_error(run("grad", "J = sqrt(x)", "--set", "x=0"))
    assert "the derivative with respect to x does not exist" in stderr
    assert "sqrt(x) has no derivative with respect to its argument at (0.0)" in stderr


@pytest.mark.parametrize("setting", ["x=nan", "x=inf", "x=-inf", "x=NaN", "x=Infinity"])
def test_set_of_a_non_finite_value(run, setting):
    stderr = clean_error(run("eval", "J = 2*x", "--set", setting))
    assert "the value must be a finite number" in stderr


def test_set_of_a_value_too_large_for_a_float(run):
    stderr = clean_error(run("eval", "J = 2*x", "--set", "x=1e999"))
    assert stderr == "error: --set x=1e999: the value is too large for a float\n"


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "9" * 400, "1" * 1_000_000])
def test_a_literal_too_large_for_a_float(run, literal):
    stderr = clean_error(run("eval", f"x = {literal}\nJ = 2*x"))
    assert "is too large for a float" in stderr
    assert len(stderr) < 400


@pytest.mark.parametrize("literal, value", [("1e-400", "0.0"), ("0." + "0" * 400 + "1", "0.0"),
                                            ("0." + "3" * 100_000, "0.3333333333333333")])
def test_tiny_and_long_literals_round_to_a_float(run, literal, value):
    result = run("eval", f"J = {literal}", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == value + "\n"


@pytest.mark.parametrize("source", ["J = tan(pi/2)", "J = 0^0", "J = exp(-1000)",
                                    "J = (x - 5)^2", "J = 1e308 + 1e307", "J = sigmoid(-1000)"])
def test_edge_values_that_are_fine(run, source):
    options = ["--set", "x=2"] if re.search(r"\bx\b", source) else []
    assert run("eval", source, *options, "--format", "plain").exit_code == 0


def test_forward_mode_overflow_names_the_node_too(run):
    stderr = clean_error(run("grad", "J = 1/x", "--set", "x=1e-200", "--mode", "forward"))
    assert stderr.startswith("error: 1/x: the derivative of the output with respect to x is too "
                             "large for a float (x = 1e-200)")
