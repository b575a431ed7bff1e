"""The page ``cgdiff view`` writes: one self-contained HTML file that steps
through the forward and the reverse pass, node by node.

Everything is inline (style, script, the picture as SVG) and nothing refers to
the network, so the file works offline, from a USB stick. The picture's layout
is computed here (:mod:`cgdiff.render.layout`); the page carries the graph and,
for the operations it uses, the op table's value and partials in JavaScript
(``Op.js``), so that moving an input re-runs both passes in the browser. The
numbers it shows are :func:`cgdiff.text.human_number`'s, and its sentences
those of ``cgdiff explain`` (the same words, ported to ``view.js``).

Nothing here recurses: one loop over the flat node list builds the data and
another the SVG.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Sequence

from .. import ops
from ..api import Result
from ..errors import PageTooLargeError
from ..explain import _definition, _name, _wrapped, local_change
from ..graph import Graph
from .layout import layout as compute_layout


#: The most nodes a page draws. Beyond it the SVG is too large for a browser
#: tab to stay responsive while stepping, so ``view`` says so instead.
MAX_NODES = 1000


def check_size(graph: Graph) -> None:
    if len(graph) > MAX_NODES:
        raise PageTooLargeError(
            f"the graph has {len(graph)} nodes; the interactive page draws at most "
            f"{MAX_NODES} (cgdiff graph --format dot draws any size, cgdiff grad lists every node)")


def _formula(graph: Graph, values: Sequence[float], user: int, position: int) -> tuple[str, bool]:
    """The value-free part of explain's local change: the op table's derivative
    formula with the program's names put in (``x`` for ``c = w*x`` and ``w``),
    and whether it is a bare number (then only the number is shown)."""
    text, _ = local_change(graph, values, user, position)
    formula = text.split(" × ε = ")[0] if " × ε = " in text else ""
    return formula, not formula


def page_data(result: Result, engine: str = "auto") -> dict:
    """Everything the page's script needs, as plain data."""
    graph, values = result.graph, result.values
    check_size(graph)
    n = len(graph)
    boxes = [_definition(graph, i) for i in range(n)]
    placed = compute_layout(graph, boxes, engine)
    users: list[list] = [[] for _ in range(n)]
    for k in range(n):
        for position, a in enumerate(graph.args(k)):
            formula, bare = _formula(graph, values, k, position)
            users[a].append([k, position, formula, bare])
    nodes = []
    for i in range(n):
        op = graph.op[i]
        name = _name(graph, i)
        nodes.append({
            "id": graph.node_id(i),
            "op": op.name,
            "args": list(graph.args(i)),
            "const": values[i] if op is ops.CONST else None,
            "name": name,
            "wrapped": _wrapped(name),
            "definition": boxes[i],
            "users": users[i],
            "x": round(placed.x[i], 1), "y": round(placed.y[i], 1),
            "w": placed.width[i], "h": placed.height[i],
        })
    J = _name(graph, graph.output)
    used = sorted({graph.op[i].name for i in range(n)} - {"input", "const"})
    return {
        "output": graph.output,
        "J": J,
        "dJ": f"∂{_wrapped(J)}",
        "outputName": graph.output_name(),
        # In the order the program first names them, as explain lists them.
        "inputs": [{"name": name, "node": graph.index[name], "value": result.inputs[name]}
                   for name in graph.inputs if name in result.inputs],
        "nodes": nodes,
        "ops": {name: {"symbol": ops.BY_NAME[name].symbol, "arity": ops.BY_NAME[name].arity}
                for name in used},
        "width": round(placed.total_width, 1),
        "height": round(placed.total_height, 1),
        "layout": placed.engine,
    }


def _op_script(names: Sequence[str]) -> str:
    """The op table's JavaScript for the operations the page uses."""
    lines = ["const OPS = {"]
    for name in names:
        op = ops.BY_NAME[name]
        value, partials = op.js
        params = "a, b" if op.arity == 2 else "a"
        lines.append(f"  {json.dumps(name)}: {{value: ({params}) => ({value}), "
                     f"partials: ({params}, out) => ({partials})}},")
    lines.append("};")
    return "\n".join(lines)


