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


@pytest.mark.parametrize("program, data, params", [
    ("linear.cg", "linear.csv", {"w": 2.0, "b": 1.0}),
    ("logistic.cg", "logistic.csv", {"w": 1.0, "b": 0.5}),
    ("seed-steps.cg", "points.csv", {"w": 2.0, "b": 8.0}),
    ("logistic.cg", "logistic.csv", {"w": -3.7, "b": 0.1}),
])
def test_no_warning_on_the_examples_at_their_data_rows(program, data, params):
    """The examples that need values, at every row of their data: the screen
    (sums and the error bound) and the 50-digit check find nothing."""
    import csv

    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "examples"
    source = (examples / program).read_text()
    with open(examples / data, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        settings = {**params, **{k: float(v) for k, v in row.items()}}
        result = api.differentiate(source, settings)
        warnings, note = precision.check(result.graph, result.inputs, result.values,
                                         result.gradient, result.adjoints)
        assert warnings == [], (row, warnings[0].text)


def test_an_exact_cancellation_does_not_start_the_check():
    """1 - y at y = 1 is exactly 0: the logistic example at a row with y = 1
    runs without mpmath (the sums' test alone would have started it)."""
    code = ("import sys; from cgdiff.cli import main; sys.argv = ['cgdiff', 'grad', "
            "'-f', 'examples/logistic.cg', '--set', 'w=1,b=0.5,x=0.23,y=1'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('mpmath' in sys.modules, file=sys.stderr)")
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_a_derivative_below_float64s_range_is_no_loss(run):
    """erf'(40) is about 1e-696: float64's 0.0 is that, correctly rounded."""
    result = run("grad", "J = erf(z)", "--set", "z=40", "--format", "plain")
    assert result.stdout == "z\t0.0\n" and "warning" not in result.stderr


def test_the_rounding_of_an_input_at_a_zero_of_the_derivative(run):
    """cos'(y) = -sin(y) at y = 3.141592653589793 as written: float64 says
    -1.2e-16, the written decimal gives -2.4e-16."""
    result = run("grad", "J = cos(y)", "--set", "y=3.141592653589793", "--format", "plain")
    assert "the derivative of cos(y) with respect to y" in warning_of(result)
    assert "ill-conditioned (sin near a zero)" in warning_of(result)


def test_above_the_bound_limit_only_sums_start_the_check(monkeypatch):
    monkeypatch.setattr(precision, "BOUND_LIMIT", 3)
    sums = api.differentiate("J = (1-cos(x))/x^2", {"x": 1e-8})
    warnings, _ = precision.check(sums.graph, sums.inputs, sums.values, sums.gradient)
    assert warnings and "cancellation" in warnings[0].text
    pole = api.differentiate("J = tan(x) + 0*y", {"x": 1.5707963267948966, "y": 1})
    assert precision.check(pole.graph, pole.inputs, pole.values, pole.gradient) == ([], None)


@pytest.mark.parametrize("program, x, digits", [
    ("J = softplus(x)", "-290", "1.1339665610377455188e-126"),
    ("J = logsigmoid(x)", "290", "-1.1339665610377455188e-126"),
])
def test_the_50_digit_softplus_keeps_its_tail(run, program, x, digits):
    """log(1 + exp(-290)) is 1 + 1e-126 at 50 digits, whose log is 0: the
    high-precision forms are log1p, so neither a false warning nor a wrong
    --digits column."""
    plain = run("eval", program, "--set", f"x={x}", "--format", "plain")
    assert "warning" not in plain.stderr
    assert run("eval", program, "--set", f"x={x}", "--digits", "20",
               "--format", "plain").stdout.strip() == digits
