"""Claimed derivatives, checked: ``cgdiff check PROGRAM --against CLAIMS``.

A claim is a statement in cgdiff's own language whose name says which
derivative it claims: ``dJ_dw = (w*x + b - y)*x`` claims ∂J/∂w, where ``J``
is the program's output and ``w`` any node of the program with a name (an
input or a statement). ``∂J/∂w = ...`` is accepted too: it is the same name
with ``∂`` written ``d`` and ``/`` written ``_`` (same length, so error carets
stay in place). A claim's formula may use the program's inputs, its named
statements, other claims and helper statements of the claims' own (any other
name: ``t = w*x + b - y; dJ_dw = t*x``), so the output of
``cgdiff grad --symbolic`` checks as it is.

Each claim is checked at the given point and at ``samples`` more, drawn with
``random.Random(seed)``: every input ``v`` moves to ``v + u·max(1, |v|)``
with ``u`` uniform in [-1, 1]. A point where the program or its derivative
is undefined is redrawn; a point where a claim is undefined is skipped for
that claim. A claim wrong at one point is wrong.

Hand backprop with blame: a claim that uses other claims
(``dJ_dc = dJ_da``) is judged twice. Its *step* is evaluated with the **true**
values of the claims it uses; a step that is off is the user's own mistake
("wrong"). A claim whose step is right but whose value is off (because a claim
it uses is wrong) "inherits" the first wrong step it uses. Where a step uses
one claim ``dJ_du``, the local derivative it used is its value divided by the
true ∂J/∂u, and the report says, in words, which local derivative was off
("∂d/∂a should be 1, your step uses 2").

Nothing recurses: every graph is walked as a flat list.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Mapping

from . import ops, passes
from .check import ATOL, RTOL
from .errors import CgdiffError, ClaimError
from .text import clip
from .graph import Graph, _dependency_order, _definitions, _statement_refs, build_graph
from .parser import Program, parse

#: How many points are drawn besides the given one.
SAMPLES = 20
#: Draws per sample point before giving up on finding one in the domain.
TRIES = 20

_UNICODE_CLAIM = re.compile(r"∂(\w+)/∂(\w+)")


def ascii_claims(text: str) -> str:
    """``∂J/∂w`` → ``dJ_dw``: the same number of characters, so offsets hold."""
    return _UNICODE_CLAIM.sub(lambda m: f"d{m.group(1)}_d{m.group(2)}", text)


@dataclass
class Claim:
    name: str  #: ``dJ_dw``
    node: str  #: ``w``
    formula: str  #: the claim's right-hand side, as written
    #: the claims its formula uses directly, and all it depends on
    uses: list[str]
    depends_on: list[str]
    graph: Graph  #: the claim's own graph (its formula and what it reads)


@dataclass
class Verdict:
    claim: Claim
    #: "right", "wrong" (its own step), "inherits" (a used claim's error),
    #: "unchecked" (undefined at every point)
    status: str
    inherits_from: str | None = None
    #: the worst point and the numbers there
    point: dict[str, float] | None = None
    claimed: float | None = None  #: the claim's value, from the user's other claims
    step: float | None = None  #: its value from the true values of the claims it uses
    true: float | None = None
    rel_error: float | None = None
    abs_error: float | None = None
    points: int = 0  #: points where it could be checked
    #: the local derivative in words, for a wrong step ("∂d/∂a should be 1, ...")
    blame: str = ""
    #: the local derivative (should be, used) where one could be named
    local: dict | None = None

    @property
    def ok(self) -> bool | None:
        return {"right": True, "unchecked": None}.get(self.status, False)

    @property
    def name(self) -> str:
        return self.claim.name


@dataclass
class ClaimReport:
    output: str
    rtol: float
    atol: float
    samples: int
    seed: int
    #: the given point first, then the drawn ones
    points: list[dict[str, float]]
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v.ok is not False for v in self.verdicts)

    @property
    def first_wrong(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.status == "wrong"), None)


# ---------------------------------------------------------------- reading claims

def _claim_target(name: str, output: str | None, program_names: set[str]):
    """(node, None) for a claim on ``output``; (None, message) for a
    claim-shaped name that is wrong; (None, None) for a helper statement."""
    # every way to split dOUT_dNODE (names may contain _d themselves)
    splits = []
    for at in [m.start() for m in re.finditer("_d", name)]:
        if name.startswith("d") and at > 1 and at + 2 < len(name):
            splits.append((name[1:at], name[at + 2:]))
    for out, node in splits:
        if out == output:
            if node in program_names:
                return node, None
    for out, node in splits:
        if out == output:
            return None, (f"claim {clip(name)} names no node of the program: "
                          f"'{clip(node)}' is not one of its names")
    for out, node in splits:
        if out in program_names and node in program_names:
            shown = output if output is not None else "unnamed"
            return None, (f"claim {clip(name)} is about ∂{clip(out)}/∂{clip(node)}, but the "
                          f"program's output is {shown} (--of {clip(out)} checks that one)")
    return None, None


def read_claims(text: str, graph: Graph, program_names: set[str]) -> tuple[Program, list[Claim]]:
    """The claims in ``text`` (``∂J/∂w`` already read as ``dJ_dw``), in
    dependency order (a claim after the ones it uses)."""
    program = parse(text)
    output = graph.name_of.get(graph.output)
    definitions = _definitions(program)
    statements = program.statements
    targets: dict[str, str] = {}
    for s, name in enumerate(statements.name):
        if name is None:
            raise ClaimError("a claim needs a name, dOUT_dNODE = ...: "
                               f"'{clip(program.text(statements[s].span.start, statements[s].span.end))}' "
                               "has none", statements[s].span)
        node, problem = _claim_target(name, output, program_names)
        if problem:
            raise ClaimError(problem, statements[s].name_span)
        if node is not None:
            targets[name] = node
    if not targets:
        if output is None:
            raise ClaimError("the program's output has no name: name it (J = ...) to "
                               "claim its derivatives (dJ_dw = ...)")
        raise ClaimError(f"no claims: a claim is a statement named d{output}_dNODE "
                           f"(d{output}_dw = ... claims ∂{output}/∂w)")
    seen_nodes: dict[str, str] = {}
    for name, node in targets.items():
        if node in seen_nodes:
            s = definitions[name]
            raise ClaimError(f"claims {clip(seen_nodes[node])} and {clip(name)} are both "
                               f"about ∂{output}/∂{clip(node)}", statements[s].name_span)
        seen_nodes[node] = name
    for name in program.first_seen:
        if name in definitions or name in program_names:
            continue
        raise ClaimError(f"the claims use '{clip(name)}', which is neither a name of the "
                           f"program nor defined among the claims",
                           _first_use(program, name))
    order = _dependency_order(program, definitions, set())  # also: a cycle is an error
    claims = []
    for s in order:
        name = statements.name[s]
        if name not in targets:
            continue
        uses = [n for n in dict.fromkeys(_statement_refs(program, s)) if n in targets]
        claim_graph = build_graph(program, name)
        depends = [claim_graph.name_of[i] for i in range(len(claim_graph))
                   if claim_graph.name_of.get(i) in targets and i != claim_graph.output]
        # a claim's formula reads everything its graph's inputs name; those that
        # are claims' own inputs with defaults but also program names take the
        # program's values (``x = -2`` in grad --symbolic's output)
        span = statements[s].span
        claims.append(Claim(name, targets[name], program.text(span.start, span.end),
                            uses, depends, claim_graph))
    return program, claims


def _first_use(program: Program, name: str):
    from .errors import Span

    for at, ref in zip(program.ref_at, program.ref_name):
        if ref == name:
            return Span(program.start[at], program.end[at])
    return None


# ---------------------------------------------------------------- evaluating

def _forward(graph: Graph, feed: Mapping[str, float], override: Mapping[int, float]) -> float | None:
    """The graph's output with inputs from ``feed`` and the nodes in
    ``override`` set to the given values; None where it is undefined."""
    n = len(graph)
    values = [0.0] * n
    op, arg0, arg1, const, name_of = graph.op, graph.arg0, graph.arg1, graph.const, graph.name_of
    INPUT = ops.INPUT
    try:
        for i in range(n):
            if i in override:
                values[i] = override[i]
                continue
            o = op[i]
            f = o.value
            if f is None:
                if o is INPUT:
                    name = name_of[i]
                    values[i] = feed[name] if name in feed else const[i]
                else:
                    values[i] = const[i]
            elif o.arity == 2:
                values[i] = f(values[arg0[i]], values[arg1[i]])
            else:
                values[i] = f(values[arg0[i]])
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    out = values[graph.output]
    return out if math.isfinite(out) else None


class _Program:
    """The program at one point: values of its names and true derivatives."""

    def __init__(self, source: str, graph: Graph, names: list[str]):
        self.source, self.graph = source, graph
        self.names = names
        # statements the output does not need still have values: own graphs
        self.extra = {name: build_graph(parse(source), name) for name in names
                      if name not in graph.index}

    def inputs(self, settings: Mapping[str, float]) -> dict[str, float]:
        values = passes.input_values(self.graph, settings)
        for extra in self.extra.values():
            values.update(passes.input_values(extra, settings))
        return values

    def at(self, point: Mapping[str, float]):
        """(values by name, ∂output/∂name by name), or None if undefined here."""
        graph = self.graph
        try:
            values = passes.forward(graph, {k: point[k] for k in graph.inputs if k in graph.index})
            adjoints = passes.reverse(graph, values)
        except CgdiffError:
            return None
        by_name = {name: values[i] for name, i in graph.index.items()}
        true = {name: adjoints[i] for name, i in graph.index.items()}
        for name, extra in self.extra.items():
            try:
                extra_values = passes.forward(extra, {k: point[k] for k in extra.inputs
                                                      if k in extra.index})
            except CgdiffError:
                return None
            by_name[name] = extra_values[extra.output]
            true[name] = 0.0  # the output does not depend on it
        return by_name, true


def _excess(claimed: float, true: float, rtol: float, atol: float) -> tuple[float, float, float]:
    """(how many tolerances apart, absolute error, relative error)."""
    error = abs(claimed - true)
    scale = max(abs(claimed), abs(true))
    return error / (atol + rtol * scale), error, (error / scale if scale else 0.0)


def sample_points(point: Mapping[str, float], samples: int, seed: int, usable) -> list[dict]:
    """``samples`` points around ``point`` (each input v moved to
    v + u·max(1, |v|), u uniform in [-1, 1]) for which ``usable`` holds."""
    rng = random.Random(seed)
    drawn = []
    for _ in range(samples):
        for _ in range(TRIES):
            moved = {k: v + rng.uniform(-1.0, 1.0) * max(1.0, abs(v)) for k, v in point.items()}
            if usable(moved):
                drawn.append(moved)
                break
    return drawn


def check_claims(source: str, claims_text: str, settings: Mapping[str, float] | None = None,
                 of: str | None = None, samples: int = SAMPLES, seed: int = 0,
                 rtol: float = RTOL, atol: float = ATOL) -> ClaimReport:
    """Check every claim in ``claims_text`` against the program ``source``
    at ``settings`` and ``samples`` drawn points, with blame for staged
    backprop (see the module's docstring)."""
    from .api import load

    graph = load(source, of)
    program_names = set(graph.inputs) | set(graph.statement_names)
    claims_text = ascii_claims(claims_text)
    try:
        _, claims = read_claims(claims_text, graph, program_names)
    except CgdiffError as error:
        error.source_text = claims_text  # where its span points
        raise
    used_names = sorted({name for claim in claims for name in claim.graph.inputs
                         if name in program_names} | {c.node for c in claims})
    program = _Program(source, graph, used_names)
    given = program.inputs({k: float(v) for k, v in (settings or {}).items()})
    if program.at(given) is None:
        # the point itself: let the passes say why
        values = passes.forward(graph, given)
        passes.reverse(graph, values)
    points = [given] + sample_points(given, samples, seed,
                                     lambda p: _defined(program.at(p)))
    output = graph.name_of[graph.output]
    report = ClaimReport(output, rtol, atol, samples, seed, points)
    # per point: the program's numbers, every claim's step and chained value
    rows = []
    for point in points:
        state = program.at(point)
        if state is None or not _defined(state):
            continue
        by_name, true = state
        feed = dict(point)
        feed.update(by_name)
        chained, steps = {}, {}
        truth = {c.name: true.get(c.node, 0.0) for c in claims}
        for claim in claims:
            cg = claim.graph
            chained[claim.name] = _forward(cg, feed, {})
            override = {i: truth[cg.name_of[i]] for i in range(len(cg))
                        if cg.name_of.get(i) in truth and i != cg.output}
            steps[claim.name] = _forward(cg, feed, override)
        rows.append((point, by_name, true, truth, chained, steps))

    own_wrong: dict[str, bool] = {}
    for claim in claims:
        verdict = Verdict(claim, "unchecked")
        worst_step = worst_chain = None  # (excess, row)
        for row in rows:
            point, by_name, true, truth, chained, steps = row
            t, c, s = truth[claim.name], chained[claim.name], steps[claim.name]
            if t != t or s is None:
                continue
            verdict.points += 1
            e = _excess(s, t, rtol, atol)[0]
            if worst_step is None or e > worst_step[0]:
                worst_step = (e, row)
            if c is not None:
                e = _excess(c, t, rtol, atol)[0]
                if worst_chain is None or e > worst_chain[0]:
                    worst_chain = (e, row)
        if worst_step is None:
            report.verdicts.append(verdict)
            continue
        step_bad = worst_step[0] > 1
        chain_bad = worst_chain is not None and worst_chain[0] > 1
        given = rows[0] if rows and rows[0][0] is points[0] else None
        if step_bad:
            verdict.status = "wrong"
            worst = given if _bad_at(given, claim, rtol, atol, "step") else worst_step[1]
        elif chain_bad:
            source_claim = next((d for d in claim.depends_on if own_wrong.get(d)), None)
            verdict.status = "inherits" if source_claim else "wrong"
            verdict.inherits_from = source_claim
            worst = given if _bad_at(given, claim, rtol, atol, "chain") else worst_chain[1]
        else:
            verdict.status = "right"
            worst = given if _usable(given, claim) else (worst_chain or worst_step)[1]
        own_wrong[claim.name] = verdict.status == "wrong"
        point, by_name, true, truth, chained, steps = worst
        verdict.point = dict(point)
        verdict.true = truth[claim.name]
        verdict.step = steps[claim.name]
        verdict.claimed = chained[claim.name] if chained[claim.name] is not None else verdict.step
        _, verdict.abs_error, verdict.rel_error = _excess(verdict.claimed, verdict.true,
                                                          rtol, atol)
        if verdict.status == "wrong":
            verdict.blame, verdict.local = _blame(program, claim, claims, point, by_name,
                                                  truth, verdict.step, verdict.true)
        report.verdicts.append(verdict)
    return report


def _usable(row, claim: Claim) -> bool:
    if row is None:
        return False
    t, c, s = row[3][claim.name], row[4][claim.name], row[5][claim.name]
    return t == t and s is not None and c is not None


def _bad_at(row, claim: Claim, rtol: float, atol: float, which: str) -> bool:
    """Is the claim's step (or chained value) off at this point?"""
    if not _usable(row, claim):
        return False
    value = row[5][claim.name] if which == "step" else row[4][claim.name]
    return _excess(value, row[3][claim.name], rtol, atol)[0] > 1


def _defined(state) -> bool:
    if state is None:
        return False
    _, true = state
    return all(math.isfinite(x) for x in true.values())


# ---------------------------------------------------------------- blame in words

def _blame(program: _Program, claim: Claim, claims: list[Claim], point, by_name, truth,
           step: float, true: float) -> tuple[str, dict | None]:
    """Which local derivative the step got wrong, in words."""
    from .text import human_number as h

    graph = program.graph
    out = graph.name_of[graph.output]
    node = claim.node
    plain = (f"∂{out}/∂{node} should be {h(true)}, your " + ("step" if claim.uses else "formula")
             + f" gives {h(step)}")
    if len(claim.uses) != 1:
        return plain, None
    used = next(c for c in claims if c.name == claim.uses[0])
    u = used.node
    t_u = truth[used.name]
    if t_u == 0 or u not in graph.index or node not in graph.index:
        return plain, None
    values = passes.forward(graph, {k: point[k] for k in graph.inputs if k in graph.index})
    local_true = passes.reverse(graph, values, graph.index[u])[graph.index[node]]
    if local_true != local_true or not _close(t_u * local_true, true):
        return plain, None  # node reaches the output by other paths too
    local_used = step / t_u
    formula = local_formula_text(graph, values, graph.index[u], graph.index[node])
    should = f"{formula} = {h(local_true)}" if formula else h(local_true)
    text = (f"∂{u}/∂{node} should be {should}, your step uses {h(local_used)} "
            f"(∂{out}/∂{node} = ∂{out}/∂{u} × ∂{u}/∂{node})")
    return text, {"of": u, "wrt": node, "should_be": local_true, "used": local_used,
                  "formula": formula or None}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-7 * max(abs(a), abs(b))


def local_formula_text(graph: Graph, values, user: int, arg: int) -> str:
    """∂user/∂arg as a formula in the program's names, when ``user`` reads
    ``arg`` directly (``x`` for ∂c/∂w with c = w*x); else ""."""
    from .explain import local_formula

    args = graph.args(user)
    if args.count(arg) != 1:
        return ""
    return local_formula(graph, values, user, args.index(arg))[0]