def _svg(data: dict) -> str:
    """The picture: edges first, then each node's box, label, value (above)
    and derivative (below). The script fills in the numbers."""
    nodes = data["nodes"]
    out = [f'<svg id="graph" viewBox="0 0 {data["width"]} {data["height"]}" '
           f'role="img" aria-label="computation graph">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
           'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/>'
           '</marker></defs>', '<g id="edges">']
    for k, node in enumerate(nodes):
        for position, a in enumerate(node["args"]):
            source = nodes[a]
            x1, y1 = source["x"] + source["w"] / 2, source["y"]
            x2, y2 = node["x"] - node["w"] / 2, node["y"]
            bend = max(20.0, (x2 - x1) / 2)
            path = (f"M {x1:.1f} {y1:.1f} C {x1 + bend:.1f} {y1:.1f}, {x2 - bend:.1f} {y2:.1f}, "
                    f"{x2:.1f} {y2:.1f}")
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            out.append(f'<g class="edge" id="e-{a}-{k}-{position}"><path d="{path}" '
                       f'marker-end="url(#arrow)"/><text class="partial" x="{mx:.1f}" '
                       f'y="{my - 4:.1f}" id="p-{a}-{k}-{position}"></text></g>')
    out.append('</g><g id="nodes">')
    for i, node in enumerate(nodes):
        kind = node["op"] if node["op"] in ("input", "const") else "op"
        if i == data["output"]:
            kind += " output"
        x, y, w, h = node["x"], node["y"], node["w"], node["h"]
        label = html.escape(node["definition"])
        op_name = "" if node["op"] in ("input", "const") else html.escape(node["op"])
        rx = h / 2 if node["op"] == "input" else 6
        out.append(
            f'<g class="node {kind}" id="n-{i}" data-node="{i}" tabindex="-1">'
            f'<title>{html.escape(node["id"])}</title>'
            f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" height="{h}" rx="{rx:.1f}"/>'
            f'<text class="label" x="{x:.1f}" y="{y - (3 if op_name else -4):.1f}">{label}</text>'
            + (f'<text class="opname" x="{x:.1f}" y="{y + 12:.1f}">{op_name}</text>' if op_name else "")
            + f'<text class="value" id="v-{i}" x="{x:.1f}" y="{y - h / 2 - 6:.1f}"></text>'
            f'<text class="grad" id="g-{i}" x="{x:.1f}" y="{y + h / 2 + 15:.1f}"></text>'
            '</g>')
    out.append("</g></svg>")
    return "\n".join(out)


def _asset(name: str) -> str:
    return (files(__package__) / name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element."""
    return (json.dumps(data, ensure_ascii=False, allow_nan=False)
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


def to_page(result: Result, title: str | None = None, engine: str = "auto") -> str:
    """The whole page for a forward-pass ``result`` (its inputs are the
    sliders' starting values)."""
    data = page_data(result, engine)
    title = title or f"cgdiff view: {data['J']}"
    source = result.graph.source
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No request may leave the page: this policy blocks any that a
        # browser would otherwise make (favicons included).
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{html.escape(title)}</title>",
        '<link rel="icon" href="data:,">',
        f"<style>\n{_asset('view.css')}</style>",
        "</head>",
        "<body>",
        '<main id="page">',
        '<section id="picture">',
        '<div id="zoom"><button id="zoom-in" title="zoom in (+)">+</button>'
        '<button id="zoom-out" title="zoom out (-)">−</button>'
        '<button id="zoom-fit" title="fit the whole graph (0)">fit</button></div>',
        _svg(data),
        '<p id="legend"><span class="swatch value"></span> value above each node · '
        f'<span class="swatch grad"></span> ∂{html.escape(data["outputName"])}/∂node below · '
        "edges: local derivative ∂node/∂argument · wheel or +/− to zoom, drag to pan</p>",
        "</section>",
        '<aside id="side">',
        f"<h1>{html.escape(title)}</h1>",
        f'<pre id="program">{html.escape(source.strip())}</pre>',
        '<div id="controls">'
        '<button id="first" title="back to the start (Home)">|◀ start</button>'
        '<button id="prev" title="previous step (←)">◀ back</button>'
        '<button id="next" title="next step (→)">next ▶</button>'
        '<button id="last" title="every step at once (End)">end ▶|</button>'
        '<span id="counter"></span></div>',
        '<div id="phase"></div>',
        '<div id="sentence" aria-live="polite"></div>',
        '<div id="error" hidden></div>',
        '<h2>Inputs</h2>',
        '<div id="inputs"></div>',
        '<h2>Node</h2>',
        '<div id="detail">Click a node to see its value, its derivative, its local '
        "partials and its chain-rule sentence.</div>",
        "</aside>",
        "</main>",
        f'<script id="cgdiff-data" type="application/json">{_script_json(data)}</script>',
        f"<script>\n{_op_script(sorted(data['ops']))}\n{_asset('view.js')}</script>",
        "</body>",
        "</html>",
        "",
    ])


def write_html(result: Result, out, title: str | None = None, engine: str = "auto") -> None:
    """The page, written to the text stream ``out``."""
    out.write(to_page(result, title, engine))


#: The page's one format, as every render module declares its own.
FORMATS = {"html": write_html}
