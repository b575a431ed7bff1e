"""Grading filled-in worksheets with error carried forward: ``cgdiff grade``.

A sheet is the Markdown page ``cgdiff worksheet`` writes, with the blanks
filled in (its program, inputs and rounding are read from the page), or a CSV
file ``node,value,derivative`` (the program then comes from ``-f`` or a key).

Cell by cell, with error carried forward: a value is *right* when it matches
the key, *carried forward* when it is what the node's operation gives from
the student's own earlier values (a wrong c = -3 followed by a = c + b = 5:
c ✗, a ✓ carried forward), else *wrong*. Derivatives likewise in reverse
order: ∂J/∂node from the student's derivatives of the nodes that read it, with
local derivatives at the student's values or at the true ones. A blank cell is
unanswered. Two scores: right only, and right plus carried forward.

Numbers match within the rounding the sheet states ("Round answers ... to 4
significant digits"): half a unit in the last of those digits.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Mapping

from . import ops
from .errors import CgdiffError, SheetError
from .text import clip

#: Matching without a stated rounding: relative and absolute slack for floats.
RTOL, ATOL = 1e-6, 1e-9


@dataclass
class Answers:
    """What a student wrote: node id → number (None: blank), per kind."""

    path: str
    values: dict[str, float | None] = field(default_factory=dict)
    grads: dict[str, float | None] = field(default_factory=dict)
    #: the program and inputs the page states (Markdown sheets)
    program: str | None = None
    inputs: dict[str, float] | None = None
    digits: int | None = None
    #: which columns the sheet asked for
    asks_values: bool = True
    asks_grads: bool = True
    #: cells that could not be read: (kind, node) → (line, text)
    unreadable: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def write(self, node: str, line: int, value_cell: str, grad_cell: str) -> None:
        """A row of the sheet, as either reader finds it: the node's value and
        derivative cells, each a number, blank (None) or unreadable."""
        for kind, cell, store in (("value", value_cell, self.values),
                                  ("grad", grad_cell, self.grads)):
            x = _number(cell)
            if isinstance(x, str):
                self.unreadable[(kind, node)] = (line, x)
                store[node] = None
            else:
                store[node] = x


@dataclass
class Cell:
    node: str
    kind: str  #: "value" or "grad"
    answer: float | None
    key: float
    #: "right", "carried" (carried forward), "wrong", "blank", "unreadable"
    mark: str
    #: what the student's own earlier (or later) numbers give, where it differs
    follows: float | None = None


@dataclass
class SheetGrade:
    path: str
    cells: list[Cell]
    out: str = "J"

    def count(self, mark: str) -> int:
        return sum(c.mark == mark for c in self.cells)

    @property
    def total(self) -> int:
        return len(self.cells)

    @property
    def score(self) -> float:
        return self.count("right") / self.total if self.total else 1.0

    @property
    def score_carried(self) -> float:
        return (self.count("right") + self.count("carried")) / self.total if self.total else 1.0


@dataclass
class GradeReport:
    sheets: list[SheetGrade]
    #: sheets that could not be read at all (the rest are graded)
    unreadable: list[SheetError] = field(default_factory=list)
    #: the --pass threshold (on the score with carried-forward credit), if any
    passing: float | None = None

    @property
    def failing(self) -> list[SheetGrade]:
        if self.passing is None:
            return []
        return [s for s in self.sheets if s.score_carried < self.passing - 1e-12]


# ---------------------------------------------------------------- reading sheets

_NUMBER_CELL = re.compile(r"[*_\s`]*([^*_`]*?)[*_\s`]*")
_DIGITS = re.compile(r"to (\d+) significant digits")


def _number(text: str) -> float | None | str:
    """A cell's number; None when blank; the text itself when unreadable."""
    inner = _NUMBER_CELL.fullmatch(text).group(1).strip()
    if not inner:
        return None
    cleaned = inner.replace("−", "-").replace(" ", "").replace(",", "")
    try:
        x = float(cleaned)
    except ValueError:
        return inner
    return x if math.isfinite(x) else inner


