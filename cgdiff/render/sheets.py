"""``cgdiff worksheet``: the sheet as a page (``FORMATS``): markdown (renders
on code-hosting pages), latex (a document for pdflatex) or html (one
self-contained page, the graph drawn by Graphviz when it is installed).
``FORMATS[name](sheet, answers)`` is the page's text; ``SUFFIXES`` gives each
its file suffix (``worksheet --vary`` names its files with it).
"""

from __future__ import annotations

import html
import re
import unicodedata

from .. import ops
from ..text import human_number
from ..worksheet import Row, Worksheet
from .picture import graphviz_text, svg_text

# ---------------------------------------------------------------- cells

def _cell(sheet: Worksheet, row: Row, kind: str, answers: bool) -> str | None:
    """The number in a cell, or None for a blank the student fills in."""
    blank = row.blank_value if kind == "value" else row.blank_grad
    return None if blank and not answers else sheet.number(row, kind)


def _title(sheet: Worksheet, answers: bool) -> str:
    return sheet.title + (": answer key" if answers else "")


def _instructions(sheet: Worksheet) -> str:
    parts = []
    if sheet.blank in ("values", "both"):
        parts.append("fill in every node's value, left to right (the forward pass)")
    if sheet.blank in ("grads", "both"):
        parts.append(f"fill in every ∂{sheet.out}/∂node, right to left (backpropagation)")
    text = "Using the inputs given, " + ", then ".join(parts) + "."
    if sheet.blank != "values":
        text += f" Start from ∂{sheet.out}/∂{sheet.out} = 1."
    if sheet.digits is not None:
        text += (f" Round answers that are not exact to {sheet.digits} significant digits "
                 f"(0.4621, -1.387); the key does the same.")
    return text


def _inputs_line(sheet: Worksheet, code) -> str:
    """``Inputs: w = 2, x = -2`` with each setting passed through ``code``."""
    if not sheet.inputs:
        return "No inputs"
    return "Inputs: " + ", ".join(code(f"{name} = {human_number(value)}")
                                  for name, value in sheet.inputs.items())


def _picture(sheet: Worksheet, answers: bool, kind: str) -> str:
    """The graph drawn by :mod:`cgdiff.render.picture` (Mermaid or DOT).

    The key shows every value and derivative. A blank sheet shows the bare
    graph, plus the derivatives when only values are asked for: values would
    put the local derivatives on the edges, which is half the student's work.
    """
    from .picture import to_dot, to_mermaid

    result = sheet.result
    # The numbers as the table shows them (rounded, noise as 0); no
    # derivative with respect to a literal.
    shown_values = list(result.values)
    shown_adjoints: list = [None if op is ops.CONST else d
                            for op, d in zip(sheet.graph.op, result.adjoints)]
    for row in sheet.rows:
        shown_values[row.node] = float(sheet.number(row, "value"))
        grad = sheet.number(row, "grad")
        shown_adjoints[row.node] = float("nan") if grad == "—" else float(grad)
    values = shown_values if answers else None
    adjoints = shown_adjoints if answers or sheet.blank == "values" else None
    draw = to_mermaid if kind == "mermaid" else to_dot
    return draw(sheet.graph, values=values, adjoints=adjoints)


# ---------------------------------------------------------------- Markdown

