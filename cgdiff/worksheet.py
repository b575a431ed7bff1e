"""Worksheets: a program's node table with columns left blank for students,
numbered questions, and the answer key; variants with other "nice" inputs.

The lecture's exercise: here is a computation graph and its inputs; fill in
every node's value left to right, then every ∂J/∂node right to left.
``build`` makes the sheet from the forward and reverse pass, ``variants``
draws other inputs reproducibly (every value and derivative in the domain and
short), and ``to_markdown``/``to_latex``/``to_html`` return the page as a
string. Only the command line writes files.
"""

from __future__ import annotations

import html
import math
import random
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Mapping

from . import ops, passes
from .api import Result, differentiate, load
from .errors import CgdiffError, KeyMismatchError, MissingValueError, WorksheetError
from .graph import Graph
from .text import clip, human_number, one_line

BLANKS = ("values", "grads", "both")
FORMATS = {"markdown": "md", "latex": "tex", "html": "html"}
#: A worksheet is for people: past this many nodes, an error says so.
MAX_NODES = 2000
#: Draws per variant before settling for less than the nicest inputs.
TRIES = 500


# ---------------------------------------------------------------- the sheet

@dataclass
class Row:
    """One step of the computation: a node the student works out (or is given)."""

    node: int
    id: str
    #: the node's source text, one line (``w*x``, ``d^2``)
    label: str
    #: the step in terms of other rows (``w * x``, ``0.5 * #12``); "" for an input
    step: str
    value: float
    grad: float
    is_input: bool
    blank_value: bool
    blank_grad: bool
    #: the value / derivative is float noise next to its neighbours: shown as 0
    noise_value: bool = False
    noise_grad: bool = False


@dataclass
class Question:
    number: int
    kind: str  # "value" or "grad"
    row: Row
    #: the question in plain text; ``code`` is the part to set as code
    before: str
    code: str
    after: str

    @property
    def answer(self) -> float:
        return self.row.value if self.kind == "value" else self.row.grad

    @property
    def text(self) -> str:
        return f"{self.before}{self.code}{self.after}"


@dataclass
class Worksheet:
    result: Result
    blank: str
    #: the formulas the output needs, ``name = expression``, in evaluation order
    formulas: list[str]
    #: input name → value, in order of first appearance
    inputs: dict[str, float]
    #: what the derivatives are of: ``J``, or the output's text in parentheses
    out: str
    rows: list[Row]
    questions: list[Question] = field(default_factory=list)
    title: str = "Computation graph worksheet"
    #: False when no "nice" inputs were found for a variant
    nice: bool = True
    #: answers that are not short are rounded to this many significant
    #: digits (the sheet says so); None when every answer is short
    digits: int | None = None
    #: sentences under the table (float noise shown as 0)
    notes: list[str] = field(default_factory=list)

    def number(self, row: Row, kind: str) -> str:
        """A cell's number as the sheet and the key show it: 0 for float
        noise, short numbers as they are, others rounded to ``digits``."""
        return shown_number(row.value if kind == "value" else row.grad,
                            row.noise_value if kind == "value" else row.noise_grad,
                            self.digits)

    @property
    def graph(self) -> Graph:
        return self.result.graph


def build(source: str | Graph, settings: Mapping[str, float] | None = None,
          of: str | None = None, blank: str = "both", title: str | None = None) -> Worksheet:
    """The worksheet of ``source`` at ``settings`` with the ``blank`` column(s)
    (``values``, ``grads`` or ``both``) left for the student."""
    if blank not in BLANKS:
        raise ValueError(f"blank must be one of {BLANKS}, not {blank!r}")
    graph = source if isinstance(source, Graph) else load(source, of)
    _check_size(graph)
    result = differentiate(graph, {k: float(v) for k, v in (settings or {}).items()})
    shown = _shown_nodes(graph)
    shown_set = set(shown)
    rows = []
    for i in shown:
        is_input = graph.op[i] is ops.INPUT
        rows.append(Row(
            node=i, id=graph.node_id(i), label=one_line(graph.label(i)),
            step="" if is_input else _step(graph, result.values, shown_set, i),
            value=result.values[i], grad=result.adjoints[i], is_input=is_input,
            blank_value=blank in ("values", "both") and not is_input,
            blank_grad=blank in ("grads", "both") and i != graph.output))
    sheet = Worksheet(result, blank, _formulas(graph), dict(result.inputs),
                      graph.output_name(), rows)
    _mark_noise(sheet)
    numbers = [x for row in rows for x, noise in ((row.value, row.noise_value),
                                                  (row.grad, row.noise_grad)) if not noise]
    if not all(is_nice(x) for x in numbers if math.isfinite(x)):
        sheet.digits = DIGITS
    if title:
        sheet.title = title
    sheet.questions = _questions(sheet)
    return sheet


