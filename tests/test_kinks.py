"""Kinks and ties, said out loud: grad's note and JSON "kinks", explain's both
one-sided derivatives (never "≈" between numbers that differ), check's kink
marking (--strict fails)."""

import json
import math
import re

import pytest
from hypothesis import given, settings, strategies as st

from cgdiff import api, ops
from cgdiff.check import check
from cgdiff.explain import as_text, explain
from cgdiff.kinks import find
from strategies import nested_expressions


@pytest.mark.parametrize("program, point, expected", [
    ("J = relu(x)", {"x": 0}, [("J", "x", 0.0, 1.0, 0.0)]),
    ("J = abs(x)", {"x": 0}, [("J", "x", -1.0, 1.0, 0.0)]),
    ("J = max(x, y)", {"x": 1, "y": 1}, [("J", "x", 0.0, 1.0, 1.0), ("J", "y", 0.0, 1.0, 0.0)]),
    ("J = min(x, y)", {"x": 1, "y": 1}, [("J", "x", 1.0, 0.0, 1.0), ("J", "y", 1.0, 0.0, 0.0)]),
    ("J = step(x)", {"x": 0}, [("J", "x", 0.0, math.inf, 0.0)]),
    ("J = relu(x)", {"x": 0.5}, []),
    ("J = max(x, x)", {"x": 1}, []),  # the same node twice: no tie
])
def test_the_op_table_knows_its_kinks(program, point, expected):
    result = api.evaluate(program, point)
    found = [(result.graph.node_id(k.node), result.graph.node_id(k.argument), k.left, k.right,
              k.used) for k in find(result.graph, result.values)]
    assert found == expected


def test_sqrt_at_0_is_an_edge():
    result = api.evaluate("J = sqrt(x)", {"x": 0})
    (kink,) = find(result.graph, result.values)
    assert math.isnan(kink.left) and kink.right == math.inf


def test_every_kink_entry_is_quiet_away_from_its_kink():
    for name, op in ops.FUNCTIONS.items():
        if op.kink is None:
            continue
        for args in ((0.7, 0.3)[:op.arity], (1.7, 0.3)[:op.arity]):
            try:
                out = op.value(*args)
            except ValueError:
                continue  # outside the domain (acosh at 0.7)
            assert op.kink(*args, out) is None, name


def test_grad_notes_the_kink_under_the_table_and_in_json(run):
    result = run("grad", "J = relu(x) + max(x, y)", "--set", "x=0,y=0")
    text = " ".join(result.stdout.split())
    assert "relu(x) has a kink at x = 0: ∂/∂x is 0 from the left and 1 from the right; 0 " \
           "is used there" in text
    assert "max(x, y) has a tie (x = y = 0)" in text
    data = json.loads(run("grad", "J = relu(x)", "--set", "x=0", "--format", "json").stdout)
    assert data["kinks"] == [{"node": "J", "op": "relu", "argument": "x", "left": 0.0,
                              "right": 1.0, "used": 0.0}]
    smooth = json.loads(run("grad", "J = relu(x)", "--set", "x=1", "--format", "json").stdout)
    assert "kinks" not in smooth


def test_explain_states_the_kink_and_both_sides(run):
    result = run("explain", "J = relu(x)", "--set", "x=0")
    text = " ".join(result.stdout.split())
    assert "the derivative here is a convention" in text
    assert "0 from the left and 1 from the right" in text
    assert "≈" not in text
    assert "change 0.001, while 0 × 0.001 = 0: they differ, because the point sits on a kink" \
        in text


APPROX = re.compile(r"change (\S+) ≈ (\S+) × (\S+)\)")


@settings(max_examples=60, deadline=None)
@given(expression=nested_expressions(
           ["x", "y"], ["relu({})", "abs({})", "2*{}", "-{}"],
           ["max({}, {})", "min({}, {})", "{} + {}", "{} - {}", "{}*{}"], constants=("0", "1")),
       value=st.sampled_from([0.0, 1.0, -1.0]))
def test_no_approx_between_unequal_numbers_at_ties(expression, value):
    """At exact ties (x = y) and kinks (0), every "≈" in explain's text is
    between numbers that are close."""
    program = f"x = {value}; y = {value}; J = {expression}"
    try:
        result = api.differentiate(program)
    except Exception:  # a derivative that does not exist (no kink involved)
        return
    text = as_text(explain(result), 200)
    assert text.count("≈") == len(APPROX.findall(text)), text
    for change, derivative, delta in APPROX.findall(text):
        change, predicted = float(change), float(derivative) * float(delta)
        assert abs(change - predicted) <= 1e-9 + 0.01 * max(abs(change), abs(predicted)), text


def test_check_marks_a_kink_instead_of_failing(run):
    result = run("check", "J = relu(x) + x^2", "--set", "x=0")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "a kink: the one-sided differences are" in text and "(right)" in text
    strict = run("check", "J = relu(x)", "--set", "x=0", "--strict")
    assert strict.exit_code == 3
    data = json.loads(run("check", "J = abs(x)", "--set", "x=0", "--format", "json").stdout)
    row = data["inputs"][0]
    assert row["ok"] is None
    assert row["kink"]["left"] == pytest.approx(-1) and row["kink"]["right"] == pytest.approx(1)


def test_a_real_error_at_a_kink_point_still_fails():
    """Away from the kink's input, a wrong derivative is not excused."""
    result = api.differentiate("J = relu(x) + y", {"x": 0, "y": 1})
    report = check(result)
    assert [row.ok for row in report.rows] == [None, True]
    assert report.rows[0].kink and not report.rows[1].kink
