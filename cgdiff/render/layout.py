"""Where each node of a graph sits in a left-to-right picture.

The page ``cgdiff view`` writes carries its picture ready-drawn, so the layout
is computed here, when the page is written: by Graphviz's ``dot`` when it is
installed (``layout="dot"``, or ``"auto"``), else by the built-in layered
layout below, which needs nothing.

The built-in layout is the classic layered drawing (Sugiyama): each node goes
in a column one to the right of its furthest argument (a constant sits just
left of the node that reads it, as the lecture draws it), the nodes of each
column are ordered by a few barycenter sweeps to cut crossings, then placed
top to bottom near the mean height of their neighbours. Every step is a loop
over the flat node list; nothing recurses.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

from .. import ops
from ..graph import Graph
from .picture import graphviz_text

#: Gaps between columns and between boxes in a column, in pixels.
COLUMN_GAP = 70
ROW_GAP = 44
#: A box's height; its width follows its text (CHAR_WIDTH a character).
BOX_HEIGHT = 38
CHAR_WIDTH = 7.4
MIN_WIDTH = 46
MARGIN = 30
#: ``auto`` asks dot only for graphs up to this size, and waits this long.
AUTO_DOT_NODES = 200
AUTO_DOT_TIMEOUT = 5.0
DOT_TIMEOUT = 300.0


@dataclass
class Layout:
    """Box centres and sizes, in pixels, and the size of the whole picture."""

    x: list[float]
    y: list[float]
    width: list[float]
    height: list[float]
    total_width: float
    total_height: float
    engine: str


def box_width(text: str, op_name: str) -> float:
    longest = max(len(text), len(op_name))
    return max(MIN_WIDTH, round(longest * CHAR_WIDTH + 20))


def layout(graph: Graph, labels: list[str], engine: str = "auto") -> Layout:
    """A left-to-right layout of every node of ``graph``, boxes sized for
    ``labels``. ``engine``: ``"builtin"``, ``"dot"`` (Graphviz must be
    installed) or ``"auto"`` (dot when installed)."""
    widths = [box_width(labels[i], graph.op[i].name) for i in range(len(graph))]
    timeout = DOT_TIMEOUT
    if engine == "auto":
        # dot's crossing minimisation can take a minute on a few hundred
        # nodes with long edges: auto gives it a few seconds, then falls back.
        engine = "dot" if shutil.which("dot") and len(graph) <= AUTO_DOT_NODES else "builtin"
        timeout = AUTO_DOT_TIMEOUT
    if engine == "dot":
        placed = _dot_layout(graph, widths, timeout)
        if placed is not None:
            return placed
        engine = "builtin"
    return _layered(graph, widths)


# ---------------------------------------------------------------- built-in

def _layered(graph: Graph, widths: list[float]) -> Layout:
    n = len(graph)
    args = [graph.args(i) for i in range(n)]
    users: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for a in args[i]:
            users[a].append(i)

    # Columns: one right of the furthest argument; leaves at 0, then each
    # constant moved next to its nearest user.
    column = [0] * n
    for i in range(n):
        if args[i]:
            column[i] = 1 + max(column[a] for a in args[i])
    for i in range(n):
        if graph.op[i] is ops.CONST and users[i]:
            column[i] = max(0, min(column[u] for u in users[i]) - 1)
    count = max(column) + 1 if n else 1
    layers: list[list[int]] = [[] for _ in range(count)]
    for i in range(n):
        layers[column[i]].append(i)

    # Order within columns: barycenter sweeps, left to right over arguments,
    # then right to left over users.
    rank = [0.0] * n
    for layer in layers:
        for r, i in enumerate(layer):
            rank[i] = r
    for _ in range(4):
        for neighbours, order in ((args, range(1, count)), (users, range(count - 2, -1, -1))):
            for c in order:
                layer = layers[c]
                keys = {}
                for i in layer:
                    near = neighbours[i]
                    keys[i] = (sum(rank[j] for j in near) / len(near)) if near else rank[i]
                layer.sort(key=lambda i: keys[i])
                for r, i in enumerate(layer):
                    rank[i] = r

    # Heights: rows at first, then a few passes pulling each node toward the
    # mean height of its neighbours, keeping the order and the gaps.
    step = BOX_HEIGHT + ROW_GAP
    y = [0.0] * n
    for layer in layers:
        top = -(len(layer) - 1) * step / 2
        for r, i in enumerate(layer):
            y[i] = top + r * step
    for _ in range(6):
        for layer in layers:
            wanted = []
            for i in layer:
                near = args[i] + tuple(users[i])
                wanted.append(sum(y[j] for j in near) / len(near) if near else y[i])
            placed = _spread(wanted, step)
            for i, value in zip(layer, placed):
                y[i] = value

    # Columns side by side, each as wide as its widest box.
    x = [0.0] * n
    left = MARGIN
    for layer in layers:
        widest = max((widths[i] for i in layer), default=MIN_WIDTH)
        for i in layer:
            x[i] = left + widest / 2
        left += widest + COLUMN_GAP
    top = min(y, default=0.0) - BOX_HEIGHT / 2 - MARGIN
    y = [value - top for value in y]
    total_height = max(y, default=0.0) + BOX_HEIGHT / 2 + MARGIN
    return Layout(x, y, widths, [BOX_HEIGHT] * n, left - COLUMN_GAP + MARGIN, total_height,
                  "builtin")


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Positions as near ``wanted`` as the order and ``gap`` allow: pushed
    down where two come too close, then the block shifted back to its mean."""
    placed = []
    for value in wanted:
        placed.append(value if not placed else max(value, placed[-1] + gap))
    if placed:
        shift = (sum(wanted) - sum(placed)) / len(placed)
        placed = [value + shift for value in placed]
    return placed


# ---------------------------------------------------------------- Graphviz

_NODE_LINE = re.compile(r"^node n(\d+) (\S+) (\S+) ")


def _dot_layout(graph: Graph, widths: list[float], timeout: float) -> Layout | None:
    """Graphviz's placement (``dot -Tplain``), or None if dot is missing or fails."""
    lines = ["digraph g {", "  rankdir=LR; nodesep=0.6; ranksep=0.9;",
             "  node [shape=box, fixedsize=true, label=\"\"];"]
    for i in range(len(graph)):
        lines.append(f"  n{i} [width={widths[i] / 72:.3f}, height={(BOX_HEIGHT + 30) / 72:.3f}];")
    for i in range(len(graph)):
        for a in graph.args(i):
            lines.append(f"  n{a} -> n{i};")
    lines.append("}")
    placed = graphviz_text("\n".join(lines), "plain", timeout)
    if placed is None:
        return None
    text = placed.splitlines()
    if not text or not text[0].startswith("graph "):
        return None
    _, _, width, height = text[0].split()[:4]
    n = len(graph)
    x = [0.0] * n
    y = [0.0] * n
    seen = 0
    for line in text[1:]:
        match = _NODE_LINE.match(line)
        if match:
            i = int(match.group(1))
            x[i] = float(match.group(2)) * 72 + MARGIN
            y[i] = (float(height) - float(match.group(3))) * 72 + MARGIN
            seen += 1
    if seen != n:
        return None
    return Layout(x, y, widths, [BOX_HEIGHT] * n, float(width) * 72 + 2 * MARGIN,
                  float(height) * 72 + 2 * MARGIN, "dot")