def shown_number(x: float, noise: bool = False, digits: int | None = None) -> str:
    """``x`` on a sheet: ``0`` for float noise, a short number as it is, any
    other rounded to ``digits`` significant digits (``0.4621``)."""
    if noise:
        return "0"
    if digits is None or not math.isfinite(x) or is_nice(x):
        return human_number(x)
    return human_number(float(f"{x:.{digits}g}"))


def _mark_noise(sheet: Worksheet) -> None:
    """Values and derivatives below NOISE of their neighbours' scale (the
    arguments' values; the users' derivatives) are float noise: shown as 0,
    with a note."""
    graph, values, adjoints = sheet.graph, sheet.result.values, sheet.result.adjoints
    users: dict[int, list[int]] = {}
    for k in range(len(graph)):
        for a in graph.args(k):
            users.setdefault(a, []).append(k)
    for row in sheet.rows:
        i = row.node
        scale = max((abs(values[a]) for a in graph.args(i)), default=0.0)
        if row.value != 0 and abs(row.value) < NOISE * scale:
            row.noise_value = True
            sheet.notes.append(f"{row.id} is {row.value:.3g} in floating point: rounding "
                               f"noise next to its arguments (about {scale:.3g}), shown as 0.")
        scale = max((abs(adjoints[k]) for k in users.get(i, ())), default=0.0)
        if row.grad == row.grad and row.grad != 0 and abs(row.grad) < NOISE * scale:
            row.noise_grad = True
            sheet.notes.append(f"∂{sheet.out}/∂{row.id} is {row.grad:.3g} in floating point: "
                               f"rounding noise, shown as 0.")


def _check_size(graph: Graph) -> None:
    if len(graph) > MAX_NODES:
        raise WorksheetError(f"the program has {len(graph)} nodes; a worksheet takes at "
                               f"most {MAX_NODES}")


def _shown_nodes(graph: Graph) -> list[int]:
    """Every node but the constants: literals and unnamed expressions of
    literals only (``1/2``) are folded into the steps that use them."""
    constant = bytearray(len(graph))
    shown = []
    for i in range(len(graph)):
        op = graph.op[i]
        if op is ops.CONST or (op is not ops.INPUT and all(constant[a] for a in graph.args(i))):
            constant[i] = 1
        if not constant[i] or i in graph.name_of or i == graph.output:
            shown.append(i)
    return shown


def _step(graph: Graph, values: list[float], shown_set: set[int], i: int) -> str:
    """Node ``i`` in terms of the rows it reads: ``w * x``, ``0.5 * #12``."""

    def arg(a: int) -> str:
        if a in shown_set:
            return graph.node_id(a)
        if graph.op[a] is ops.CONST:
            return one_line(graph.label(a))
        text = human_number(values[a])
        return f"({text})" if text.startswith("-") else text

    op = graph.op[i]
    args = [arg(a) for a in graph.args(i)]
    if op is ops.IDENTITY:
        return args[0]
    if op is ops.NEG:
        return f"-{args[0]}"
    if op.symbol and len(args) == 2:
        return f"{args[0]} {op.symbol} {args[1]}"
    if op is ops.CONST:
        return one_line(graph.label(i))
    return f"{op.name}({', '.join(args)})"


def _formulas(graph: Graph) -> list[str]:
    """``name = expression`` for every statement the output needs."""
    lines = []
    for i in range(len(graph)):
        name = graph.name_of.get(i)
        if graph.op[i] is ops.INPUT:
            continue
        if name is not None:
            label = graph.label(i)
            if graph.op[i] is ops.IDENTITY:
                label = graph.node_id(graph.arg0[i])
            lines.append(f"{name} = {one_line(label)}")
        elif i == graph.output:
            lines.append(one_line(graph.label(i)))
    return lines


def _questions(sheet: Worksheet) -> list[Question]:
    """Values left to right, then derivatives right to left, as in the lecture."""
    questions = []
    for row in sheet.rows:
        if row.blank_value:
            what = row.id if row.id == row.label else f"{row.id} = {row.label}"
            questions.append(Question(len(questions) + 1, "value", row,
                                      "What is the value of ", what, "?"))
    for row in reversed(sheet.rows):
        if row.blank_grad:
            questions.append(Question(len(questions) + 1, "grad", row,
                                      "What is ", f"∂{sheet.out}/∂{row.id}", "?"))
    return questions


