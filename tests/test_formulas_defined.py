"""Derivative formulas are defined wherever the derivative is (issue 18 item 3,
issue 13 item 6): hessian and --symbolic do not fail where grad's first
derivative is finite."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from cgdiff.api import differentiate
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
def programs(draw):
    terms = [draw(st.sampled_from(POWERS)).format(u=draw(st.sampled_from(BASES)))
             for _ in range(draw(st.integers(1, 3)))]
    return "J = " + " + ".join(terms) + " + x*y"


@settings(max_examples=60, deadline=None)
@given(programs(), st.sampled_from([{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 2.0},
                                    {"x": 0.0, "y": 2.0}, {"x": 1.0, "y": 0.0}]))
def test_hessian_matches_differences_of_grad_where_bases_are_zero(program, point):
    h = hessian(program, point)
    step = 1e-6
    for i, name in enumerate(h.names):
        up, down = dict(point), dict(point)
        up[name] += step
        down[name] -= step
        g_up = differentiate(program, up, wrt=h.names).gradient
        g_down = differentiate(program, down, wrt=h.names).gradient
        for j, other in enumerate(h.names):
            numeric = (g_up[other] - g_down[other]) / (2 * step)
            assert math.isclose(h.matrix[i][j], numeric, rel_tol=1e-5, abs_tol=1e-5), \
                (program, point, name, other, h.matrix[i][j], numeric)
