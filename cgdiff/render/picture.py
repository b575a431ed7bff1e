"""Pictures of the computation graph: Graphviz DOT, a Mermaid flowchart, and a
Rich tree for the terminal.

Every function is pure: it takes a graph (and, optionally, every node's value
and ∂output/∂node) and returns a string or a renderable; the command line
prints or writes it. Edges run from an argument to the node that reads it, so
the picture flows left to right as the lecture's forward pass does; with
values, each edge carries the local derivative (∂node/∂argument, read from the
op table), the number the reverse pass multiplies by on its way back.

Nothing here recurses: DOT and Mermaid are one loop over the flat node list,
the tree is built with an explicit stack.
"""

from __future__ import annotations

import math
import shutil
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Callable, Sequence

from ..errors import CommandFailedError, GraphvizFailedError, GraphvizMissingError
if TYPE_CHECKING:
    from ..graph import Graph
from ..text import human_number

#: Longest source text shown in a node's label.
LABEL_WIDTH = 40


# ---------------------------------------------------------------- what a node says

def _text(graph: Graph, i: int) -> str:
    """The node's source text on one line, clipped ('' for an input)."""
    return "" if graph.op[i].name == "input" else graph.short_label(i, LABEL_WIDTH)


def node_parts(graph: Graph, i: int, values: Sequence[float] | None = None,
               adjoints: Sequence[float] | None = None) -> tuple[str, str, str | None, str | None]:
    """What a node's label says: (who it is, its op, its value, its derivative).

    ``("c = w*x", "mul", "value -4", "∂J/∂c = 2")``; the value is left out
    where the label already shows it (a literal), and either number is None
    when not asked for.
    """
    op = graph.op[i].name
    node_id = graph.node_id(i)
    text = _text(graph, i)
    head = node_id if op == "input" else f"{node_id} = {text}"
    value = None
    if values is not None and not (op == "const" and human_number(values[i]) == text):
        value = f"value {human_number(values[i])}"
    derivative = None
    if adjoints is not None and adjoints[i] is not None:  # None: not shown (worksheets' constants)
        derivative = f"∂{graph.output_name()}/∂{node_id} = {human_number(adjoints[i])}"
    return head, op, value, derivative


def node_lines(graph: Graph, i: int, values: Sequence[float] | None = None,
               adjoints: Sequence[float] | None = None) -> list[str]:
    """A node's label, line by line: ``c = w*x`` · ``mul`` · ``value -4`` · ``∂J/∂c = 2``."""
    return [part for part in node_parts(graph, i, values, adjoints) if part is not None]


def local_derivatives(graph: Graph, i: int, values: Sequence[float]) -> tuple[float, ...]:
    """∂node/∂argument for each argument of node ``i`` at these values (op table)."""
    op = graph.op[i]
    args = graph.args(i)
    if not args or op.partials is None:
        return ()
    try:
        return tuple(op.partials(*(values[a] for a in args), values[i]))
    except (ValueError, ZeroDivisionError, OverflowError):
        return tuple(math.nan for _ in args)


# ---------------------------------------------------------------- Graphviz DOT

