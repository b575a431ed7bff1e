"""One graph IR: derivative formulas are an ordinary Graph (cgdiff.formula),
built from the op table's derivative templates parsed once; the passes run on
it, its labels are formula text, and an error there never points a caret into
the user's program."""

from cgdiff import ops, passes
from cgdiff.api import load
from cgdiff.errors import DomainError
from cgdiff.formula import Builder, derivative_template, extract, instantiate, plain_text
from cgdiff.graph import Graph
from cgdiff.symbolic import derivatives

import pytest


def test_templates_are_parsed_once():
    op = ops.FUNCTIONS["sigmoid"]
    template = derivative_template(op, 0)
    assert template is derivative_template(op, 0)
    assert plain_text(template, template.output) == op.derivative[0]


def test_every_template_reads_back_as_the_op_table_writes_it():
    for op in {*ops.FUNCTIONS.values(), ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.POW}:
        for position, text in enumerate(op.derivative):
            f = Builder()
            leaves = [f.var(name) for name in ("a", "b", "out")]
            root = instantiate(f, op, position, *leaves, simplify=False)
            assert plain_text(f.graph, root) == text, op.name


def test_the_builder_shares_and_simplifies():
    f = Builder()
    x = f.var("x")
    two_x = f.make(ops.MUL, f.const(2), x)
    assert f.make(ops.ADD, x, x) == two_x  # x + x is 2*x, the node already there
    assert f.make(ops.MUL, x, f.const(1)) == x
    assert plain_text(f.graph, f.make(ops.MUL, f.const(3), two_x)) == "6*x"
    assert f.graph.inputs == ["x"] and f.graph.index["x"] == x


def test_derivatives_are_an_ordinary_graph_the_passes_run_on():
    d = derivatives(load("J = x^3*y + exp(x*y)"))
    assert type(d.formulas) is Graph
    graph, node_of = extract(d.formulas, d.gradient.values())
    values = passes.forward(graph, {"x": 0.5, "y": -1.0})
    # ∂J/∂x = 3x²y + y·exp(xy)
    expected = 3 * 0.25 * -1.0 + -1.0 * 2.718281828459045 ** -0.5
    assert abs(values[node_of[d.gradient["x"]]] - expected) < 1e-12
    # the copy holds only what the formulas use
    assert len(graph) <= len(d.formulas)


def test_an_error_in_a_formula_names_the_formula_not_the_program():
    f = Builder()
    x, y = f.var("x"), f.var("y")
    root = f.make(ops.DIV, f.make(ops.FUNCTIONS["log"], x), y)
    assert f.graph.label(root) == "log(x)/y"
    with pytest.raises(DomainError) as caught:
        passes.forward(f.graph, {"x": -1.0, "y": 2.0})
    assert caught.value.message.startswith("log(x): ")
    assert caught.value.span is None
    assert caught.value.render("J = 1\n") == f"error: {caught.value.message}"


def test_hessian_errors_show_no_caret(run):
    # at y = 1e-300 a second derivative overflows inside the formula x^3/y
    result = run("hessian", "J = x^3/y", "--set", "x=0,y=1e-300")
    assert result.exit_code == 1
    assert "x^3/y" in result.output
    assert result.output.count("\n") == 1  # one line: no excerpt of the program, no caret
    assert "^\n" not in result.output
