"""The column passes (NumPy, every row at once) against the scalar passes,
row by row: the same numbers to 1e-12, the same rows refused; and the paths
that use them (--data, fit) kept off single-point commands."""

import dataclasses
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from cgdiff import batch, ops, passes
from cgdiff.api import load
from cgdiff.errors import CgdiffError
from strategies import programs

RAW_UNARY = ["log({a})", "sqrt({a})", "relu({a})", "abs({a})", "sign({a})", "step({a})",
             "exp({a})", "-{a}", "sigmoid({a})", "tan({a})", "({a})"]
RAW_BINARY = ["{a}/{b}", "{a}^{b}", "{a}^2", "max({a}, {b})", "min({a}, {b})", "{a}*{b}",
              "{a} - {b}", "{a} + {b}"]


@st.composite
def raw_programs(draw):
    """Programs whose functions meet their domains' edges (log of 0, 0/0,
    sqrt of negatives, pow of negative bases), so that rows fail."""
    names = ["x", "y", "z"]
    lines = []
    for k in range(draw(st.integers(1, 6))):
        form = draw(st.sampled_from(RAW_UNARY + RAW_BINARY))
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from(names + ["2", "0.5", "0", "-1"]))
        lines.append(f"s{k} = {form.format(a=a, b=b)}")
        names.append(f"s{k}")
    return "\n".join(lines)


numbers = st.sampled_from([-2.0, -1.0, -0.5, -0.0, 0.0, 0.25, 1.0, 3.0]) | st.floats(-4, 4)


def scalar_rows(graph, rows, names, nodes, mode):
    """Each row through passes.forward and passes.reverse (or tangent): the
    value and the derivatives, or the exception the scalar passes raise."""
    results = []
    for row in rows:
        inputs = dict(zip(names, row))
        try:
            values = passes.forward(graph, inputs)
            if mode == "reverse":
                adjoint = passes.reverse(graph, values)
                grads = [adjoint[n] if n is not None else 0.0 for n in nodes]
            else:
                grads = [passes.tangent(graph, values, n)[graph.output] if n is not None else 0.0
                         for n in nodes]
        except CgdiffError:
            results.append(None)
            continue
        results.append((values[graph.output], grads))
    return results


def close(a, b):
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def compare(program, rows, mode, shared=()):
    """``shared``: inputs given as one number for every row, not an array."""
    graph = load(program)
    names = list(graph.inputs)
    for k, name in enumerate(names):
        if name in shared:
            for row in rows:
                row[k] = rows[0][k]
    nodes = [graph.index.get(name) for name in names]
    expected = scalar_rows(graph, rows, names, nodes, mode)
    m = len(rows)
    columns = {name: np.array([row[k] for row in rows]) if name not in shared else rows[0][k]
               for k, name in enumerate(names)}
    try:
        value, grads = passes.column_gradient(graph, columns, m, nodes, mode)
    except passes.NotFiniteError:
        # Some row is refused by the scalar passes, or has a derivative that
        # is not finite (which --data refuses).
        assert any(e is None or not all(map(math.isfinite, e[1])) for e in expected)
        return
    for k, e in enumerate(expected):
        assert e is not None, f"row {k} fails in the scalar passes, not in columns"
        assert close(value[k], e[0])
        for g, x in zip(grads, e[1]):
            assert close(g[k], x), (program, rows[k], g[k], x)


@hsettings(max_examples=150, deadline=None)
@given(st.data())
def test_columns_equal_the_scalar_passes(data):
    program = data.draw(programs() | raw_programs())
    mode = data.draw(st.sampled_from(["reverse", "forward"]))
    m = data.draw(st.integers(1, 8))
    width = len(load(program).inputs)
    rows = [[data.draw(numbers) for _ in range(width)] for _ in range(m)]
    shared = data.draw(st.sets(st.sampled_from(["x", "y", "z"])))
    compare(program, rows, mode, shared)


def test_an_op_without_numpy_forms_runs_element_by_element():
    graph = load("J = log(x)*sigmoid(x) + max(x, y)^2")
    plain = load("J = log(x)*sigmoid(x) + max(x, y)^2")
    graph.op = [dataclasses.replace(o, array_value=None, array_partials=None)
                if o.value is not None else o for o in graph.op]
    x = np.linspace(0.1, 3, 50)
    y = np.linspace(-1, 1, 50)
    nodes = [graph.index["x"], graph.index["y"]]
    got = passes.column_gradient(graph, {"x": x, "y": y}, 50, nodes)
    want = passes.column_gradient(plain, {"x": x, "y": y}, 50, nodes)
    assert np.allclose(got[0], want[0], rtol=1e-12, atol=0)
    for a, b in zip(got[1], want[1]):
        assert np.allclose(a, b, rtol=1e-12, atol=0)
    with pytest.raises(passes.NotFiniteError):  # log(-1) refused by math.log
        passes.column_forward(graph, {"x": np.array([1.0, -1.0]), "y": 0.0}, 2)


