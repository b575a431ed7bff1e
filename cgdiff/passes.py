"""The passes over a graph: forward values, reverse adjoints, forward-mode
tangents and central finite differences. Each is one loop over the flat node
list, reading the op table; none recurses.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

from . import ops
from .errors import DomainError, LimitError, MissingValueError, NamingError, NotFiniteError
from .text import as_float, clip, compared, enclosed, exact_number, suggest
from .graph import Graph

NAN = float("nan")


def input_values(graph: Graph, settings: Mapping[str, float]) -> dict[str, float]:
    """Every input the output needs → its value: ``settings`` over defaults.

    Errors: a setting that names no input; inputs left without a value (all
    of them at once, with a hint where one looks like a typo).
    """
    for name in settings:
        if name not in graph.inputs:
            what = ("a statement, not an input" if name in graph.statement_names
                    else "not a name in the program")
            raise NamingError(f"--set {clip(name)}: '{clip(name)}' is {what}"
                              + _typo_hint(name, graph.inputs))
    values = {}
    missing = []
    for name, node in graph.index.items():
        if graph.op[node] is not ops.INPUT:
            continue
        if name in settings:
            values[name] = as_float(name, settings[name])
        elif node in graph.const:
            values[name] = graph.const[node]
        else:
            missing.append(name)
    if missing:
        missing.sort(key=graph.index.__getitem__)
        listed = ", ".join(clip(name, 40) for name in missing[:20])
        if len(missing) > 20:
            listed += f", … ({len(missing)} in all)"
        missing_set = set(missing)
        known = sorted(graph.statement_names) + [n for n in graph.inputs if n not in missing_set]
        # The program's own names first: `cots` is more likely `cost` than `cos`.
        hints = [_typo_hint(name, known, named=True)
                 or _typo_hint(name, ops.FUNCTIONS, named=True)
                 for name in missing[:MAX_HINTS]]
        hint = "".join(h for h in hints if h)
        noun = "input has" if len(missing) == 1 else "inputs have"
        raise MissingValueError(f"{len(missing)} {noun} no value: {listed} "
                            f"(give them with --set NAME=VALUE){hint}")
    for name, value in values.items():
        if not math.isfinite(value):
            raise DomainError(f"{clip(name)} = {value} is not a finite number")
    return values


#: The most node evaluations a command does per input asked for, summed over
#: the inputs (check's finite differences, explain's nudges, the Hessian's
#: sweeps), before it refuses up front: about half a minute of work
#: (benchmarks/robust_limits.py: 16 million for check took 20 to 30 s).
WORK_LIMIT = 20_000_000


def refuse_past_limit(work: int, what: str, how: str = "choose fewer inputs with --wrt",
                      limit: int | None = None) -> None:
    """A LimitError when ``work`` node evaluations pass ``limit`` (default
    WORK_LIMIT): ``what`` is what would be done, ``how`` the way to ask for less."""
    limit = WORK_LIMIT if limit is None else limit
    if work > limit:
        raise LimitError(f"{what} would take about {work / 1e6:,.0f} million node evaluations, "
                         f"more than the {limit / 1e6:,.0f} million cgdiff does in one command "
                         f"(about half a minute); {how}")


#: Hints are looked for among the first few missing names only (each one
#: compares spellings: text.suggest).
MAX_HINTS = 5


def _typo_hint(name: str, known, named: bool = False) -> str:
    """``; 'cots' looks like a typo of 'cost'`` (without the name unless
    ``named``); names that are not ASCII come with their code points."""
    close = suggest(name, known)
    if close is None:
        return ""
    mine, theirs = compared(name, close)
    prefix = f"{mine} " if named else ""
    if name.isascii() and close.isascii():
        return f"; {prefix}looks like a typo of {theirs}"
    return f"; {prefix}looks like {theirs}, a different name" + (
        "" if named else f" (this is {mine})")


# ---------------------------------------------------------------- forward

def forward(graph: Graph, inputs: Mapping[str, float]) -> list[float]:
    """Every node's value, in evaluation order (left to right)."""
    n = len(graph)
    values = [0.0] * n
    op, arg0, arg1, const = graph.op, graph.arg0, graph.arg1, graph.const
    name_of, INPUT = graph.name_of, ops.INPUT
    i = 0
    try:
        for i in range(n):
            o = op[i]
            f = o.value
            if f is None:
                values[i] = inputs[name_of[i]] if o is INPUT else const[i]
            elif o.arity == 2:
                values[i] = f(values[arg0[i]], values[arg1[i]])
            else:
                values[i] = f(values[arg0[i]])
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        # An earlier node may have overflowed quietly (1e308*10 is inf, no error).
        first = next((k for k in range(i) if not math.isfinite(values[k])), i)
        raise _domain_error(graph, values, first, isinstance(error, OverflowError)) from None
    if not math.isfinite(sum(values)):
        for i, value in enumerate(values):
            if not math.isfinite(value):
                raise _domain_error(graph, values, i)
    return values


