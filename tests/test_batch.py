"""eval/grad --data: one output row per CSV row, streamed, graph built once."""

import io
import json
import subprocess
import sys

import pytest

from cgdiff import batch
from cgdiff.api import load

PROGRAM = "J = 0.5*(w*x + b - y)^2"
THREE_ROWS = "x,y\n1,2\n-2,2\n0.5,-1\n"


@pytest.fixture
def three(tmp_path):
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS)
    return str(path)


# By hand, with w = 2, b = 8: r = w*x + b - y, J = r^2/2, ∂J/∂w = r*x, ∂J/∂b = r.
#   x = 1,   y = 2:  r = 8,  J = 32, ∂J/∂w = 8,  ∂J/∂b = 8
#   x = -2,  y = 2:  r = 2,  J = 2,  ∂J/∂w = -4, ∂J/∂b = 2   (the seed)
#   x = 0.5, y = -1: r = 10, J = 50, ∂J/∂w = 5,  ∂J/∂b = 10

def test_eval_three_rows_by_hand(run, three):
    result = run("eval", PROGRAM, "--data", three, "--set", "w=2,b=8")
    assert result.exit_code == 0
    assert result.output == "x,y,J\n1.0,2.0,32.0\n-2.0,2.0,2.0\n0.5,-1.0,50.0\n"


def test_grad_three_rows_by_hand(run, three):
    result = run("grad", PROGRAM, "--data", three, "--set", "w=2,b=8", "--wrt", "w,b")
    assert result.output == ("x,y,J,dJ/dw,dJ/db\n1.0,2.0,32.0,8.0,8.0\n"
                             "-2.0,2.0,2.0,-4.0,2.0\n0.5,-1.0,50.0,5.0,10.0\n")


def test_grad_json_lines(run, three):
    result = run("grad", PROGRAM, "--data", three, "--set", "w=2,b=8", "--wrt", "w,b",
                 "--format", "json")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert records[1] == {"row": 2, "inputs": {"x": -2.0, "y": 2.0}, "value": 2.0,
                          "gradient": {"w": -4.0, "b": 2.0}}
    assert [r["value"] for r in records] == [32.0, 2.0, 50.0]


def test_plain_and_forward_mode(run, three):
    plain = run("eval", PROGRAM, "--data", three, "--set", "w=2,b=8", "--format", "plain")
    assert plain.output == "32.0\n2.0\n50.0\n"
    reverse = run("grad", PROGRAM, "--data", three, "--set", "w=2,b=8", "--format", "plain")
    forward = run("grad", PROGRAM, "--data", three, "--set", "w=2,b=8", "--format", "plain",
                  "--mode", "forward")
    assert reverse.output == forward.output
    assert reverse.output.splitlines()[1] == "2.0\t-4.0\t4.0\t2.0\t-2.0"


def test_data_from_stdin_and_blank_lines(run):
    result = run("eval", PROGRAM, "--data", "-", "--set", "w=2,b=8",
                 input="x,y\r\n\r\n1,2\r\n\n-2,2\n")
    assert result.output == "x,y,J\n1.0,2.0,32.0\n-2.0,2.0,2.0\n"


def test_graph_built_once(monkeypatch, three):
    import cgdiff.graph

    calls = []
    original = cgdiff.graph.build_graph
    monkeypatch.setattr("cgdiff.api.build_graph", lambda *a: calls.append(1) or original(*a))
    graph = load(PROGRAM)
    with open(three, "rb") as stream:
        rows = list(batch.run(graph, batch.Data(stream), {"w": 2.0, "b": 8.0}))
    assert [r.value for r in rows] == [32.0, 2.0, 50.0]
    assert calls == [1]