def test_every_function_has_numpy_forms():
    # Not required (the fallback works), but each missing one is 100x slower.
    missing = [name for name, op in ops.FUNCTIONS.items() if op.array_value is None]
    assert missing == []


# ---------------------------------------------------------------- --data in chunks

PROGRAM = "J = 0.5*(w*x + b - y)^2 + log(1 + x^2)"


def one_by_one(graph, rows, names):
    out = []
    for row in rows:
        values = passes.forward(graph, {"w": 2.0, "b": 8.0, **dict(zip(["x", "y"], row))})
        adjoint = passes.reverse(graph, values)
        out.append([values[graph.output]] + [adjoint[graph.index[n]] for n in names])
    return out


@pytest.mark.parametrize("size", [64, 100, 1000])
def test_chunks_agree_with_one_row_at_a_time(size):
    rows = [[(i % 37) / 7 - 2, (i % 11) / 3 - 1] for i in range(500)]
    text = "x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows)
    graph = load(PROGRAM)
    data = batch.Data(io.BytesIO(text.encode()))
    chunks = list(batch.run_chunks(graph, data, {"w": 2.0, "b": 8.0}, ["w", "b", "x"],
                                   gradient=True, size=size))
    assert [c.first for c in chunks] == list(range(1, 501, size))
    got = [row for chunk in chunks for row in chunk.rows()]
    assert [row.line for row in got] == list(range(2, 502))
    for row, want in zip(got, one_by_one(graph, rows, ["w", "b", "x"])):
        assert all(close(a, b) for a, b in zip([row.value, *row.gradient], want))


def test_a_failing_row_in_a_chunk_is_reported_after_the_rows_before_it(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x\n" + "".join(f"{i + 1}\n" for i in range(150)) + "-1\n2\n")
    result = run("eval", "y = log(x)", "--data", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()  # stdout and stderr, in either order
    assert "x,y" in lines and [ln for ln in lines if ln[:1].isdigit()][-1].startswith("150.0,")
    assert "data line 152" in result.output and "log(x): x = -1 is not > 0" in result.output


def test_irregular_lines_switch_to_the_csv_module_with_the_same_numbers(tmp_path):
    plain = "x,y\n" + "".join(f"{i},{i / 4}\n" for i in range(200))
    quoted = plain.replace("\n150,", '\n"150",').replace("\n20,", "\n\n20,")
    graph = load("J = x*y")
    got = [list(batch.run(graph, batch.Data(io.BytesIO(t.encode())))) for t in (plain, quoted)]
    assert [r.value for r in got[0]] == [r.value for r in got[1]]
    assert [r.line for r in got[1]][19:22] == [21, 23, 24]  # the blank line counted


def test_a_bad_cell_is_named_with_its_line_in_any_chunk(tmp_path):
    text = "x,y\n" + "".join(f"{i},{i}\n" for i in range(100)) + "5,abc\n"
    data = batch.Data(io.BytesIO(text.encode()))
    with pytest.raises(CgdiffError, match=r"line 102, column 'y': 'abc' is not a number"):
        list(data.chunks(64))


def test_grad_data_output_matches_single_point_grad(run, tmp_path):
    path = tmp_path / "d.csv"
    rows = [((i % 13) / 4 - 1.5, (i % 7) / 2) for i in range(100)]
    path.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in rows))
    result = run("grad", PROGRAM, "--data", str(path), "--set", "w=2,b=8", "--format", "plain")
    assert result.exit_code == 0
    for line, (x, y) in zip(result.output.splitlines(), rows):
        single = json.loads(run("grad", PROGRAM, "--set", f"w=2,b=8,x={x},y={y}",
                                "--format", "json").output)
        want = [single["value"], *single["gradient"].values()]  # w, x, b, y
        got = [float(t) for t in line.split("\t")]
        assert len(got) == 5 and all(map(close, got, want))


def test_single_point_commands_do_not_import_numpy():
    code = ("import sys\nfrom cgdiff.cli import main\n"
            "sys.argv = ['cgdiff', 'grad', 'J = exp(x)*y', '--set', 'x=1,y=2', '--format', 'plain']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('numpy' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "False"