def _domain_error(graph: Graph, values: list[float], i: int,
                  overflow: bool = False) -> DomainError:
    """The error for node ``i``, whose value failed or is not finite: the node,
    why, and the values of its arguments (``exp(x*400): the result is too large
    for a float (x*400 = 800)``)."""
    op = graph.op[i]
    args = graph.args(i)
    reason = None
    if op.value is not None:
        try:
            reason = op.domain(*(values[a] for a in args))
        except Exception:  # an explanation must never hide the error itself
            reason = None
    if reason is not None and len(args) == 1 and reason.startswith("x = ") and " is " in reason:
        # The op table says "x = -1 is not > 0"; say which x: log(a - b): a - b = -1 ...
        return DomainError(f"{clip(graph.label(i))}: {_shown(graph, values, args[0])}"
                             f"{reason[reason.index(' is '):]}", graph.span(i))
    if reason is None:
        value = values[i]
        reason = ("the result is too large for a float" if overflow or math.isinf(value) else
                  "the result is not a number" if value != value and args else
                  "the result is not a finite number")
    shown = _arguments_shown(graph, values, args)
    if shown and not any(c.isdigit() for c in reason):  # unless the reason shows them
        reason += f" ({shown})"
    return DomainError(f"{clip(_ungrouped(graph.label(i)))}: {reason}",
                         graph.span(i))


def _shown(graph: Graph, values: list[float], a: int) -> str:
    """``a - b = -1`` for a node, or just ``-1`` for a number literal."""
    value, label = exact_number(values[a]), clip(_ungrouped(graph.label(a)), 30)
    try:
        literal = float(label.strip("()")) == values[a]
    except ValueError:
        literal = False
    return value if literal else f"{label} = {value}"


def _ungrouped(text: str) -> str:
    """``(x-y)`` → ``x-y``; ``(a)+(b)`` stays as it is."""
    return text[1:-1] if len(text) <= 200 and enclosed(text) else text


def _arguments_shown(graph: Graph, values: list[float], args) -> str:
    """The arguments that are not number literals, each once: ``x = 1e+200``."""
    shown = []
    for a in dict.fromkeys(args):
        text = _shown(graph, values, a)
        if " = " in text:
            shown.append(text)
    return ", ".join(shown)


# ---------------------------------------------------------------- reverse