def read_markdown(path: str, text: str) -> Answers:
    """A filled-in worksheet page (``cgdiff worksheet``'s Markdown)."""
    answers = Answers(path)
    lines = text.splitlines()
    in_program = seen_program = in_nodes = False
    program: list[str] = []
    header_line = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("## "):
            in_nodes = stripped == "## Nodes"
            seen_program = stripped == "## Program"
            continue
        if seen_program and stripped.startswith("```"):
            if in_program:
                seen_program = in_program = False
            else:
                in_program = True
            continue
        if in_program:
            program.append(line)
            continue
        if stripped.startswith("Inputs:") or stripped == "No inputs":
            answers.inputs = {}
            for item in re.findall(r"`([^`]*)`", stripped):
                name, _, value = item.partition("=")
                try:
                    answers.inputs[name.strip()] = float(value)
                except ValueError:
                    raise SheetError(path, number, f"cannot read the input '{clip(item)}'")
            continue
        if "fill in every" in stripped:
            answers.asks_values = "node's value" in stripped
            answers.asks_grads = "fill in every ∂" in stripped
            digits = _DIGITS.search(stripped)
            answers.digits = int(digits.group(1)) if digits else None
            continue
        if in_nodes and stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if header_line is None:
                header_line = number
                if len(cells) < 4 or cells[0] != "node":
                    raise SheetError(path, number, "the node table's header is not "
                                     "| node | computes | value | ∂J/∂node |")
                continue
            if set(stripped) <= set("|-: "):
                continue
            if len(cells) != 4:
                raise SheetError(path, number, f"a row of the node table has {len(cells)} "
                                 "cells, not 4")
            answers.write(cells[0].strip("`"), number, cells[2], cells[3])
    if header_line is None:
        raise SheetError(path, None, "no node table (## Nodes) found: is it a worksheet?")
    if program:
        answers.program = "\n".join(program)
    return answers


