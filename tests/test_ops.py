"""Every op's local partials against central finite differences, at points
where the op is smooth, and the SPEC's conventions where it is not."""

import math

import pytest

from cgdiff import ops
from cases import OP_POINTS as POINTS

H = 1e-6


def all_ops():
    return [op for op in ops.BY_NAME.values() if op.value is not None]


def test_every_op_has_points_and_explanations():
    for op in all_ops():
        assert op.name in POINTS, f"add test points for {op.name}"
        assert len(op.derivative) == op.arity


@pytest.mark.parametrize("op", all_ops(), ids=lambda op: op.name)
def test_partials_match_central_differences(op):
    for args in POINTS[op.name]:
        out = op.value(*args)
        partials = op.partials(*args, out)
        assert len(partials) == op.arity
        for k in range(op.arity):
            up, down = list(args), list(args)
            up[k] += H
            down[k] -= H
            if math.isnan(partials[k]):  # no derivative: the op is undefined nearby
                with pytest.raises(ValueError):
                    op.value(*up)
                continue
            numeric = (op.value(*up) - op.value(*down)) / (2 * H)
            assert partials[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6), (op.name, args, k)


@pytest.mark.parametrize("name, x", [("relu", 0.0), ("abs", 0.0)])
def test_kinks_have_derivative_zero(name, x):
    op = ops.FUNCTIONS[name]
    assert op.partials(x, op.value(x)) == (0.0,)


def test_derivatives_that_do_not_exist_are_nan():
    sqrt = ops.FUNCTIONS["sqrt"]
    assert math.isnan(sqrt.partials(0.0, 0.0)[0])
    d_base, d_exponent = ops.POW.partials(-3.0, 2.0, 9.0)
    assert d_base == -6.0 and math.isnan(d_exponent)


@pytest.mark.parametrize("op, args, words", [
    (ops.FUNCTIONS["log"], (-1.0,), "x = -1 is not > 0"),
    (ops.FUNCTIONS["log"], (0.0,), "x = 0 is not > 0"),
    (ops.FUNCTIONS["sqrt"], (-4.0,), "x = -4 is not >= 0"),
    (ops.DIV, (1.0, 0.0), "division by zero"),
    (ops.POW, (0.0, -1.0), "division by zero: 0^-1"),
    (ops.POW, (-8.0, 1 / 3), "negative base (-8) needs an integer exponent"),
    (ops.FUNCTIONS["exp"], (1000.0,), "too large"),
])
def test_domain_errors_raise_and_explain(op, args, words):
    with pytest.raises((ValueError, ZeroDivisionError, OverflowError)):
        op.value(*args)
    assert words in op.domain(*args)


def test_ln_is_log():
    assert ops.FUNCTIONS["ln"] is ops.FUNCTIONS["log"]


def test_sigmoid_does_not_overflow():
    sigmoid = ops.FUNCTIONS["sigmoid"].value
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0


def test_a_tie_gives_the_whole_derivative_to_the_first_argument():
    assert ops.FUNCTIONS["max"].partials(1.0, 1.0, 1.0) == (1.0, 0.0)
    assert ops.FUNCTIONS["min"].partials(1.0, 1.0, 1.0) == (1.0, 0.0)


@pytest.mark.parametrize("program", ["J = tanh(x)", "J = x*y", "J = x + y", "J = x - y"])
def test_the_reverse_pass_written_out_ops_equal_the_op_table(program):
    """passes.reverse writes some partials out instead of calling the op
    table's; they must be the same numbers, bit for bit."""
    from cgdiff import ops as table, passes
    from cgdiff.api import load

    graph = load(program)
    node = graph.output
    op = graph.op[node]
    for x in [0.0, -0.0, 1e-300, 0.3, -1.5, 19.0, -20.0, 300.0, 710.0, 1e300]:
        settings = {"x": x, "y": 0.7} if "y" in graph.inputs else {"x": x}
        values = passes.forward(graph, passes.input_values(graph, settings))
        adjoint = passes.reverse(graph, values)
        args = graph.args(node)
        partials = op.partials(*(values[a] for a in args), values[node])
        for a, p in zip(args, partials):
            assert adjoint[a] == 1.0 * p, (program, x)
    assert table.FUNCTIONS["tanh"].partials is not None
