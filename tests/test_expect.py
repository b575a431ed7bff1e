"""--expect on eval and grad: ✓/✗ beside the table and in JSON, exit status 3."""

import json

import pytest

from cases import SEED_SET, SEED_STATEMENTS, clean_error
from cases import cgdiff


def test_expectations_that_hold_exit_0(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "c=-4,dJ/dw=-4",
                 "--expect", "∂J/∂b=2")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("✓") == 3 and "✗" not in result.stdout


def test_one_that_does_not_exits_3_from_the_installed_command():
    result = cgdiff("grad", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "c=-4,dJ/dw=4")
    assert result.returncode == 3
    assert "✗" in result.stdout and "✓" in result.stdout
    assert result.stderr == "error: 1 of 2 expectations does not hold: dJ/dw: expected 4, got -4\n"


def test_json_carries_every_expectation(run):
    result = run("eval", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "d=2,J=2.5,#10=0.5",
                 "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [(e["expect"], e["actual"], e["ok"]) for e in data["expect"]] == [
        ("d", 2.0, True), ("J", 2.0, False), ("#10", 0.5, True)]


def test_eval_checks_derivatives_too_and_tolerances_apply(run):
    ok = run("eval", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "dJ/dw=-4.00001",
             "--format", "plain")
    assert ok.exit_code == 0 and ok.stdout == "2.0\n"
    strict = run("eval", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "dJ/dw=-4.00001",
                 "--rtol", "0", "--atol", "0", "--format", "plain")
    assert strict.exit_code == 3


def test_forward_mode_and_stats_keep_working(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--mode", "forward",
                 "--expect", "dJ/dx=4", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["expect"][0]["actual"] == 4.0


@pytest.mark.parametrize("expect, status, message", [
    ("q=1", 1, "--expect q: the program has no such name"),
    ("dL/dw=1", 1, "the output is J, not L"),
    ("J=abc", 2, "'abc' is not a number"),
    ("J", 2, "expected NAME=VALUE"),
])
def test_bad_expectations(run, expect, status, message):
    result = run("eval", SEED_STATEMENTS, "--set", SEED_SET, "--expect", expect)
    assert message in clean_error(result, status)


def test_expect_with_data_is_a_usage_error(run):
    result = run("eval", "J = x", "--data", "examples/linear.csv", "--expect", "J=1")
    assert result.exit_code == 2


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_expectations_table_at_any_width(run, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--expect", "dJ/dw=-4.000000001")
    lines = result.stdout.splitlines()
    start = max(k for k, line in enumerate(lines) if line.startswith("expected"))
    mine = "\n".join(lines[start:])  # the node table above is not ours
    assert "…" not in mine and "-4.000000001" in mine
    assert all(len(line) <= width for line in lines[start:])
