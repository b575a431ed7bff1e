"""`cgdiff explain`: the chain rule in the lecture's words (explain.py)."""

import pytest

from cgdiff import api
from cgdiff.explain import as_text, explain, local_change

from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES


def seed_text(wrt=None):
    return "\n".join(explain(api.differentiate(SEED_STATEMENTS, SEED_VALUES), wrt))


def test_seed_explanation_carries_the_lectures_numbers():
    text = seed_text()
    for derivative in ["∂J/∂d = 2", "∂J/∂a = 2", "∂J/∂c = 2", "∂J/∂b = 2", "∂J/∂w = -4"]:
        assert derivative in text
    assert "w: 2 → 2.001 moves J: 2 → 1.996002 (change -0.003998 ≈ -4 × 0.001)" in text


def test_seed_explanation_speaks_the_lectures_words():
    text = seed_text()
    assert "If a goes up by ε, d = a - y changes by ε" in text
    assert "If w goes up by ε, c = w*x changes by x × ε = -2ε" in text
    assert "so J changes by 2 × (-2ε) = -4ε" in text
    assert "So when w goes up by ε, J goes down by 4ε: ∂J/∂w = -4" in text


def test_steps_run_right_to_left_then_inputs_in_the_order_asked():
    lines = explain(api.differentiate(SEED_STATEMENTS, SEED_VALUES), ["b", "w"])
    heads = [line.split(" = ")[0] for line in lines if line and not line.startswith(" ")
             and " = " in line and "," not in line]
    assert heads == ["d^2", "d", "a", "c", "b", "w"]


def test_wrt_limits_the_explanation():
    text = seed_text(["b"])
    assert "∂J/∂b = 2" in text
    assert "x = -2\n" not in text and "w: 2 → 2.001" not in text
    assert "c = w*x = -4" not in text  # c is not on b's path


def test_fan_out_lists_each_path_then_the_sum():
    result = api.differentiate("J = w*x + w*b", {"w": 2.0, "x": -2.0, "b": 8.0})
    text = "\n".join(explain(result, ["w"]))
    assert "w = 2, which feeds 2 nodes" in text
    assert "- if w goes up by ε, w*x changes by x × ε = -2ε" in text
    assert "- if w goes up by ε, w*b changes by b × ε = 8ε" in text
    assert "Together: (-2ε) + 8ε = 6ε, so ∂J/∂w = 6" in text


def test_unnamed_subexpressions_are_labelled_by_their_text():
    result = api.differentiate("J = 0.5*(w*x + b - y)^2", SEED_VALUES)
    text = "\n".join(explain(result))
    assert "(w*x + b - y) = 2\n" in text
    assert "∂J/∂(w*x + b - y) = 2" in text
    assert "∂J/∂w = -4" in text


def test_the_local_derivative_reads_the_op_table():
    result = api.differentiate("J = sigmoid(z)", {"z": 0.0})
    assert local_change(result.graph, result.values, result.graph.output, 0) == (
        "sigmoid(z)*sigmoid(-z) × ε = 0.25ε", 0.25)


def test_an_input_the_output_ignores():
    result = api.differentiate(SEED_STATEMENTS, SEED_VALUES, of="c", wrt=["w", "y"])
    text = "\n".join(explain(result, ["w", "y"]))
    assert "∂c/∂y = 0" in text
    assert "c does not depend on y" in text


def test_a_long_chain_needs_no_recursion():
    depth = 2000
    source = "J = " + "(" * depth + "x" + "+1)" * depth
    lines = explain(api.differentiate(source, {"x": 1.0}))
    assert "x: 1 → 1.001 moves J" in lines[-1]


def test_wrapping_keeps_formulas_whole():
    text = as_text(["  " + "word " * 15 + "so ∂J/∂d = 2 and 2 × (-2ε) = -4ε"], width=60)
    assert "∂J/∂d = 2" in text and "2 × (-2ε)" in text
    assert all(len(line) <= 60 for line in text.splitlines())


# ---------------------------------------------------------------- the command

def test_explain_command(run):
    result = run("explain", SEED_STATEMENTS, "--set", SEED_SET)
    assert result.exit_code == 0
    assert "∂J/∂w = -4" in result.stdout
    assert "1.996002" in result.stdout


def test_explain_command_reads_defaults_from_the_program(run):
    result = run("explain", "x = -2; w = 2; b = 8; y = 2\n" + SEED_STATEMENTS, "--wrt", "w")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith("(change -0.003998 ≈ -4 × 0.001)")


@pytest.mark.parametrize("args, code, message", [
    ((), 1, "inputs have no value"),
    (("--set", SEED_SET, "--wrt", "nosuch"), 1, "--wrt nosuch"),
    (("--set", SEED_SET, "--wrt", ","), 2, "expected NAME"),
])
def test_explain_command_errors(run, args, code, message):
    result = run("explain", SEED_STATEMENTS, *args)
    assert result.exit_code == code
    assert message in result.stderr


def test_wrt_a_statement_explains_it_once():
    result = api.differentiate(SEED_STATEMENTS, SEED_VALUES, wrt=["c", "w"])
    text = "\n".join(explain(result, ["c", "w"]))
    assert text.count("\nc = w*x = -4\n") == 1
    assert "c: a statement, not an input" in text
    assert "∂J/∂c = 2, ∂J/∂w = -4" in text
