"""Reverse mode does not fail where the answer exists: only a derivative that
an asked-for input depends on may raise (passes.reverse's ``wrt``)."""

import json
import math

import pytest

from cgdiff import passes
from cgdiff.api import differentiate
from cgdiff.errors import DomainError

# (program, settings, the input asked for, its derivative)
ANSWERS = [
    ("J = x^2", {"x": 1.3e154}, "x", 2.6e154),
    ("J = x^(1+1)", {"x": 1.3e154}, "x", 2.6e154),
    ("J = x^2 + y", {"x": 1.3e154, "y": 1.0}, "y", 1.0),
    ("c = x^3; J = c", {"x": 5e102}, "x", 3 * 5e102 ** 2),
]


@pytest.mark.parametrize("program, settings, name, expected", ANSWERS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_both_modes_give_the_derivative(program, settings, name, expected, mode):
    result = differentiate(program, settings, wrt=[name], mode=mode)
    assert result.gradient[name] == pytest.approx(expected, rel=1e-12)


def test_a_derivative_an_input_needs_still_raises():
    with pytest.raises(DomainError, match="too large for a float"):
        differentiate("J = log(x) + y", {"x": 5e-324, "y": 1})


def test_an_infinite_derivative_of_another_input_does_not_stop_this_one():
    # ∂J/∂y is finite; ∂J/∂x overflows: asking for y alone succeeds.
    program, settings = "J = log(x) + y", {"x": 5e-324, "y": 1.0}
    assert differentiate(program, settings, wrt=["y"]).gradient == {"y": 1.0}
    with pytest.raises(DomainError):
        differentiate(program, settings, wrt=["x"])


def test_depends_on_flags_the_nodes_above_the_inputs():
    from cgdiff.api import load

    graph = load("a = 2*3; J = x*a + y")
    flags = passes.depends_on(graph, [graph.index["x"]])
    assert {graph.label(i) for i, f in enumerate(flags) if f} >= {"x", "x*a", "x*a + y"}
    assert not any(flags[i] for i in range(len(graph)) if "x" not in graph.label(i))


@pytest.mark.parametrize("args", [
    ["grad", "J = x^2", "--set", "x=1.3e154"],
    ["grad", "J = x^2", "--set", "x=1.3e154", "--format", "json"],
    ["explain", "J = x^2", "--set", "x=1.3e154"],
    ["check", "J = x^2", "--set", "x=1.3e154", "--format", "json"],
])
def test_commands_succeed(run, args):
    result = run(*args)
    assert result.exit_code in (0, 3) or "disagrees" in result.stderr, result.stderr
    assert "too large for a float" not in result.stderr


def test_json_says_why_a_node_has_no_number(run):
    result = run("grad", "J = x^2", "--set", "x=1.3e154", "--format", "json")
    data = json.loads(result.stdout, parse_constant=pytest.fail)
    constant = next(node for node in data["nodes"] if node["op"] == "const")
    assert constant["grad"] is None and "too large" in constant["grad_note"]
    assert data["gradient"]["x"] == 2.6e154


def test_data_rows(run, tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("x\n1.3e154\n3\n")
    result = run("grad", "J = x^2", "--data", str(data))
    assert result.exit_code == 0, result.stderr
    assert [line.split(",")[-1] for line in result.stdout.splitlines()[1:]] == ["2.6e+154", "6.0"]


def test_fit_ignores_the_constant(run, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("y\n1\n2\n")
    result = run("fit", "J = (w - y)^2 + 0*2^1023.9", "--data", str(data), "--params", "w",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert math.isclose(json.loads(result.stdout)["params"]["w"], 1.5, rel_tol=1e-6)
