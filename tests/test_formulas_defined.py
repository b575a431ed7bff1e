"""Derivative formulas are defined wherever the derivative is (issue 18 item 3,
issue 13 item 6): hessian and --symbolic do not fail where grad's first
derivative is finite."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from cgdiff.api import differentiate
from cgdiff.errors import DomainError
from cgdiff.hessian import hessian


@pytest.mark.parametrize("program, point, expected", [
    ("J = x^0", {"x": 0.0}, [[0.0]]),
    ("J = x*y^0", {"x": 0.0, "y": 0.0}, [[0.0, 0.0], [0.0, 0.0]]),
    ("J = x^1*y", {"x": 0.0, "y": 1.0}, [[0.0, 1.0], [1.0, 0.0]]),
    ("J = max(x, y)", {"x": -1e308, "y": 1e308}, [[0.0, 0.0], [0.0, 0.0]]),
    ("J = min(x, y)*0.5", {"x": 1e308, "y": -1e308}, [[0.0, 0.0], [0.0, 0.0]]),
])
def test_hessian_where_the_first_derivative_is_finite(program, point, expected):
    assert hessian(program, point).matrix == expected


POWERS = ["{u}^0", "{u}^1", "{u}^2", "{u}^3", "y*{u}^0", "{u}^2*y", "sin({u})^2", "{u}^1*{u}^0"]
BASES = ["x", "(x - 1)", "(x*y)", "(y - 2)"]


@st.composite
def sums_of_powers(draw, powers, bases, tail):
    """``J = `` one to three of ``powers`` over ``bases``, plus ``tail`` (which
    makes every input an input)."""
    terms = [draw(st.sampled_from(powers)).format(u=draw(st.sampled_from(bases)))
             for _ in range(draw(st.integers(1, 3)))]
    return "J = " + " + ".join(terms) + " + " + tail


@settings(max_examples=60, deadline=None)
@given(sums_of_powers(POWERS, BASES, "x*y"), st.sampled_from([{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 2.0},
                                    {"x": 0.0, "y": 2.0}, {"x": 1.0, "y": 0.0}]))
def test_hessian_matches_differences_of_grad_where_bases_are_zero(program, point):
    assert_hessian_matches_differences_of_grad(program, point, rel_tol=1e-5, abs_tol=1e-5)


def assert_hessian_matches_differences_of_grad(program, point, rel_tol, abs_tol, steps=None,
                                               one_sided=()):
    """Each row of the Hessian against central differences of grad's gradient
    (forward differences for the names in ``one_sided``: the edge of a domain)."""
    h = hessian(program, point)
    for i, name in enumerate(h.names):
        step = (steps or {}).get(name, 1e-6)
        up, down = dict(point), dict(point)
        up[name] += step
        if name not in one_sided:
            down[name] -= step
        g_up = differentiate(program, up, wrt=h.names).gradient
        g_down = differentiate(program, down, wrt=h.names).gradient
        for j, other in enumerate(h.names):
            numeric = (g_up[other] - g_down[other]) / (up[name] - down[name])
            assert math.isclose(h.matrix[i][j], numeric, rel_tol=rel_tol, abs_tol=abs_tol), \
                (program, point, name, other, h.matrix[i][j], numeric)


# ∂(x^y)/∂y = x^y*log(x) is 0 at x = 0 for y > 0 (grad's number): the op table
# writes it powlog(x, y), not out*log(a), so the formulas do not take log(0).
@pytest.mark.parametrize("program, point, expected", [
    ("J = x^y", {"x": 0.0, "y": 2.0}, [[2.0, 0.0], [0.0, 0.0]]),
    ("J = x^y", {"x": 0.0, "y": 3.0}, [[0.0, 0.0], [0.0, 0.0]]),
    ("J = x^y", {"x": 0.0, "y": 2.5}, [[0.0, 0.0], [0.0, 0.0]]),
    ("J = x^y*z", {"x": 0.0, "y": 2.0, "z": 3.0}, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                                                   [0.0, 0.0, 0.0]]),
])
def test_hessian_of_a_variable_exponent_at_a_zero_base(program, point, expected):
    assert hessian(program, point).matrix == expected


def test_a_second_derivative_that_is_infinite_is_still_an_error():
    # ∂²(x^y)/∂x∂y = x^(y-1)*(y*log(x) + 1) is -inf at x = 0, y = 1; the first
    # derivatives (1 and 0) are finite, and the Hessian says which entry fails.
    with pytest.raises(DomainError, match="∂²/∂x∂y"):
        hessian("J = x^y", {"x": 0.0, "y": 1.0})


def test_grad_symbolic_writes_the_exponent_partial_as_powlog_so_it_reads_back_at_zero(run):
    # x^y*log(x) would take log(0) at x = 0, where grad's ∂J/∂y is 0: the
    # written formula is powlog(x, y), a function of the language.
    formulas = run("grad", "--symbolic", "J = x^y*z").output
    line = next(text for text in formulas.splitlines() if text.startswith("dJ_dy = "))
    assert "powlog(x, y)" in line and "log(x)" not in line
    for point in ("x=0,y=2,z=3", "x=2,y=0.5,z=3"):
        back = run("eval", "-f", "-", "--of", "dJ_dy", "--set", point, "--format", "plain",
                   input=formulas)
        assert back.exit_code == 0, back.output
        settings = dict(kv.split("=") for kv in point.split(","))
        expected = differentiate("J = x^y*z", {k: float(v) for k, v in settings.items()})
        assert float(back.output.split()[-1]) == expected.gradient["y"]


def test_powlog_of_a_positive_constant_base_is_written_with_the_number(run):
    out = run("grad", "--symbolic", "J = 2^x + e^x").output
    assert "dJ_dx = e^x + 0.6931471805599453*2^x" in out


VARIABLE_POWERS = ["{u}^y", "{u}^(y + 1)", "z*{u}^y", "{u}^(2*y)", "{u}^y*{u}^y"]
ZERO_BASES = ["x", "(x*z)", "sin(x)", "(x + x)"]


# Non-integer exponents above 3 only: at y = 2.5 the second derivative is only
# Hölder-continuous at 0 (it grows like x^0.5), so a one-sided difference with a
# 1e-9 step is off by about 1e-3 there; the exact Hessian at y = 2.5 is tested above.
@settings(max_examples=40, deadline=None)
@given(sums_of_powers(VARIABLE_POWERS, ZERO_BASES, "x*y*z"), st.sampled_from([2.0, 3.0, 3.5, 4.0]),
       st.sampled_from([1.0, 2.0]))
def test_hessian_matches_differences_of_grad_at_a_zero_base(program, y, z):
    # x = 0 is the edge of x^y's domain for non-integer y: one-sided differences in x.
    assert_hessian_matches_differences_of_grad(program, {"x": 0.0, "y": y, "z": z},
                                               rel_tol=1e-4, abs_tol=1e-3, steps={"x": 1e-9},
                                               one_sided={"x"})


@pytest.mark.parametrize("a, b", [(0.5, 2.0), (3.0, 2.5), (1.0, 0.5), (2.0, -1.5), (1e-3, 4.0)])
def test_pow_log_scalar_and_array_forms_agree_with_differences(a, b):
    import numpy as np
    from cgdiff.ops import POW_LOG
    out = POW_LOG.value(a, b)
    assert math.isclose(out, a ** b * math.log(a), rel_tol=1e-14)
    d_a, d_b = POW_LOG.partials(a, b, out)
    step = 1e-6
    assert math.isclose(d_a, (POW_LOG.value(a + step, b) - POW_LOG.value(a - step, b))
                        / (2 * step), rel_tol=1e-5, abs_tol=1e-8)
    assert math.isclose(d_b, (POW_LOG.value(a, b + step) - POW_LOG.value(a, b - step))
                        / (2 * step), rel_tol=1e-5, abs_tol=1e-8)
    arrays = np.array([a, 0.0, 0.0, -1.0]), np.array([b, 2.0, 1.0, 2.0])
    values = POW_LOG.array_value(*arrays)
    partials = POW_LOG.array_partials(*arrays, values)
    assert values[0] == out and values[1] == 0.0 and math.isnan(values[3])
    assert partials[0][0] == d_a and partials[1][0] == d_b
    assert POW_LOG.partials(0.0, 2.0, 0.0) == (0.0, 0.0)
    assert partials[0][1] == 0.0 and math.isnan(partials[0][2]) and partials[1][2] == 0.0
    with pytest.raises(ValueError):
        POW_LOG.value(0.0, 0.0)
    assert POW_LOG.domain(0.0, 0.0) == "0^0*log(0) is not a number"
    assert POW_LOG.domain(-1.0, 2.0) == "a negative base (-1) has no logarithm"


@pytest.mark.parametrize("program, of, expected", [
    ("J = max(x, y)", "dJ_dy", 1.0), ("J = max(x, y)", "dJ_dx", 0.0),
    ("J = min(x, y)", "dJ_dx", 1.0), ("J = min(x, y)", "dJ_dy", 0.0),
])
def test_formulas_of_max_and_min_read_back_where_the_difference_overflows(run, program, of,
                                                                          expected):
    # the derivative is written gt(y, x), not step(y - x): y - x overflows here
    formulas = run("grad", "--symbolic", program).output
    assert "step(" not in formulas
    back = run("eval", "-f", "-", "--of", of, "--set", "x=-1e308,y=1e308", "--format", "plain",
               input=formulas)
    assert back.exit_code == 0, back.output
    assert float(back.output.split()[-1]) == expected