def _edge_labels(graph: Graph, edges, values, adjoints):
    """(argument, node, label) for each edge: the local derivative as a
    number with values (None where an edge carries none)."""
    cache: dict[int, tuple] = {}
    for a, i, position in edges:
        label = None
        if values is not None and position is not None:
            partials = cache.get(i)
            if partials is None:
                partials = cache[i] = local_derivatives(graph, i, values)
            if partials and not (adjoints is not None and adjoints[a] is None):
                label = human_number(partials[position])
        yield a, i, label


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def call_layout(graph: Graph, collapse: bool = False):
    """How calls of user functions are drawn: ``(shown, edges, blocks)``.

    ``shown``: the nodes drawn, in order; ``edges``: ``(from, to, position)``
    with position None for an edge into a collapsed call (no local
    derivative); ``blocks``: the drawing order as ``("node", i)``,
    ``("open", call)`` and ``("close", call)``, each call a cluster around its
    nodes (nested calls inside). With ``collapse``, each outermost call is one
    node (its result) and its inner nodes are not drawn. No recursion.
    """
    n = len(graph)
    calls = graph.calls
    call_of = graph.call_of
    if collapse and calls:
        outer = []
        for c in range(len(calls)):
            top = c
            while calls[top].parent >= 0:
                top = calls[top].parent
            outer.append(top)
        stand_in = list(range(n))
        for i, c in call_of.items():
            stand_in[i] = calls[outer[c]].top
        shown = [i for i in range(n) if stand_in[i] == i]
        edges, seen = [], set()
        for i in range(n):
            to = stand_in[i]
            for position, a in enumerate(graph.args(i)):
                source = stand_in[a]
                if source == to:
                    continue
                if to == i and source == a:
                    edges.append((a, i, position))
                elif (source, to) not in seen:
                    seen.add((source, to))
                    edges.append((source, to, None))
        return shown, edges, [("node", i) for i in shown]
    shown = list(range(n))
    edges = [(a, i, position) for i in range(n) for position, a in enumerate(graph.args(i))]
    if not calls:
        return shown, edges, [("node", i) for i in shown]
    members: dict[int, list[int]] = {}
    for i in range(n):
        c = call_of.get(i)
        if c is not None:
            members.setdefault(c, []).append(i)
    children: dict[int, list[int]] = {}
    for c, call in enumerate(calls):
        children.setdefault(call.parent, []).append(c)
    blocks = [("node", i) for i in range(n) if i not in call_of]
    stack = [("call", c) for c in reversed(children.get(-1, []))]
    while stack:
        kind, c = stack.pop()
        if kind == "close":
            blocks.append(("close", c))
            continue
        blocks.append(("open", c))
        blocks.extend(("node", i) for i in members.get(c, []))
        stack.append(("close", c))
        stack.extend(("call", k) for k in reversed(children.get(c, [])))
    return shown, edges, blocks


def _call_parts(graph: Graph, i: int, collapse: bool, values, adjoints) -> list[str]:
    """A node's label lines; a collapsed call says which function it calls."""
    lines = node_lines(graph, i, values, adjoints)
    c = graph.call_of.get(i) if collapse else None
    if c is not None and graph.calls[c].top == i:
        lines[1] = f"call {graph.calls[c].function}"
    return lines


@dataclass(frozen=True)
class _Dialect:
    """How one picture language writes what :func:`_flowchart` walks: its
    first lines, one level of indentation, a call's cluster (its opening line
    and the lines inside it), the cluster's end, a node and an edge."""

    head: tuple[str, ...]
    step: str
    open_call: Callable[[Graph, int], tuple[str, list[str]]]
    close_call: str
    node: Callable[[Graph, int, list[str]], str]
    edge: Callable[[int, int, str | None], str]
    tail: tuple[str, ...] = ()


def _flowchart(graph: Graph, values, adjoints, collapse_calls: bool, dialect: _Dialect) -> str:
    """The graph in a picture language: one loop over the nodes in drawing
    order (calls as nested clusters, :func:`call_layout`), then the edges."""
    out = list(dialect.head)
    _shown, edges, blocks = call_layout(graph, collapse_calls)
    step = dialect.step
    indent = step
    for kind, i in blocks:
        if kind == "open":
            first, inside = dialect.open_call(graph, i)
            out.append(indent + first)
            indent += step
            out.extend(indent + line for line in inside)
        elif kind == "close":
            indent = indent[:-len(step)]
            out.append(indent + dialect.close_call)
        else:
            out.append(indent + dialect.node(graph, i, _call_parts(graph, i, collapse_calls,
                                                                   values, adjoints)))
    for a, i, label in _edge_labels(graph, edges, values, adjoints):
        out.append(step + dialect.edge(a, i, label))
    out.extend(dialect.tail)
    return "\n".join(out) + "\n"


def _dot_node(graph: Graph, i: int, lines: list[str]) -> str:
    op = graph.op[i].name
    label = "\\n".join(_dot_string(line)[1:-1] for line in lines)
    attributes = [f'label="{label}"']
    if op == "input":
        attributes.append('shape=ellipse, style=filled, fillcolor="#dbeafe"')
    elif op == "const":
        attributes.append("shape=plaintext")
    if lines[1].startswith("call "):
        attributes.append('style="rounded,filled,dashed", fillcolor="#fef9c3"')
    if i in graph.outputs or i == graph.output:
        attributes.append('peripheries=2, style="rounded,filled", fillcolor="#dcfce7"')
    return f"n{i} [{', '.join(attributes)}];"


