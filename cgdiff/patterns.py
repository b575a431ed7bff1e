"""The known unstable patterns (issue 13 item 3) and the stable function to
use instead of each: ``log(1 + exp(u))`` → ``softplus(u)``, ``log(sigmoid(u))``
→ ``logsigmoid(u)``, ``log(1 + u)`` → ``log1p(u)``, ``exp(u) - 1`` →
``expm1(u)``, ``sqrt(a^2 + b^2)`` → ``hypot(a, b)``, ``log(exp(a) + exp(b) +
...)`` → ``logsumexp(a, b, ...)``, and the unshifted softmax ``exp(a)/(exp(a) +
exp(b) + ...)`` → ``exp(a - logsumexp(a, b, ...))``.

The precision warnings (cgdiff.precision) show them beside a warning; the
library's domain errors (cgdiff.api) end with the hints whose stable form is
finite where float64 failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import ops
from .graph import Graph
from .text import clip


def _is_const(graph: Graph, i: int, x: float) -> bool:
    return graph.op[i] is ops.CONST and graph.const.get(i) == x


def _fn(graph: Graph, i: int, name: str) -> bool:
    return graph.op[i] is ops.FUNCTIONS.get(name)


def _square(graph: Graph, i: int) -> int | None:
    """u for ``u^2`` or ``u*u``."""
    if graph.op[i] is ops.POW and _is_const(graph, graph.arg1[i], 2.0):
        return graph.arg0[i]
    if graph.op[i] is ops.MUL and graph.arg0[i] == graph.arg1[i]:
        return graph.arg0[i]
    return None


@dataclass
class Pattern:
    """A known unstable pattern found in the program: its top node, the hint
    (the stable function to use instead), the nodes that make up the pattern
    (where a failure is the pattern's fault), and the stable form's value from
    float values of the nodes (None where it cannot say)."""

    node: int
    hint: str
    members: frozenset
    stable: object  # (values) -> float

    def stable_value(self, values) -> float | None:
        try:
            return self.stable(values)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None


#: The most nodes one sum of exponentials is followed through (a bigger sum
#: gets no hint: the search stays linear on giant programs).
SUM_LIMIT = 10_000


def _exp_terms(graph: Graph, i: int) -> tuple[list[int], list[int]] | None:
    """(the exp(...) terms, the additions) of ``i`` when ``i`` is a sum (of
    two or more terms: ``+`` or ``sum(...)``) whose terms are all exp(...);
    else None."""
    if graph.op[i] is not ops.ADD:
        return None
    terms, adds, stack = [], [], [i]
    while stack:
        k = stack.pop()
        if graph.op[k] is ops.ADD:
            adds.append(k)
            stack.append(graph.arg1[k])
            stack.append(graph.arg0[k])
        elif _fn(graph, k, "exp"):
            terms.append(k)
        else:
            return None
        if len(adds) + len(terms) > SUM_LIMIT:
            return None
    return terms, adds


def _shifted(graph: Graph, terms: list[int]) -> bool:
    """Whether every term is exp(u - m) with the same m (already shifted)."""
    shifts = {graph.arg1[graph.arg0[t]] if graph.op[graph.arg0[t]] is ops.SUB else None
              for t in terms}
    return len(shifts) == 1 and None not in shifts


def _same(graph: Graph, a: int, b: int) -> bool:
    """The same node, or the same text (``exp(x*2)`` written twice)."""
    return a == b or (graph.op[a] is not ops.INPUT and graph.op[b] is not ops.INPUT and
                      "".join(graph.label(a).split()) == "".join(graph.label(b).split()))


def _lse(xs) -> float:
    m = max(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def _listed(graph: Graph, nodes) -> str:
    names = [clip(graph.label(k), 30) for k in nodes]
    if len(names) > 6:
        names = names[:3] + ["..."] + names[-2:]
    return ", ".join(names)


def patterns(graph: Graph) -> list[Pattern]:
    """Each known unstable pattern in the program (issue 13 item 3), with the
    stable function to use instead."""
    found = []
    label = graph.label
    f = ops.FUNCTIONS
    for i in range(len(graph)):
        o = graph.op[i]
        args = graph.args(i)
        if _fn(graph, i, "log") and args:
            (u,) = args
            if _fn(graph, u, "sigmoid"):
                x = graph.arg0[u]
                found.append(Pattern(i, f"use logsigmoid({label(x)}) for {label(i)}",
                                     frozenset((i, u)),
                                     lambda v, x=x: f["logsigmoid"].value(v[x])))
                continue
            if graph.op[u] is ops.ADD:
                a, b = graph.arg0[u], graph.arg1[u]
                one, rest = (a, b) if _is_const(graph, a, 1.0) else (b, a)
                if _is_const(graph, one, 1.0):
                    if _fn(graph, rest, "exp"):
                        x = graph.arg0[rest]
                        found.append(Pattern(i, f"use softplus({label(x)}) for {label(i)}",
                                             frozenset((i, u, one, rest)),
                                             lambda v, x=x: f["softplus"].value(v[x])))
                    else:
                        found.append(Pattern(i, f"use log1p({label(rest)}) for {label(i)}",
                                             frozenset((i, u, one)),
                                             lambda v, x=rest: f["log1p"].value(v[x])))
                    continue
            sum_of_exps = _exp_terms(graph, u)
            if sum_of_exps is not None and not _shifted(graph, sum_of_exps[0]):
                terms, adds = sum_of_exps
                xs = [graph.arg0[t] for t in terms]
                found.append(Pattern(i, f"use logsumexp({_listed(graph, xs)}) for {label(i)}",
                                     frozenset((i, *terms, *adds)),
                                     lambda v, xs=xs: _lse([v[x] for x in xs])))
        elif o is ops.SUB and _fn(graph, args[0], "exp") and _is_const(graph, args[1], 1.0):
            x = graph.arg0[args[0]]
            found.append(Pattern(i, f"use expm1({label(x)}) for {label(i)}",
                                 frozenset((i, *args)),
                                 lambda v, x=x: f["expm1"].value(v[x])))
        elif _fn(graph, i, "sqrt") and graph.op[args[0]] is ops.ADD:
            s = args[0]
            a, b = _square(graph, graph.arg0[s]), _square(graph, graph.arg1[s])
            if a is not None and b is not None:
                found.append(Pattern(i, f"use hypot({label(a)}, {label(b)}) for {label(i)}",
                                     frozenset((i, s, graph.arg0[s], graph.arg1[s])),
                                     lambda v, a=a, b=b: f["hypot"].value(v[a], v[b])))
        elif o is ops.DIV and _fn(graph, args[0], "exp"):
            # an unshifted softmax: exp(a)/(exp(a) + exp(b) + ...)
            sum_of_exps = _exp_terms(graph, args[1])
            if sum_of_exps is None or _shifted(graph, sum_of_exps[0]):
                continue
            terms, adds = sum_of_exps
            top = graph.arg0[args[0]]
            xs = [graph.arg0[t] for t in terms]
            if not any(_same(graph, top, x) for x in xs):
                continue
            found.append(Pattern(
                i, f"use exp({label(top)} - logsumexp({_listed(graph, xs)})) for {label(i)}",
                frozenset((i, args[0], *terms, *adds)),
                lambda v, top=top, xs=xs: math.exp(v[top] - _lse([v[x] for x in xs]))))
    return found


def hints(graph: Graph) -> list[tuple[int, str]]:
    """(node, hint) for each known unstable pattern in the program: the
    stable function to use instead."""
    return [(p.node, p.hint) for p in patterns(graph)]


def _lenient_values(graph: Graph, inputs) -> list[float]:
    """Every node's float value, with inf or nan where the forward pass fails."""
    n = len(graph)
    values = [math.nan] * n
    for i in range(n):
        o = graph.op[i]
        try:
            if o is ops.INPUT:
                values[i] = inputs[graph.name_of[i]]
            elif o is ops.CONST:
                values[i] = graph.const[i]
            else:
                values[i] = o.value(*(values[k] for k in graph.args(i)))
        except OverflowError:
            values[i] = math.inf
        except (ValueError, ZeroDivisionError, KeyError, TypeError):
            values[i] = math.nan
    return values


def failure_hints(graph: Graph, inputs, error) -> list[tuple[int, str]]:
    """The hints for an error of the forward or reverse pass (``error.span``:
    the node that failed): each pattern the failing node is part of whose
    stable form is finite here (``log(1 + exp(x))`` at x = 800: softplus(x)
    is 800)."""
    span = getattr(error, "span", None)
    if span is None or not len(graph):
        return []
    failed = {i for i in range(len(graph))
              if graph.start[i] == span.start and graph.end[i] == span.end}
    if not failed:
        return []
    found = [p for p in patterns(graph) if failed & p.members]
    if not found:
        return []
    values = _lenient_values(graph, inputs)
    shown = []
    for p in found:
        value = p.stable_value(values)
        if value is not None and math.isfinite(value):
            shown.append((p.node, p.hint))
    return shown


def attach_hints(graph: Graph, inputs, error) -> None:
    """Adds to ``error`` (a CgdiffError of the passes) the rewrite hints that
    would avoid it: its paragraph then ends with them (errors.CgdiffError.render)."""
    try:
        found = failure_hints(graph, inputs, error)
    except Exception:  # a hint must never hide the error itself
        return
    for node, hint in found:
        error.hints.append((graph.start[node], clip(hint, 120)))
