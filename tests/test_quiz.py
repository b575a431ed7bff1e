"""cgdiff quiz: answers on standard input, marks with carried-forward
tolerance, hints from the local derivative, a summary."""

from cases import SEED_SET, SEED_STATEMENTS
from test_console_script import cgdiff

#: c, a, d, d^2, J; then ∂J/∂(d^2), d, a, c, y, b, x, w
RIGHT = ["-4", "4", "2", "4", "2", "0.5", "2", "2", "2", "-2", "2", "4", "-4"]


def answers(values):
    return "".join(f"{v}\n" for v in values)


def test_all_correct_answers_score_full_marks_from_the_installed_command():
    result = cgdiff("quiz", SEED_STATEMENTS, "--set", SEED_SET, input=answers(RIGHT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("Score: 13 of 13 right (100%).")
    assert result.stdout.count("✓ right") == 13


def test_a_sign_slip_on_dJ_dw_gets_the_local_derivative_as_a_hint(run):
    slip = RIGHT[:-1] + ["4"]
    result = run("quiz", SEED_STATEMENTS, "--set", SEED_SET, input=answers(slip))
    out = " ".join(result.stdout.split())
    assert "✗ not quite: it is -4" in out
    assert "hint: ∂J/∂w = ∂J/∂c × ∂c/∂w" in out
    assert "∂c/∂w = x = -2 when c = w * x" in out
    assert "Score: 12 of 13 right (92%)." in out


def test_carried_forward_and_skipped_answers(run):
    result = run("quiz", SEED_STATEMENTS, "--set", SEED_SET, input=answers(["-3", "5", ""]))
    out = " ".join(result.stdout.split())
    assert "hint: c = w * x, with w = 2, x = -2" in out
    assert "✓ right from your earlier numbers (carried forward; the key says 4)" in out
    assert "— skipped; it is 2" in out
    assert "Score: 0 of 13 right, 1 of 13 with carried-forward credit (8%)." in out


def test_a_random_variant(run):
    result = run("quiz", SEED_STATEMENTS, "--vary", "--seed", "3", input="")
    assert result.exit_code == 0
    assert "with w = 2, x = -2, b = 8, y = 2." not in result.stdout
    assert "Score: 0 of 13 right (0%)." in result.stdout


def test_the_program_cannot_come_from_standard_input(run):
    result = run("quiz", input="J = x\n")
    assert result.exit_code == 2