# ---------------------------------------------------------------- variants

@dataclass
class Variant:
    settings: dict[str, float]
    #: every value and derivative is short (at most two decimals, |x| <= 1000)
    nice: bool


def is_nice(x: float, limit: float = 1000, digits: int | None = None) -> bool:
    """A number a student writes down exactly: at most two decimals (0.01 is
    the smallest step: 9.7e-10 is not two decimals), at most ``limit`` in size,
    and with ``digits``, at most that many significant digits. The test is
    relative, so float rounding (0.1 + 0.2) does not count against a number."""
    if not math.isfinite(x) or abs(x) > limit:
        return False
    cents = x * 100
    whole = round(cents)
    if abs(cents - whole) > 1e-9 * max(1.0, abs(cents)):
        return False
    if digits is not None and whole != 0:
        significant = len(str(abs(int(whole))).rstrip("0"))
        if significant > digits:
            return False
    return True


#: Ops that keep short decimals short (sums, products, integer powers, kinks):
#: a program of only these gets sheets whose every answer is exact.
EXACT_OPS = {"input", "const", "id", "add", "sub", "mul", "neg", "relu", "abs", "max", "min",
             "step", "sign"}
#: Significant digits of an answer that cannot be short (tanh, exp, log, ...):
#: the sheet says so, and the key rounds to it.
DIGITS = 4
#: Short answers have at most this many significant digits.
SHORT_DIGITS = 4
#: A tanh or sigmoid this close to its limits is saturated: its derivative is
#: next to 0 and the student learns nothing from it.
SATURATION = 1e-3
#: A derivative smaller than this (and not exactly 0) would round to 0 at three
#: decimals, or need an exponent (7.2e-05): the draw is not kept.
TINY = 1e-3
#: A value or derivative below this fraction of its neighbours' scale is
#: float noise (0.1 + 0.2 - 0.3): the sheet shows 0.
NOISE = 1e-12


def exact_program(graph: Graph) -> bool:
    """Whether every operation keeps short decimals short: the ops in
    EXACT_OPS, divisions by a constant, and powers with a whole, non-negative
    constant exponent. (Whether a draw's numbers are short is still checked.)"""
    constant = bytearray(len(graph))  # depends on literals only
    for i in range(len(graph)):
        op = graph.op[i]
        args = graph.args(i)
        if op is ops.CONST or (op is not ops.INPUT and args and all(constant[a] for a in args)):
            constant[i] = 1
        if op.name in EXACT_OPS:
            continue
        if op is ops.DIV and constant[graph.arg1[i]]:
            continue  # 1/2*d^2: a division by a constant
        if op is ops.POW:
            exponent = graph.arg1[i]
            if graph.op[exponent] is ops.CONST:
                b = graph.const.get(exponent)
                if b is not None and b >= 0 and float(b).is_integer():
                    continue
        return False
    return True


def saturated(graph: Graph, values, adjoints, shown) -> str | None:
    """Why this point makes a poor exercise, naming the node; None if it doesn't."""
    for i in range(len(graph)):
        name = graph.op[i].name
        v = values[i]
        if name == "tanh" and 1 - abs(v) < SATURATION:
            return f"{graph.node_id(i)} = {one_line(graph.label(i))} saturates at {v:.6g}"
        if name == "sigmoid" and min(v, 1 - v) < SATURATION:
            return f"{graph.node_id(i)} = {one_line(graph.label(i))} saturates at {v:.6g}"
    for i in shown:
        d = adjoints[i]
        if d != 0 and abs(d) < TINY:
            return (f"∂{graph.output_name()}/∂{graph.node_id(i)} = {d:.3g} would round to 0")
    return None


#: The numbers inputs are drawn from: small integers, sometimes halves.
INTEGERS = [float(k) for k in range(-9, 10) if k]
HALVES = [k + 0.5 for k in range(-5, 5)]
#: For programs with tanh, exp, log, ...: small short inputs, which keep
#: tanh and sigmoid off their flat tails.
SMALL = [x for k in (0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0) for x in (k, -k)]


