"""One rule for partials that do not exist or are infinite (issue 18, item 2):
such a partial poisons every derivative that depends on it, even through a
zero factor (README, "A derivative that does not exist"). Reverse mode,
forward mode, check, hessian and explain all give the same numbers or the same
error, at the points where sqrt, pow and log sit on their boundaries, behind
zero and non-zero factors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from cgdiff import api
from cgdiff.check import check
from cgdiff.errors import CgdiffError
from cgdiff.explain import explain
from cgdiff.hessian import hessian

#: Terms with a boundary at the points below: sqrt at 0, a negative base, log near 0.
SINGULAR = ["sqrt(x)", "x^y", "sqrt(x - x)", "x^0.5", "log(x^2 + 1)*sqrt(y)", "sqrt(x^2)",
            "y^x", "log(y)", "sqrt(relu(x))", "abs(x)^1.5", "x^(y - y)"]
#: Factors that are zero, non-zero, or zero through a cancellation or a kink.
FACTORS = ["0", "y", "1", "relu(y)", "step(x)", "(y - y)", "x", "sign(y)", "2"]
WRAPS = ["{}", "step({})", "sign({})", "exp({})", "relu({})", "0*{}", "({})^2", "max({}, y)"]

POINTS = st.fixed_dictionaries({"x": st.sampled_from([0.0, -2.0, 1.0, 4.0]),
                                 "y": st.sampled_from([0.0, 3.0, -1.0, 0.5, 2.0])})


@st.composite
def programs(draw):
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        term = f"{draw(st.sampled_from(FACTORS))}*{draw(st.sampled_from(SINGULAR))}"
        terms.append(draw(st.sampled_from(WRAPS)).format(term))
    extra = draw(st.sampled_from(["", " + x", " + y*x", " - y"]))
    return "J = " + " + ".join(terms) + extra


def outcome(call):
    try:
        return ("ok", call())
    except CgdiffError as error:
        return ("error", error.message)


def same(a, b, rel=1e-12, abs_=1e-300) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "error":
        return a[1] == b[1]
    # Numbers: the two modes add the same terms in different orders.
    return a[1].keys() == b[1].keys() and all(
        math.isclose(a[1][k], b[1][k], rel_tol=rel, abs_tol=abs_) for k in a[1])


@settings(max_examples=300, deadline=None)
@given(programs(), POINTS)
def test_both_modes_give_the_same_numbers_or_the_same_error(program, point):
    reverse = outcome(lambda: api.differentiate(program, point, mode="reverse").gradient)
    forward = outcome(lambda: api.differentiate(program, point, mode="forward").gradient)
    assert same(reverse, forward), (program, point, reverse, forward)
    # check and explain take the reverse-mode gradient; hessian starts from it.
    checked = outcome(lambda: {row.name: row.derivative for row in
                               check(api.differentiate(program, point)).rows})
    assert same(reverse, checked), (program, point, reverse, checked)
    def explained_gradient():
        result = api.differentiate(program, point)
        explain(result)  # words every step, nan adjoints included
        return result.gradient

    explained = outcome(explained_gradient)
    assert same(reverse, explained), (program, point, reverse, explained)
    second = outcome(lambda: hessian(program, point).gradient)
    if reverse[0] == "error" or second[0] == "ok":
        # hessian's gradient is its formulas' value: other roundings
        assert same(reverse, second, 1e-9, 1e-12), (program, point, reverse, second)
    # else the gradient exists but a second derivative does not (0^y at y = 3 has
    # ∂²/∂y² = 0^3*log(0)^2): hessian's own error, tested in test_hessian.py


@pytest.mark.parametrize("program", [
    "J = sign(sqrt(x))*y", "J = relu(y)*sqrt(x)", "J = 0*sqrt(x)", "J = step(sqrt(x))",
    "J = sqrt(x^2)", "J = sqrt(y - y) + x*0",
])
def test_a_zero_factor_does_not_hide_a_derivative_that_does_not_exist(program):
    point = {"x": 0.0, "y": -1.0} if "y" in program else {"x": 0.0}
    for mode in ("reverse", "forward"):
        with pytest.raises(CgdiffError, match="does not exist"):
            api.differentiate(program, point, mode=mode)


def test_a_derivative_that_does_not_depend_on_it_is_unaffected():
    for mode in ("reverse", "forward"):
        result = api.differentiate("J = 0*sqrt(x) + 3*y", {"x": 0.0, "y": 1.0}, wrt=["y"],
                                   mode=mode)
        assert result.gradient == {"y": 3.0}


def test_a_negative_base_behind_a_zero_factor():
    for mode in ("reverse", "forward"):
        with pytest.raises(CgdiffError, match="exponent"):
            api.differentiate("J = 0*x^y", {"x": -2.0, "y": 3.0}, mode=mode)
