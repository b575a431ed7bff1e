"""Precision warnings (issue 13 item 2): where float64 loses more than half its
digits in the output's value or a derivative, one warning names the node and
why; the exit status is unchanged; ordinary programs never import mpmath."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mpmath")

from cgdiff import api, precision  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_the_cancelling_subtraction_is_named(run):
    result = run("grad", "J = (1-cos(x))/x^2", "--set", "x=1e-8", "--format", "plain")
    assert result.exit_code == 0
    assert "warning: " in result.stderr
    text = " ".join(result.stderr.split())
    assert "1-cos(x): cancellation, 1.0 - 1.0; about 16 of 16 digits lost" in text


def test_absorption_behind_a_function(run):
    result = run("eval", "J = log(1 + x)", "--set", "x=1e-12", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["warnings"][0]["message"].startswith("1 + x: absorption")
    assert "1 + x: absorption" in " ".join(result.stderr.split())


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.cg")), ids=lambda p: p.name)
def test_no_warning_on_the_examples(path):
    source = path.read_text()
    try:
        result = api.differentiate(source)
    except Exception:
        pytest.skip("needs --set values")
    warnings, note = precision.check(result.graph, result.inputs, result.values,
                                     result.gradient)
    assert warnings == []


def test_no_warning_on_the_lecture_example(run):
    result = run("grad", "J = 0.5*(w*x + b - y)^2", "--set", "w=2,x=-2,b=8,y=2")
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_an_ordinary_program_does_not_import_mpmath():
    code = ("import sys; from cgdiff.cli import main; sys.argv = ['cgdiff', 'grad', "
            "'J = 0.5*(w*x + b - y)^2', '--set', 'w=2,x=-2,b=8,y=2'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('mpmath' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_large_programs_are_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(precision, "NODE_LIMIT", 3)
    result = api.differentiate("J = (1-cos(x))/x^2", {"x": 1e-8})
    warnings, note = precision.check(result.graph, result.inputs, result.values,
                                     result.gradient)
    assert warnings == [] and "precision not checked" in note


@pytest.mark.parametrize("program, hint", [
    ("J = log(1+exp(x))", "use softplus(x)"),
    ("J = log(sigmoid(x))", "use logsigmoid(x)"),
    ("J = log(1 + x)", "use log1p(x)"),
    ("J = exp(x) - 1", "use expm1(x)"),
    ("J = sqrt(a^2 + b*b)", "use hypot(a, b)"),
    ("J = log(exp(a) + exp(b))", "use logsumexp(a, b)"),
])
def test_rewrite_hints_name_the_stable_function(program, hint):
    found = precision.hints(api.load(program))
    assert len(found) == 1 and found[0][1].startswith(hint)


def test_a_warning_carries_the_hint_with_a_caret(run):
    result = run("eval", "J = log(1 + x)", "--set", "x=1e-12", "--format", "json")
    assert "hint: line 1, column 5: use log1p(x) for log(1 + x)" in result.stderr
    assert "      ^" in result.stderr
    assert json.loads(result.stdout)["hints"][0]["hint"].startswith("use log1p(x)")


def test_check_warns_too(run):
    result = run("check", "J = (1-cos(x))/x^2", "--set", "x=1e-8")
    assert "1-cos(x): cancellation" in " ".join(result.stderr.split())


@pytest.mark.parametrize("command", ["grad", "eval"])
def test_strict_exits_3_on_a_precision_warning(run, command):
    plain = run(command, "J = (1-cos(x))/x^2", "--set", "x=1e-8", "--format", "plain")
    strict = run(command, "J = (1-cos(x))/x^2", "--set", "x=1e-8", "--format", "plain",
                 "--strict")
    assert plain.exit_code == 0 and strict.exit_code == 3
    assert strict.stdout == plain.stdout
    assert strict.stderr.startswith(plain.stderr)  # the warning text unchanged
    assert "error: --strict: float64 lost more than half its digits" in strict.stderr


def test_check_strict_covers_precision_warnings_too(run):
    args = ("check", "J = log(1 + x)", "--set", "x=1e-12", "--format", "plain")
    assert run(*args).exit_code == 0  # the derivatives agree with finite differences
    strict = run(*args, "--strict")
    assert strict.exit_code == 3 and "error: --strict: float64" in strict.stderr


@pytest.mark.parametrize("command", ["grad", "eval", "check"])
def test_strict_exits_0_on_the_lecture_example(run, command):
    result = run(command, "J = 0.5*(w*x + b - y)^2", "--set", "w=2,x=-2,b=8,y=2", "--strict")
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_digits_50_gives_the_true_derivative_where_float64_has_none(run):
    result = run("grad", "J = (1-cos(x))/x^2", "--set", "x=1e-8", "--digits", "50",
                 "--format", "plain")
    assert result.exit_code == 0 and "warning" not in result.stderr
    name, text = result.stdout.split()
    digits = text.split("e")[0].lstrip("-").replace(".", "").rstrip("0")
    assert name == "x" and len(digits) >= 45  # all the digits asked for are shown
    assert abs(float(text) - -8.333333333333333e-10) < 1e-24  # -2x/4! - ...: the truth


def test_digits_30_on_the_lecture_example_are_exact(run):
    result = run("grad", "J = 0.5*(w*x + b - y)^2", "--set", "w=2,x=-2,b=8,y=2",
                 "--digits", "30", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["value"] == "2.0"
    assert data["gradient"] == {"w": "-4.0", "x": "4.0", "b": "2.0", "y": "-2.0"}
    table = run("grad", "J = 0.5*(w*x + b - y)^2", "--set", "w=2,x=-2,b=8,y=2",
                "--digits", "30")
    assert "∂J/∂w = -4\n" in table.stdout


def test_digits_shows_every_digit_in_eval(run):
    result = run("eval", "J = sqrt(x)", "--set", "x=2", "--digits", "60", "--format", "plain")
    assert result.stdout.strip() == \
        "1.41421356237309504880168872420969807856967187537694807317668"
    table = run("eval", "J = sqrt(x)", "--set", "x=2", "--digits", "60")
    assert "1.41421356237309504880168872420969807856967187537694807317668" in table.stdout


@pytest.mark.parametrize("value", ["0", "1001", "-3", "abc", "2.5", "nan"])
def test_digits_out_of_range_is_a_usage_error(run, value):
    result = run("grad", "J = x", "--set", "x=1", "--digits", value)
    assert result.exit_code == 2 and "--digits" in result.stderr


def test_digits_refuses_a_program_over_the_node_limit(run, monkeypatch):
    monkeypatch.setattr(precision, "NODE_LIMIT", 3)
    result = run("grad", "J = (1-cos(x))/x^2", "--set", "x=1e-8", "--digits", "20")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "error: --digits: the program has 7 nodes, more than 3" in result.stderr


def test_without_digits_no_numpy_nor_mpmath_and_with_it_mpmath():
    code = ("import sys; from cgdiff.cli import main; sys.argv = ['cgdiff', 'grad', "
            "'J = 0.5*(w*x + b - y)^2', '--set', 'w=2,x=-2,b=8,y=2'{}];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('mpmath' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)")
    for extra, expected in (("", "False False"), (", '--digits', '20'", "True False")):
        done = subprocess.run([sys.executable, "-c", code.format(extra)], capture_output=True,
                              text=True)
        assert done.stderr.strip().splitlines()[-1] == expected
