"""Program → Graph: a flat list of nodes in evaluation order.

Statements may come in any order, so they are ordered by their dependencies
(an iterative depth-first search that keeps source order where it can, and
names a cycle if there is one). Only the statements the output depends on
become nodes. Every input is one node, so a name used twice gets both
contributions in the reverse pass.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from . import ops
from .errors import CycleError, NamingError, Span
from .text import clip, did_you_mean, line_and_column, no_gc, one_line, short_label
from .parser import REF, Program, Tape


#: The longest label a node shows (see Graph.label).
LABEL_LIMIT = 160


@dataclass
class Graph(Tape):
    """Nodes 0..n-1 in evaluation order; every node's arguments come before it.

    Parallel columns rather than node objects (a :class:`parser.Tape`) keep a
    million-node graph small and the passes fast. ``arg0``/``arg1`` are -1
    where an op has fewer arguments.
    """
    #: node → its name, for inputs and statements; other nodes are called ``#k``
    name_of: dict[int, str] = field(default_factory=dict)
    #: name → node
    index: dict[str, int] = field(default_factory=dict)
    #: node → value, for constants, and inputs that have a default
    const: dict[int, float] = field(default_factory=dict)
    #: input names in order of first appearance in the program (all of them,
    #: including those the output does not depend on)
    inputs: list[str] = field(default_factory=list)
    #: statement names in the program that are not inputs
    statement_names: set[str] = field(default_factory=set)
    output: int = -1
    #: node → its label, where it is not its source text: the nodes a call
    #: or a vector operation is unrolled into (``sq(w*x)``, ``(W @ x)[1]``)
    labels: dict[int, str] = field(default_factory=dict)
    #: node → the index in ``calls`` of the user-function call it belongs to
    call_of: dict[int, int] = field(default_factory=dict)
    #: the expanded calls of user functions (``expand.Call``), for pictures
    calls: list = field(default_factory=list)
    #: vector or matrix name → (shape, its element names row by row)
    shapes: dict[str, tuple] = field(default_factory=dict)
    #: every output node (``--of u,v``), the first being ``output``
    outputs: list[int] = field(default_factory=list)
    #: what each output is called
    output_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.op)

    def node_id(self, i: int) -> str:
        name = self.name_of.get(i)
        return name if name is not None else f"#{i + 1}"

    def label(self, i: int) -> str:
        """The node's source text (for an input, its name), shortened to
        LABEL_LIMIT characters with a ``…`` in the middle.

        Every node of a 100,000-deep expression contains the ones below it, so
        full labels would make the output grow with the square of the input.
        """
        if self.op[i] is ops.INPUT:
            return self.name_of[i]
        if self.labels:
            label = self.labels.get(i)
            if label is not None:
                return label
        start, end = self.start[i], self.end[i]
        if end - start <= LABEL_LIMIT:
            return self.source[start:end]
        head = LABEL_LIMIT * 2 // 3
        return self.source[start:start + head] + "…" + self.source[end - (LABEL_LIMIT - head - 1):end]

    def span(self, i: int) -> Span | None:
        """Where node ``i`` is in the program's text; None in a graph that has
        no text (a formula's: :mod:`cgdiff.formula`), so that an error there
        never points a caret into the user's program."""
        if not self.source:
            return None
        return Span(self.start[i], self.end[i])

    def args(self, i: int) -> tuple[int, ...]:
        a, b = self.arg0[i], self.arg1[i]
        return () if a < 0 else (a,) if b < 0 else (a, b)

    def find(self, name: str, option: str) -> int | None:
        """The node called ``name``; None for a program name the output does not
        depend on; an error naming ``option`` for a name the program lacks."""
        if name in self.index:
            return self.index[name]
        if name in self.statement_names or name in self.inputs:
            return None
        hint = did_you_mean(name, list(self.statement_names) + self.inputs)
        raise NamingError(f"{option} {clip(name)}: the program has no such name{hint}")

    def targets(self, wrt: Iterable[str] | None = None) -> dict[str, int | None]:
        """Each name of ``wrt`` (default: every input), once, in order → its
        node (None where the output does not depend on it); an error for a
        name the program lacks."""
        if wrt is None:
            names = list(self.inputs)
        else:  # a vector or matrix input stands for its elements
            shapes = self.shapes
            names = list(dict.fromkeys(element for name in wrt for element in
                                       (shapes[name][1] if name in shapes else (name,))))
        return {name: self.find(name, "--wrt") for name in names}

    def short_label(self, i: int, width: int = 40) -> str:
        """The node's source text on one line, clipped to ``width`` (for an
        input, its name)."""
        if self.op[i] is ops.INPUT:
            return self.name_of[i]
        if self.labels and i in self.labels:
            return clip(one_line(self.labels[i]), width)
        return short_label(self.source, self.start[i], self.end[i], width)

    def output_name(self) -> str:
        """What to call the output in ∂J/∂x: its name, or its text in parentheses."""
        name = self.name_of.get(self.output)
        return name if name is not None else f"({clip(one_line(self.label(self.output)), 24)})"

    def ancestors(self, outputs: Iterable[int], size: int | None = None) -> bytearray:
        """1 for each node that one of ``outputs`` depends on (the outputs
        included), 0 elsewhere; ``size`` entries (default: up to the last
        output). One sweep right to left."""
        outputs = list(outputs)
        flags = bytearray(max(outputs) + 1 if size is None else size)
        for o in outputs:
            flags[o] = 1
        arg0, arg1 = self.arg0, self.arg1
        for i in range(max(outputs), -1, -1):
            if flags[i]:
                a, b = arg0[i], arg1[i]
                if a >= 0:
                    flags[a] = 1
                if b >= 0:
                    flags[b] = 1
        return flags


def build_graph(program: Program, of: str | list[str] | None = None, given=()) -> Graph:
    """The graph of the statements ``of`` (default: the last statement) needs.

    ``of`` may list several outputs. ``given``: the names values will be given
    for (``W[0,1]`` gives the free input W its shape). Programs that use
    functions, vectors or several outputs are unrolled by ``expand``.
    """
    with no_gc():  # a million appends and no cycles
        if isinstance(of, (list, tuple)) and len(of) == 1:
            of = of[0]
        if (program.extended or isinstance(of, (list, tuple))
                or any("[" in name for name in given)):
            from . import expand

            return expand.build(program, of, given)
        graph = _build_graph(program, of)
        graph.outputs = [graph.output]
        graph.output_names = [graph.node_id(graph.output)]
        return graph


def _build_graph(program: Program, of: str | None) -> Graph:
    statements = program.statements
    defined = _definitions(program)
    defaults = statements.default  # nan: none (nan != nan)
    inputs = [name for name in program.first_seen
              if (s := defined.get(name)) is None or defaults[s] == defaults[s]]
    input_set = set(inputs)
    refs_of = _refs_by_statement(program)
    order = _dependency_order(program, defined, input_set, refs_of)

    graph = Graph(program.source, inputs=inputs,
                  statement_names={name for name in defined if name not in input_set})
    if of is None:
        of = statements.name[-1]
    elif of not in defined and of not in input_set:
        hint = did_you_mean(of, list(defined) + inputs)
        raise NamingError(f"--of {clip(of)}: the program has no such name{hint}")

    needed = _needed_statements(program, defined, input_set, of, statements, refs_of)
    # The build's own tables go as soon as they are used, so that the graph can
    # reuse their memory: the peak of a million-node run is here.
    del refs_of
    # Inputs first, in order of first appearance, then statements in dependency order.
    _place_inputs(graph, program, needed.inputs, defined)
    del defined, input_set
    needed.inputs = None
    _copy_statements(graph, program, order, needed)
    if graph.output < 0:
        graph.output = graph.index[of]
    return graph


def _place_inputs(graph: Graph, program: Program, needed_inputs: set[str],
                  defined: dict[str, int]) -> None:
    """One INPUT node for each input the output needs, in order of first
    appearance; an input with a default (``x = 2``) keeps it in ``graph.const``."""
    first_seen, defaults, INPUT = program.first_seen, program.statements.default, ops.INPUT
    name_of, index, const = graph.name_of, graph.index, graph.const
    for name in graph.inputs:
        if name in needed_inputs:
            node = len(graph.op)
            at = first_seen[name]
            graph.op.append(INPUT)
            graph.arg0.append(-1)
            graph.arg1.append(-1)
            graph.start.append(at)
            graph.end.append(at + len(name))
            name_of[node] = name
            index[name] = node
            s = defined.get(name)
            if s is not None:
                const[node] = defaults[s]


def _copy_statements(graph: Graph, program: Program, order: Sequence[int],
                     needed: _Needed) -> None:
    """Copy the needed statements' tape entries after the inputs, names
    resolved, in dependency order. One flat loop: ``node_of`` maps a tape
    entry to its node (a REF to the node it names)."""
    statements = program.statements
    defaults = statements.default
    tape_op, tape_a0, tape_a1 = program.op, program.arg0, program.arg1
    tape_start, tape_end = program.start, program.end
    ref_name, numbers = program.ref_name, program.numbers
    name_of, index, const = graph.name_of, graph.index, graph.const
    node_of = array("q", [-1]) * len(tape_op)
    op_append, a0_append, a1_append = graph.op.append, graph.arg0.append, graph.arg1.append
    start_append, end_append = graph.start.append, graph.end.append
    CONST = ops.CONST
    n = len(graph.op)
    needed_statements = needed.statements
    statement_first, statement_top, statement_name = statements.first, statements.top, statements.name
    for s in order:
        if not needed_statements[s]:
            continue
        default = defaults[s]
        if default == default:
            continue  # an input, already placed
        statement_top_t = statement_top[s]
        for t in range(statement_first[s], statement_top_t + 1):
            op = tape_op[t]
            if op is REF:
                node_of[t] = index[ref_name[tape_a0[t]]]
                continue
            a, b = tape_a0[t], tape_a1[t]
            op_append(op)
            if op is CONST:
                const[n] = numbers[a]
                a0_append(-1)
            else:
                a0_append(node_of[a] if a >= 0 else -1)
            a1_append(node_of[b] if b >= 0 else -1)
            start_append(tape_start[t])
            end_append(tape_end[t])
            node_of[t] = n
            n += 1
        top = node_of[statement_top_t]
        if tape_op[statement_top_t] is REF:
            # `a = b`: the statement is a node of its own, a copy of b.
            top = graph.append_node(ops.IDENTITY, top, -1, tape_start[statement_top_t],
                                    tape_end[statement_top_t])
            n += 1
        name = statement_name[s]
        if name is not None:
            name_of[top] = name
            index[name] = top
        if s == needed.output_statement:
            graph.output = top


def _definitions(program: Program) -> dict[str, int]:
    """name → statement index; an error for a name defined twice."""
    defined: dict[str, int] = {}
    for s, name in enumerate(program.statements.name):
        if name is None:
            continue
        if name in defined:
            first = program.statements[defined[name]]
            line, column = line_and_column(program.source, first.name_span.start)
            raise NamingError(f"'{clip(name)}' is defined twice (first at line {line}, "
                              f"column {column})", program.statements[s].name_span)
        defined[name] = s
    return defined


def _statement_refs(program: Program, s: int) -> list[str]:
    statements = program.statements
    at = program.ref_at
    low = bisect.bisect_left(at, statements.first[s])
    high = bisect.bisect_right(at, statements.top[s])
    return program.ref_name[low:high]


def _refs_by_statement(program: Program) -> list[list[str]]:
    """The names each statement reads, in one pass over the tape's references
    (statements own consecutive stretches of the tape, in order)."""
    tops = program.statements.top
    none: list[str] = []  # shared by every statement that reads no name
    result: list[list[str]] = [none] * len(tops)
    s = 0
    top = tops[0] if tops else -1
    for t, name in zip(program.ref_at, program.ref_name):
        while t > top:
            s += 1
            top = tops[s]
        names = result[s]
        if names is none:
            result[s] = [name]
        else:
            names.append(name)
    return result


def _dependency_order(program: Program, defined: dict[str, int], inputs: set[str],
                      refs_of: list[list[str]] | None = None) -> Sequence[int]:
    """Statements ordered so each comes after those it reads (iterative DFS).

    Statements already in order keep their order. A cycle is an error that
    shows it: ``a → b → a``.
    """
    count = len(program.statements)
    if refs_of is None:
        refs_of = [_statement_refs(program, s) for s in range(count)]
    # The usual case, checked in one pass: every statement reads only earlier ones.
    get = defined.get
    if all(d is None or d < s or name in inputs
           for s, names in enumerate(refs_of) for name in names for d in (get(name),)):
        return range(count)
    state = bytearray(count)  # 0 new, 1 on the current path, 2 done
    order: list[int] = []
    deps_of = [None] * count
    for root in range(count):
        if state[root]:
            continue
        path = [root]
        cursor = [0]
        state[root] = 1
        deps_of[root] = [defined[name] for name in refs_of[root]
                         if name in defined and name not in inputs]
        while path:
            s = path[-1]
            deps = deps_of[s]
            if cursor[-1] < len(deps):
                d = deps[cursor[-1]]
                cursor[-1] += 1
                if state[d] == 1:
                    _raise_cycle(program, path[path.index(d):] + [d])
                if state[d] == 0:
                    state[d] = 1
                    deps_of[d] = [defined[name] for name in refs_of[d]
                                  if name in defined and name not in inputs]
                    path.append(d)
                    cursor.append(0)
            else:
                state[s] = 2
                deps_of[s] = None
                order.append(s)
                path.pop()
                cursor.pop()
    return order


def _raise_cycle(program: Program, cycle: list[int]):
    names = [program.statements.name[s] for s in cycle]
    if len(cycle) == 2:
        message = f"'{clip(names[0])}' is defined in terms of itself"
    else:
        shown = [clip(name, 30) for name in names[:6]]
        if len(names) > 12:  # a → b → … (99,990 more) → y → z → a
            shown += [f"… ({len(names) - 12:,} more)"] + [clip(name, 30) for name in names[-6:]]
        else:
            shown += [clip(name, 30) for name in names[6:]]
        message = "a cycle: " + " → ".join(shown)
    raise CycleError(message, program.statements[cycle[0]].name_span)


@dataclass
class _Needed:
    #: statement index → 1 if the output needs it
    statements: bytearray
    inputs: set[str]
    output_statement: int | None


def _needed_statements(program, defined, inputs, of, statements, refs_of=None) -> _Needed:
    """The statements and inputs the output depends on."""
    if of in inputs:
        return _Needed(bytearray(len(statements)), {of}, None)
    output_statement = defined[of] if of is not None else len(statements) - 1
    needed = bytearray(len(statements))
    needed[output_statement] = 1
    needed_inputs: set[str] = set()
    stack = [output_statement]
    get = defined.get
    while stack:
        s = stack.pop()
        for name in (refs_of[s] if refs_of is not None else _statement_refs(program, s)):
            d = get(name)
            if d is None or name in inputs:
                needed_inputs.add(name)
            elif not needed[d]:
                needed[d] = 1
                stack.append(d)
    return _Needed(needed, needed_inputs, output_statement)
