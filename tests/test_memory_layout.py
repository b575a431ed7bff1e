"""The compact layout of the tape and the graph (issue 5's memory target):
integer columns as arrays, statements as columns seen through views, and a
program freed as soon as the last reference goes (no reference cycle)."""

import gc
import weakref
from array import array

import pytest

from cgdiff import api
from cgdiff.errors import Span
from cgdiff.graph import build_graph
from cgdiff.parser import parse

SOURCE = "w = -2\nx = 3\nz = w*x + 1\nJ = z^2; z + pi"


def test_statements_are_views_of_columns():
    program = parse(SOURCE)
    statements = program.statements
    assert len(statements) == 5 and bool(statements)
    assert [s.name for s in statements] == ["w", "x", "z", "J", None]
    assert [s.default for s in statements] == [-2.0, 3.0, None, None, None]
    z = statements[2]
    assert SOURCE[z.name_span.start:z.name_span.end] == "z"
    assert SOURCE[z.span.start:z.span.end] == "w*x + 1"
    last = statements[-1]
    assert last.name_span == last.span == Span(SOURCE.index("z + pi"), len(SOURCE))
    with pytest.raises(IndexError):
        statements[5]


def test_numbers_and_references_are_columns():
    program = parse(SOURCE)
    assert sorted(program.const.values()) == [1.0, 2.0, 2.0, 3.0, 3.141592653589793]
    assert all(program.op[t].name == "const" for t in program.const)
    assert set(program.ref.values()) == {"w", "x", "z"}
    assert list(program.ref) == list(program.ref_at)
    assert all(program.op[t].name == "ref" for t in program.ref_at)


def test_integer_columns_are_arrays_that_act_as_lists():
    graph = build_graph(parse(SOURCE))
    for column in (graph.arg0, graph.arg1, graph.start, graph.end):
        assert isinstance(column, array) and column.typecode == "q"
        assert len(column) == len(graph)
    assert list(graph.args(len(graph) - 1))  # indexing gives ints
    result = api.differentiate(graph)
    assert result.value == pytest.approx(-5 + 3.141592653589793)


def test_the_program_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        program = parse(SOURCE)
        graph = build_graph(program)
        gone = weakref.ref(program)
        del program
        assert gone() is None
        assert len(graph) > 0
    finally:
        gc.enable()
