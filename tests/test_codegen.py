"""grad --symbolic --format python|numpy|c|javascript: the exported function,
run in its language, gives grad's value and gradient."""

import json
import random
import shutil
import subprocess

import pytest

from cgdiff import ops, render
from cgdiff.api import differentiate
from cgdiff.render import code
from cgdiff.symbolic import symbolic_gradient
from cases import OP_POINTS

SEED = "x = -2; y = 2\nw = 2; b = 8\nJ = 0.5*(w*x + b - y)^2\n"
NETWORK = """x1 = 1; x2 = -1; t = 0.5
w11 = 0.5; w12 = -0.5; b1 = 0
w21 = 1; w22 = 0.5; b2 = -0.5
v1 = 1; v2 = -1; c = 0
h1 = tanh(w11*x1 + w12*x2 + b1)
h2 = sigmoid(w21*x1 + w22*x2 + b2)
y = sigmoid(v1*h1 + v2*h2 + c)
J = 0.5*(y - t)^2 + softplus(v1) + logsigmoid(v2)
"""
# the ops written out, at points where each is defined: one statement (a line
# that starts with "+" would be a statement of its own, and not the output)
EVERY_OP = "u = 0.3; v = 0.7\nJ = " + " + ".join([
    "exp(u)", "log(v)", "sqrt(v)", "sin(u)*cos(v)", "tan(u)", "tanh(u)", "sech(v)", "sigmoid(u)",
    "relu(u - v)", "abs(u - v)", "max(u, v)", "min(u, v)", "pow(v, u)", "v^u", "step(u)",
    "sign(v)", "asin(u)", "acos(u)", "atan(v)", "atan2(u, v)", "sinh(u)", "cosh(v)", "asinh(u)",
    "acosh(v + 1)", "atanh(u)", "log2(v)", "log10(v)", "log1p(u)", "expm1(v)", "hypot(u, v)",
    "softplus(u)", "logsigmoid(v)", "powlog(v, u)", "u/v - u"]) + "\n"


def _every_function() -> str:
    """Every function of the op table, read from the table (a new entry is
    exported and run in every language without being listed here), each of
    its own inputs at the op's first test point."""
    lines, terms = [], []
    for k, op in enumerate(dict.fromkeys(ops.FUNCTIONS.values())):
        args = [f"{'ab'[m]}{k}" for m in range(op.arity)]
        lines.append("; ".join(f"{a} = {x!r}" for a, x in zip(args, OP_POINTS[op.name][0])))
        terms.append(f"{op.name}({', '.join(args)})")
    return "\n".join(lines) + "\nJ = " + " + ".join(terms) + "\n"


EVERY_FUNCTION = _every_function()
# inputs named as the exported code's own names and the languages' keywords
COLLIDING = ("shape = 1; float = 2; t1 = 3; double = 4; const = 5\n"
             "J = shape*float*exp(t1) + (t1*double)^2 + const")
PROGRAMS = {"seed": SEED, "network": NETWORK, "every op": EVERY_OP,
            "every function": EVERY_FUNCTION, "colliding": COLLIDING}


def export(source, fmt):
    return render.as_text(symbolic_gradient(source), fmt)


def points(source, count=200, seed=1):
    rng = random.Random(seed)
    graph = differentiate(source).graph
    names = graph.inputs
    if source is EVERY_FUNCTION:  # each op's own domain: the program's values, nudged
        return names, [{n: graph.const[graph.index[n]] * (1 + 1e-3 * k) for n in names}
                       for k in range(3)]
    low = 0.05 if source is EVERY_OP else -3.0
    high = 0.9 if source is EVERY_OP else 3.0
    return names, [{n: rng.uniform(low, high) for n in names} for _ in range(count)]


def close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-300)


def expected(source, point):
    result = differentiate(source, point)
    return result.value, result.gradient


def assert_matches(source, point, value, gradient):
    """The exported code's value and gradient (name → number) at ``point`` are grad's."""
    want_value, want_gradient = expected(source, point)
    assert close(value, want_value)
    assert set(gradient) == set(want_gradient)
    for name, number in gradient.items():
        assert close(number, want_gradient[name]), (name, point)