def reverse(graph: Graph, values: list[float], output: int | None = None,
            wrt: Iterable[int | None] | None = None) -> list[float]:
    """∂output/∂node for every node, in one sweep right to left.

    Each node's adjoint is complete before it is used, because every node that
    reads it comes later in the list. ``nan`` marks a derivative that does not
    exist. An infinite one is an error when a derivative asked for needs it:
    when the node depends on one of the ``wrt`` nodes (default: every input).
    Elsewhere it stays ``inf``: in ``x^2`` at x = 1.3e154, ∂J/∂2 = x^2·log x
    overflows, but no input's derivative goes through the constant 2 (adjoints
    flow from a node to its arguments only, so a node that depends on no input
    passes nothing to one).
    """
    out = graph.output if output is None else output
    adjoint = [0.0] * len(graph)
    adjoint[out] = 1.0
    # The commonest ops' partials written out (the same numbers as ops.py's,
    # checked by tests/test_ops.py): a call and a tuple saved on most nodes.
    ADD, SUB, MUL, TANH = ops.ADD, ops.SUB, ops.MUL, ops.FUNCTIONS["tanh"]
    exp = math.exp
    reaches: bytearray | None = None  # made when first needed
    # The columns are walked from the end by zip, not indexed by i: reversed()
    # reads each adjoint when it gets there, so what later nodes added to it
    # is in (nodes above ``out`` have adjoint 0 and are skipped).
    for i, g, o, a, b, v in zip(range(len(graph) - 1, -1, -1), reversed(adjoint),
                                reversed(graph.op), reversed(graph.arg0),
                                reversed(graph.arg1), reversed(values)):
        if g == 0.0:
            if not o.singular or i > out:
                continue
            # The rule (README, "A derivative that does not exist"): a partial
            # that does not exist or is infinite poisons every derivative that
            # depends on it, even through a zero factor. So a zero adjoint does
            # not hide it, on a node the output depends on.
            if reaches is None:
                reaches = graph.ancestors([out])
            if reaches[i]:
                args = graph.args(i)
                for k, d in zip(args, o.partials(*(values[k] for k in args), v)):
                    if not math.isfinite(d):
                        adjoint[k] = NAN
            continue
        if o is MUL:
            adjoint[a] += g * values[b]
            adjoint[b] += g * values[a]
        elif o is ADD:
            adjoint[a] += g
            adjoint[b] += g
        elif o is TANH:  # sech(a)^2 with sech(a) = 2u/(1 + u^2), u = exp(-|a|)
            u = exp(-abs(values[a]))
            s = 2.0 * u / (1.0 + u * u)
            adjoint[a] += g * (s * s)
        else:
            arity = o.arity
            if arity == 2:
                if o is SUB:
                    adjoint[a] += g
                    adjoint[b] -= g
                    continue
                da, db = o.partials(values[a], values[b], v)
                adjoint[a] += g * da
                adjoint[b] += g * db
            elif arity == 1:
                (da,) = o.partials(values[a], v)
                adjoint[a] += g * da
    if not math.isfinite(sum(adjoint)) and any(map(math.isinf, adjoint)):
        needed = depends_on(graph, wrt, out)
        if any(needed[i] and math.isinf(x) for i, x in enumerate(adjoint)):
            raise _infinite_derivative(graph, values, adjoint, out, needed)
    return adjoint


def depends_on(graph: Graph, nodes: Iterable[int | None] | None = None,
               last: int | None = None) -> bytearray:
    """1 for each node (up to ``last``) whose value depends on one of ``nodes``
    (default: every input), 0 elsewhere; one sweep left to right."""
    n = len(graph) if last is None else last + 1
    flags = bytearray(n)
    if nodes is None:
        seeds = [i for i in graph.index.values() if graph.op[i] is ops.INPUT]
    else:
        seeds = [i for i in nodes if i is not None]
    for i in seeds:
        if i < n:
            flags[i] = 1
    start = min(seeds, default=n)
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    for i in range(start, n):
        if flags[i]:
            continue
        arity = op[i].arity
        if arity == 2:
            flags[i] = flags[arg0[i]] | flags[arg1[i]]
        elif arity == 1:
            flags[i] = flags[arg0[i]]
    return flags


def _infinite_derivative(graph: Graph, values: list[float], adjoint: list[float],
                         out: int, needed: bytearray) -> DomainError:
    """The error for an adjoint that overflowed: the node nearest the output
    whose local derivative made it infinite, with its arguments' values
    (among the nodes a derivative asked for needs: ``needed``)."""
    for j in range(out, -1, -1):
        g = adjoint[j]
        args = graph.args(j)
        if not args or g == 0.0 or not math.isfinite(g) or not needed[j]:
            continue
        partials = graph.op[j].partials(*(values[a] for a in args), values[j])
        for a, d in zip(args, partials):
            if math.isinf(g * d) and needed[a]:
                shown = _arguments_shown(graph, values, args)
                return DomainError(
                    f"{clip(graph.label(j))}: the derivative of the output with respect to "
                    f"{clip(graph.label(a), 30)} is too large for a float"
                    + (f" ({shown})" if shown else ""), graph.span(j))
    # Finite contributions that added up to infinity.
    i = next(i for i, x in enumerate(adjoint) if math.isinf(x) and needed[i])
    return DomainError(f"the derivative of the output with respect to "
                         f"{clip(graph.label(i))} is too large for a float",
                         graph.span(i))