@pytest.mark.parametrize("data, message", [
    ("", "is empty"),
    ("x,y\n1,abc\n", "line 2, column 'y': 'abc' is not a number"),
    ("x,y\n1,nan\n", "'nan' must be a finite number"),
    ("x,y\n1,2,3\n", "line 2: 3 fields where the header has 2"),
    ("x,q\n1,2\n", "column 'q' is not a name in the program"),
    ("x,x\n1,2\n", "appears twice"),
    ("x,J\n1,2\n", "column 'J' is a statement, not an input"),
])
def test_data_errors(run, tmp_path, data, message):
    path = tmp_path / "bad.csv"
    path.write_text(data)
    result = run("eval", PROGRAM, "--data", str(path), "--set", "w=2,b=8")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_domain_error_names_the_line(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x\n4\n-8\n")
    result = run("eval", "J = sqrt(x)", "--data", str(path))
    assert result.exit_code == 1
    assert "error: data line 3: sqrt(x): x = -8 is not >= 0" in result.output
    assert "x,J\n4.0,2.0\n" in result.output  # rows before it were streamed


def test_invalid_utf8(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"x\n1\n\xff\n")
    result = run("eval", "J = x", "--data", str(path))
    assert result.exit_code == 1
    assert "d.csv, line 3: not valid UTF-8" in result.output


@pytest.mark.parametrize("args, code, message", [
    (["eval", PROGRAM, "--data", "/nonexistent.csv"], 2, "Error"),
    (["grad", "--symbolic", PROGRAM, "--data", "-"], 2, "drop --data"),
    (["eval", "-f", "-", "--data", "-"], 2, "both come from standard input"),
    (["eval", PROGRAM, "--set", "w=2,b=8,y=1", "--data", "-"], 1, "'y' is a column"),
    (["eval", PROGRAM, "--set", "w=2", "--data", "-"], 1, "b"),
])
def test_option_errors(run, args, code, message):
    result = run(*args, input="x,y\n1,2\n")
    assert result.exit_code == code
    assert message in result.output


def test_data_reader_counts_bytes():
    data = batch.Data(io.BytesIO(b"\xef\xbb\xbfx\n1\n2\n"))
    assert data.columns == ["x"]
    assert list(data) == [(2, [1.0]), (3, [2.0])]
    assert data.bytes_read == 9


@pytest.mark.slow
def test_a_million_rows_stream_in_flat_memory(tmp_path):
    """Peak memory for 10^6 rows is that of 10^5 rows (within a few MB): past
    the first chunk (batch.CHUNK rows), memory does not grow."""
    def peak_kb(rows: int) -> int:
        path = tmp_path / f"{rows}.csv"
        with open(path, "w") as f:
            f.write("x,y\n")
            for i in range(rows):
                f.write(f"{i % 97 / 10},{i % 89 / 10}\n")
        code = ("import resource, sys; from cgdiff.cli import main; sys.argv = ['cgdiff', "
                f"'grad', {PROGRAM!r}, '--data', {str(path)!r}, '--set', 'w=2,b=8'];\n"
                "try:\n    main()\nexcept SystemExit:\n    pass\n"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
        done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=True)
        return int(done.stderr.strip().splitlines()[-1])

    small, large = peak_kb(100_000), peak_kb(1_000_000)
    assert large - small < 8_000, (small, large)


def test_real_pipe_streams_and_shows_no_progress_bar(tmp_path):
    """Through the installed script with stdout and stderr piped: rows on
    stdout, nothing at all on stderr."""
    from pathlib import Path

    script = Path(sys.executable).with_name("cgdiff")
    if not script.exists():
        pytest.skip("the cgdiff console script is not installed")
    rows = "x,y\n" + "".join(f"{i / 10},{i % 7}\n" for i in range(5000))
    done = subprocess.run([str(script), "grad", PROGRAM, "--data", "-", "--set", "w=2,b=8",
                           "--wrt", "w", "--format", "plain"], input=rows,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 5000
    assert lines[20] == "\t".join(repr(x) for x in (0.5 * (2 * 2.0 + 8 - 6) ** 2,
                                                     (2 * 2.0 + 8 - 6) * 2.0))


def test_progress_is_silent_when_disabled():
    from cgdiff.render.progress import progress

    with progress(10, "rows", enabled=False) as update:
        update(5, cost="1")
