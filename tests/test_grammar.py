"""The language, case by case: source → the output's expression, or the error
and its column (SPEC §1). A table in the manner of lis.py's tests."""

import math

import pytest

from cgdiff.api import load
from cgdiff.errors import CgdiffError, ParseError
from cgdiff.parser import parse

from cases import ERRORS, PROGRAMS, STRUCTURE, shape


@pytest.mark.parametrize("source, expected", STRUCTURE)
def test_structure(source, expected):
    assert shape(load(source)) == expected


@pytest.mark.parametrize("source, expected", PROGRAMS)
def test_programs(source, expected):
    graph = load(source, of="b")
    assert shape(graph) == expected


def test_statements_in_any_order_keep_dependency_order():
    graph = load("J = d^2; d = a - y; a = c + b; c = w*x", of="J")
    order = [graph.node_id(i) for i in range(len(graph)) if graph.node_id(i)[0] != "#"]
    assert order == ["y", "b", "w", "x", "c", "a", "d", "J"]


@pytest.mark.parametrize("source, default", [
    ("x = 2", 2.0), ("x = -2", -2.0), ("x = +2.5", 2.5), ("x = - 1e3", -1000.0),
])
def test_input_declarations(source, default):
    graph = load(source + "\nJ = x*1")
    assert graph.op[graph.index["x"]].name == "input"
    assert graph.const[graph.index["x"]] == default


@pytest.mark.parametrize("source", ["x = (2)", "x = 2*3", "x = --2", "x = pi"])
def test_ordinary_nodes_are_not_inputs(source):
    graph = load(source)
    assert graph.op[graph.index["x"]].name != "input"
    assert "x" not in graph.inputs


def test_bare_statement_is_the_output_labelled_by_its_text():
    graph = load("w = 2\nw*3 + 1")
    assert graph.label(graph.output) == "w*3 + 1"
    assert graph.node_id(graph.output).startswith("#")


def test_constants():
    graph = load("pi + e")
    assert {graph.const[i] for i in graph.const} == {math.pi, math.e}


@pytest.mark.parametrize("source, error, column, words", ERRORS)
def test_errors(source, error, column, words):
    with pytest.raises(error) as caught:
        load(source)
    rendered = caught.value.render(source)
    assert rendered.startswith("error: ")
    assert words in rendered
    if column is not None:
        caret_line = rendered.splitlines()[-1]
        margin = caret_line.index("| ") + 2 if "| " in caret_line else 2  # several lines
        assert caret_line.index("^") - margin == column - 1


def test_syntax_error_names_line_and_column():
    with pytest.raises(ParseError) as caught:
        parse("a = 1\nb = 2\nc = (a + ) * b\n")
    assert "line 3, column 10" in caught.value.message


def test_every_error_is_a_cgdiff_error():
    for source, *_ in ERRORS:
        with pytest.raises(CgdiffError):
            load(source)


def test_long_labels_are_shortened_in_the_middle():
    from cgdiff.graph import LABEL_LIMIT

    source = "J = " + " + ".join(f"x{k}" for k in range(200))
    graph = load(source)
    label = graph.label(graph.output)
    assert len(label) == LABEL_LIMIT
    assert label.startswith("x0 + x1 + ") and label.endswith(" + x199") and "…" in label
