"""The Python API: one function for every command's job, results that read well.

::

    >>> import cgdiff
    >>> r = cgdiff.grad("J = 0.5*(w*x + b - y)^2", w=2, x=-2, b=8, y=2)
    >>> r
    Result(J=2.0, grad={w: -4.0, x: 4.0, b: 2.0, y: -2.0})
    >>> r.grad.w, r["J"].value
    (-4.0, 2.0)

Inputs come as keyword arguments, a dict, or both (keywords win); ints,
floats, Fractions and NumPy scalars are all numbers. A program whose input is
called like an option (``of``, ``wrt``, ...) gives it in the dict. Errors are
the command line's (:class:`cgdiff.CgdiffError` and its family), with the same
messages, less the option names. :func:`compile` parses once for many points.

This module sits on top of the library (:mod:`cgdiff.api` and the feature
modules); nothing below imports it.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import re
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from . import api
from .errors import CgdiffError
from .graph import Graph
from .text import as_float, human_number

__all__ = ["grad", "eval", "check", "hessian", "jacobian", "grade", "symbolic", "explain", "view", "compile",
           "Program", "Result", "Node", "Names", "Check", "Claims", "Grade", "Hessian", "Jacobian", "Symbolic",
           "Explanation", "Page"]

Number = Any  # int, float, Fraction, NumPy scalar: anything float() takes
Inputs = Mapping[str, Number]
F = TypeVar("F", bound=Callable[..., Any])

#: How many entries a repr shows before "...".
REPR_ITEMS = 6


# ---------------------------------------------------------------- errors

_OPTION = re.compile(r"--(set|wrt|of|params|nudge|expect|against) ")
_GIVE_WITH = re.compile(r"\(give (them|it) with --set NAME=VALUE\)")


def _plain(message: str) -> str:
    """A command-line message without the command line's option names."""
    message = _GIVE_WITH.sub(r"(give \1 as keyword arguments or a dict)", message)
    message = _OPTION.sub(lambda m: {"set": "input ", "wrt": "wrt "}.get(m.group(1),
                                                                        m.group(1) + " "), message)
    return re.sub(r"--(\w+)", r"\1=", message)


