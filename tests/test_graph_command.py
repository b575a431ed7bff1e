"""`cgdiff graph`: the picture on stdout or in a file, and its errors."""

import shutil

import pytest

from cases import SEED_SET, SEED_STATEMENTS

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def test_tree_is_the_default(run):
    result = run("graph", SEED_STATEMENTS)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "J = 1/2*d^2  mul"
    assert "c = w*x  mul" in result.output


def test_values_need_the_inputs(run):
    result = run("graph", SEED_STATEMENTS, "--values")
    assert result.exit_code == 1
    assert "4 inputs have no value: w, x, b, y" in result.stderr


def test_tree_with_values(run):
    result = run("graph", SEED_STATEMENTS, "--values", "--set", SEED_SET)
    assert result.exit_code == 0
    assert "w  input  value 2  ∂J/∂w = -4" in result.output


@pytest.mark.parametrize("fmt, first", [("dot", "digraph cgdiff {"), ("mermaid", "flowchart LR")])
def test_text_formats(run, fmt, first):
    result = run("graph", SEED_STATEMENTS, "--format", fmt, "--values", "--set", SEED_SET)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == first
    assert "∂J/∂c = 2" in result.stdout


def test_set_naming_no_input_is_an_error_even_without_values(run):
    result = run("graph", SEED_STATEMENTS, "--set", "q=1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --set q")


def test_of_picks_the_output(run):
    result = run("graph", SEED_STATEMENTS, "--of", "a")
    assert result.output.splitlines()[0] == "a = c + b  add"
    assert "J" not in result.output


@pytest.mark.parametrize("name, start", [("g.dot", "digraph"), ("g.gv", "digraph"),
                                         ("g.mmd", "flowchart LR"), ("g.txt", "J = 1/2*d^2")])
def test_output_file_suffix_decides(run, tmp_path, name, start):
    path = tmp_path / name
    result = run("graph", SEED_STATEMENTS, "-o", str(path))
    assert result.exit_code == 0 and result.output == ""
    assert path.read_text(encoding="utf-8").startswith(start)


@needs_dot
@pytest.mark.parametrize("name, magic", [("g.svg", b"<?xml"), ("g.png", b"\x89PNG")])
def test_output_image_drawn_by_graphviz(run, tmp_path, name, magic):
    path = tmp_path / name
    result = run("graph", SEED_STATEMENTS, "--values", "--set", SEED_SET, "-o", str(path))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes().startswith(magic)


def test_image_without_graphviz_says_so(run, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = run("graph", SEED_STATEMENTS, "-o", str(tmp_path / "g.svg"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: writing")
    assert "needs Graphviz" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "g.svg").exists()


def test_unwritable_output_file(run, tmp_path):
    result = run("graph", SEED_STATEMENTS, "-o", str(tmp_path / "nope" / "g.dot"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write ") and "does not exist" in result.stderr


def test_bad_format_is_a_usage_error(run):
    result = run("graph", SEED_STATEMENTS, "--format", "png")
    assert result.exit_code == 2


def test_the_committed_seed_picture_carries_the_lectures_numbers():
    from pathlib import Path

    svg = (Path(__file__).resolve().parent.parent / "docs" / "seed-graph.svg").read_text(
        encoding="utf-8")
    assert svg.lstrip().startswith("<?xml")
    for text in ["c = w*x", "∂J/∂w = &#45;4", "∂J/∂d = 2", "value 2"]:
        assert text in svg


def test_dash_is_standard_output(run):
    result = run("graph", SEED_STATEMENTS, "--format", "mermaid", "-o", "-")
    assert result.stdout.startswith("flowchart LR")