def variants(source: str | Graph, count: int, seed: int,
             fixed: Mapping[str, float] | None = None, of: str | None = None,
             on_variant: Callable[[int], None] | None = None) -> list[Variant]:
    """``count`` sets of input values drawn reproducibly with ``random.Random(seed)``.

    Inputs in ``fixed`` keep their value; the others are drawn. A draw is kept
    when every value and derivative on the sheet exists and is finite; of
    those, the first where all of them are short and no derivative is zero
    wins, else the first where all are short, else the first that works. No
    two variants (nor the program's own values) are the same.

    At most TRIES draws per variant; when none will do, the error says why
    (no inputs, every input fixed, too few distinct values, or the commonest
    reason a draw failed). ``on_variant(k)`` is called as variant k is made.
    """
    graph = source if isinstance(source, Graph) else load(source, of)
    _check_size(graph)
    fixed = {k: float(v) for k, v in (fixed or {}).items()}
    names = [graph.name_of[i] for i in range(len(graph)) if graph.op[i] is ops.INPUT]
    free = [name for name in names if name not in fixed]
    shown = _shown_nodes(graph)
    rng = random.Random(seed)
    exact = exact_program(graph)
    seen = set()
    try:  # a --set naming no input is the usual error; missing values are drawn
        own = passes.input_values(graph, fixed)
        seen.add(tuple(own[name] for name in names))
    except MissingValueError:
        pass
    if not names:
        raise WorksheetError("--vary draws the inputs' values, and the program has no inputs: "
                             "every sheet would be the same")
    if not free:
        raise WorksheetError(f"--vary draws the inputs' values, and every input is fixed by "
                             f"--set ({', '.join(clip(name, 20) for name in names[:8])}): "
                             "drop some of them from --set")
    choices = len(set(HALVES + INTEGERS) if exact else set(SMALL))
    if len(free) * math.log(choices) < math.log(count + len(seen)):
        raise WorksheetError(
            f"--vary {count}: the {len(free)} input{'s' if len(free) > 1 else ''} drawn "
            f"({', '.join(clip(name, 20) for name in free)}) can take only "
            f"{choices ** len(free) - len(seen)} sets of values"
            + (" unlike the program's own" if seen else "") +
            f", too few for {count} sheets; ask for fewer, or fix fewer inputs with --set")
    chosen = []
    for _ in range(count):
        best: tuple[int, dict[str, float]] | None = None
        reasons: list[str] = []
        repeats = 0
        for attempt in range(TRIES):
            if best is not None and best[0] == 1 and attempt >= TRIES // 5:
                break  # short numbers will do; don't spend every draw on the best
            settings = dict(fixed)
            for name in free:
                if exact:
                    settings[name] = rng.choice(HALVES if rng.random() < 0.2 else INTEGERS)
                else:
                    settings[name] = rng.choice(SMALL)
            key = tuple(settings[name] for name in names)
            if key in seen:
                repeats += 1
                continue
            tier = _tier(graph, settings, shown, reasons)
            if tier is not None and (best is None or tier < best[0]):
                best = (tier, settings)
                if tier == 0:
                    break
        if best is None and repeats == TRIES:
            raise WorksheetError(
                f"no new input values for variant {len(chosen) + 1}: all {TRIES} draws "
                f"repeated earlier sheets' values (too few distinct values for {count} sheets; "
                f"ask for fewer)")
        if best is None:
            common = max(set(reasons), key=reasons.count) if reasons else None
            raise WorksheetError(
                f"no input values found that keep every value and derivative in the domain "
                f"and no node saturated (tried {TRIES} draws for variant {len(chosen) + 1})"
                + (f"; most often: {common}" if common else ""))
        tier, settings = best
        seen.add(tuple(settings[name] for name in names))
        chosen.append(Variant(settings, nice=tier < 2))
        if on_variant is not None:
            on_variant(len(chosen))
    return chosen


def _tier(graph: Graph, settings: dict[str, float], shown: list[int],
          reasons: list[str] | None = None) -> int | None:
    """0: all short, at most 100 and no zero derivative; 1: all short; 2: all
    exist; None: some value or derivative is out of the domain, a tanh or
    sigmoid saturates, or a derivative would round to 0 (the reason is
    appended to ``reasons``).

    "Short" is two decimals, and for a program whose every operation keeps
    numbers short (:func:`exact_program`) at most SHORT_DIGITS significant
    digits too; a program with tanh, exp, log, ... can't have short answers, so
    only its inputs need be short (the sheet rounds the rest to DIGITS)."""
    try:
        result = differentiate(graph, settings)
    except CgdiffError as error:
        if reasons is not None:
            reasons.append(error.message)
        return None
    numbers = [result.values[i] for i in shown] + [result.adjoints[i] for i in shown]
    if not all(math.isfinite(x) for x in numbers):
        if reasons is not None:
            reasons.append("a value or derivative is not finite")
        return None
    why = saturated(graph, result.values, result.adjoints, shown)
    if why is not None:
        if reasons is not None:
            reasons.append(why)
        return None
    if not exact_program(graph):
        return 0 if not any(result.adjoints[i] == 0 for i in shown) else 1
    if not all(is_nice(x, digits=SHORT_DIGITS) for x in numbers):
        return 2
    if any(result.adjoints[i] == 0 for i in shown) or not all(is_nice(x, 100) for x in numbers):
        return 1
    return 0