def _library_errors(function: F) -> F:
    """Re-raise cgdiff's errors with the option names taken out of the message."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except CgdiffError as error:
            plain = _plain(error.message)
            if plain == error.message:
                raise
            clean = copy.copy(error)
            clean.message = plain
            clean.args = (plain,)
            raise clean from None
    return wrapper  # type: ignore[return-value]


def _inputs(values: Inputs | None, keywords: Inputs) -> dict[str, float]:
    merged: dict[str, Number] = dict(values or {})
    merged.update(keywords)
    return {str(name): as_float(str(name), value) for name, value in merged.items()}


def _graph(program: str | Graph | Program, of: str | None) -> str | Graph:
    if isinstance(program, Program):
        if of is not None and of != program.of:
            return api.load(program.source, of)
        return program.graph
    if not isinstance(program, (str, Graph)):
        raise TypeError(f"the program must be text, not {type(program).__name__}")
    return program


# ---------------------------------------------------------------- small containers

class Names(dict):
    """A dict of name → number that also reads as attributes (``grad.w``),
    with a short repr: ``{w: -4.0, x: 4.0}``."""

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *(k for k in self if k.isidentifier())]

    def __repr__(self) -> str:
        items = [f"{name}: {value!r}" for name, value in list(self.items())[:REPR_ITEMS]]
        if len(self) > REPR_ITEMS:
            items.append(f"... ({len(self)} in all)")
        return "{" + ", ".join(items) + "}"


class Node:
    """One node of the graph: its id (a name, or ``#k``), source text, op, the
    ids of its inputs, its value and ∂output/∂node (None when not computed or
    when it does not exist)."""

    __slots__ = ("id", "label", "op", "inputs", "value", "grad")

    def __init__(self, id: str, label: str, op: str, inputs: list[str], value: float,
                 grad: float | None):
        self.id, self.label, self.op, self.inputs = id, label, op, inputs
        self.value, self.grad = value, grad

    def __repr__(self) -> str:
        grad = "" if self.grad is None else f", grad={self.grad!r}"
        text = self.id if self.label == self.id else f"{self.id} = {self.label}"
        return f"Node({text}: value={self.value!r}{grad})"


# ---------------------------------------------------------------- Result

class Result:
    """A forward pass (``eval``) or a forward and reverse pass (``grad``).

    - ``value``: the output's value; ``output``: its name.
    - ``grad``: ∂output/∂input for each input asked for (a :class:`Names`).
    - ``values``: every node's value by id; ``derivatives``: every node's
      ∂output/∂node by id (grad only).
    - ``r["c"]`` and ``r.c``: the :class:`Node` called ``c``.
    - ``to_dict()`` / ``to_json()``: the shape of ``cgdiff grad --format json``.
    - In a notebook it shows as the node table.
    """

    def __init__(self, result: api.Result):
        self._result = result
        graph = result.graph
        self.output: str = graph.node_id(graph.output)
        self.value: float = result.value
        self.inputs = Names(result.inputs)
        self.grad: Names | None = None if result.gradient is None else Names(result.gradient)
        ids = [graph.node_id(i) for i in range(len(graph))]
        self.values = Names(zip(ids, result.values))
        self.derivatives: Names | None = None
        if result.adjoints is not None:
            self.derivatives = Names((node_id, None if d != d else d)
                                     for node_id, d in zip(ids, result.adjoints))

    @property
    def graph(self) -> Graph:
        """The computation graph (see :class:`cgdiff.graph.Graph`)."""
        return self._result.graph

    @property
    def nodes(self) -> list[Node]:
        """Every node, in evaluation order."""
        return [self._node(i) for i in range(len(self.graph))]

    def _node(self, i: int) -> Node:
        graph, result = self.graph, self._result
        grad = None
        if result.adjoints is not None:
            d = result.adjoints[i]
            grad = None if d != d else d
        return Node(graph.node_id(i), graph.label(i), graph.op[i].name,
                    [graph.node_id(a) for a in graph.args(i)], result.values[i], grad)

    def __getitem__(self, name: str) -> Node:
        graph = self.graph
        if name in graph.index:
            return self._node(graph.index[name])
        if isinstance(name, str) and name.startswith("#") and name[1:].isdigit():
            k = int(name[1:]) - 1
            if 0 <= k < len(graph):
                return self._node(k)
        raise KeyError(name)

    def __getattr__(self, name: str) -> Node:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"the graph has no node called {name!r}") from None

    def __contains__(self, name: str) -> bool:
        try:
            self[name]
        except KeyError:
            return False
        return True

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *(n for n in self.graph.index if n.isidentifier())]

    def to_dict(self) -> dict[str, Any]:
        from .render.data import node_records

        out: dict[str, Any] = {"of": self.output, "value": self.value,
                               "nodes": list(node_records(self._result))}
        if self.grad is not None:
            out["gradient"] = dict(self.grad)
        return out

    def to_json(self, **dumps: Any) -> str:
        return json.dumps(self.to_dict(), **dumps)

    def __repr__(self) -> str:
        text = f"Result({self.output}={self.value!r}"
        if self.grad is not None:
            text += f", grad={self.grad!r}"
        return text + ")"

    def _repr_html_(self) -> str:
        grad = self.derivatives is not None
        name = self.graph.output_name()
        head = ["node", "expression", "op", "inputs", "value"] + ([f"∂{name}/∂node"] if grad else [])
        rows = []
        for node in self.nodes:
            cells = [node.id, "" if node.op == "input" else node.label, node.op,
                     ", ".join(node.inputs), human_number(node.value)]
            if grad:
                cells.append(human_number(node.grad))
            rows.append("<tr>" + "".join(
                f'<td style="text-align:{"right" if k >= 4 else "left"}">{html.escape(c)}</td>'
                for k, c in enumerate(cells)) + "</tr>")
        caption = f"{html.escape(self.output)} = {html.escape(human_number(self.value))}"
        if self.grad:
            caption += "; " + ", ".join(f"∂{html.escape(name)}/∂{html.escape(k)} = "
                                        f"{html.escape(human_number(v))}"
                                        for k, v in self.grad.items())
        return ("<table><caption>" + caption + "</caption><thead><tr>"
                + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")


# ---------------------------------------------------------------- other results

class Check:
    """Reverse mode beside central finite differences (``cgdiff check``).
    ``ok``; ``rows``: one per input (name, derivative, difference, errors, ok);
    ``to_dict()`` is ``check --format json``."""

    def __init__(self, report):
        self._report = report
        self.ok: bool = report.ok
        self.rows = report.rows
        self.value: float = report.value

    def to_dict(self) -> dict[str, Any]:
        from .render.check import as_data

        return as_data(self._report)

    def to_json(self, **dumps: Any) -> str:
        return json.dumps(self.to_dict(), **dumps)

    def __repr__(self) -> str:
        rows = ", ".join(f"{row.name}: {'ok' if row.ok else 'unchecked' if row.ok is None else 'FAIL'}"
                         for row in self.rows[:REPR_ITEMS])
        if len(self.rows) > REPR_ITEMS:
            rows += f", ... ({len(self.rows)} in all)"
        return f"Check(ok={self.ok}, {{{rows}}})"


class Claims:
    """Claimed derivatives checked (``cgdiff check --against``): ``ok``;
    ``verdicts`` (one a claim: ``status`` right / wrong / inherits /
    unchecked, the numbers at the worst point, ``blame``); ``first_wrong``;
    ``to_dict()`` is ``check --against ... --format json``."""

    def __init__(self, report):
        self._report = report
        self.ok: bool = report.ok
        self.verdicts = report.verdicts
        self.first_wrong = report.first_wrong

    def to_dict(self) -> dict[str, Any]:
        from .render.claims import as_data

        return as_data(self._report)

    def to_json(self, **dumps: Any) -> str:
        return json.dumps(self.to_dict(), **dumps)

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{v.name}: {v.status}" for v in self.verdicts[:REPR_ITEMS])
        if len(self.verdicts) > REPR_ITEMS:
            verdicts += f", ... ({len(self.verdicts)} in all)"
        return f"Claims(ok={self.ok}, {{{verdicts}}})"


class Hessian:
    """Second derivatives (``cgdiff hessian``): ``names``, ``matrix``
    (``matrix[i][j]`` = ∂²/∂names[i]∂names[j]), ``h["w", "x"]``, ``grad``, ``value``."""

    def __init__(self, h):
        self._h = h
        self.value: float = h.value
        self.names: list[str] = list(h.names)
        self.grad = Names(h.gradient)
        self.matrix: list[list[float]] = h.matrix

    def __getitem__(self, pair: tuple[str, str]) -> float:
        a, b = pair
        return self.matrix[self.names.index(a)][self.names.index(b)]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "names": self.names, "gradient": dict(self.grad),
                "hessian": self.matrix}

    def to_json(self, **dumps: Any) -> str:
        return json.dumps(self.to_dict(), **dumps)

    def __repr__(self) -> str:
        rows = "; ".join(" ".join(repr(x) for x in row) for row in self.matrix[:REPR_ITEMS])
        return f"Hessian(wrt={self.names}, [{rows}{'; ...' if len(self.matrix) > REPR_ITEMS else ''}])"


class Jacobian:
    """First derivatives of several outputs (``cgdiff jacobian``): ``outputs``,
    ``names`` (the inputs), ``matrix`` (``matrix[i][j]`` = ∂outputs[i]/∂names[j]),
    ``j["u", "x"]``, ``values`` (the outputs' values), ``mode``."""

    def __init__(self, j):
        self._j = j
        self.outputs: list[str] = list(j.outputs)
        self.names: list[str] = list(j.names)
        self.matrix: list[list[float]] = j.matrix
        self.values = Names(zip(self.outputs, j.values))
        self.mode: str = j.mode

    def __getitem__(self, pair: tuple[str, str]) -> float:
        out, name = pair
        return self.matrix[self.outputs.index(out)][self.names.index(name)]

    def to_dict(self) -> dict[str, Any]:
        return {"outputs": self.outputs, "wrt": self.names, "values": dict(self.values),
                "jacobian": self.matrix, "mode": self.mode}

    def to_json(self, **dumps: Any) -> str:
        return json.dumps(self.to_dict(), **dumps)

    def __repr__(self) -> str:
        rows = "; ".join(" ".join(repr(x) for x in row) for row in self.matrix[:REPR_ITEMS])
        more = "; ..." if len(self.matrix) > REPR_ITEMS else ""
        return f"Jacobian({self.outputs} by {self.names}, [{rows}{more}])"


class Grade:
    """A marked sheet: ``score`` (right / all), ``score_carried`` (with
    error-carried-forward credit), ``cells`` (node, kind, answer, key, mark)."""

    def __init__(self, marked):
        self._marked = marked
        self.cells = marked.cells
        self.score: float = marked.score
        self.score_carried: float = marked.score_carried
        self.right: int = marked.count("right")
        self.total: int = marked.total

    def __repr__(self) -> str:
        return (f"Grade({self.right} of {self.total} right ({self.score:.0%}); "
                f"with carried-forward credit {self.score_carried:.0%})")


class Symbolic:
    """Derivatives as formulas (``cgdiff grad --symbolic``): ``grad`` maps each
    input to its formula (text in cgdiff's language); ``program`` is the whole
    derivative as a program cgdiff reads back; ``latex`` each formula in LaTeX."""

    def __init__(self, d):
        from .render.formulas import inline_text, latex_text, program_text

        self._d = d
        self.grad = Names((name, inline_text(d, name)) for name in d.gradient)
        self.program: str = program_text(d)
        self.latex = Names((name, latex_text(d, name)) for name in d.gradient)

    def to_dict(self) -> dict[str, Any]:
        return {"gradient": dict(self.grad), "program": self.program}

    def __repr__(self) -> str:
        return f"Symbolic(grad={self.grad!r})"


class Explanation(str):
    """``cgdiff explain``'s text (a str); ``lines`` without wrapping. Prints,
    and shows in a notebook, as the text itself."""

    lines: list[str]

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


class Page:
    """The interactive page (``cgdiff view``): ``html`` is the whole file;
    ``save(path)`` writes it; a notebook shows it inline."""

    def __init__(self, text: str, nodes: int):
        self.html = text
        self.nodes = nodes

    def save(self, path: str) -> None:
        from . import outfile

        outfile.write_text(path, self.html)

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and style to itself.
        return ('<iframe style="width:100%;height:640px;border:1px solid #ddd" '
                f'sandbox="allow-scripts" srcdoc="{html.escape(self.html, quote=True)}"></iframe>')

    def __repr__(self) -> str:
        return f"Page({self.nodes} nodes, {len(self.html):,} characters of HTML)"


# ---------------------------------------------------------------- the functions

@_library_errors
def eval(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
         **inputs: Number) -> Result:
    """The forward pass (``cgdiff eval``): every node's value.

    >>> cgdiff.eval("J = w*x + b", w=2, x=-2, b=8).value
    4.0
    """
    return Result(api.evaluate(_graph(program, of), _inputs(values, inputs), of))


@_library_errors
def grad(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
         wrt: Iterable[str] | str | None = None, mode: str = "reverse",
         **inputs: Number) -> Result:
    """The forward and reverse pass (``cgdiff grad``): values, ∂output/∂node
    for every node, and the gradient with respect to ``wrt`` (default: every
    input; a name or a list). ``mode="forward"`` uses forward mode."""
    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    return Result(api.differentiate(_graph(program, of), _inputs(values, inputs), of, wrt, mode))


@_library_errors
def check(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
          wrt: Iterable[str] | str | None = None, eps: float | None = None,
          rtol: float = 1e-5, atol: float = 1e-8, against: str | None = None,
          samples: int | None = None, seed: int = 0, **inputs: Number) -> Check | Claims:
    """Reverse mode against central finite differences (``cgdiff check``);
    with ``against``, your claimed derivatives (``"dJ_dw = (w*x+b-y)*x"``)
    against the program's, at this point and ``samples`` drawn ones, with
    blame for the first wrong step (``cgdiff check --against``)."""
    from . import check as checking

    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    if against is not None:
        from .claims import SAMPLES, check_claims

        source = program.source if isinstance(program, Program) else program
        if not isinstance(source, str):
            raise TypeError("check(against=...) takes the program as text")
        return Claims(check_claims(source, against, _inputs(values, inputs), of,
                                   SAMPLES if samples is None else samples, seed, rtol, atol))
    result = api.differentiate(_graph(program, of), _inputs(values, inputs), of, wrt)
    return Check(checking.check(result, wrt, eps or checking.RELATIVE_STEP, rtol, atol))


@_library_errors
def hessian(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
            wrt: Iterable[str] | str | None = None, **inputs: Number) -> Hessian:
    """Second derivatives with respect to ``wrt`` (default: every input)."""
    from .hessian import hessian as second

    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    return Hessian(second(_graph(program, of), _inputs(values, inputs), of, wrt))


@_library_errors
def jacobian(program: str | Program, values: Inputs | None = None, /, *,
             of: Iterable[str] | str | None = None, wrt: Iterable[str] | str | None = None,
             mode: str = "auto", **inputs: Number) -> Jacobian:
    """∂output/∂input for several outputs (``of="u, v"`` or a list) and inputs
    (``cgdiff jacobian``): reverse mode when there are fewer outputs, else
    forward (``mode="auto"``)."""
    from .jacobian import jacobian as first_derivatives

    if isinstance(of, str):
        of = [name.strip() for name in of.split(",")]
    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    source = program.source if isinstance(program, Program) else program
    return Jacobian(first_derivatives(source, _inputs(values, inputs),
                                      list(of) if of is not None else None, wrt, mode))


@_library_errors
def grade(sheet: str, /, program: str | None = None, values: Inputs | None = None, *,
          of: str | None = None, **inputs: Number) -> Grade:
    """Mark a filled-in worksheet (``cgdiff grade``): ``sheet`` is a file's path
    or the sheet's text (Markdown from ``cgdiff worksheet``, or CSV
    node,value,derivative); ``program`` defaults to the one the sheet states."""
    import os

    from .grade import grade as mark, read_sheet

    if not isinstance(sheet, (str, os.PathLike)):
        raise TypeError(f"the sheet must be a path or text, not {type(sheet).__name__}")
    text = str(sheet)
    if "\n" not in text and os.path.isfile(text):
        with open(text, "rb") as handle:
            answers = read_sheet(text, handle.read())
    else:
        answers = read_sheet("<sheet>", text.encode("utf-8"))
    settings = _inputs(values, inputs) or None
    return Grade(mark(answers, program, settings, of))


@_library_errors
def symbolic(program: str | Program, /, *, of: str | None = None,
             wrt: Iterable[str] | str | None = None) -> Symbolic:
    """The derivatives as formulas (``cgdiff grad --symbolic``); no values needed."""
    from . import symbolic as sym

    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    graph = _graph(program, of)
    if not isinstance(graph, Graph):
        graph = api.load(graph, of)
    return Symbolic(sym.derivatives(graph, wrt))


@_library_errors
def explain(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
            wrt: Iterable[str] | str | None = None, width: int = 88,
            **inputs: Number) -> Explanation:
    """The chain rule in words with this program's numbers (``cgdiff explain``)."""
    from .explain import as_text, explain as words

    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",")]
    result = api.differentiate(_graph(program, of), _inputs(values, inputs), of, wrt)
    lines = words(result, wrt)
    text = Explanation(as_text(lines, width))
    text.lines = lines
    return text