def undefined_derivative(graph: Graph, values: list[float], adjoint: list[float],
                         node: int) -> DomainError:
    """The error for a requested derivative that does not exist (nan): it names
    the node nearest the output whose local derivative does not exist (or is
    infinite behind a zero factor) on a path from ``node`` to the output."""
    below = depends_on(graph, [node])
    reaches = graph.ancestors([graph.output])
    for i in range(len(graph) - 1, -1, -1):
        if (not below[i] or not reaches[i] or adjoint[i] != adjoint[i]
                or graph.op[i].partials is None):
            continue
        args = graph.args(i)
        partials = graph.op[i].partials(*(values[a] for a in args), values[i])
        for position, (a, p) in enumerate(zip(args, partials)):
            if not math.isfinite(p) and below[a]:
                which = "its exponent" if graph.op[i] is ops.POW and position == 1 else (
                    "its base" if graph.op[i] is ops.POW else
                    "its argument" if len(args) == 1 else
                    "its first argument" if position == 0 else "its second argument")
                shown = ", ".join(repr(values[x]) for x in args)
                how = "has no derivative" if p != p else "has an infinite derivative"
                return DomainError(
                    f"the derivative with respect to {clip(graph.node_id(node))} does not exist: "
                    f"{clip(graph.label(i))} {how} with respect to {which} "
                    f"at ({shown})", graph.span(i))
    return DomainError(f"the derivative with respect to {clip(graph.node_id(node))} "
                         f"does not exist here")


# ---------------------------------------------------------------- forward mode

def tangent(graph: Graph, values: list[float], seed: int) -> list[float]:
    """d node/d seed for every node, in one sweep left to right.

    The seed node's tangent is 1 whatever its own arguments do, so seeding a
    statement node gives the same number as its adjoint in reverse mode.
    Nodes that do not depend on the seed are skipped; on those that do, a
    zero tangent does not hide a partial that does not exist (the rule of
    :func:`reverse`): ``0*nan`` is ``nan``.
    """
    n = len(graph)
    dot = [0.0] * n
    dot[seed] = 1.0
    live = bytearray(n)  # 1: depends on the seed
    live[seed] = 1
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    for i in range(seed + 1, n):
        o = op[i]
        if o.arity == 2:
            a, b = arg0[i], arg1[i]
            la, lb = live[a], live[b]
            if not (la or lb):
                continue
            live[i] = 1
            ta, tb = dot[a], dot[b]
            if ta == 0.0 and tb == 0.0 and not o.singular:
                continue
            da, db = o.partials(values[a], values[b], values[i])
            dot[i] = ((da * ta if ta else _zero_times(da)) if la else 0.0) + \
                ((db * tb if tb else _zero_times(db)) if lb else 0.0)
        elif o.arity == 1:
            a = arg0[i]
            if not live[a]:
                continue
            live[i] = 1
            ta = dot[a]
            if ta == 0.0 and not o.singular:
                continue
            (da,) = o.partials(values[a], values[i])
            dot[i] = da * ta if ta else _zero_times(da)
    return dot


def _zero_times(d: float) -> float:
    """0·d: 0 for a finite partial, nan for one that does not exist or is infinite."""
    return 0.0 if d - d == 0.0 else NAN


# ---------------------------------------------------------------- the gradient

def gradient(graph: Graph, values: list[float], nodes: Iterable[int | None],
             mode: str = "reverse", adjoints: list[float] | None = None) -> list[float]:
    """∂output/∂node for each of ``nodes`` (0 for None: the output does not
    depend on it), by one reverse sweep (``adjoints``, if already run) or one
    forward-mode sweep per node. A derivative that does not exist or is not
    finite is an error naming the node to blame."""
    nodes = list(nodes)
    if mode == "reverse":
        if adjoints is None:
            adjoints = reverse(graph, values, wrt=nodes)
        derivative_of = adjoints.__getitem__
    elif mode == "forward":
        def derivative_of(node):
            return tangent(graph, values, node)[graph.output]
    else:
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    result = []
    for node in nodes:
        if node is None:
            result.append(0.0)
            continue
        d = derivative_of(node)
        if not math.isfinite(d):
            raise derivative_error(graph, values, nodes, adjoints)
        result.append(d)
    return result


def derivative_error(graph: Graph, values: list[float], nodes: list[int | None],
                     adjoints: list[float] | None = None) -> DomainError:
    """The error for derivatives of which one is not finite: the same error in
    both modes, from the reverse pass (which raises for one that overflows) and
    the first node, in the order asked, whose derivative does not exist."""
    if adjoints is None:
        adjoints = reverse(graph, values, wrt=nodes)
    for node in nodes:
        if node is None:
            continue
        d = adjoints[node]
        if d != d:
            return undefined_derivative(graph, values, adjoints, node)
        if math.isinf(d):
            return DomainError(f"the derivative with respect to {graph.node_id(node)} is not "
                               "finite")
    return DomainError("a derivative is not finite here (an intermediate product overflowed "
                       "in forward mode, not in reverse mode)")


