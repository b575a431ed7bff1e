"""cgdiff hessian: second derivatives by the reverse pass over the derivative's
graph, checked against finite differences of the gradient and for symmetry."""

import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cgdiff.api import differentiate, load
from cgdiff.errors import DomainError, NamingError
from cgdiff.hessian import hessian

from strategies import programs, values_strategy
from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS, SEED_VALUES

CASES = [
    (SEED_ONE_LINE, SEED_VALUES),
    (SEED_STATEMENTS, SEED_VALUES),
    ("J = x^3*y + exp(x*y)", {"x": 0.5, "y": -1.0}),
    ("J = sin(x)*cos(y) + tanh(x*y)/(1 + z^2)", {"x": 0.3, "y": 1.2, "z": -0.7}),
    ("z = w*x + b; L = -(y*log(sigmoid(z)) + (1-y)*log(1-sigmoid(z)))",
     {"w": 0.4, "x": 1.5, "b": -0.2, "y": 1.0}),
    ("J = x^y + sqrt(x)*log(y)", {"x": 1.7, "y": 2.3}),
    ("a = x*y; b = a + x; J = a*b/(1 + b^2)", {"x": 0.9, "y": -0.4}),
    ("J = relu(x*y) + abs(x - 3)*y + max(x, y)^2", {"x": 1.1, "y": 0.6}),
]


def finite_difference_hessian(program, values, names, step=1e-5):
    """Column j: (∇J(x + h e_j) - ∇J(x - h e_j)) / 2h."""
    columns = []
    for name in names:
        h = step * max(1.0, abs(values[name]))
        up = differentiate(program, {**values, name: values[name] + h}, wrt=names).gradient
        down = differentiate(program, {**values, name: values[name] - h}, wrt=names).gradient
        columns.append([(up[n] - down[n]) / (2 * h) for n in names])
    return [list(row) for row in zip(*columns)]


@pytest.mark.parametrize("program, values", CASES)
def test_matches_finite_differences_of_the_gradient(program, values):
    result = hessian(program, values)
    names = result.names
    expected = finite_difference_hessian(program, values, names)
    for i in range(len(names)):
        for j in range(len(names)):
            assert math.isclose(result.matrix[i][j], expected[i][j], rel_tol=1e-6,
                                abs_tol=1e-6), (names[i], names[j])


@pytest.mark.parametrize("program, values", CASES)
def test_symmetric(program, values):
    m = hessian(program, values).matrix
    for i in range(len(m)):
        for j in range(i):
            assert math.isclose(m[i][j], m[j][i], rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("program, values", CASES)
def test_gradient_is_grads(program, values):
    result = hessian(program, values)
    expected = differentiate(program, values).gradient
    for name, x in expected.items():
        assert math.isclose(result.gradient[name], x, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_smooth_programs_match_finite_differences(data):
    program = data.draw(programs(smooth=True))
    values = data.draw(values_strategy)
    graph = load(program)
    used = {n: values[n] for n in graph.inputs}
    try:
        result = hessian(graph, used)
        expected = finite_difference_hessian(program, used, result.names)
    except DomainError:
        assume(False)
    scale = max(1.0, max(abs(x) for row in expected for x in row) if expected else 1.0)
    for i, row in enumerate(result.matrix):
        for j, x in enumerate(row):
            assert abs(x - expected[i][j]) <= 1e-4 * scale, (program, used, i, j)
            assert math.isclose(x, result.matrix[j][i], rel_tol=1e-9, abs_tol=1e-9)


def test_seed_by_hand():
    # J = (wx + b - y)^2 / 2 with r = wx + b - y = 2: ∂²J/∂w² = x² = 4,
    # ∂²J/∂w∂x = r + wx = -2, ∂²J/∂w∂b = x = -2, ∂²J/∂b² = 1.
    result = hessian(SEED_ONE_LINE, SEED_VALUES)
    assert result.matrix == [[4, -2, -2, 2], [-2, 4, 2, -2], [-2, 2, 1, -1], [2, -2, -1, 1]]


def test_wrt_subset_and_unused_input():
    result = hessian("J = x^2*y; q = 3", {"x": 2.0, "y": 5.0}, of="J", wrt=["y", "x", "q"])
    assert result.names == ["y", "x", "q"]
    assert result.matrix == [[0, 4, 0], [4, 10, 0], [0, 0, 0]]


def test_errors():
    with pytest.raises(NamingError, match="is a statement"):
        hessian(SEED_STATEMENTS, SEED_VALUES, wrt=["d"])
    with pytest.raises(NamingError, match="no such name"):
        hessian(SEED_STATEMENTS, SEED_VALUES, wrt=["nosuch"])
    # Where the first derivative does not exist, grad's own error.
    with pytest.raises(DomainError, match="derivative with respect to x does not exist"):
        hessian("J = sqrt(x)", {"x": 0.0})


def test_cli_table(run):
    result = run("hessian", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w,b")
    assert result.exit_code == 0
    assert "∂²J/∂row∂column" in result.output
    assert "∂J/∂w = -4" in result.output


def test_cli_json_csv_plain(run):
    data = json.loads(run("hessian", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w,b",
                          "--format", "json").output)
    assert data == {"of": "J", "value": 2.0, "wrt": ["w", "b"],
                    "gradient": {"w": -4.0, "b": 2.0}, "hessian": [[4.0, -2.0], [-2.0, 1.0]]}
    csv_out = run("hessian", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w,b", "--format", "csv")
    assert csv_out.output == ",w,b\nw,4.0,-2.0\nb,-2.0,1.0\n"
    plain = run("hessian", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w,b", "--format", "plain")
    assert plain.output == "4.0\t-2.0\n-2.0\t1.0\n"


@pytest.mark.parametrize("args, code", [
    (["hessian", SEED_ONE_LINE], 1),                        # no values
    (["hessian", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "q"], 1),
    (["hessian", "J = sqrt(x)", "--set", "x=0"], 1),
    (["hessian", SEED_ONE_LINE, "--format", "xml"], 2),
])
def test_cli_errors(run, args, code):
    result = run(*args)
    assert result.exit_code == code
    assert "Traceback" not in result.output


@pytest.mark.parametrize("width", [40, 80, 200])
@pytest.mark.parametrize("command, program, title", [
    ("hessian", "J = x^3", "∂²J/∂row∂column"),
    ("jacobian", "u = x^2", "∂row/∂column"),
])
def test_a_narrow_tables_title_is_never_folded(run, monkeypatch, width, command, program,
                                               title):
    # a one-input table is narrower than its title: the title's word stays whole
    monkeypatch.setenv("COLUMNS", str(width))
    result = run(command, program, "--set", "x=2")
    assert result.exit_code == 0, result.output
    assert title in result.output.splitlines()[0]