@_library_errors
def view(program: str | Program, values: Inputs | None = None, /, *, of: str | None = None,
         layout: str = "auto", title: str | None = None, **inputs: Number) -> Page:
    """The interactive page (``cgdiff view``); in a notebook it shows inline."""
    from .render import page

    graph = _graph(program, of)
    if not isinstance(graph, Graph):
        graph = api.load(graph, of, given=list(_inputs(values, inputs)))
    page.check_size(graph)
    result = api.evaluate(graph, _inputs(values, inputs))
    return Page(page.to_page(result, title, layout), len(graph))


@_library_errors
def compile(program: str, /, *, of: str | None = None) -> Program:
    """Parse ``program`` once, for many points: ``prog.grad(w=2, ...)``."""
    if not isinstance(program, str):
        raise TypeError(f"the program must be text, not {type(program).__name__}")
    return Program(program, of)


class Program:
    """A parsed program (from :func:`compile`): the same functions as the
    module, without parsing again. ``inputs``: its input names."""

    def __init__(self, source: str, of: str | None = None):
        self.source = source
        self.of = of
        self.graph: Graph = api.load(source, of)
        self.inputs: list[str] = list(self.graph.inputs)

    def eval(self, values: Inputs | None = None, /, **inputs: Number) -> Result:
        return eval(self, values, **inputs)

    def grad(self, values: Inputs | None = None, /, *, wrt: Iterable[str] | str | None = None,
             mode: str = "reverse", **inputs: Number) -> Result:
        return grad(self, values, wrt=wrt, mode=mode, **inputs)

    def check(self, values: Inputs | None = None, /, **options: Any) -> Check:
        return check(self, values, **options)

    def hessian(self, values: Inputs | None = None, /, *, wrt: Iterable[str] | str | None = None,
                **inputs: Number) -> Hessian:
        return hessian(self, values, wrt=wrt, **inputs)

    def jacobian(self, values: Inputs | None = None, /, **options: Any) -> Jacobian:
        return jacobian(self, values, **options)

    def symbolic(self, *, wrt: Iterable[str] | str | None = None) -> Symbolic:
        return symbolic(self, wrt=wrt)

    def explain(self, values: Inputs | None = None, /, **options: Any) -> Explanation:
        return explain(self, values, **options)

    def view(self, values: Inputs | None = None, /, **options: Any) -> Page:
        return view(self, values, **options)

    def __repr__(self) -> str:
        return (f"Program({self.graph.node_id(self.graph.output)}, {len(self.graph)} nodes, "
                f"inputs: {', '.join(self.inputs[:REPR_ITEMS])}"
                f"{', ...' if len(self.inputs) > REPR_ITEMS else ''})")

    def __iter__(self) -> Iterator[str]:
        return iter(self.inputs)
