"""cgdiff fit: gradient descent on the mean cost over a CSV file's rows."""

import csv
import json
import math
from pathlib import Path

import pytest

from cgdiff.api import load
from cgdiff.fit import Dataset, fit
from cgdiff.render.fitting import cost_curve

EXAMPLES = Path(__file__).parent.parent / "examples"
LINEAR = str(EXAMPLES / "linear.cg")
LINEAR_DATA = str(EXAMPLES / "linear.csv")
LOGISTIC = str(EXAMPLES / "logistic.cg")
LOGISTIC_DATA = str(EXAMPLES / "logistic.csv")


def rows(path):
    with open(path) as f:
        return [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]


def least_squares(points):
    """The closed form: w = cov(x, y)/var(x), b = ȳ - w·x̄."""
    m = len(points)
    mx = sum(x for x, _ in points) / m
    my = sum(y for _, y in points) / m
    w = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return w, my - w * mx


def test_linear_regression_reaches_the_closed_form(run):
    result = run("fit", "-f", LINEAR, "--data", LINEAR_DATA, "--params", "w,b",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    w, b = least_squares(rows(LINEAR_DATA))
    assert abs(data["params"]["w"] - w) < 1e-6
    assert abs(data["params"]["b"] - b) < 1e-6
    assert data["converged"] is True
    mse = sum((w * x + b - y) ** 2 for x, y in rows(LINEAR_DATA)) / 40
    assert math.isclose(data["cost"], mse, rel_tol=1e-9)
    assert set(data) == {"params", "cost", "steps", "converged"}


def newton_logistic(points, steps=50):
    """The logistic regression optimum by Newton's method (2×2, by hand)."""
    w = b = 0.0
    for _ in range(steps):
        gw = gb = hww = hwb = hbb = 0.0
        for x, y in points:
            p = 1 / (1 + math.exp(-(w * x + b)))
            gw += (p - y) * x
            gb += p - y
            s = p * (1 - p)
            hww += s * x * x
            hwb += s * x
            hbb += s
        det = hww * hbb - hwb * hwb
        w -= (hbb * gw - hwb * gb) / det
        b -= (hww * gb - hwb * gw) / det
    return w, b


def test_logistic_regression_reaches_newtons_optimum(run):
    result = run("fit", "-f", LOGISTIC, "--data", LOGISTIC_DATA, "--params", "w,b",
                 "--lr", "1", "--format", "json")
    data = json.loads(result.output)
    w, b = newton_logistic(rows(LOGISTIC_DATA))
    assert data["converged"]
    assert abs(data["params"]["w"] - w) < 1e-6
    assert abs(data["params"]["b"] - b) < 1e-6


def test_table_shows_params_cost_and_curve(run):
    result = run("fit", "-f", LINEAR, "--data", LINEAR_DATA, "--params", "w,b")
    assert result.exit_code == 0
    for text in ["fitted parameters", "1.503944", "-0.706397", "cost = 0.0576102903",
                 "converged", "cost curve", "●", "step 0"]:
        assert text in result.output


def test_plain_and_csv(run):
    plain = run("fit", "-f", LINEAR, "--data", LINEAR_DATA, "--params", "b,w",
                "--format", "plain").output
    assert [line.split("\t")[0] for line in plain.splitlines()] == ["b", "w"]
    out = run("fit", "-f", LINEAR, "--data", LINEAR_DATA, "--params", "w,b",
              "--format", "csv").output
    assert out.startswith("param,value\nw,1.50394")


def test_start_values_steps_and_fixed_inputs():
    graph = load("w = 5\nL = (w*x + b - y)^2")
    data = Dataset(["x", "y"], [[0.0, 1.0], [1.0, 3.0]])
    result = fit(graph, data, ["w", "b"], {"b": 0.5}, lr=0.1, steps=3)
    assert result.start == {"w": 5.0, "b": 0.5}
    assert result.steps == 3 and not result.converged
    assert len(result.history) == 4
    assert result.history == sorted(result.history, reverse=True)
    fixed = fit(load("L = (w*x + b - y)^2"), data, ["w"], {"b": 1.0}, steps=2000)
    assert fixed.converged and abs(fixed.params["w"] - 2.0) < 1e-9
    zero = fit(graph, data, ["w", "b"], lr=0.1, steps=0)
    assert zero.steps == 0 and zero.params == zero.start


@pytest.mark.parametrize("args, code, message", [
    (["--params", "w,q"], 1, "--params q: 'q' is not a name in the program"),
    (["--params", "w,x"], 1, "'x' is a column of the data"),
    (["--params", "w"], 1, "1 input has no value: b"),
    (["--params", "w,b", "--lr", "5"], 1, "the fit diverged at step"),
    (["--params", "w,b", "--lr", "0"], 2, "--lr"),
    (["--params", "w,b", "--steps", "-1"], 2, "--steps"),
    ([], 2, "--params"),
])
def test_errors(run, args, code, message):
    result = run("fit", "-f", LINEAR, "--data", LINEAR_DATA, *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_data_with_no_rows(run, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("x,y\n")
    result = run("fit", "-f", LINEAR, "--data", str(path), "--params", "w,b")
    assert result.exit_code == 1
    assert "has a header but no rows" in result.output


def test_cost_curve_shape():
    lines, log = cost_curve([100.0, 10.0, 1.0, 0.5, 0.5], width=5, height=4)
    assert log
    assert lines[0].endswith("│●    ")
    assert lines[3].endswith("│  ●●●")  # 1 rounds onto the bottom row with 0.5
    assert lines[-1].strip().startswith("step 0")
    flat, log = cost_curve([2.0] * 3, width=10)
    assert not log and sum(line.count("●") for line in flat) == 3


def test_fit_through_the_installed_script():
    import subprocess
    import sys

    script = Path(sys.executable).with_name("cgdiff")
    if not script.exists():
        pytest.skip("the cgdiff console script is not installed")
    done = subprocess.run([str(script), "fit", "-f", LINEAR, "--data", LINEAR_DATA, "--params",
                           "w,b", "--format", "json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    w, b = least_squares(rows(LINEAR_DATA))
    assert abs(json.loads(done.stdout)["params"]["w"] - w) < 1e-6


# ---------------------------------------------------------------- whole columns at once

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from cgdiff.fit import _columns, _row_by_row  # noqa: E402
from strategies import programs  # noqa: E402


@hsettings(max_examples=60, deadline=None)
@given(st.data())
def test_columns_agree_with_row_by_row(data):
    program = data.draw(programs())
    graph = load(program)
    names = [n for n in ("x", "y", "z") if n in graph.inputs]
    column_names = names[:1]
    params = names[1:]
    m = data.draw(st.integers(1, 6))
    rows = [[data.draw(st.sampled_from([-2.0, -0.5, 0.0, 0.25, 1.0, 3.0]))
             for _ in column_names] for _ in range(m)]
    dataset = Dataset(column_names, rows)
    inputs = {n: 0.7 for n in graph.inputs if n in graph.index}
    try:
        expected = _row_by_row(graph, dataset, dict(inputs), params)
    except Exception:
        assert _columns(graph, dataset, dict(inputs), params) is None
        return
    got = _columns(graph, dataset, dict(inputs), params)
    if got is None:  # a derivative that is not finite: the row-by-row answer stands
        assert not all(map(math.isfinite, expected[1]))
        return
    # NumPy's exp, tan, ... may differ from math's in the last bit, and the
    # chunks' sums are pairwise.
    assert got[0] == pytest.approx(expected[0], rel=1e-12, abs=1e-300)
    assert got[1] == pytest.approx(expected[1], rel=1e-12, abs=1e-300)


def test_a_failing_row_is_reported_by_the_row_by_row_pass(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,1\n-1,2\n")
    result = run("fit", "L = (w*sqrt(x) - y)^2", "--data", str(path), "--params", "w")
    assert result.exit_code == 1
    assert "sqrt(x): x = -1 is not >= 0" in result.output
