"""`cgdiff explain --shapes`: the vectorised chain rule (∂L/∂W = ∂L/∂z · xᵀ) with
shapes, and one element spelled out that matches grad's number (explain.py)."""

import re

from click.testing import CliRunner

from cgdiff import api
from cgdiff.cli import cli

NET = ("W = [[1, 2, 3], [4, 5, 6]]; x = [1, -1, 0.5]; b = [0.5, -0.5]; t = [0.2, -0.1]; "
       "z = W @ x + b; h = tanh(z); d = h - t; s = d * d; L = sum(s)")


def run(*args):
    result = CliRunner().invoke(cli, ["explain", *args], env={"COLUMNS": "200"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def element(text: str, name: str) -> float:
    """The number an 'one element: ∂L/∂name = ... = N' line ends with."""
    prefix = f"one element: ∂L/∂{name} = "
    line = next(line for line in text.splitlines() if line.strip().startswith(prefix))
    match = re.search(r"= (-?[\d.e+-]+)$", line.split(" (this statement")[0])
    assert match, line
    return float(match.group(1))


def gradient(source, wrt):
    return api.differentiate(source, {}, None, wrt).gradient


def test_matmul_rules_with_shapes_and_elements_matching_grad():
    text = run(NET, "--shapes", "--width", "200")
    assert "∂L/∂W = ∂L/∂z · xᵀ   (2×3) = (2×1)·(1×3)" in text
    assert "∂L/∂x = Wᵀ · ∂L/∂z   (3×1) = (3×2)·(2×1)" in text
    assert "∂L/∂b = ∂L/∂z   (2×1) = (2×1)" in text
    assert "∂L/∂z = ∂L/∂h ⊙ tanh'(z)   (2×1) = (2×1) ⊙ (2×1)" in text
    assert "∂L/∂d = 2 · ∂L/∂s ⊙ d" in text
    assert "∂L/∂s = 𝟏 · ∂L/∂L   (2×1) = (2×1)·(1×1)" in text
    grad = gradient(NET, ["W", "x"])
    assert abs(element(text, "W[0,0]") - grad["W[0,0]"]) < 1e-8
    assert abs(element(text, "x[0]") - grad["x[0]"]) < 1e-8


def test_statements_run_right_to_left():
    text = run(NET, "--shapes")
    assert text.index("L = sum(s)   (L: 1×1)") < text.index("h = tanh(z)") \
        < text.index("z = W @ x + b   (z: 2×1)")


def test_softmax_and_broadcast_elements_match_grad():
    source = ("logits = [0, 3, -2, 1]; t = [0, 0, 1, 2]; p = softmax(logits); q = p * t; "
              "L = sum(q)")
    text = run(source, "--shapes", "--width", "200")
    assert "∂L/∂logits = p ⊙ (∂L/∂p - pᵀ · ∂L/∂p)   (4×1) = (4×1) ⊙ ((4×1) - (1×4)·(4×1))" in text
    assert abs(element(text, "logits[0]") - gradient(source, ["logits"])["logits[0]"]) < 1e-8
    scalar = "a = [1, -2]; c = 3; y = c * a; L = sum(y)"
    text = run(scalar, "--shapes", "--width", "200")
    assert "∂L/∂c = aᵀ · ∂L/∂y   (1×1) = (1×2)·(2×1)" in text
    assert "∂L/∂a = ∂L/∂y · c   (2×1) = (2×1)·(1×1)" in text
    assert abs(element(text, "c") - gradient(scalar, ["c"])["c"]) < 1e-8


def test_a_form_not_covered_says_so():
    text = run("a = [1, 2]; c = 3; y = c * a + 2; L = sum(y)", "--shapes")
    assert "y = c * a + 2   (y: 2×1)\n  (no vectorised form shown for this statement)" in text


def test_without_shapes_nothing_changes():
    assert "vectorised" not in run(NET)
    assert run(NET) in run(NET, "--shapes")
    plain = "c = w*x; J = c^2"
    assert run(plain, "--set", "w=2,x=3", "--shapes") == run(plain, "--set", "w=2,x=3")
