"""grad --symbolic: derivative formulas from the reverse pass, simplified, that
parse back with cgdiff and evaluate to the same numbers as grad."""

import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings

from cgdiff import ops, symbolic
from cgdiff.render import formulas as writers
from cgdiff.api import differentiate, evaluate, load
from cgdiff.errors import CgdiffError, DomainError

from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS
from strategies import programs, values_strategy


def plain(program, wrt=None):
    d = symbolic.derivatives(load(program), wrt)
    return {name: writers.inline_text(d, name) for name in d.gradient}


# ---------------------------------------------------------------- simplification

@pytest.mark.parametrize("program, name, formula", [
    ("J = x + 0", "x", "1"),
    ("J = x*1", "x", "1"),
    ("J = x*0 + y", "x", "0"),
    ("J = -(-x)", "x", "1"),
    ("J = 2*(3*x)", "x", "6"),
    ("J = x^2", "x", "2*x"),
    ("J = x^3", "x", "3*x^2"),
    ("J = x*x*x", "x", "3*x^2"),
    ("J = 1/2*x^2", "x", "x"),
    ("J = x - 5", "x", "1"),
    ("J = (x - 5)^2", "x", "2*(x - 5)"),
    ("J = -x^2", "x", "-2*x"),
    ("J = sin(x)", "x", "cos(x)"),
    ("J = cos(x)", "x", "-sin(x)"),
    ("J = exp(x)", "x", "exp(x)"),
    ("J = log(x)*x", "x", "log(x) + 1"),
    ("J = 1/x", "x", "-1/x^2"),
    ("J = x/y", "y", "-x/y^2"),
    ("J = x^y", "y", "powlog(x, y)"),
    ("J = sqrt(x)", "x", "0.5/sqrt(x)"),
    ("J = tanh(x)", "x", "sech(x)^2"),
    ("J = x*pi", "x", "pi"),
    # Kinks: the conventions of the numeric partials, written with step and sign.
    ("J = relu(x)", "x", "step(x)"),
    ("J = abs(x)", "x", "sign(x)"),
    ("J = max(x, y)", "x", "1 - gt(y, x)"),
    ("J = max(x, y)", "y", "gt(y, x)"),
    ("J = min(x, y)", "x", "1 - gt(x, y)"),
    ("J = min(x, y)", "y", "gt(x, y)"),
    ("J = 3*y", "x", "0"),
])
def test_simplified_formula(program, name, formula):
    assert plain("x = 1; y = 2; " + program, [name])[name] == formula


def test_seed_formulas():
    assert plain(SEED_ONE_LINE) == {"w": "(w*x + b - y)*x", "x": "(w*x + b - y)*w",
                                    "b": "w*x + b - y", "y": "y - (w*x + b)"}


def test_shared_parts_use_the_programs_own_names():
    text = writers.program_text(symbolic.derivatives(load(SEED_STATEMENTS)))
    assert text.splitlines()[1:] == ["a = w*x + b", "d = a - y", "dJ_dw = d*x", "dJ_dx = d*w",
                                     "dJ_db = d", "dJ_dy = y - a"]


def test_derivative_names_do_not_clash():
    text = writers.program_text(symbolic.derivatives(load("dJ_dx = 1; J = x*dJ_dx")))
    assert "dJ_dx_1 = dJ_dx" in text
    assert load(text, "dJ_dx_1")


def test_kinks_match_grad_exactly_at_the_kink():
    for program in ["J = relu(x) + 0*y", "J = abs(x) + 0*y", "J = max(x, y)", "J = min(x, y)",
                    "J = max(y, x)", "J = min(y, x)"]:
        values = {"x": 0.0, "y": 0.0}
        numeric = differentiate(program, values, wrt=["x", "y"]).gradient
        formulas = plain(program, ["x", "y"])
        for name, formula in formulas.items():
            assert _evaluate(formula, values) == numeric[name], (program, name)


def test_step_and_sign_are_functions():
    assert evaluate("step(x)", {"x": 0.0}).value == 0.0
    assert evaluate("step(x)", {"x": 1e-300}).value == 1.0
    assert [evaluate("sign(x)", {"x": v}).value for v in (-3.0, 0.0, 2.0)] == [-1, 0, 1]
    assert differentiate("J = step(x) + sign(x)", {"x": 1.0}).gradient == {"x": 0.0}


def test_every_op_has_a_derivative_formula_per_argument():
    for op in ops.BY_NAME.values():
        if op.arity:
            assert len(op.derivative) == op.arity, op.name
            for template in op.derivative:
                assert set(load(template).inputs) <= {"a", "b", "out"}


@pytest.mark.parametrize("op", [op for op in ops.BY_NAME.values() if op.arity],
                         ids=lambda op: op.name)
def test_derivative_formulas_equal_the_numeric_partials(op):
    from cases import OP_POINTS as POINTS

    points = POINTS[op.name] + ([(0.0,)] if op.arity == 1 and op.name not in ("log", "sqrt")
                                else [(1.0, 1.0)] if op.arity == 2 else [])
    for args in points:
        try:
            out = op.value(*args)
        except (ValueError, OverflowError, ZeroDivisionError):
            continue  # 0 is outside the domain (log2, acosh)
        numeric = op.partials(*args, out)
        bound = dict(zip("ab", args), out=out)
        for template, expected in zip(op.derivative, numeric):
            if math.isnan(expected):
                continue
            graph = load(template)
            got = evaluate(graph, {n: bound[n] for n in graph.inputs}).value
            assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (template, args)


