"""The lecture's example (shared/seed-computation-graph.txt), node by node, in
both of its forms: every number must come out exactly."""

import pytest

from cgdiff import differentiate, evaluate

from cases import SEED_ONE_LINE, SEED_STATEMENTS, SEED_VALUES


def by_id(result, attribute):
    graph = result.graph
    return {graph.node_id(i): getattr(result, attribute)[i] for i in range(len(graph))}


def test_forward_pass_statements():
    values = by_id(evaluate(SEED_STATEMENTS, SEED_VALUES), "values")
    assert values["c"] == -4.0
    assert values["a"] == 4.0
    assert values["d"] == 2.0
    assert values["J"] == 2.0


def test_reverse_pass_statements():
    result = differentiate(SEED_STATEMENTS, SEED_VALUES)
    grads = by_id(result, "adjoints")
    assert grads["J"] == 1.0
    assert grads["d"] == 2.0
    assert grads["a"] == 2.0
    assert grads["c"] == 2.0
    assert grads["b"] == 2.0
    assert grads["w"] == -4.0
    assert result.gradient == {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}


def test_one_line_form():
    result = differentiate(SEED_ONE_LINE, SEED_VALUES)
    assert result.value == 2.0
    assert result.gradient == {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}
    labels = {result.graph.label(i): result.adjoints[i] for i in range(len(result.graph))}
    assert labels["w*x"] == 2.0           # c
    assert labels["w*x + b"] == 2.0       # a
    assert labels["(w*x + b - y)"] == 2.0  # d


def test_declared_inputs_form():
    program = "x = -2; y = 2\nw = 2;  b = 8\nJ = 0.5*(w*x + b - y)^2\n"
    result = differentiate(program)
    assert result.value == 2.0
    assert list(result.gradient) == ["x", "y", "w", "b"]
    assert result.gradient["w"] == -4.0


def test_nudging_w_moves_j_as_the_lecture_says():
    nudged = evaluate(SEED_STATEMENTS, {**SEED_VALUES, "w": 2.001})
    assert nudged.value == pytest.approx(1.996002, abs=1e-12)


def test_forward_mode_gives_the_same_numbers():
    reverse = differentiate(SEED_STATEMENTS, SEED_VALUES)
    forward = differentiate(SEED_STATEMENTS, SEED_VALUES, mode="forward")
    assert forward.gradient == reverse.gradient
    assert forward.adjoints is None


def test_wrt_statement_node_and_of():
    result = differentiate(SEED_STATEMENTS, SEED_VALUES, wrt=["c", "w"])
    assert result.gradient == {"c": 2.0, "w": -4.0}
    result = differentiate(SEED_STATEMENTS, SEED_VALUES, of="a", wrt=["w", "y"])
    assert result.value == 4.0
    assert result.gradient == {"w": -2.0, "y": 0.0}


def test_progress_hook_hears_every_phase():
    phases = []
    differentiate(SEED_STATEMENTS, SEED_VALUES, progress=phases.append)
    assert phases == ["parse", "build", "forward", "reverse"]
