"""The library takes the numbers Python users pass: ``int`` (and ``bool``,
``Fraction``) as well as ``float``, on every path, the error paths too.

``int.is_integer`` exists only from Python 3.12; on 3.10 and 3.11 an int that
reached a message or a table was an AttributeError. The values are floats
from the first step on, so the type checks below fail on any Python if an
int slips through.
"""

import io
from fractions import Fraction

import pytest

from cgdiff import CgdiffError, differentiate, evaluate
from cgdiff.check import check
from cgdiff.hessian import hessian
from cgdiff.render.sheets import render
from cgdiff.worksheet import build

SEED = "J = 0.5*(w*x + b - y)^2"
INTS = {"w": 2, "x": -2, "b": 8, "y": 2}


def test_int_inputs_are_floats_from_the_start():
    result = differentiate(SEED, INTS)
    assert result.gradient == {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}
    assert all(type(v) is float for v in result.inputs.values())
    assert all(type(v) is float for v in result.values)
    assert all(type(v) is float for v in result.gradient.values())


@pytest.mark.parametrize("value", [0, False, Fraction(0)])
def test_the_error_paths_take_ints(value):
    with pytest.raises(CgdiffError, match="division by zero"):
        differentiate("J = 1/x", {"x": value})
    with pytest.raises(CgdiffError, match="x = 0"):
        evaluate("J = log(x)", {"x": value})
    with pytest.raises(CgdiffError):
        differentiate("J = sqrt(x)", {"x": value})


@pytest.mark.parametrize("program, settings", [
    ("J = log(x - y)", {"x": 1, "y": 2}),
    ("J = 1 + exp(w*x)", {"w": 500, "x": 2}),
    ("J = x^y", {"x": -2, "y": 0.5}),
])
def test_messages_show_int_values(program, settings):
    with pytest.raises(CgdiffError) as error:
        differentiate(program, settings)
    assert error.value.render(program)  # the paragraph renders


def test_a_string_is_not_a_number():
    with pytest.raises(TypeError, match="the value of x must be a number, not str"):
        evaluate("J = 2*x", {"x": "3"})


def test_check_hessian_worksheet_and_tables_take_ints():
    from rich.console import Console

    from cgdiff.render.check_table import check_table
    from cgdiff.render.table import render as node_table

    result = differentiate(SEED, INTS)
    report = check(result, nudges={"w": 1})
    assert report.ok and report.nudge.predicted == -4.0
    h = hessian(SEED, INTS)
    assert h.matrix[0][0] == 4.0
    sheet = build(SEED, INTS)
    assert "-4" in render(sheet, "markdown", True)
    console = Console(file=io.StringIO(), width=100)
    console.print(node_table(result))
    console.print(check_table(report))
    assert "-4" in console.file.getvalue()


def test_fit_takes_int_starting_values():
    from cgdiff.api import load
    from cgdiff.fit import fit, read_data

    data = read_data(io.BytesIO(b"x,y\n0,1\n1,3\n2,5\n"))
    result = fit(load("J = (w*x + b - y)^2"), data, ["w", "b"], {"w": 0, "b": 0}, lr=0.1,
                 steps=3000)
    assert all(type(v) is float for v in result.start.values())
    assert result.params == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-4)


def test_symbolic_takes_ints():
    from cgdiff.render import as_text
    from cgdiff.symbolic import symbolic_gradient

    derivatives = symbolic_gradient(SEED, INTS)
    assert as_text(derivatives, "plain")
