"""The language, case by case: source → the output's expression, or the error
and its column (SPEC §1). A table in the manner of lis.py's tests."""

import math

import pytest

from cgdiff.api import load
from cgdiff.errors import CgdiffError, CycleError, NamingError, ParseError
from cgdiff.parser import parse

from conftest import shape

STRUCTURE = [
    # precedence and associativity
    ("1 + 2*3", "(add 1 (mul 2 3))"),
    ("1 - 2 - 3", "(sub (sub 1 2) 3)"),
    ("8 / 4 / 2", "(div (div 8 4) 2)"),
    ("a*b + c/d", "(add (mul a b) (div c d))"),
    ("-x^2", "(neg (pow x 2))"),
    ("2^3^2", "(pow 2 (pow 3 2))"),
    ("2**3**2", "(pow 2 (pow 3 2))"),
    ("2^-1", "(pow 2 (neg 1))"),
    ("-2^2", "(neg (pow 2 2))"),
    ("(-2)^2", "(pow (neg 2) 2)"),
    ("+x", "(id x)"),
    ("- -x", "(neg (neg x))"),
    ("a*-b", "(mul a (neg b))"),
    ("(a + b)*c", "(mul (add a b) c)"),
    ("((((x))))", "(id x)"),
    # functions and constants
    ("exp(x) + ln(x) + log(x)", "(add (add (exp x) (log x)) (log x))"),
    ("max(a, b) - min(a, b)", "(sub (max a b) (min a b))"),
    ("pow(x, 3)", "(pow x 3)"),
    ("sigmoid(relu(abs(tanh(x))))", "(sigmoid (relu (abs (tanh x))))"),
    ("sqrt(sin(x)^2 + cos(x)^2)", "(sqrt (add (pow (sin x) 2) (pow (cos x) 2)))"),
    ("tan(pi*e)", "(tan (mul pi e))"),
    # numbers
    ("2.5 + .5 + 1e-3 + 1.5E+2 + 3.", "(add (add (add (add 2.5 .5) 1e-3) 1.5E+2) 3.)"),
    # names: Unicode, underscores, case
    ("θ*α_1 + _x", "(add (mul θ α_1) _x)"),
    ("X + x", "(add X x)"),
]


@pytest.mark.parametrize("source, expected", STRUCTURE)
def test_structure(source, expected):
    assert shape(load(source)) == expected


PROGRAMS = [
    # statements: separators, comments, blank lines, CRLF, tabs, order
    ("a = 1; b = a + 1", "(add a 1)"),
    ("a = 1\n\n\nb = a + 1\n", "(add a 1)"),
    ("a = 1;;b = a + 1;", "(add a 1)"),
    ("a = 1\r\nb = a + 1\r\n", "(add a 1)"),
    ("a = 1\n\tb\t=\ta + 1", "(add a 1)"),
    ("# comment\na = 1 # trailing\nb = a + 1 # done", "(add a 1)"),
    ("b = a + 1\na = 1", "(add a 1)"),
]


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


ERRORS = [
    # source, error class, column of the caret (1-based), words in the message
    ("J = 0.5*(w*x + $b)", ParseError, 16, "expected a number, a name or '('"),
    ("J = (x", ParseError, 7, "expected an operator or ')'"),
    ("J = x)", ParseError, 6, "')'"),
    ("2**", ParseError, 4, "a number, a name or '('"),
    ("x =", ParseError, 4, "a number"),
    ("= 3", ParseError, 1, "'='"),
    ("3 = x", ParseError, 3, "'='"),
    ("x + * y", ParseError, 5, "a number, a name or '('"),
    ("1.2.3", ParseError, 1, "malformed number '1.2.3'"),
    ("1e", ParseError, 1, "malformed number '1e'"),
    ("f()", NamingError, 1, "unknown function 'f'"),
    ("sqr(x)", NamingError, 1, "did you mean 'sqrt'?"),
    ("pow(1)", ParseError, 1, "pow() takes 2 arguments, got 1"),
    ("exp(1, 2)", ParseError, 1, "exp() takes 1 argument, got 2"),
    ("y = exp + 1", NamingError, 5, "'exp' is a function"),
    ("pi = 3", NamingError, 1, "cannot assign to 'pi'"),
    ("exp = 3", NamingError, 1, "cannot assign to 'exp'"),
    ("a = 1\na = 2", NamingError, 1, "'a' is defined twice (first at line 1, column 1)"),
    ("a = b + 1; b = a*2", CycleError, 1, "a → b → a"),
    ("a = a + 1", CycleError, 1, "'a' is defined in terms of itself"),
    ("", ParseError, None, "no statement"),
    ("# only a comment\n;;\n", ParseError, None, "no statement"),
    ("1e999", ParseError, 1, "too large for a float"),
]


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