def test_too_long_to_inline_is_a_clean_error(monkeypatch):
    monkeypatch.setattr(writers, "INLINE_LIMIT", 200)
    program = "\n".join(f"x{k} = sin(x{k - 1})*x{k - 1}" for k in range(1, 30))
    d = symbolic.derivatives(load(program), ["x0"])
    with pytest.raises(CgdiffError, match="too long"):
        writers.inline_text(d, "x0")
    assert "dx29_dx0" in writers.program_text(d)  # the named form stays small


def test_writing_takes_memory_of_the_output_only():
    """A 3000-step chain: its ∂/∂w sums 3000 terms; writing it must not keep a
    copy of every prefix of that sum (quadratic memory)."""
    import tracemalloc

    program = "v0 = x\n" + "\n".join(f"v{k} = tanh(w*v{k - 1} + b)" for k in range(1, 3000))
    d = symbolic.derivatives(load(program), ["w"])
    tracemalloc.start()
    text = writers.program_text(d)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * len(text) + 5_000_000, (peak, len(text))


def test_deep_program_does_not_recurse():
    program = "J = " + "sin(" * 3000 + "x" + ")" * 3000
    d = symbolic.derivatives(load(program))
    assert len(writers.program_text(d)) < 200_000


# ---------------------------------------------------------------- the round trip

def _evaluate(formula: str, values: dict, of=None) -> float:
    graph = load(formula, of)
    return evaluate(graph, {n: values[n] for n in graph.inputs if n in values}).value


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), values_strategy)
def test_round_trip_on_random_programs(program, values):
    graph = load(program)
    used = {n: v for n, v in values.items() if n in graph.index}
    try:
        numeric = differentiate(graph, used).gradient
    except DomainError:
        assume(False)
    d = symbolic.derivatives(graph)
    # The whole program, one statement per derivative ...
    text = writers.program_text(d)
    for name, expected in numeric.items():
        got = _evaluate(text, used, of=symbolic.derivative_name(d, name))
        assert _close(got, expected), (program, name, text)
    # ... and each formula inlined on one line.
    for name, expected in numeric.items():
        assert _close(_evaluate(writers.inline_text(d, name), used), expected)


def test_through_the_installed_script(tmp_path):
    """A real pipe: grad --symbolic into eval -f -."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("cgdiff")
    if not script.exists():
        pytest.skip("the cgdiff console script is not installed")
    formulas = subprocess.run([str(script), "grad", "--symbolic", SEED_STATEMENTS, "--set",
                               SEED_SET], capture_output=True, text=True, check=True).stdout
    back = subprocess.run([str(script), "eval", "-f", "-", "--of", "dJ_dx", "--format",
                           "plain"], input=formulas, capture_output=True, text=True, check=True)
    assert back.stdout == "4.0\n"


# ---------------------------------------------------------------- the command

def test_cli_program_evaluates_back(run, tmp_path):
    result = run("grad", "--symbolic", SEED_STATEMENTS, "--set", "w=2,x=-2,b=8,y=2")
    assert result.exit_code == 0
    assert "w = 2\nx = -2\nb = 8\ny = 2\n" in result.output  # values ride along
    path = tmp_path / "d.cg"
    path.write_text(result.output)
    back = run("eval", "-f", str(path), "--of", "dJ_dw", "--format", "plain")
    assert back.output == "-4.0\n"


def test_cli_plain_feeds_eval(run):
    result = run("grad", "--symbolic", SEED_ONE_LINE, "--format", "plain")
    assert result.exit_code == 0
    lines = dict(line.split("\t") for line in result.output.splitlines())
    assert list(lines) == ["w", "x", "b", "y"]
    expected = {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}
    for name, formula in lines.items():
        back = run("eval", formula, "--set", SEED_SET, "--format", "plain")
        assert float(back.output) == expected[name]


def test_cli_json_and_csv(run):
    data = json.loads(run("grad", "--symbolic", SEED_ONE_LINE, "--format", "json").output)
    assert data["of"] == "J"
    assert data["gradient"]["b"] == "w*x + b - y"
    assert data["program"].startswith("# ∂J/∂w")
    csv_out = run("grad", "--symbolic", SEED_ONE_LINE, "--wrt", "b", "--format", "csv").output
    assert csv_out == "name,derivative\nb,w*x + b - y\n"


def test_cli_latex(run):
    result = run("grad", "--symbolic", SEED_ONE_LINE, "--wrt", "w,b", "--format", "latex")
    assert result.output == (
        "\\frac{\\partial J}{\\partial w} = \\left(w \\cdot x + b - y\\right) \\cdot x\n"
        "\\frac{\\partial J}{\\partial b} = w \\cdot x + b - y\n")


@pytest.mark.parametrize("args, code, message", [
    (["grad", "J = x", "--format", "latex"], 2, "--format latex needs --symbolic"),
    (["grad", "--symbolic", "J = x", "--mode", "forward"], 2, "drop --mode forward"),
    (["grad", "--symbolic", "J = x", "--stats"], 2, "drop --symbolic"),
    (["grad", "--symbolic", "J = x", "--wrt", "q"], 1, "error: --wrt q"),
    (["grad", "--symbolic", "J = x", "--set", "q=1"], 1, "error: --set q"),
    (["grad", "--symbolic", "J = x +"], 1, "error:"),
])
def test_cli_errors(run, args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert message in result.output  # CliRunner mixes stderr in
    assert "Traceback" not in result.output


def test_no_values_needed(run):
    result = run("grad", "--symbolic", "J = w*x", "--format", "plain")
    assert result.output == "w\tx\nx\tw\n"
