"""`graph` never drops nodes silently (issue 10, item 3): the tree view at any
width shows every node or says how many it left out and how to see them;
-o x.jpg draws a JPEG; an explicit --format that disagrees with -o's suffix is
a usage error."""

import re
import shutil

import pytest
from click.testing import CliRunner

from cgdiff import api
from cgdiff.cli import cli
from cgdiff.render import picture
from cases import SEED_SET, SEED_STATEMENTS

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")

CHAIN = "h0 = x\n" + "".join(f"h{i} = tanh(h{i - 1})\n" for i in range(1, 21))
LEFT_OUT = re.compile(r"([\d,]+) of ([\d,]+) nodes not drawn")


def graph(*args, columns):
    result = CliRunner().invoke(cli, ["graph", *args], env={"COLUMNS": str(columns)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_a_deep_chain_shows_every_node_or_counts_the_rest(columns):
    shown = graph(CHAIN, columns=columns)
    drawn = len(re.findall(r"\b(h\d+ = |x  input)", shown))
    left_out = LEFT_OUT.search(" ".join(shown.split()))
    total = len(api.load(CHAIN).op)
    assert total == 22
    if left_out is None:
        assert drawn == total and "x  input" in shown
    else:
        assert int(left_out.group(1)) == total - drawn
        assert int(left_out.group(2).replace(",", "")) == total
        assert "--format dot or mermaid" in " ".join(shown.split())
        assert "⋯" in shown
    assert max(len(line.rstrip()) for line in shown.splitlines()) <= columns
    if columns == 200:
        assert left_out is None


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_a_wide_sum_counts_what_it_leaves_out(columns):
    n = 1250
    program = "J = " + " + ".join(f"w{i}*x{i}" for i in range(n)) + " + b"
    shown = " ".join(graph(program, columns=columns).split())
    left_out = LEFT_OUT.search(shown)
    assert left_out is not None  # 5,001 nodes, a sum 1,250 deep: not at these widths
    assert left_out.group(2) == "5,001"


@pytest.mark.parametrize("width", [30, 40, 60, 80, 120, 200, 2000])
def test_build_tree_counts_every_node(width):
    graph_ = api.load(CHAIN + "J = h20*x + h3\n")
    tree, left_out = picture.build_tree(graph_, max_depth=picture.tree_depth(width))
    count, stack = 0, [tree]
    while stack:
        node = stack.pop()
        label = node.label.plain
        count += not (label.endswith("↑ see above") or label == "⋯")
        stack.extend(node.children)
    assert count + left_out == len(graph_.op)


def test_a_tree_written_to_a_file_is_drawn_deep(tmp_path):
    path = tmp_path / "tree.txt"
    graph(CHAIN, "-o", str(path), columns=40)
    text = path.read_text(encoding="utf-8")
    assert "x  input" in text and "not drawn" not in text


@needs_dot
@pytest.mark.parametrize("name, magic", [("g.jpg", b"\xff\xd8\xff"), ("g.jpeg", b"\xff\xd8\xff"),
                                         ("g.gif", b"GIF8")])
def test_jpeg_and_gif_are_drawn_by_graphviz(tmp_path, name, magic):
    path = tmp_path / name
    graph(SEED_STATEMENTS, "--values", "--set", SEED_SET, "-o", str(path), columns=80)
    assert path.read_bytes().startswith(magic)


@pytest.mark.parametrize("fmt, name", [("tree", "g.svg"), ("dot", "g.mmd"), ("mermaid", "g.dot"),
                                       ("dot", "g.jpg"), ("tree", "g.gv")])
def test_a_format_that_disagrees_with_the_suffix_is_a_usage_error(run, tmp_path, fmt, name):
    path = tmp_path / name
    result = run("graph", SEED_STATEMENTS, "--format", fmt, "-o", str(path))
    assert result.exit_code == 2
    assert f"--format {fmt} disagrees with -o {path}" in " ".join(result.stderr.split())
    assert not path.exists()


@pytest.mark.parametrize("fmt, name, start", [("dot", "g.gv", "digraph"),
                                              ("mermaid", "g.mmd", "flowchart"),
                                              ("dot", "g.txt", "digraph"),
                                              ("tree", "g.txt", "J = 1/2*d^2")])
def test_a_format_that_agrees_or_a_neutral_suffix_is_fine(run, tmp_path, fmt, name, start):
    path = tmp_path / name
    result = run("graph", SEED_STATEMENTS, "--format", fmt, "-o", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").startswith(start)