_DOT = _Dialect(
    head=("digraph cgdiff {",
          "  rankdir=LR;",
          '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
          '  edge [fontname="Helvetica", fontsize=10, color="#555555"];'),
    step="  ",
    open_call=lambda graph, c: (f"subgraph cluster_call{c} {{",
                                [f"label={_dot_string(graph.calls[c].label)}; "
                                 'style="rounded,dashed"; color="#888888"; fontname="Helvetica";']),
    close_call="}",
    node=_dot_node,
    edge=lambda a, i, label: (f'n{a} -> n{i} [label="{label}"];' if label is not None
                              else f"n{a} -> n{i};"),
    tail=("}",),
)


def to_dot(graph: Graph, values: Sequence[float] | None = None,
           adjoints: Sequence[float] | None = None, collapse_calls: bool = False) -> str:
    """The graph in Graphviz's DOT language (render it with ``dot -Tsvg``).

    Inputs are ellipses, constants plain text, operations boxes, the output a
    doubled box. With ``values``, edges carry the local derivative. Each call
    of a user function is a cluster (``collapse_calls``: one node).
    """
    return _flowchart(graph, values, adjoints, collapse_calls, _DOT)


# ---------------------------------------------------------------- Mermaid

def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the specials)."""
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;",
                    "`": "#96;"}
    return "".join(replacements.get(ch, ch) for ch in text)


def _mermaid_node(graph: Graph, i: int, lines: list[str]) -> str:
    op = graph.op[i].name
    label = "<br/>".join(_mermaid_text(line) for line in lines)
    if op == "input":
        shape = '(["{}"])'
    elif i == graph.output or i in graph.outputs:
        shape = '[["{}"]]'
    elif op == "const":
        shape = '("{}")'
    elif lines[1].startswith("call "):
        shape = '{{{{"{}"}}}}'
    else:
        shape = '["{}"]'
    return f"n{i}{shape.format(label)}"


_MERMAID = _Dialect(
    head=("flowchart LR",),
    step="    ",
    open_call=lambda graph, c: (f'subgraph call{c} ["{_mermaid_text(graph.calls[c].label)}"]',
                                []),
    close_call="end",
    node=_mermaid_node,
    edge=lambda a, i, label: (f'n{a} -->|"{_mermaid_text(label)}"| n{i}' if label is not None
                              else f"n{a} --> n{i}"),
)


def to_mermaid(graph: Graph, values: Sequence[float] | None = None,
               adjoints: Sequence[float] | None = None, collapse_calls: bool = False) -> str:
    """The graph as a Mermaid flowchart (``flowchart LR``), as code-hosting
    pages render it. Inputs are stadiums, the output a double-bordered box;
    each call of a user function a subgraph (``collapse_calls``: one node)."""
    return _flowchart(graph, values, adjoints, collapse_calls, _MERMAID)


# ---------------------------------------------------------------- Rich tree

#: How deep the terminal tree goes: each level indents, so drawing a
#: 100,000-deep expression would take quadratic time and be unreadable anyway.
MAX_TREE_DEPTH = 200
#: Each level of the tree indents by this many columns, and a line keeps at
#: least TREE_ROOM columns for its text: deeper levels than the width allows
#: are left out, and the tree says how many nodes that leaves out.
TREE_INDENT, TREE_ROOM = 4, 28
#: The width a tree is drawn at into a file (-o tree.txt): MAX_TREE_DEPTH levels.
TREE_FILE_WIDTH = TREE_ROOM + TREE_INDENT * MAX_TREE_DEPTH + 4


def tree_depth(width: int) -> int:
    """How many levels fit in ``width`` columns (at least 1)."""
    return max(1, min(MAX_TREE_DEPTH, (width - TREE_ROOM) // TREE_INDENT))


class TreeView:
    """The graph as a tree, fitted at drawing time to the console's width:
    every node the output depends on is drawn, or a last line says how many
    were left out and how to see them. ``max_depth`` overrides the width's."""

    def __init__(self, graph: Graph, values=None, adjoints=None, max_depth: int | None = None):
        self.graph, self.values, self.adjoints = graph, values, adjoints
        self.max_depth = max_depth

    def __rich_console__(self, console, options):
        depth = self.max_depth or tree_depth(options.max_width)
        tree, left_out = build_tree(self.graph, self.values, self.adjoints, depth)
        yield tree
        if left_out:
            from rich.text import Text

            n = len(self.graph)
            yield Text(f"{left_out:,} of {n:,} nodes not drawn (⋯): the tree stops at depth "
                       f"{depth} at this width; --format dot or mermaid, or -o FILE.svg, "
                       f"draws the whole graph", style="yellow")