def read_csv(path: str, text: str) -> Answers:
    """``node,value,derivative`` (a header line, then one row per node)."""
    answers = Answers(path)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SheetError(path, None, "the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    if header[:1] != ["node"] or not {"value", "derivative"} & set(header):
        raise SheetError(path, 1, "the header must be node,value,derivative")
    columns = {name: k for k, name in enumerate(header)}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise SheetError(path, number, f"{len(row)} fields where the header has "
                             f"{len(header)}")
        cells = [row[k] if k is not None and k < len(row) else ""
                 for k in (columns.get("value"), columns.get("derivative"))]
        answers.write(row[0].strip().strip("`"), number, *cells)
    return answers


def read_sheet(path: str, data: bytes) -> Answers:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(path, None, f"not valid UTF-8 (byte 0x{data[error.start]:02x} at "
                         f"offset {error.start})") from None
    if path.lower().endswith(".csv") or text.lstrip().lower().startswith("node,"):
        return read_csv(path, text)
    return read_markdown(path, text)


# ---------------------------------------------------------------- marking

def _rounded_match(answer: float, target: float, digits: int | None) -> bool:
    if abs(answer - target) <= ATOL + RTOL * max(abs(answer), abs(target)):
        return True
    if digits is None or target == 0 or not math.isfinite(target):
        return False
    unit = 10 ** (math.floor(math.log10(abs(target))) - digits + 1)
    return abs(answer - target) <= 0.5 * unit * (1 + 1e-9) + ATOL


def grade(answers: Answers, source: str | None = None,
          settings: Mapping[str, float] | None = None, of: str | None = None) -> SheetGrade:
    """Mark one sheet's cells against the key of ``source`` (default: the
    program the sheet states) at the sheet's inputs (or ``settings``)."""
    from .worksheet import build

    program = source if source is not None else answers.program
    if program is None:
        raise SheetError(answers.path, None, "no program: a CSV sheet needs -f PROGRAM or "
                         "--key KEY.md")
    inputs = dict(answers.inputs or {})
    inputs.update(settings or {})
    sheet = build(program, inputs, of)
    graph, values, adjoints = sheet.graph, sheet.result.values, sheet.result.adjoints
    digits = answers.digits if answers.digits is not None else sheet.digits
    rows = {row.node: row for row in sheet.rows}
    cells: list[Cell] = []
    n = len(graph)

    def given(store, i):
        row = rows.get(i)
        return None if row is None else store.get(row.id)

    # forward: the student's values, carried node by node
    carried = [0.0] * n  # what the student's numbers make of each node
    follows = [0.0] * n  # what the node's op gives from the student's earlier numbers
    for i in range(n):
        op = graph.op[i]
        if op.value is None:
            follows[i] = values[i]
        else:
            try:
                follows[i] = op.value(*(carried[a] for a in graph.args(i)))
            except (ValueError, ZeroDivisionError, OverflowError):
                follows[i] = math.nan
        answer = given(answers.values, i)
        carried[i] = answer if answer is not None and op is not ops.INPUT else follows[i]
    # backward: the student's derivatives, carried from the output back
    students = [math.nan] * n
    follows_g = [[0.0, 0.0] for _ in range(n)]  # at the student's values, at the true ones
    students[graph.output] = 1.0
    follows_g[graph.output] = [1.0, 1.0]
    for i in range(n - 1, -1, -1):
        if i != graph.output:
            answer = given(answers.grads, i)
            students[i] = answer if answer is not None else follows_g[i][0]
        args = graph.args(i)
        if not args:
            continue
        op = graph.op[i]
        for at, point in enumerate((carried, values)):
            try:
                partials = op.partials(*(point[a] for a in args), point[i] if at else
                                       follows[i])
            except (ValueError, ZeroDivisionError, OverflowError):
                partials = (math.nan,) * len(args)
            g = students[i]
            for a, p in zip(args, partials):
                follows_g[a][at] += g * p

    for row in sheet.rows:
        i = row.node
        if answers.asks_values and not row.is_input:
            cells.append(_mark(answers, row.id, "value", given(answers.values, i), values[i],
                               [follows[i]], digits))
    for row in reversed(sheet.rows):
        i = row.node
        if answers.asks_grads and i != graph.output:
            cells.append(_mark(answers, row.id, "grad", given(answers.grads, i), adjoints[i],
                               follows_g[i], digits))
    return SheetGrade(answers.path, cells, sheet.out)


def _mark(answers: Answers, node: str, kind: str, answer, key: float, follows,
          digits) -> Cell:
    if (kind, node) in answers.unreadable:
        return Cell(node, kind, None, key, "unreadable")
    if answer is None:
        return Cell(node, kind, None, key, "blank")
    if _rounded_match(answer, key, digits):
        return Cell(node, kind, answer, key, "right")
    for f in follows:
        if f == f and _rounded_match(answer, f, digits):
            return Cell(node, kind, answer, key, "carried", f)
    return Cell(node, kind, answer, key, "wrong", follows[0] if follows[0] == follows[0]
                else None)


def grade_files(files: list[tuple[str, bytes]], source: str | None = None,
                settings: Mapping[str, float] | None = None, of: str | None = None,
                passing: float | None = None) -> GradeReport:
    """Every sheet in ``files`` (path, bytes); unreadable ones are listed, the
    rest graded."""
    report = GradeReport([], passing=passing)
    for path, data in files:
        try:
            answers = read_sheet(path, data)
            report.sheets.append(grade(answers, source, settings, of))
        except SheetError as error:
            report.unreadable.append(error)
        except CgdiffError as error:
            report.unreadable.append(SheetError(path, None, error.message))
    return report


from ._callable import make_callable  # noqa: E402  (cgdiff.grade(...) is the Python API's)

make_callable(__name__)
