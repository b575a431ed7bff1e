"""`cgdiff grad --stats`: work counted while the passes run (stats.py)."""

import json

import pytest

from cgdiff import api
from cgdiff.stats import counting_graph, measure, _Counter

from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES


def wide(k: int) -> str:
    """J = (w1*x1 + ... + wk*xk + b - y)^2: n grows like 4k, p = 2k + 2."""
    terms = " + ".join(f"w{i}*x{i}" for i in range(1, k + 1))
    return f"J = ({terms} + b - y)^2"


def wide_values(k: int) -> dict:
    values = {"b": 0.5, "y": 1.0}
    for i in range(1, k + 1):
        values[f"w{i}"] = 0.1 * i
        values[f"x{i}"] = 1.0 - 0.05 * i
    return values


def stats_of(source, values, wrt=None):
    result = api.differentiate(source, values)
    return measure(result.graph, result.inputs, wrt)


def test_the_seed_counts():
    stats = stats_of(SEED_STATEMENTS, SEED_VALUES)
    assert (stats.nodes, stats.inputs) == (13, 4)
    # Operations with a value function: c, a, d, 1/2, d^2, J.
    assert stats.forward_values == 6
    # One reverse sweep: two local derivatives per binary node, all six reached.
    assert stats.reverse_partials == 12
    # Forward mode: w and x each pass through c, a, d, d^2, J; b through a, d, d^2,
    # J; y through d, d^2, J.
    assert stats.forward_mode_partials == 2 * (5 + 5 + 4 + 3)
    # Finite differences: two forward passes per input.
    assert stats.finite_difference_values == 2 * 4 * 6


def test_counting_leaves_the_graph_and_results_alone():
    result = api.differentiate(SEED_STATEMENTS, SEED_VALUES)
    before = list(result.graph.op)
    counted = counting_graph(result.graph, _Counter())
    assert result.graph.op == before
    assert counted.op is not result.graph.op
    assert api.differentiate(counted, SEED_VALUES).gradient == result.gradient


@pytest.mark.parametrize("k", [8, 16, 32, 64])
def test_reverse_grows_as_n_plus_p_and_forward_as_n_times_p(k):
    stats = stats_of(wide(k), wide_values(k))
    n, p = stats.nodes, stats.inputs
    assert p == 2 * k + 2
    # One reverse sweep: at most two local derivatives per node, whatever p is.
    assert stats.reverse_partials <= 2 * n
    # Forward mode and finite differences: work proportional to n·p.
    assert stats.forward_mode_partials >= n * p / 4
    assert stats.finite_difference_values >= n * p / 4


def test_the_ratio_grows_with_the_program():
    ratios = []
    for k in [8, 16, 32, 64]:
        stats = stats_of(wide(k), wide_values(k))
        ratios.append(stats.forward_mode_partials / stats.reverse_partials)
    # Forward mode's disadvantage grows in proportion to the program (p grows with n).
    assert ratios == sorted(ratios)
    assert ratios[-1] / ratios[0] > 4


def test_stats_skip_what_would_take_too_long():
    result = api.differentiate(wide(8), wide_values(8))
    stats = measure(result.graph, result.inputs, work_limit=10)
    assert stats.reverse_partials > 0
    assert stats.forward_mode_partials is None and stats.finite_difference_values is None


def test_grad_stats_table(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--stats")
    assert result.exit_code == 0
    assert "∂J/∂w = -4" in result.stdout
    assert "n = 13 nodes, p = 4 inputs" in result.stdout
    assert "reverse mode: one sweep" in result.stdout


def test_grad_stats_json(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--stats", "--format", "json")
    data = json.loads(result.stdout)
    assert data["gradient"]["w"] == -4.0
    assert data["stats"]["reverse_partials"] == 12
    assert data["stats"]["inputs"] == 4


def test_grad_stats_other_formats_are_a_usage_error(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--stats", "--format", "plain")
    assert result.exit_code == 2


def test_the_wide_example_shows_a_large_ratio(run):
    result = run("grad", "-f", "examples/wide.cg", "--stats", "--format", "json")
    stats = json.loads(result.stdout)["stats"]
    assert stats["forward_mode_partials"] > 20 * stats["reverse_partials"]
    assert stats["finite_difference_values"] > 50 * stats["reverse_partials"]
