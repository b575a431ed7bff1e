"""``cgdiff quiz``: the worksheet's questions asked one at a time at a
terminal (or answers read line by line from standard input): every node's
value left to right, then every ∂J/∂node right to left, each answer marked at
once with carried-forward tolerance (:mod:`cgdiff.grade`), and a hint built
from the local derivative when a derivative is wrong ("∂J/∂w = ∂J/∂c ×
∂c/∂w, and ∂c/∂w = x = -2 when c = w * x"). The command line does the input
and output; this module asks, marks and words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .grade import Answers, SheetGrade, grade
from .text import human_number as h
from .worksheet import Worksheet, build, variants


@dataclass
class Question:
    number: int
    kind: str  #: "value" or "grad"
    row: object  #: the worksheet row
    text: str


@dataclass
class Feedback:
    mark: str  #: right, carried, wrong, blank, unreadable
    text: str  #: what to tell the student
    hint: str = ""


class Quiz:
    def __init__(self, source: str, settings: Mapping[str, float] | None = None,
                 of: str | None = None, vary: bool = False, seed: int = 0):
        settings = {k: float(v) for k, v in (settings or {}).items()}
        if vary:
            from .api import load

            graph = load(source, of)
            settings = variants(graph, 1, seed, settings)[0].settings
        self.source, self.of = source, of
        self.sheet: Worksheet = build(source, settings, of)
        self.answers = Answers("quiz", program=source, inputs=dict(self.sheet.inputs))
        self.answers.digits = self.sheet.digits
        rows = self.sheet.rows
        out = self.sheet.out
        self.questions = [Question(0, "value", r, f"{r.id} = {r.step}") for r in rows
                          if not r.is_input]
        self.questions += [Question(0, "grad", r, f"∂{out}/∂{r.id}")
                           for r in reversed(rows) if r.node != self.sheet.graph.output]
        for k, q in enumerate(self.questions, start=1):
            q.number = k

    def intro(self) -> list[str]:
        sheet = self.sheet
        inputs = ", ".join(f"{name} = {h(value)}" for name, value in sheet.inputs.items())
        lines = ["The program:", *(f"  {f}" for f in sheet.formulas),
                 f"with {inputs}." if inputs else "(no inputs)",
                 "Work out every node's value, left to right, then every "
                 f"∂{sheet.out}/∂node, right to left (∂{sheet.out}/∂{sheet.out} = 1)."]
        if sheet.digits:
            lines.append(f"Round answers that are not exact to {sheet.digits} significant digits.")
        return lines

    def answer(self, question: Question, text: str | None) -> Feedback:
        """Mark one answer (None or "": skipped), given the ones before it."""
        from .grade import _number

        store = self.answers.values if question.kind == "value" else self.answers.grads
        x = _number(text or "")
        key = (question.kind, question.row.id)
        if isinstance(x, str):
            self.answers.unreadable[key] = (question.number, x)
            store[question.row.id] = None
        else:
            self.answers.unreadable.pop(key, None)
            store[question.row.id] = x
        cell = next(c for c in self._graded().cells
                    if c.node == question.row.id and c.kind == question.kind)
        truth = h(cell.key)
        if cell.mark == "right":
            return Feedback("right", "✓ right")
        if cell.mark == "carried":
            return Feedback("carried", f"✓ right from your earlier numbers (carried forward; "
                                       f"the key says {truth})")
        if cell.mark == "blank":
            return Feedback("blank", f"— skipped; it is {truth}")
        if cell.mark == "unreadable":
            return Feedback("unreadable", f"? not a number; it is {truth}")
        hint = self._hint(question)
        return Feedback("wrong", f"✗ not quite: it is {truth}", hint)

    def _graded(self) -> SheetGrade:
        return grade(self.answers, self.source, self.sheet.inputs, self.of)

    def summary(self) -> SheetGrade:
        return self._graded()

    def _hint(self, question: Question) -> str:
        sheet = self.sheet
        graph, values = sheet.graph, sheet.result.values
        row = question.row
        if question.kind == "value":
            args = ", ".join(f"{graph.node_id(a)} = {h(values[a])}" for a in graph.args(row.node)
                             if graph.node_id(a) in row.step)
            return f"hint: {row.id} = {row.step}" + (f", with {args}" if args else "")
        from .explain import local_formula

        out = sheet.out
        rows = {r.node: r for r in sheet.rows}
        terms, parts = [], []
        for k in range(len(graph)):
            for position, a in enumerate(graph.args(k)):
                if a != row.node or k not in rows:
                    continue
                user = rows[k]
                formula, partial = local_formula(graph, values, k, position)
                terms.append(f"∂{out}/∂{user.id} × ∂{user.id}/∂{row.id}")
                shown = f"{formula} = {h(partial)}" if formula else h(partial)
                parts.append(f"∂{user.id}/∂{row.id} = {shown} when {user.id} = {user.step}")
        if not terms:
            return ""
        return (f"hint: ∂{out}/∂{row.id} = {' + '.join(terms)}; what is each local derivative? "
                + "; ".join(parts))
