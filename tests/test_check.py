"""`cgdiff check`: reverse mode against central finite differences, and --nudge."""

import dataclasses
import json
import math
import sys

import pytest

from cgdiff import api, ops
from cgdiff.check import RELATIVE_STEP, check, nudge, step_for

from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES


def seed_result():
    return api.differentiate(SEED_STATEMENTS, SEED_VALUES)


def test_the_seed_gradient_agrees():
    report = check(seed_result())
    assert report.ok
    assert [row.name for row in report.rows] == ["w", "x", "b", "y"]
    for row in report.rows:
        assert row.ok and row.difference == pytest.approx(row.derivative, rel=1e-9)
        assert row.abs_error == abs(row.derivative - row.difference)


def test_step_scales_with_the_inputs_magnitude():
    assert RELATIVE_STEP == pytest.approx(sys.float_info.epsilon ** (1 / 3))
    assert step_for(0.0) == pytest.approx(RELATIVE_STEP)
    assert step_for(0.5) == pytest.approx(RELATIVE_STEP)
    assert step_for(1e6) == pytest.approx(RELATIVE_STEP * 1e6)
    assert step_for(-1e6) == pytest.approx(RELATIVE_STEP * 1e6)
    for x in [0.1, 3.0, -7.25, 1e6, 123456.789]:
        h = step_for(x)
        assert (x + h) - x == h  # exactly representable: no rounding in the step


def test_large_inputs_still_agree():
    # A fixed step of 1e-6 would vanish in rounding next to 1e10.
    report = check(api.differentiate("J = x^2 + 3*x", {"x": 1e10}))
    assert report.ok


def test_near_a_domain_edge_the_step_shrinks():
    report = check(api.differentiate("J = log(x) + sqrt(y)", {"x": 1e-7, "y": 1e-7}))
    assert report.ok
    assert all(row.ok and row.step < 1e-10 for row in report.rows)
    assert "leaves the domain" in report.rows[0].note


def test_tolerance_zero_fails_on_rounding():
    report = check(seed_result(), rtol=0.0, atol=0.0)
    assert not report.ok


def test_a_kink_disagrees_honestly():
    # relu'(0) = 0 by convention; the central difference sees 0.5.
    # --strict: a failure; by default the row is a kink with both one-sided
    # differences (tests/test_kinks.py)
    report = check(api.differentiate("J = relu(x)", {"x": 0.0}), strict=True)
    assert not report.ok and report.rows[0].difference == pytest.approx(0.5)
    report = check(api.differentiate("J = relu(x)", {"x": 0.0}))
    assert report.ok and report.rows[0].kink and report.rows[0].ok is None


def test_nudge_the_lectures_way():
    result = nudge(seed_result(), {"w": 0.001})
    assert result.before == 2.0
    assert result.after == pytest.approx(1.996002)
    assert result.change == pytest.approx(-0.003998)
    assert result.predicted == pytest.approx(-0.004)


def test_nudge_several_inputs_adds_their_predictions():
    result = nudge(seed_result(), {"w": 0.001, "b": 0.01})
    assert result.predicted == pytest.approx(-4 * 0.001 + 2 * 0.01)
    assert result.change == pytest.approx(0.016032)


# ---------------------------------------------------------------- the command

def test_check_command_passes_on_the_seed(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("✓") == 5  # four rows and the summary
    assert "✓ 4 of 4 agree" in result.stdout


def test_check_fails_on_a_wrong_derivative(run, monkeypatch):
    """A deliberately wrong local derivative in the op table: twice cos."""
    sin = ops.FUNCTIONS["sin"]
    wrong = dataclasses.replace(sin, partials=lambda a, out: (2 * math.cos(a),))
    monkeypatch.setitem(ops.FUNCTIONS, "sin", wrong)
    result = run("check", "J = sin(w*x) + b", "--set", "w=0.5,x=2,b=1")
    assert result.exit_code == 3  # checked and found a difference
    assert "✗" in result.stdout
    assert result.stderr.startswith("error: the reverse-mode derivative disagrees with "
                                    "finite differences for w, x")
    assert "Traceback" not in result.stderr


def test_check_json(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--format", "json",
                 "--nudge", "w=0.001")
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert [row["name"] for row in data["inputs"]] == ["w", "x", "b", "y"]
    assert data["inputs"][0]["reverse"] == -4.0
    assert data["nudge"]["after"] == pytest.approx(1.996002)


def test_check_plain(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--format", "plain", "--wrt", "w,b")
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(line[0], line[1], line[3]) for line in lines] == [("w", "-4.0", "ok"),
                                                               ("b", "2.0", "ok")]


def test_check_nudge_table(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--nudge", "w=0.001")
    assert result.exit_code == 0
    assert "w: 2 → 2.001" in result.stdout
    assert "J: 2 → 1.996002" in result.stdout
    assert "actual change:    -0.003998" in result.stdout
    assert "predicted change: -0.004" in result.stdout


@pytest.mark.parametrize("args, code, message", [
    (("--nudge", "q=1"), 1, "--nudge q"),
    (("--nudge", "w=abc"), 2, "is not a number"),
    (("--eps", "0"), 2, "--eps"),
    (("--rtol", "-1"), 2, "--rtol"),
    (("--wrt", "nosuch"), 1, "--wrt nosuch"),
])
def test_check_option_errors(run, args, code, message):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, *args)
    assert result.exit_code == code
    assert message in result.stderr


def test_eps_changes_the_step(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--format", "json", "--eps", "1e-3")
    data = json.loads(result.stdout)
    assert data["inputs"][0]["step"] == pytest.approx(2e-3)


def test_wrt_a_statement_is_reported_not_checked():
    result = api.differentiate(SEED_STATEMENTS, SEED_VALUES, wrt=["c", "w"])
    report = check(result, ["c", "w"])
    assert report.ok
    assert report.rows[0].ok is None and "statement" in report.rows[0].note
    assert report.rows[1].ok is True


def test_a_non_finite_nudge_names_the_option(run):
    # A usage error (issue 14: every option value is validated, exit 2).
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--nudge", "w=inf")
    assert result.exit_code == 2
    assert "Invalid value for '--nudge': w=inf" in result.stderr