# ---------------------------------------------------------------- finite differences

def central_difference(graph: Graph, inputs: Mapping[str, float], name: str,
                       step: float) -> float:
    """(f(x + h) - f(x - h)) / 2h for the input ``name``."""
    up = dict(inputs)
    up[name] = inputs[name] + step
    down = dict(inputs)
    down[name] = inputs[name] - step
    out = graph.output
    return (forward(graph, up)[out] - forward(graph, down)[out]) / (2 * step)


# ---------------------------------------------------------------- columns

# The same sweeps over many rows at once: each node's values for every row in
# one NumPy float64 array, each op applied once per node (the op table's
# ``array_value``/``array_partials``). Element by element the arithmetic is
# that of the scalar passes above, in the same order; only the ops' NumPy
# implementations (exp, log, ...) may differ from the math module's in the
# last bit. NumPy is imported here on first use, never by the scalar passes.


def column_forward(graph: Graph, inputs: Mapping[str, object], rows: int) -> list:
    """Every node's values for ``rows`` rows: an array per node, or one number
    for a node that is the same in every row (a constant, an input given one
    value, and what is computed from those alone).

    ``inputs`` maps each input name to an array of ``rows`` numbers or to one
    number shared by every row. Raises NotFiniteError if any value is not finite.
    """
    np = ops.np
    n = len(graph)
    values: list = [None] * n
    op, arg0, arg1, const, name_of, INPUT = (graph.op, graph.arg0, graph.arg1, graph.const,
                                            graph.name_of, ops.INPUT)
    with np.errstate(all="ignore"):
        for i in range(n):
            o = op[i]
            if o.value is None:
                x = inputs[name_of[i]] if o is INPUT else const[i]
                v = (np.asarray(x, dtype=np.float64) if isinstance(x, np.ndarray)
                     else np.float64(x))
            elif o.arity == 2:
                v = _column_value(o, values[arg0[i]], values[arg1[i]])
            else:
                v = _column_value(o, values[arg0[i]])
            if not np.isfinite(v).all():
                raise NotFiniteError(i)
            values[i] = v
    return values


def _column_value(o: ops.Op, *args):
    np = ops.np
    if o.array_value is not None:
        return o.array_value(*args)
    # No NumPy form in the op table: the scalar function, element by element.
    try:
        if all(np.ndim(a) == 0 for a in args):
            return np.float64(o.value(*map(float, args)))
        args = np.broadcast_arrays(*args)
        return np.fromiter(map(o.value, *(a.tolist() for a in args)), np.float64,
                           count=len(args[0]))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise NotFiniteError() from None


def _column_partials(o: ops.Op, args, out) -> tuple:
    np = ops.np
    if o.array_partials is not None:
        return o.array_partials(*args, out)
    if all(np.ndim(a) == 0 for a in (*args, out)):
        return o.partials(*map(float, args), float(out))
    *args, out = np.broadcast_arrays(*args, out)
    parts = list(map(o.partials, *(a.tolist() for a in args), out.tolist()))
    return tuple(np.array(parts, dtype=np.float64).reshape(len(out), o.arity).T)