def to_markdown(sheet: Worksheet, answers: bool = False) -> str:
    """The sheet (or its key) as Markdown: renders on a code-hosting page."""
    out = sheet.out
    lines = [f"# {_title(sheet, answers)}", "", _instructions(sheet), "", "## Program", "",
             "```", *sheet.formulas, "```", "",
             _inputs_line(sheet, lambda text: f"`{text}`"), ""]
    mermaid = _picture(sheet, answers, "mermaid")
    lines += ["## Graph", "", "```mermaid", mermaid.rstrip("\n"), "```", ""]
    lines += ["## Nodes", "", f"| node | computes | value | ∂{out}/∂node |",
              "|---|---|--:|--:|"]
    for row in sheet.rows:
        value = _cell(sheet, row, "value", answers)
        grad = _cell(sheet, row, "grad", answers)
        step = "input" if row.is_input else f"`{row.step}`"
        lines.append(f"| `{row.id}` | {step} | {_md_answer(value, row.blank_value)} | "
                     f"{_md_answer(grad, row.blank_grad)} |")
    if answers and sheet.notes:
        lines += [""] + [f"Note: {note}" for note in sheet.notes]
    lines += ["", "## Questions", ""]
    for q in sheet.questions:
        answer = f" **{sheet.number(q.row, q.kind)}**" if answers else ""
        lines.append(f"{q.number}. {q.before}`{q.code}`{q.after}{answer}")
    if not sheet.questions:
        lines.append("None: there is nothing to work out.")
    return "\n".join(lines) + "\n"


def _md_answer(text: str | None, was_blank: bool) -> str:
    if text is None:
        return " "
    return f"**{text}**" if was_blank else text


# ---------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$",
                  "%": r"\%", "&": r"\&", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
                  "∂": r"$\partial$", "—": "---"}
_LATEX_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


def latex_escape(text: str) -> str:
    return _LATEX_SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], text)


def _greek_declarations(text: str) -> list[str]:
    """``\\DeclareUnicodeCharacter`` for each Greek letter in ``text``, so
    pdflatex sets ``θ`` as ``\\theta``."""
    lines = []
    for char in sorted({c for c in text if "\u0370" <= c <= "\u03ff"}):
        name = unicodedata.name(char, "")
        match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", name)
        if not match:
            continue
        letter = match.group(2).lower()
        letter = {"lamda": "lambda"}.get(letter, letter)
        if match.group(1) == "CAPITAL":
            letter = letter.capitalize()
        if letter in ("omicron", "Alpha", "Beta", "Epsilon", "Zeta", "Eta", "Iota", "Kappa",
                      "Mu", "Nu", "Omicron", "Rho", "Tau", "Chi"):
            macro = {"omicron": "o"}.get(letter, letter[0])
            lines.append(f"\\DeclareUnicodeCharacter{{{ord(char):04X}}}{{{macro}}}")
        else:
            lines.append(f"\\DeclareUnicodeCharacter{{{ord(char):04X}}}"
                         f"{{\\ensuremath{{\\{letter}}}}}")
    return lines


#: The LaTeX sheet's text width and height, in inches (A4, 2 cm margins).
LATEX_WIDTH_IN = 6.7
LATEX_HEIGHT_IN = 8.6


def _latex_graph(sheet: Worksheet) -> list[str] | None:
    """The bare graph (as the blank sheet has it) in LaTeX's own picture
    environment, placed by Graphviz (``dot -Tplain``, top to bottom), so
    pdflatex needs no package and no file beside the sheet: a box per node
    with its label at the body text's size, each edge a curve from an
    argument down to the node that reads it. None without Graphviz."""
    dot_text = _compact_labels(_picture(sheet, False, "dot")).replace(
        "rankdir=LR;", "rankdir=TB; nodesep=0.15; ranksep=0.3;")
    placed = graphviz_text(dot_text, "plain")
    if placed is None:
        return None
    import shlex

    width = height = 0.0
    nodes: dict[str, tuple[float, float, str, str]] = {}
    edges = []
    for line in placed.splitlines():
        try:
            fields = shlex.split(line)
        except ValueError:
            continue
        if fields[:1] == ["graph"]:
            width, height = float(fields[2]), float(fields[3])
        elif fields[:1] == ["node"]:
            nodes[fields[1]] = (float(fields[2]), float(fields[3]), fields[6], fields[8])
        elif fields[:1] == ["edge"]:
            n = int(fields[3])
            points = [(float(fields[4 + 2 * k]), float(fields[5 + 2 * k])) for k in range(n)]
            edges.append(points)
    scale = min(1.0, LATEX_WIDTH_IN / width if width else 1.0,
                LATEX_HEIGHT_IN / height if height else 1.0)
    out = [r"\begin{center}", f"\\setlength{{\\unitlength}}{{{scale:.4f}in}}",
           f"\\begin{{picture}}({width:.3f},{height:.3f})"]
    for points in edges:
        # dot's cubic pieces, each drawn as the closest quadratic (\qbezier)
        for k in range(0, len(points) - 3, 3):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[k:k + 4]
            cx, cy = (3 * (x1 + x2) - x0 - x3) / 4, (3 * (y1 + y2) - y0 - y3) / 4
            out.append(f"\\qbezier({x0:.3f},{y0:.3f})({cx:.3f},{cy:.3f})({x3:.3f},{y3:.3f})")
    for x, y, label, shape in nodes.values():
        text = latex_escape(label.replace("\\n", " "))
        box = r"\fbox" if shape != "plaintext" else ""
        out.append(f"\\put({x:.3f},{y:.3f}){{\\makebox(0,0){{\\colorbox{{white}}{{{box}{{{text}}}}}}}}}"
                   if box else f"\\put({x:.3f},{y:.3f}){{\\makebox(0,0){{{text}}}}}")
    out += [r"\end{picture}", r"\end{center}",
            "Each node: its name (operation); each line runs from an argument down to the "
            "node that reads it."]
    return out