def verify(sheet: Worksheet) -> None:
    """Re-run the passes on the sheet's inputs, the derivatives by forward mode
    this time, and check every number in the key against them."""
    graph = sheet.graph
    fresh = differentiate(graph, sheet.inputs, mode="forward")
    for row in sheet.rows:
        if fresh.values[row.node] != row.value:
            raise KeyMismatchError(f"the key's value of {row.id} is wrong")
        if row.is_input:
            expected = fresh.gradient[row.id]
            if not math.isclose(expected, row.grad, rel_tol=1e-9, abs_tol=1e-12):
                raise KeyMismatchError(f"the key's ∂{sheet.out}/∂{row.id} is {row.grad}, "
                                     f"forward mode says {expected}")
        elif not math.isnan(row.grad):
            seeded = passes.tangent(graph, fresh.values, row.node)[graph.output]
            if not math.isclose(seeded, row.grad, rel_tol=1e-9, abs_tol=1e-12):
                raise KeyMismatchError(f"the key's ∂{sheet.out}/∂{row.id} is {row.grad}, "
                                     f"forward mode says {seeded}")


def variant_sheets(source: str | Graph, count: int, seed: int,
                   fixed: Mapping[str, float] | None = None, of: str | None = None,
                   blank: str = "both",
                   on_variant: Callable[[int], None] | None = None) -> list[Worksheet]:
    """``count`` worksheets with drawn inputs, each key verified
    (``on_variant(k)``: told as the k-th set of inputs is found)."""
    graph = source if isinstance(source, Graph) else load(source, of)
    sheets = []
    for k, variant in enumerate(variants(graph, count, seed, fixed, on_variant=on_variant),
                                start=1):
        sheet = build(graph, variant.settings, blank=blank,
                      title=f"Computation graph worksheet {k:02d}")
        sheet.nice = variant.nice
        verify(sheet)
        sheets.append(sheet)
    return sheets


def file_names(count: int, sheet_format: str) -> list[tuple[str, str]]:
    """``[("sheet-01.md", "sheet-01-key.md"), ...]``."""
    ext = FORMATS[sheet_format]
    width = max(2, len(str(count)))
    return [(f"sheet-{k:0{width}d}.{ext}", f"sheet-{k:0{width}d}-key.{ext}")
            for k in range(1, count + 1)]


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
    from .render.picture import to_dot, to_mermaid

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


def to_latex(sheet: Worksheet, answers: bool = False) -> str:
    """The sheet (or its key) as a complete LaTeX document (booktabs tables)
    for ``pdflatex``. The graph picture is left out (see ``cgdiff graph``)."""
    out = sheet.out
    tt = lambda text: r"\texttt{" + latex_escape(text) + "}"  # noqa: E731
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
        r"The graph picture is not drawn here: \texttt{cgdiff graph --format dot} "
        r"draws it with Graphviz.",
        "",
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
                r"\usepackage[utf8]{inputenc}", r"\usepackage[margin=2.5cm]{geometry}",
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


def svg_of(dot_text: str) -> str | None:
    """Graphviz's SVG, reduced to the bare ``<svg>`` element for inline use
    (no XML prolog, doctype or namespace URLs); None without Graphviz."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    svg = done.stdout.decode("utf-8", "replace")
    start = svg.find("<svg")
    if start < 0:
        return None
    svg = svg[start:]
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    return svg.strip()


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
            svg = svg_of(dot_text.replace("rankdir=LR;", f"rankdir={rankdir}; nodesep=0.15; "
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


RENDERERS = {"markdown": to_markdown, "latex": to_latex, "html": to_html}


def render(sheet: Worksheet, sheet_format: str = "markdown", answers: bool = False) -> str:
    """The sheet in ``sheet_format`` (markdown, latex or html)."""
    return RENDERERS[sheet_format](sheet, answers)