def column_reverse(graph: Graph, values: list, rows: int, keep) -> dict:
    """∂output/∂node for every row, for the nodes in ``keep``: node → array
    (None where the output does not depend on the node).

    The sweep of :func:`reverse` with arrays, passing adjoints only to nodes
    that depend on one of ``keep`` (no other adjoint is asked for). As there,
    a zero adjoint does not hide a partial that does not exist (0 · nan is
    nan); an infinite adjoint raises NotFiniteError here (the scalar pass then
    decides whether it is an error); nan marks a derivative that does not exist.
    """
    np = ops.np
    out = graph.output
    keep = [k for k in keep if k is not None and k <= out]
    needed = depends_on(graph, keep, out)
    adjoint: list = [None] * (out + 1)
    adjoint[out] = np.ones(rows)
    op, arg0, arg1 = graph.op, graph.arg0, graph.arg1
    ADD, SUB, MUL, NEG, IDENTITY, POW = ops.ADD, ops.SUB, ops.MUL, ops.NEG, ops.IDENTITY, ops.POW

    def accumulate(node, term, fresh):
        if not needed[node]:
            return
        current = adjoint[node]
        if current is not None:
            adjoint[node] = current + term
        elif fresh:  # 0.0 + term, as the scalar pass: -0.0 becomes 0.0
            term += 0.0
            adjoint[node] = term
        else:
            adjoint[node] = term + 0.0

    kept = {}
    keep_set = set(keep)
    with np.errstate(all="ignore"):
        for i in range(out, -1, -1):
            g = adjoint[i]
            if g is None:
                continue
            if i in keep_set:
                kept[i] = g
            adjoint[i] = None
            total = g.sum()
            if not (total == total and abs(total) != np.inf) and np.isinf(g).any():
                raise NotFiniteError(i)
            o = op[i]
            if o is MUL:
                a, b = arg0[i], arg1[i]
                if needed[a]:
                    accumulate(a, g * values[b], True)
                if needed[b]:
                    accumulate(b, g * values[a], True)
            elif o is ADD:
                accumulate(arg0[i], g, False)
                accumulate(arg1[i], g, False)
            elif o is SUB:
                accumulate(arg0[i], g, False)
                if needed[arg1[i]]:
                    accumulate(arg1[i], -g, True)
            elif o is NEG:
                accumulate(arg0[i], -g, True)
            elif o is IDENTITY:
                accumulate(arg0[i], g, False)
            elif o.arity:
                args = graph.args(i)
                if o is POW and not needed[args[1]]:  # x^2: the base's partial alone
                    partials = (ops.pow_array_base_partial(values[args[0]], values[args[1]]),)
                else:
                    partials = _column_partials(o, [values[a] for a in args], values[i])
                for a, p in zip(args, partials):
                    if not needed[a]:
                        continue
                    term = g * p
                    finite = np.isfinite(p)
                    if not finite.all():
                        # The rule of reverse(): 0 · nan is nan, 0 · finite is 0.
                        term = np.where((g == 0.0) & finite, 0.0, term)
                    accumulate(a, np.broadcast_to(term, (rows,)), False)
    return {node: kept.get(node) for node in keep}


def column_tangent(graph: Graph, values: list, rows: int, seed: int, cache: dict | None = None):
    """d output/d seed for every row: :func:`tangent` with arrays (None where
    the output does not depend on the seed). ``cache`` keeps each node's
    partials between calls with other seeds."""
    np = ops.np
    cache = {} if cache is None else cache
    dot: dict = {seed: np.ones(rows)}
    op, out = graph.op, graph.output
    with np.errstate(all="ignore"):
        for i in range(seed + 1, out + 1):
            if op[i].arity == 0:
                continue
            args = graph.args(i)
            tangents = [dot.get(a) for a in args]
            if all(t is None for t in tangents):
                continue
            partials = cache.get(i)
            if partials is None:
                partials = cache[i] = _column_partials(op[i], [values[a] for a in args],
                                                       values[i])
            # The rule of tangent(): 0 · nan is nan, 0 · finite is 0.
            terms = [np.where(t != 0.0, p * t, np.where(np.isfinite(p), 0.0, NAN))
                     for t, p in zip(tangents, partials) if t is not None]
            if len(args) == 1:
                dot[i] = terms[0]
            else:
                dot[i] = terms[0] + terms[1] if len(terms) == 2 else terms[0] + 0.0
    return dot.get(out)


def column_gradient(graph: Graph, inputs: Mapping[str, object], rows: int,
                    nodes: list, mode: str = "reverse"):
    """The output's value and its derivative with respect to each of ``nodes``
    (None: a name the output does not depend on, derivative 0) at ``rows``
    points at once: (value array, [derivative arrays]).

    ``inputs`` as for :func:`column_forward`. Raises NotFiniteError when a value
    or a derivative is not finite, or a derivative does not exist (nan) in
    some row: run those rows through :func:`forward` and :func:`reverse`.
    """
    np = ops.np
    values = column_forward(graph, inputs, rows)
    value = np.broadcast_to(values[graph.output], (rows,))
    if mode == "reverse":
        adjoints = column_reverse(graph, values, rows, [n for n in nodes if n is not None])
        result = [adjoints.get(n) if n is not None else None for n in nodes]
    else:
        cache: dict = {}
        result = [column_tangent(graph, values, rows, n, cache) if n is not None else None
                  for n in nodes]
    result = [np.zeros(rows) if r is None else np.broadcast_to(r, (rows,)) for r in result]
    for r in result:
        if not np.isfinite(r).all():
            raise NotFiniteError()
    return value, result
