"""Forward mode (one tangent sweep per input) gives the same numbers as reverse
mode (one adjoint sweep), on the seed and on random programs."""

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cgdiff import api
from cgdiff.errors import DomainError

from cases import SEED_SET, SEED_STATEMENTS
from strategies import declared_programs

INPUTS = ["a", "b", "c"]
# Everything the op table has, including the kinks (relu, abs, max, min: both
# modes read the same convention) and pow with integer exponents.
UNARY = ["sin({})", "cos({})", "tanh({})", "sigmoid({})", "exp(tanh({}))", "relu({})",
         "abs({})", "-{}", "({})^2", "({})^3", "log(1 + ({})^2)", "sqrt(2 + sin({}))",
         "tan(tanh({}))"]
BINARY = ["{} + {}", "{} - {}", "{}*{}", "({})/(1 + ({})^2)", "max({}, {})", "min({}, {})",
          "pow(1 + ({})^2, {})"]


def programs():
    return declared_programs(INPUTS, UNARY, BINARY, st.floats(-2, 2, allow_nan=False),
                             statements=(1, 5), constants=("2", "0.5", "pi", "e"), max_leaves=10)


def close(x, y):
    return x == y or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_forward_mode_equals_reverse_mode(program):
    try:
        reverse = api.differentiate(program, mode="reverse")
    except DomainError:
        assume(False)
    forward = api.differentiate(program, mode="forward")
    assert list(forward.gradient) == list(reverse.gradient)
    for name in reverse.gradient:
        assert close(forward.gradient[name], reverse.gradient[name]), (name, program)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_forward_mode_seeded_at_a_statement_equals_its_adjoint(program):
    """∂J/∂s for an inner statement s: forward mode seeds s itself."""
    statements = [line.split(" =")[0] for line in program.splitlines()[len(INPUTS):]]
    try:
        reverse = api.differentiate(program, wrt=statements)
    except DomainError:
        assume(False)
    forward = api.differentiate(program, wrt=statements, mode="forward")
    for name in statements:
        assert close(forward.gradient[name], reverse.gradient[name]), (name, program)


def test_the_seed_in_forward_mode(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--mode", "forward",
                 "--format", "plain")
    assert result.stdout == "w\t-4.0\nx\t4.0\nb\t2.0\ny\t-2.0\n"


def test_forward_mode_on_a_long_chain_needs_no_recursion():
    depth = 2000
    source = "J = " + "sin(" * depth + "x" + ")" * depth
    forward = api.differentiate(source, {"x": 0.3}, mode="forward").gradient["x"]
    reverse = api.differentiate(source, {"x": 0.3}).gradient["x"]
    assert forward == pytest.approx(reverse, rel=1e-12)
