"""Precision warnings beyond cancelling sums (issue 13 item 2): functions that
magnify the rounding of their argument (tan near a pole, a power with a large
exponent), subnormal results, and derivatives that lose their digits where no
value does (cos near a zero as sin's derivative, contributions that cancel).
The truth is the program at 50 digits with its inputs as written."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("mpmath")

from cgdiff import api, precision  # noqa: E402


def warning_of(result) -> str:
    return " ".join(result.stderr.split())


def test_tan_near_a_pole_is_reported_as_ill_conditioned(run):
    result = run("grad", "J = tan(x)", "--set", "x=1.5707963267948966", "--format", "json")
    assert result.exit_code == 0
    text = warning_of(result)
    assert "tan(x): tan near a pole: ill-conditioned, it magnifies the rounding of x = " \
           "1.5707963267948966 (as written, not a float64 number)" in text
    assert "about 16 of 16 digits lost" in text
    data = json.loads(result.stdout)
    assert data["warnings"][0]["message"].startswith("tan(x): tan near a pole")


def test_a_computed_argument_near_the_pole(run):
    result = run("eval", "J = tan(x + 1)", "--set", "x=0.5707963267948966")
    assert "tan(x + 1): tan near a pole: ill-conditioned, it magnifies the rounding of " \
           "x + 1" in warning_of(result)


def test_a_power_with_a_large_exponent(run):
    result = run("eval", "J = x^1e9", "--set", "x=1.0000001", "--format", "plain")
    text = warning_of(result)
    assert "x^1e9: a power with a large exponent: ill-conditioned" in text
    assert "about 1e+09 times" in text


def test_a_derivative_that_is_ill_conditioned_where_the_value_is_not(run):
    result = run("grad", "J = sin(x + 1)", "--set", "x=0.5707963267948966", "--format", "plain")
    text = warning_of(result)
    assert "the derivative of sin(x + 1) with respect to x + 1" in text
    assert "ill-conditioned (cos near a zero)" in text


def test_derivatives_that_cancel_and_the_softmax_hint_beside_the_warning(run):
    result = run("grad", "J = exp(a)/(exp(a) + exp(b))", "--set", "a=40,b=1",
                 "--format", "json")
    assert result.exit_code == 0
    text = warning_of(result)
    assert "∂J/∂a: cancellation, the derivatives through its 2 uses add up to 0.0" in text
    assert "hint: line 1, column 5: use exp(a - logsumexp(a, b)) for " \
           "exp(a)/(exp(a) + exp(b))" in text
    data = json.loads(result.stdout)
    assert data["hints"][0]["hint"].startswith("use exp(a - logsumexp(a, b))")


def test_a_subnormal_result(run):
    result = run("eval", "J = exp(a)/(exp(a) + exp(b))", "--set", "a=-744,b=-745")
    text = warning_of(result)
    assert "exp(a): underflow, 1e-323 is subnormal" in text
    assert "use exp(a - logsumexp(a, b))" in text


def test_strict_exits_3_on_an_ill_conditioned_function(run):
    result = run("grad", "J = tan(x)", "--set", "x=1.5707963267948966", "--strict")
    assert result.exit_code == 3


@pytest.mark.parametrize("program, settings", [
    ("J = tan(x)", "x=1"),
    ("J = tan(x)", "x=1.5"),              # 1.5 is a float64 number: nothing rounded
    ("J = x^1000", "x=1.0000001"),        # 3 digits lost: fewer than half
    ("J = sin(x + 1)", "x=0.1"),
    ("J = exp(a)/(exp(a) + exp(b))", "a=1,b=2"),
    ("J = 0.5*(w*x + b - y)^2", "w=0.1,x=0.2,b=0.3,y=0.7"),
])
def test_no_warning_where_no_digits_are_lost(run, program, settings):
    result = run("grad", program, "--set", settings)
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_the_screen_keeps_mpmath_out_of_well_conditioned_programs():
    code = ("import sys; from cgdiff.cli import main; sys.argv = ['cgdiff', 'grad', "
            "'J = tan(x)*sin(y) + x^3/y', '--set', 'x=0.3,y=1.7'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('mpmath' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_the_bound_sees_the_ill_conditioned_cases():
    for program, settings in [("J = tan(x)", {"x": 1.5707963267948966}),
                              ("J = sin(x + 1)", {"x": 0.5707963267948966})]:
        result = api.differentiate(program, settings)
        wrt = list(result.graph.targets(None).values())
        assert precision.error_bound(result.graph, result.values, result.inputs,
                                     result.adjoints, wrt) > precision.SCREEN


def test_inputs_as_written():
    assert precision._rounded(0.5) == 0.0 and precision._rounded(800.0) == 0.0
    assert precision._rounded(0.1) > 0.0 and precision._rounded(1.5707963267948966) > 0.0
    assert precision._rounded(1e23) > 0.0   # 1e23 is not a float64 number


def test_pi_is_pi(run):
    """pi is π at 50 digits, not the float64 number 3.141592653589793: sin(pi)
    is 0, where float64 says 1.2e-16."""
    result = run("eval", "J = sin(pi*x)", "--set", "x=1", "--format", "plain")
    assert result.stdout == "1.2246467991473532e-16\n"
    assert "sin(pi*x): sin near a zero: ill-conditioned" in warning_of(result)
    assert "warning" not in run("eval", "J = sin(pi*x)", "--set", "x=0.5").stderr