def python_function(text):
    namespace = {}
    exec(compile(text, "<exported>", "exec"), namespace)
    (name,) = [k for k in namespace if k.startswith("grad_")]
    return namespace[name]


@pytest.mark.parametrize("which", PROGRAMS)
def test_python_matches_grad(which):
    source = PROGRAMS[which]
    function = python_function(export(source, "python"))
    names, chosen = points(source)
    for point in chosen:
        value, gradient = function(*point.values())  # identifiers may be renamed
        assert_matches(source, point, value, gradient)


def test_python_defaults_are_the_programs_values():
    value, gradient = python_function(export(SEED, "python"))()
    assert (value, gradient) == expected(SEED, {})
    assert value == 2.0 and gradient == {"x": 4.0, "y": -2.0, "w": -4.0, "b": 2.0}


@pytest.mark.parametrize("which", PROGRAMS)
def test_numpy_matches_grad_on_arrays(which):
    np = pytest.importorskip("numpy")
    source = PROGRAMS[which]
    text = export(source, "numpy")
    assert "import math" not in text or "cg_erf" in text
    function = python_function(text)
    names, chosen = points(source)
    value, gradient = function(*[np.array([p[n] for p in chosen]) for n in names])
    assert value.shape == (len(chosen),)
    for row, point in enumerate(chosen):
        want_value, want_gradient = expected(source, point)
        assert close(float(value[row]), want_value)
        for name in want_gradient:
            assert gradient[name].shape == (len(chosen),)
            assert close(float(gradient[name][row]), want_gradient[name])


def test_numpy_broadcasts_a_constant_gradient():
    np = pytest.importorskip("numpy")
    function = python_function(export("J = 3*x + y", "numpy"))
    value, gradient = function(x=np.arange(4.0), y=1.0)
    assert gradient["x"].tolist() == [3.0] * 4 and gradient["y"].tolist() == [1.0] * 4


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
@pytest.mark.parametrize("which", PROGRAMS)
def test_c_compiles_and_matches_grad(which, tmp_path):
    source = PROGRAMS[which]
    text = export(source, "c")
    names, chosen = points(source, count=50)
    d = symbolic_gradient(source)
    function = [line for line in text.splitlines() if line.startswith("double grad_")][0]
    function = function.split("(")[0].split()[1]
    grads = list(d.gradient)
    rows = ",\n".join("{" + ", ".join(repr(p[n]) for n in names) + "}" for p in chosen)
    main = [text, "#include <stdio.h>",
            f"static const double P[{len(chosen)}][{len(names)}] = {{{rows}}};",
            "int main(void) {",
            f"    for (int i = 0; i < {len(chosen)}; i++) {{",
            f"        double g[{len(grads)}];",
            f"        double v = {function}("
            + ", ".join([f"P[i][{k}]" for k in range(len(names))]
                        + [f"&g[{k}]" for k in range(len(grads))]) + ");",
            '        printf("%.17g", v);',
            f'        for (int k = 0; k < {len(grads)}; k++) printf(" %.17g", g[k]);',
            '        printf("\\n");', "    }", "    return 0;", "}"]
    (tmp_path / "f.c").write_text("\n".join(main) + "\n")
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", str(tmp_path / "f"),
                    str(tmp_path / "f.c"), "-lm"], check=True)
    output = subprocess.run([str(tmp_path / "f")], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert len(output) == len(chosen)
    for line, point in zip(output, chosen):
        value, *numbers = [float(x) for x in line.split()]
        assert_matches(source, point, value, dict(zip(grads, numbers, strict=True)))


@pytest.mark.skipif(shutil.which("node") is None, reason="no node")
@pytest.mark.parametrize("which", PROGRAMS)
def test_javascript_runs_and_matches_grad(which, tmp_path):
    source = PROGRAMS[which]
    text = export(source, "javascript")
    names, chosen = points(source, count=50)
    function = text.split("function grad_")[1].split("(")[0]
    script = (text + f"\nconst P = {json.dumps([[p[n] for n in names] for p in chosen])};\n"
              f"console.log(JSON.stringify(P.map((p) => grad_{function}(...p))));\n")
    (tmp_path / "f.js").write_text(script)
    output = json.loads(subprocess.run(["node", str(tmp_path / "f.js")], capture_output=True,
                                       text=True, check=True).stdout)
    for got, point in zip(output, chosen, strict=True):
        assert_matches(source, point, got["value"], got["gradient"])


@pytest.mark.parametrize("fmt", ["python", "numpy"])
def test_the_exponents_derivative_is_defined_at_a_zero_base(fmt):
    # ∂(x^y)/∂y at x = 0 is 0 (grad's number): the code must not take log(0)
    function = python_function(export("J = x^y*z", fmt))
    value, gradient = function(x=0.0, y=2.0, z=3.0)
    assert value == 0.0 and float(gradient["y"]) == 0.0
    assert float(gradient["z"]) == 0.0


def test_shared_parts_keep_the_programs_names():
    text = export(NETWORK, "python")
    assert "    h1 = math.tanh(" in text and "    y = cg_sigmoid(" in text
    assert text.startswith("# a program given on the command line: J and its gradient")


@pytest.mark.parametrize("fmt", ["python", "numpy", "c", "javascript"])
def test_cli_writes_code_naming_the_file(run, fmt):
    result = run("grad", "--symbolic", "-f", "examples/seed.cg", "--format", fmt)
    assert result.exit_code == 0
    assert "examples/seed.cg" in result.output.splitlines()[0]


def test_element_names_become_identifiers():
    text = export("x = [1, 2]\nJ = sum(x^2)", "python")
    value, gradient = python_function(text)()
    assert value == 5.0 and gradient == {"x[0]": 2.0, "x[1]": 4.0}


def test_an_op_a_language_lacks_is_an_error(run, monkeypatch):
    monkeypatch.delitem(code._C_CALLS, "tanh")
    result = run("grad", "--symbolic", "J = tanh(x)", "--format", "c")
    assert result.exit_code == 1
    assert result.output.startswith("error:") or "error:" in result.output
    assert "tanh" in result.output and "c" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["python", "numpy"])
