"""Pictures of the graph: DOT, Mermaid and the Rich tree (render/picture.py)."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from cgdiff import api
from cgdiff.render import picture

from cases import SEED_STATEMENTS, SEED_VALUES


@pytest.fixture
def seed():
    return api.differentiate(SEED_STATEMENTS, SEED_VALUES)


def text_of(renderable, width=100):
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


# ---------------------------------------------------------------- DOT

def test_dot_has_a_node_per_graph_node_and_an_edge_per_argument(seed):
    dot = picture.to_dot(seed.graph)
    graph = seed.graph
    assert dot.startswith("digraph cgdiff {") and dot.rstrip().endswith("}")
    assert len(re.findall(r"^  n\d+ \[label=", dot, re.M)) == len(graph)
    edges = sum(len(graph.args(i)) for i in range(len(graph)))
    assert len(re.findall(r"^  n\d+ -> n\d+", dot, re.M)) == edges
    assert 'n0 [label="w\\ninput"' in dot
    assert '[label="c = w*x\\nmul"]' in dot
    assert "n0 -> n4;" in dot  # w feeds c
    assert "value" not in dot and "∂" not in dot


def test_dot_with_values_shows_the_lectures_numbers(seed):
    dot = picture.to_dot(seed.graph, seed.values, seed.adjoints)
    assert '"c = w*x\\nmul\\nvalue -4\\n∂J/∂c = 2"' in dot
    assert '"w\\ninput\\nvalue 2\\n∂J/∂w = -4"' in dot
    assert "∂J/∂d = 2" in dot and "∂J/∂a = 2" in dot and "∂J/∂b = 2" in dot
    # The edge w → c carries ∂c/∂w = x = -2.
    assert 'n0 -> n4 [label="-2"];' in dot
    # The output is marked.
    assert "peripheries=2" in dot


def test_dot_escapes_quotes_and_backslashes():
    assert picture._dot_string('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
@pytest.mark.parametrize("source, settings", [
    (SEED_STATEMENTS, SEED_VALUES),
    ("J = 0.5*(w*x + b - y)^2", SEED_VALUES),
    ('θ = sin(α)*α + max(α, 2)^2 - e', {"α": 1.5}),
])
def test_dot_renders_with_graphviz(source, settings):
    result = api.differentiate(source, settings)
    dot = picture.to_dot(result.graph, result.values, result.adjoints)
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True,
                         check=True).stdout.decode()
    assert "<svg" in svg
    assert svg.count('class="node"') == len(result.graph)


# ---------------------------------------------------------------- Mermaid

def test_mermaid_is_a_flowchart_with_every_node_and_edge(seed):
    text = picture.to_mermaid(seed.graph, seed.values, seed.adjoints)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines[1:] if re.fullmatch(r"    n\d+[\[(].*[\])]", line)]
    edges = [line for line in lines[1:] if "-->" in line]
    assert len(nodes) == len(seed.graph)
    assert len(nodes) + len(edges) == len(lines) - 1
    assert '    n0(["w<br/>input<br/>value 2<br/>∂J/∂w = -4"])' in lines
    assert '    n0 -->|"-2"| n4' in lines
    # Every label is one quoted string with no raw quote or # inside it.
    for line in nodes:
        label = re.search(r'"(.*)"', line).group(1)
        assert '"' not in label
        assert re.sub(r"#\w+;", "", label).count("#") == 0


def test_mermaid_escapes_generated_ids(seed):
    text = picture.to_mermaid(seed.graph)
    assert "#35;8 = 1" in text  # the constant #8
    assert "[[" in text  # the output's shape


# ---------------------------------------------------------------- tree

def test_tree_of_the_seed(seed):
    text = text_of(picture.to_tree(seed.graph))
    assert text.splitlines() == [
        "J = 1/2*d^2  mul",
        "├── #10 = 1/2  div",
        "│   ├── #8 = 1  const",
        "│   └── #9 = 2  const",
        "└── #12 = d^2  pow",
        "    ├── d = a - y  sub",
        "    │   ├── a = c + b  add",
        "    │   │   ├── c = w*x  mul",
        "    │   │   │   ├── w  input",
        "    │   │   │   └── x  input",
        "    │   │   └── b  input",
        "    │   └── y  input",
        "    └── #11 = 2  const",
    ]


def test_tree_with_values(seed):
    text = text_of(picture.to_tree(seed.graph, seed.values, seed.adjoints))
    assert "c = w*x  mul  value -4  ∂J/∂c = 2" in text
    assert "w  input  value 2  ∂J/∂w = -4" in text


def test_tree_draws_a_shared_node_once():
    result = api.differentiate("J = w*x + w*b", {"w": 2.0, "x": -2.0, "b": 8.0})
    text = text_of(picture.to_tree(result.graph))
    assert text.count("w  input") == 1
    assert text.count("w  ↑ see above") == 1


def test_tree_of_a_deep_graph_needs_no_recursion():
    depth = 2000
    source = "J = " + "(" * depth + "x" + "+1)" * depth
    graph = api.load(source)
    tree, left_out = picture.build_tree(graph, max_depth=10 * depth)
    assert left_out == 0
    # Walk the built tree without recursion: it holds every node once.
    count, stack = 0, [tree]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node.children)
    assert count == len(graph)
    assert picture.to_dot(graph).count("->") == 2 * depth


def test_a_very_deep_tree_is_cut_and_says_so():
    depth = 5000
    graph = api.load("J = " + "(" * depth + "x" + "+1)" * depth)
    text = text_of(picture.to_tree(graph), width=2000)
    assert f"{len(graph) - 401:,} of {len(graph):,} nodes not drawn (⋯): the tree stops at " \
        "depth 200 at this width" in text
    assert len(text.splitlines()) < 1000


MERMAID_DIR = os.environ.get("CGDIFF_MERMAID_DIR")


@pytest.mark.skipif(not MERMAID_DIR or shutil.which("node") is None,
                    reason="set CGDIFF_MERMAID_DIR to a directory with `npm install mermaid jsdom`")
def test_mermaid_parses_with_mermaid_js(tmp_path):
    programs = [
        (SEED_STATEMENTS, SEED_VALUES),
        ("J = 0.5*(w*x + b - y)^2", SEED_VALUES),
        ("θ = sin(α)*α + max(α, 2)^2 - e", {"α": 1.5}),
        ("_x1 = 2\nout = -(_x1 - 1)/(_x1^2 + 1) + abs(-_x1) + relu(_x1)*pi", {}),
    ]
    files = []
    for k, (source, settings) in enumerate(programs):
        result = api.differentiate(source, settings)
        for values in (False, True):
            path = tmp_path / f"g{k}{'v' if values else ''}.mmd"
            path.write_text(picture.to_mermaid(result.graph, *(
                (result.values, result.adjoints) if values else ())), encoding="utf-8")
            files.append(str(path))
    script = Path(MERMAID_DIR) / "cgdiff_check_mermaid.mjs"
    script.write_text((Path(__file__).resolve().parent.parent / "tools" / "check_mermaid.mjs")
                      .read_text(encoding="utf-8"), encoding="utf-8")
    completed = subprocess.run(["node", str(script), *files], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.count(" ok ") == len(files)