def to_tree(graph: Graph, values: Sequence[float] | None = None,
            adjoints: Sequence[float] | None = None, max_depth: int | None = None) -> TreeView:
    """The tree for the terminal (see :class:`TreeView` and :func:`build_tree`)."""
    return TreeView(graph, values, adjoints, max_depth)


def build_tree(graph: Graph, values: Sequence[float] | None = None,
               adjoints: Sequence[float] | None = None,
               max_depth: int = MAX_TREE_DEPTH):
    """A Rich ``Tree`` from the output down to the inputs, at most ``max_depth``
    levels deep, and how many of the graph's nodes it leaves out.

    A node that feeds several others (``w`` in ``w*x + w``) is drawn in full
    the first time it appears and referred to after (``w ↑ see above``), so the
    tree stays the size of the graph. Built with an explicit stack.
    """
    from rich.text import Text
    from rich.tree import Tree

    def line(i: int) -> Text:
        head, op, value, derivative = node_parts(graph, i, values, adjoints)
        text = Text()
        text.append(head, style="bold cyan")
        text.append(f"  {op}", style="dim")
        if value is not None:
            text.append(f"  {value}", style="green")
        if derivative is not None:
            text.append(f"  {derivative}", style="magenta")
        return text

    root = Tree(line(graph.output), guide_style="dim")
    drawn = {graph.output}
    # Pre-order, first argument first: push the arguments in reverse.
    stack = [(a, root, 1) for a in reversed(graph.args(graph.output))]
    while stack:
        i, parent, depth = stack.pop()
        if i in drawn:
            reference = Text()
            reference.append(graph.node_id(i), style="bold cyan")
            reference.append("  ↑ see above", style="dim italic")
            parent.add(reference)
            continue
        if depth > max_depth:  # the parent says it once for all its arguments
            continue
        drawn.add(i)
        branch = parent.add(line(i))
        args = graph.args(i)
        if args and depth >= max_depth:
            if any(a not in drawn for a in args):
                branch.add(Text("⋯", style="yellow"))
            stack.extend((a, branch, depth + 1) for a in reversed(args) if a in drawn)
            continue
        stack.extend((a, branch, depth + 1) for a in reversed(args))
    return root, len(graph) - len(drawn)


# ---------------------------------------------------------------- formats

@dataclass
class Picture:
    """What ``cgdiff graph`` draws: the graph, and with ``--values`` every
    node's value and ∂output/∂node."""

    graph: Graph
    values: Sequence[float] | None = None
    adjoints: Sequence[float] | None = None
    #: draw each call of a user function as one node (dot and mermaid)
    collapse_calls: bool = False


def write_tree(p: Picture, out: IO[str]) -> None:
    from . import print_rich

    # In a file, wide enough that long labels are not folded.
    width = None if out is sys.stdout or out.isatty() else TREE_FILE_WIDTH
    print_rich(out, to_tree(p.graph, p.values, p.adjoints), width=width)


def write_dot(p: Picture, out: IO[str]) -> None:
    out.write(to_dot(p.graph, p.values, p.adjoints, p.collapse_calls))


def write_mermaid(p: Picture, out: IO[str]) -> None:
    out.write(to_mermaid(p.graph, p.values, p.adjoints, p.collapse_calls))


