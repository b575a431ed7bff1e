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

import math
import random
from dataclasses import dataclass, field
from typing import Callable, Mapping

from . import ops, passes
from .api import Result, differentiate, load
from .errors import CgdiffError, KeyMismatchError, MissingValueError, WorksheetError
from .graph import Graph
from .text import clip, human_number, one_line

BLANKS = ("values", "grads", "both")
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


def file_names(count: int, ext: str) -> list[tuple[str, str]]:
    """``[("sheet-01.md", "sheet-01-key.md"), ...]`` for the suffix ``ext``
    (``render.sheets.SUFFIXES``)."""
    width = max(2, len(str(count)))
    return [(f"sheet-{k:0{width}d}.{ext}", f"sheet-{k:0{width}d}-key.{ext}")
            for k in range(1, count + 1)]