def to_latex(sheet: Worksheet, answers: bool = False) -> str:
    """The sheet (or its key) as a complete LaTeX document (booktabs tables)
    for ``pdflatex``, the graph on a page of its own (LaTeX's picture environment)."""
    out = sheet.out
    tt = lambda text: r"\texttt{" + latex_escape(text) + "}"  # noqa: E731
    graph = _latex_graph(sheet)
    body = [
        r"\section*{" + latex_escape(_title(sheet, answers)) + "}",
        "",
        latex_escape(_instructions(sheet)),
        "",
        r"\subsection*{Program}",
        r"\begin{quote}",
        " \\\\\n".join(tt(line) for line in sheet.formulas),
        r"\end{quote}",
        _inputs_line(sheet, tt) + ".",
        "",
        "",
        *(["\\clearpage", r"\subsection*{Graph}", *graph, "\\clearpage"] if graph else
          [r"The graph picture is not drawn here (Graphviz is not installed): "
           r"\texttt{cgdiff graph --format dot} draws it.", ""]),
        r"\subsection*{Nodes}",
        r"\begin{center}",
        r"\renewcommand{\arraystretch}{1.4}",
        r"\begin{tabular}{llrr}",
        r"\toprule",
        r"node & computes & value & " + latex_escape(f"∂{out}/∂node") + r" \\",
        r"\midrule",
    ]
    for row in sheet.rows:
        step = "input" if row.is_input else tt(row.step)
        cells = []
        for kind, was_blank in (("value", row.blank_value), ("grad", row.blank_grad)):
            text = _cell(sheet, row, kind, answers)
            if text is None:
                cells.append(r"\hspace{2.5cm}")
            else:
                text = latex_escape(text)
                cells.append(r"\textbf{" + text + "}" if was_blank else text)
        body.append(f"{tt(row.id)} & {step} & {cells[0]} & {cells[1]} \\\\")
    body += [r"\bottomrule", r"\end{tabular}", r"\end{center}", ""]
    if answers:
        body += [f"Note: {latex_escape(note)}\n" for note in sheet.notes]
    body += [r"\subsection*{Questions}"]
    if sheet.questions:
        body.append(r"\begin{enumerate}")
        for q in sheet.questions:
            answer = (r" \textbf{" + latex_escape(sheet.number(q.row, q.kind)) + "}" if answers
                      else r" \hrulefill")
            body.append(r"\item " + latex_escape(q.before) + tt(q.code)
                        + latex_escape(q.after) + answer)
        body.append(r"\end{enumerate}")
    else:
        body.append("None: there is nothing to work out.")
    text = "\n".join(body)
    preamble = [r"\documentclass[11pt]{article}", r"\usepackage[T1]{fontenc}",
                r"\usepackage[utf8]{inputenc}", r"\usepackage[margin=2cm]{geometry}",
                r"\usepackage{color}",
                r"\usepackage{booktabs}", *_greek_declarations(text),
                r"\pagestyle{empty}", r"\begin{document}"]
    return "\n".join(preamble) + "\n" + text + "\n" + r"\end{document}" + "\n"