#: The pictures written as text, to standard output or a file.
FORMATS = {"tree": write_tree, "dot": write_dot, "mermaid": write_mermaid}


# ---------------------------------------------------------------- files

#: -o suffixes that are text in a picture language, and those Graphviz draws.
TEXT_SUFFIXES = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid"}
GRAPHVIZ_SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".jpg": "jpg",
                     ".jpeg": "jpg", ".gif": "gif", ".webp": "webp"}
#: The pictures Graphviz draws, into a file only.
IMAGES = tuple(dict.fromkeys(GRAPHVIZ_SUFFIXES.values()))


def draw(p: Picture, path: str, image_format: str) -> None:
    """The picture drawn by Graphviz into ``path`` (one of IMAGES)."""
    render_with_graphviz(to_dot(p.graph, p.values, p.adjoints, p.collapse_calls), path, image_format)


def format_for_file(path: str, default: str, explicit: bool = False) -> str:
    """Which picture a file named ``path`` gets: its suffix decides
    (``.dot``, ``.mmd``, ``.svg``/``.png``/``.pdf``/``.jpg``...), else ``default``.
    With ``explicit`` (``--format`` was given), a suffix that says otherwise is
    a ValueError, whose message says so."""
    suffix = path[path.rfind("."):].lower() if "." in path.rsplit("/", 1)[-1] else ""
    implied = GRAPHVIZ_SUFFIXES.get(suffix) or TEXT_SUFFIXES.get(suffix)
    if implied is None:
        return default
    if explicit and implied != default:
        what = (f"a picture drawn by Graphviz ({implied})" if suffix in GRAPHVIZ_SUFFIXES
                else f"{implied} text")
        raise ValueError(f"--format {default} disagrees with -o {path}: its suffix {suffix} "
                         f"means {what}; drop --format, or give the file another name")
    return implied


#: The longest Graphviz may take to draw a picture, in seconds; past it ``dot``
#: is stopped and the old file kept (README: Errors and limits).
GRAPHVIZ_SECONDS = 60.0


def graphviz_text(dot_text: str, output_format: str, seconds: float = 30.0) -> str | None:
    """What Graphviz's ``dot -T<output_format>`` prints for DOT text (``svg``,
    or ``plain``: where it places each node and edge), or None where ``dot`` is
    not installed, fails or takes longer than ``seconds``. Pages and sheets
    that can do without a drawing read it here; ``-o FILE.svg`` goes through
    :func:`render_with_graphviz`, which says why it failed."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    import subprocess

    try:
        done = subprocess.run([dot, f"-T{output_format}"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=seconds)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def svg_text(dot_text: str) -> str | None:
    """Graphviz's SVG, reduced to the bare ``<svg>`` element for inline use
    (no XML prolog, doctype or namespace URLs); None without Graphviz."""
    import re

    svg = graphviz_text(dot_text, "svg")
    if svg is None:
        return None
    start = svg.find("<svg")
    if start < 0:
        return None
    svg = svg[start:]
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    return svg.strip()


def render_with_graphviz(dot_text: str, path: str, image_format: str,
                         seconds: float | None = None) -> None:
    """Draw DOT text into ``path`` (svg, png or pdf) with Graphviz's ``dot``.

    ``dot`` writes a temporary file that replaces ``path`` only when it has
    finished (cgdiff.outfile): past ``seconds`` (default GRAPHVIZ_SECONDS),
    on an error or on Ctrl-C it is stopped and ``path`` keeps its old content.
    """
    from .. import outfile

    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissingError(
            f"writing {path} needs Graphviz's `dot` program, which is not on PATH: install "
            f"Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            f"graphviz), or write the DOT text with -o FILE.dot and render it elsewhere")
    try:
        outfile.write_with_command(
            path, [dot, f"-T{image_format}", "-o"], dot_text.encode(),
            GRAPHVIZ_SECONDS if seconds is None else seconds, "Graphviz (dot)",
            "; write the picture as text instead (-o FILE.dot or --format dot, -o FILE.mmd "
            "or --format mermaid) and draw it elsewhere")
    except CommandFailedError as error:
        raise GraphvizFailedError(error.message) from None
