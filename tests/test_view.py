"""`cgdiff view` without a browser: the page's data, its layout, its limits.
(tests/test_view_browser.py drives the page in Chromium.)"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from cgdiff.api import evaluate, load
from cgdiff.render import layout as layout_module
from cgdiff.render.page import MAX_NODES, page_data, to_page

from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES, clean_error


def boxes_overlap(a, b) -> bool:
    (xa, ya, wa, ha), (xb, yb, wb, hb) = a, b
    return abs(xa - xb) * 2 < wa + wb and abs(ya - yb) * 2 < ha + hb


@pytest.mark.parametrize("engine", ["builtin", "dot"])
@pytest.mark.parametrize("program", [
    SEED_STATEMENTS,
    "h1 = tanh(w11*x1 + w12*x2 + b1); h2 = tanh(w21*x1 + w22*x2 + b2); "
    "y = tanh(v1*h1 + v2*h2 + c); J = 0.5*(y - t)^2",
    "J = " + " + ".join(f"sin(x{k})*x{(k + 1) % 30}" for k in range(30)),
])
def test_layout_flows_left_to_right_without_overlaps(program, engine):
    if engine == "dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    graph = load(program)
    labels = [graph.label(i) for i in range(len(graph))]
    placed = layout_module.layout(graph, labels, engine)
    assert placed.engine == engine
    n = len(graph)
    for i in range(n):
        for a in graph.args(i):
            assert placed.x[a] < placed.x[i]  # every edge points right
        assert 0 < placed.x[i] - placed.width[i] / 2 and placed.x[i] + placed.width[i] / 2 <= placed.total_width
        assert 0 < placed.y[i] - placed.height[i] / 2 and placed.y[i] + placed.height[i] / 2 <= placed.total_height
    rects = [(placed.x[i], placed.y[i], placed.width[i], placed.height[i] + 30) for i in range(n)]
    for i in range(n):
        for j in range(i):
            assert not boxes_overlap(rects[i], rects[j]), (engine, i, j)


def test_page_is_one_self_contained_file(run, tmp_path):
    path = tmp_path / "seed.html"
    done = run("view", SEED_STATEMENTS, "--set", SEED_SET, "-o", str(path), "--layout", "builtin")
    assert done.exit_code == 0 and "wrote" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "<script>" in text
    assert not re.search(r"https?:|\bsrc=|@import|url\((?!#)", text)
    data = json.loads(re.search(r'<script id="cgdiff-data" type="application/json">(.*?)</script>',
                                text, re.S).group(1))
    assert data["J"] == "J" and data["layout"] == "builtin"
    assert [i["name"] for i in data["inputs"]] == ["w", "x", "b", "y"]
    # Only the operations the graph uses travel with the page.
    assert re.findall(r'^  "(\w+)": \{value', text, re.M) == ["add", "div", "mul", "pow", "sub"]


def test_page_to_standard_output_when_piped(run):
    done = run("view", "J = x^2", "--set", "x=3")
    assert done.exit_code == 0 and done.stdout.startswith("<!DOCTYPE html>")


def test_users_carry_explains_formula():
    result = evaluate(SEED_STATEMENTS, SEED_VALUES)
    data = page_data(result, "builtin")
    w = result.graph.index["w"]
    c = result.graph.index["c"]
    assert data["nodes"][w]["users"] == [[c, 0, "x", False]]
    a = result.graph.index["a"]
    assert data["nodes"][c]["users"] == [[a, 0, "", True]]


def test_too_many_nodes_is_a_clear_error(run):
    program = "J = " + " + ".join(f"x{k}" for k in range(MAX_NODES // 2 + 2))
    message = clean_error(run("view", program))
    assert "the interactive page draws at most" in message and "nodes" in message


def test_missing_inputs_are_the_usual_error(run):
    message = clean_error(run("view", "J = w*x", "-o", "-"))
    assert "2 inputs have no value: w, x" in message


def test_unwritable_output(run, tmp_path):
    done = run("view", "J = x", "--set", "x=1", "-o", str(tmp_path / "no" / "page.html"))
    assert done.exit_code != 0 and "Traceback" not in done.stderr


def test_title_is_escaped():
    result = evaluate("J = x", {"x": 1})
    text = to_page(result, title="<b>mine</b>", engine="builtin")
    assert "<title>&lt;b&gt;mine&lt;/b&gt;</title>" in text


def test_every_op_carries_its_javascript():
    """A new function is one entry in ops.py, its JavaScript included: a page
    that used it could not otherwise re-run the passes."""
    from cgdiff import ops

    missing = [op.name for op in ops.BY_NAME.values() if op not in (ops.INPUT, ops.CONST)
               and len(op.js) != 2]
    assert missing == []