def test_names_that_collide_with_the_codes_own(fmt):
    pytest.importorskip("numpy")
    value, gradient = python_function(export(COLLIDING, fmt))()
    want_value, want_gradient = expected(COLLIDING, {})
    assert close(float(value), want_value)
    assert {k: float(v) for k, v in gradient.items()} == pytest.approx(want_gradient, rel=1e-12)


def test_a_program_without_inputs():
    assert python_function(export("J = 2*3", "python"))() == (6.0, {})
    value, gradient = python_function(export("J = 2*3", "numpy"))()
    assert float(value) == 6.0 and gradient == {}


def test_a_deep_chain_compiles_and_matches_grad():
    # every line short: Python's compiler recurses over a nested expression
    source = "x = 0.5\nh0 = tanh(x)\n" + "".join(f"h{i} = tanh(h{i - 1})\n" for i in range(1, 3000))
    text = export(source, "python")
    assert max(len(line) for line in text.splitlines()[3:]) < 400
    value, gradient = python_function(text)()
    want_value, want_gradient = expected(source, {})
    assert close(value, want_value) and close(gradient["x"], want_gradient["x"])


def test_the_output_used_again_is_computed_once():
    text = export("J = exp(x)", "python")
    assert text.count("math.exp(") == 1 and "    dJ_dx = J\n" in text


def test_the_code_formats_grad_offers_are_the_code_writers():
    # render.formulas names them without importing render.code (start-up)
    from cgdiff.render import code, formulas
    assert set(formulas.CODE_FORMATS) == set(code.FORMATS)


def test_a_single_point_command_does_not_load_the_code_writers_or_fractions():
    import subprocess
    import sys
    probe = ("import sys; from cgdiff.cli import cli; "
             "print(sorted(m for m in ('cgdiff.render.code', 'fractions') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