# ---------------------------------------------------------------- HTML

#: Graph labels on a sheet are set at this size, the body text's: the picture
#: is never scaled down (see _sheet_svg), so they print at least as large.
LABEL_PT = 12
#: Printable widths in points: A4 (and Letter) with Chromium's default margins.
PORTRAIT_PT = 530
LANDSCAPE_PT = 770
PAGE_HEIGHT_PT = 740

_STYLE = """\
body { font-family: sans-serif; font-size: 12pt; max-width: 50em; margin: 2em auto;
       line-height: 1.4; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #888; padding: 0.3em 0.8em; }
td.num { text-align: right; min-width: 6em; }
td.blank { background: #fff; }
code, pre { font-family: monospace; font-size: 1em; }
pre { background: #f4f4f4; padding: 0.6em; }
li { margin: 0.4em 0; }
span.line { display: inline-block; min-width: 8em; border-bottom: 1px solid #444; }
p.note { font-size: 0.95em; color: #444; }
div.graph { overflow-x: auto; }
div.graph svg { max-width: none; height: auto; }
@page landscape { size: A4 landscape; }
div.graph.landscape { page: landscape; break-before: page; }
@media print { pre { background: none; } body { margin: 0; max-width: none; }
  tr, li { break-inside: avoid; } }"""


def _svg_width(svg: str) -> float:
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    return float(match.group(1)) if match else 0.0


_DOT_LABEL = re.compile(r'^(  n\d+ \[label=")((?:[^"\\]|\\.)*)(")', re.M)


def _compact_labels(dot_text: str) -> str:
    """Short node labels for a printed sheet (the table has the expressions):
    ``h1 (tanh)``, ``= 0.9138``, ``∂ 0.1762`` instead of the whole formula,
    ``value 0.9138`` and ``∂J/∂h1 = 0.1762``."""

    def shorten(match):
        lines = match.group(2).split("\\n")
        head = lines[0].split(" = ", 1)[0]
        out = []
        for k, line in enumerate(lines):
            if k == 0:
                continue
            if k == 1:
                out.append(head if line in ("input", "const") else f"{head} ({line})")
            elif line.startswith("value "):
                out.append("= " + line[len("value "):])
            elif line.startswith("∂") and " = " in line:
                out.append("∂ " + line.rsplit(" = ", 1)[1])
            else:
                out.append(line)
        if lines and lines[0].split(" = ", 1)[-1] != head and len(lines) > 1 \
                and lines[1] == "const":
            out[0] = lines[0].split(" = ", 1)[1]  # a literal shows its number
        return match.group(1) + "\\n".join(out or lines) + match.group(3)

    return _DOT_LABEL.sub(shorten, dot_text)


def _svg_size(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)


def _sheet_svg(sheet: Worksheet, answers: bool) -> tuple[str, bool, bool] | None:
    """The graph for a printed sheet: labels at LABEL_PT (the body text's
    size) and never scaled down. The first that fits a portrait page, else a
    landscape page of its own: left to right, then top to bottom; for a key,
    with the numbers, then (when those don't fit) the bare graph, as the sheet
    has it (the table has the numbers). Returns (svg, landscape, with
    numbers), or None without Graphviz."""
    tries = [(answers, _picture(sheet, answers, "dot"))]
    if answers:
        tries.append((False, _picture(sheet, False, "dot")))
    landscape = None
    narrowest = None
    for numbers, dot_text in tries:
        dot_text = _compact_labels(dot_text).replace("fontsize=11", f"fontsize={LABEL_PT}")
        dot_text = dot_text.replace("fontsize=10", f"fontsize={LABEL_PT}")
        for rankdir in ("LR", "TB"):
            svg = svg_text(dot_text.replace("rankdir=LR;", f"rankdir={rankdir}; nodesep=0.15; "
                                                        "ranksep=0.3;"))
            if svg is None:
                return None
            width, height = _svg_size(svg)
            if width <= PORTRAIT_PT and height <= PAGE_HEIGHT_PT:
                return svg, False, numbers
            if landscape is None and width <= LANDSCAPE_PT and height <= PORTRAIT_PT:
                landscape = (svg, True, numbers)
            if narrowest is None or width < narrowest[0]:
                narrowest = (width, (svg, True, numbers))
    return landscape or narrowest[1]


def to_html(sheet: Worksheet, answers: bool = False) -> str:
    """The sheet (or its key) as one self-contained page: inline CSS, the graph
    as inline SVG when Graphviz is installed (else its Mermaid text), and no
    reference to anything on the network."""
    e = html.escape
    out = sheet.out
    title = _title(sheet, answers)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(title)}</title>", f"<style>\n{_STYLE}\n</style>", "</head>",
             "<body>", f"<h1>{e(title)}</h1>", f"<p>{e(_instructions(sheet))}</p>",
             "<h2>Program</h2>", "<pre>" + e("\n".join(sheet.formulas)) + "</pre>",
             "<p>" + _inputs_line(sheet, lambda text: f"<code>{e(text)}</code>") + "</p>"]
    drawn = _sheet_svg(sheet, answers)
    parts.append("<h2>Graph</h2>")
    if drawn is not None:
        svg, landscape, numbers = drawn
        parts.append(f'<div class="graph{" landscape" if landscape else ""}">\n{svg}\n</div>')
        parts.append("<p class=\"note\">Each node: its name (operation)"
                     + (f", = its value, ∂ its ∂{e(out)}/∂node; each edge its local derivative"
                        if numbers else "") + ".</p>")
    else:
        parts += ["<p>The graph in Mermaid's language (Graphviz was not installed to "
                  "draw it):</p>",
                  f'<pre class="mermaid">{e(_picture(sheet, answers, "mermaid"))}</pre>']
    parts += ["<h2>Nodes</h2>", "<table>",
              f"<tr><th>node</th><th>computes</th><th>value</th><th>∂{e(out)}/∂node</th></tr>"]
    for row in sheet.rows:
        cells = []
        for kind, was_blank in (("value", row.blank_value), ("grad", row.blank_grad)):
            text = _cell(sheet, row, kind, answers)
            if text is None:
                cells.append('<td class="num blank"></td>')
            elif was_blank:
                cells.append(f'<td class="num"><strong>{e(text)}</strong></td>')
            else:
                cells.append(f'<td class="num">{e(text)}</td>')
        step = "input" if row.is_input else f"<code>{e(row.step)}</code>"
        parts.append(f"<tr><td><code>{e(row.id)}</code></td><td>{step}</td>"
                     + "".join(cells) + "</tr>")
    parts.append("</table>")
    if answers:
        parts += [f'<p class="note">Note: {e(note)}</p>' for note in sheet.notes]
    parts.append("<h2>Questions</h2>")
    if sheet.questions:
        parts.append("<ol>")
        for q in sheet.questions:
            answer = (f" <strong>{e(sheet.number(q.row, q.kind))}</strong>" if answers
                      else ' <span class="line"></span>')
            parts.append(f"<li>{e(q.before)}<code>{e(q.code)}</code>{e(q.after)}{answer}</li>")
        parts.append("</ol>")
    else:
        parts.append("<p>None: there is nothing to work out.</p>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


FORMATS = {"markdown": to_markdown, "latex": to_latex, "html": to_html}
#: Each page format → its file suffix.
SUFFIXES = {"markdown": "md", "latex": "tex", "html": "html"}


def render(sheet: Worksheet, sheet_format: str = "markdown", answers: bool = False) -> str:
    """The sheet in ``sheet_format`` (markdown, latex or html)."""
    return FORMATS[sheet_format](sheet, answers)
