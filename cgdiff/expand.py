"""Program → Graph for the extended language: user-defined functions, several
outputs, vectors and matrices, all unrolled into ordinary scalar nodes.

Every later pass, table and picture sees the plain scalar graph that
``graph.build_graph`` makes for a scalar program; what this module adds is only
how nodes are labelled (``sq(w*x)``, ``(W @ x)[1]``), which call each node
belongs to (``Graph.calls``, for pictures), and the shapes of vector names
(``Graph.shapes``, for printing a gradient in its input's shape).

Indices are 0-based, as in Python and NumPy: ``x[0]`` is the first element.

Nothing recurses: a statement's tape entries are read left to right (children
come before parents), and a call to a user function pushes a frame on an
explicit stack. Recursion between functions is refused before anything is
built, so the stack is never deeper than the number of functions.
"""

from __future__ import annotations

import bisect
import difflib
import re
from array import array
from dataclasses import dataclass

from . import ops
from .errors import CycleError, NamingError, ParseError, ShapeError, Span, TooLargeError
from .text import clip, exact_number
from .graph import LABEL_LIMIT, Graph, _definitions, _dependency_order
from .parser import CALL, INDEX, MATMUL, REF, VECTOR, Program

#: The most nodes an unrolled graph may have: at 150 to 450 bytes a node
#: (README: Limits), 20 million nodes take 3 to 9 GB, the memory a 64 MB
#: program, the longest cgdiff reads, would need. Checked before building
#: (``_estimate``: calls expanded) and before each vector operation.
MAX_NODES = 20_000_000


def _too_large(count: int, what: str) -> TooLargeError:
    return TooLargeError(f"{what} would unroll to {count:,} nodes, more than the limit of "
                    f"{MAX_NODES:,} (some {count * 300 / 1e9:.1f} GB of memory); "
                    f"cgdiff refuses it before building")

_ELEMENT = re.compile(r"(.+)\[([0-9]+(?:,[0-9]+)*)\]")


class Tensor:
    """A vector or matrix of nodes: its shape and its elements, row by row."""

    __slots__ = ("shape", "items")

    def __init__(self, shape: tuple[int, ...], items: list[int]):
        self.shape = shape
        self.items = items


def shape_text(value) -> str:
    """'a scalar', 'a vector of 3', 'a 2×3 matrix'."""
    if not isinstance(value, Tensor):
        return "a scalar"
    shape = value.shape if isinstance(value, Tensor) else value
    return describe_shape(shape)


def describe_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    if len(shape) == 2:
        return f"a {shape[0]}×{shape[1]} matrix"
    return "an array of shape " + "×".join(map(str, shape))


def element_suffix(index: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, index)) + "]"


def indices(shape: tuple[int, ...]):
    """Every index of ``shape``, row by row."""
    result = [()]
    for size in shape:
        result = [i + (k,) for i in result for k in range(size)]
    return result


def given_shapes(names) -> dict[str, tuple[int, ...]]:
    """``{"W[0,0]", "W[1,2]", "x"}`` → ``{"W": (2, 3)}``: the shapes that
    element names given with --set or --data imply."""
    shapes: dict[str, list[int]] = {}
    for name in names:
        m = _ELEMENT.fullmatch(name)
        if m is None:
            continue
        base, index = m.group(1), [int(k) for k in m.group(2).split(",")]
        known = shapes.get(base)
        if known is None:
            shapes[base] = [k + 1 for k in index]
        elif len(known) == len(index):
            shapes[base] = [max(a, k + 1) for a, k in zip(known, index)]
    return {name: tuple(shape) for name, shape in shapes.items()}


def split_value(name: str, text: str) -> dict[str, float] | None:
    """``W=[[1,0],[0,1]]`` → {"W[0,0]": 1.0, ...}; None when ``text`` is no
    bracketed literal. Raises ValueError for a ragged or malformed one."""
    text = text.strip()
    if not text.startswith("["):
        return None
    import json

    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"'{clip(text, 40)}' is not a vector like [1, 2] or a matrix like "
                         f"[[1, 0], [0, 1]]") from None
    shape = []
    probe = value
    while isinstance(probe, list):
        if not probe:
            raise ValueError("an empty vector")
        shape.append(len(probe))
        probe = probe[0]
    result = {}
    for index in indices(tuple(shape)):
        item = value
        for k in index:
            if not isinstance(item, list) or k >= len(item):
                raise ValueError(f"'{clip(text, 40)}' is ragged: every row needs the same length")
            item = item[k]
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise ValueError(f"'{clip(text, 40)}' holds something that is not a number")
        result[name + element_suffix(index)] = float(item)
    if len(result) != _count_leaves(value):
        raise ValueError(f"'{clip(text, 40)}' is ragged: every row needs the same length")
    return result


def _count_leaves(value) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            count += 1
    return count


# ---------------------------------------------------------------- calls

@dataclass
class Call:
    """One expanded call of a user function: a cluster in pictures."""

    #: the call's text, ``sq(w*x + b - y)``
    label: str
    #: the function's name
    function: str
    #: the enclosing call's index in Graph.calls, or -1
    parent: int
    #: the node (or first element node) that is the call's result
    top: int = -1


class _Frame:
    __slots__ = ("t", "top", "values", "params", "call", "return_to", "function")

    def __init__(self, t, top, params, call, return_to, function=None):
        self.t = t
        self.top = top
        self.values: dict[int, object] = {}
        self.params = params
        self.call = call
        self.return_to = return_to
        self.function = function


def build(program: Program, of=None, given=()) -> Graph:
    """The unrolled graph of ``of`` (a name, a list of names, or None: the last
    statement). ``given`` names the values that will be set (element names
    like ``W[0,1]`` give a free input its shape)."""
    return _Expander(program, given).build(of)


class _Expander:
    def __init__(self, program: Program, given):
        self.p = program
        self.given = given_shapes(given)
        self.graph = Graph(program.source)
        g = self.graph
        g.labels = {}
        g.call_of = {}
        g.calls = []
        g.shapes = {}
        self.globals: dict[str, object] = {}
        self.call_stack_label: list[int] = []

    # ------------------------------------------------------------ nodes

    def node(self, op, a, b, start, end, label=None, call=-1) -> int:
        g = self.graph
        if len(g.op) >= MAX_NODES:
            raise TooLargeError(f"the program unrolls to more than {MAX_NODES:,} nodes, the limit; "
                           f"cgdiff stopped building at the expression at this caret",
                           Span(start, end))
        i = g.append_node(op, a, b, start, end)
        if label is not None:
            g.labels[i] = clip(label, LABEL_LIMIT)
        if call >= 0:
            g.call_of[i] = call
        return i

    def display(self, i: int) -> str:
        """A short way to name node ``i`` inside another node's label."""
        g = self.graph
        name = g.name_of.get(i)
        if name is not None:
            return name
        text = g.label(i)
        if len(text) > 30:
            text = text[:29] + "…"
        return text if _is_simple(text) else f"({text})"

    # ------------------------------------------------------------ checks

    def check(self):
        """Everything that can be checked before a node is built."""
        p = self.p
        functions = p.functions
        self.defined = _definitions(p)
        for name, f in functions.items():
            if name in self.defined:
                raise NamingError(f"'{clip(name)}' is both a function and a statement",
                                  f.name_span)
        # The stretches of tape owned by each definition and each statement.
        owners = []  # (first, top, kind, key)
        for name, f in functions.items():
            owners.append((f.first, f.top, "f", name))
        st = p.statements
        for s in range(len(st)):
            owners.append((st.first[s], st.top[s], "s", s))
        owners.sort()
        firsts = [o[0] for o in owners]

        def owner(t):
            k = bisect.bisect_right(firsts, t) - 1
            return owners[k] if k >= 0 and owners[k][0] <= t <= owners[k][1] else None

        # Calls: known functions, their argument counts, and who calls whom.
        calls_of_function: dict[str, list[tuple[str, int]]] = {name: [] for name in functions}
        calls_of_statement: dict[int, list[str]] = {}
        for t, op in enumerate(p.op):
            if op is not CALL:
                continue
            name, args, name_start, name_end = p.lists[p.arg0[t]]
            span = Span(name_start, name_end)
            f = functions.get(name)
            if f is not None:
                if len(args) != len(f.params):
                    wanted = _count(len(f.params), "argument")
                    raise ParseError(f"{clip(f.head)} takes {wanted}, got {len(args)}",
                                        Span(p.start[t], p.end[t]))
            elif name in ops.VECTOR_FUNCTIONS:
                low, high = _ARGUMENTS[name]
                if not low <= len(args) <= high:
                    wanted = (_count(low, "argument") if low == high else
                              f"at least {_count(low, 'argument')}")
                    raise ParseError(f"{name}() takes {wanted}, got {len(args)}",
                                        Span(p.start[t], p.end[t]))
            else:
                known = list(ops.FUNCTIONS) + list(ops.VECTOR_FUNCTIONS) + list(functions)
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise NamingError(f"unknown function '{clip(name)}'{hint}", span)
            who = owner(t)
            if f is not None and who is not None:
                if who[2] == "f":
                    calls_of_function[who[3]].append((name, t))
                else:
                    calls_of_statement.setdefault(who[3], []).append(name)
        order = self._function_order(calls_of_function)
        self._estimate(order, calls_of_function, owner)

        # References: parameters, globals, functions used as values.
        param_owner: dict[str, str] = {}
        for name, f in functions.items():
            for param in f.params:
                param_owner.setdefault(param, name)
        refs_of: list[list[str]] = [[] for _ in range(len(st))]
        free_of: dict[str, set[str]] = {name: set() for name in functions}
        used = set()
        for t, name in zip(p.ref_at, p.ref_name):
            who = owner(t)
            if who is None:
                continue
            if who[2] == "f" and name in functions[who[3]].params:
                continue
            if name in functions:
                raise NamingError(f"'{clip(name)}' is a function: call it as "
                                  f"{clip(name)}(...)", Span(p.start[t], p.end[t]))
            if name not in self.defined and name in param_owner:
                f = functions[param_owner[name]]
                raise NamingError(f"'{clip(name)}' is a parameter of {clip(f.head)}: it has a "
                                  f"value only inside that function's body",
                                  Span(p.start[t], p.end[t]))
            used.add(name)
            if who[2] == "f":
                free_of[who[3]].add(name)
            else:
                refs_of[who[3]].append(name)
        # A function reads what its body and the functions it calls read.
        for name in order:  # callees first
            for callee, _ in calls_of_function[name]:
                free_of[name] |= free_of[callee]
        for s, names in calls_of_statement.items():
            for name in names:
                refs_of[s].extend(sorted(free_of[name]))
        self.refs_of = refs_of
        self.used = used

    def _estimate(self, order, calls_of_function, owner):
        """Refuse a program whose calls alone unroll past MAX_NODES (nested
        calls multiply: each of 30 functions calling the one before twice is
        2^30 nodes), counting one node per tape entry (vectors make more)."""
        p = self.p
        functions = p.functions
        size: dict[str, int] = {}
        for name in order:  # callees first
            f = functions[name]
            size[name] = (f.top - f.body_first + 1) + sum(size[callee]
                                                         for callee, _ in calls_of_function[name])
            if size[name] > MAX_NODES:
                error = _too_large(size[name], f"one call of {clip(f.head)}")
                error.span = f.name_span
                raise error
        total = 0
        for t, op in enumerate(p.op):
            if op is CALL:
                name = p.lists[p.arg0[t]][0]
                who = owner(t)
                if name in size and who is not None and who[2] == "s":
                    total += size[name]
        total += len(p.op)
        if total > MAX_NODES:
            raise _too_large(total, "the program")

    def _function_order(self, calls) -> list[str]:
        """Functions with the ones they call first; recursion is an error."""
        functions = self.p.functions
        state: dict[str, int] = {}
        order: list[str] = []
        for root in functions:
            if root in state:
                continue
            path, cursor = [root], [0]
            state[root] = 1
            while path:
                f = path[-1]
                edges = calls[f]
                if cursor[-1] < len(edges):
                    callee, t = edges[cursor[-1]]
                    cursor[-1] += 1
                    if state.get(callee) == 1:
                        cycle = path[path.index(callee):] + [callee]
                        span = Span(self.p.start[t], self.p.end[t])
                        if len(cycle) == 2:
                            message = (f"'{clip(callee)}' calls itself: a function cannot be "
                                       f"recursive (cgdiff unrolls every call)")
                        else:
                            message = ("recursion: " + " → ".join(clip(c, 30) for c in cycle)
                                       + " (a function cannot call itself, directly or "
                                       "through others; cgdiff unrolls every call)")
                        raise CycleError(message, span)
                    if callee not in state:
                        state[callee] = 1
                        path.append(callee)
                        cursor.append(0)
                else:
                    state[f] = 2
                    order.append(f)
                    path.pop()
                    cursor.pop()
        return order

    # ------------------------------------------------------------ inputs

    def literal_shape(self, s: int):
        """A statement ``x = [1, -2]`` (number literals only): its defaults as a
        Tensor of floats, else None."""
        p, st = self.p, self.p.statements
        first, top = st.first[s], st.top[s]
        if p.op[top] is not VECTOR:
            return None
        for t in range(first, top + 1):
            op = p.op[t]
            if op is ops.CONST:
                if p.source[p.start[t]:p.end[t]] in ops.CONSTANTS:
                    return None
            elif op is ops.NEG:
                if p.op[p.arg0[t]] is not ops.CONST:
                    return None
            elif op is not VECTOR:
                return None
        values: dict[int, object] = {}
        for t in range(first, top + 1):
            op = p.op[t]
            if op is ops.CONST:
                values[t] = p.numbers[p.arg0[t]]
            elif op is ops.NEG:
                values[t] = -values[p.arg0[t]]
            else:
                values[t] = self._stack([values[a] for a in p.lists[p.arg0[t]]], t, numbers=True)
        return values[top]

    def make_inputs(self):
        p, st, g = self.p, self.p.statements, self.graph
        defaults = st.default
        literal: dict[str, object] = {}
        for name, s in self.defined.items():
            if defaults[s] == defaults[s]:
                literal[name] = defaults[s]
            else:
                tensor = self.literal_shape(s)
                if tensor is not None:
                    literal[name] = tensor
        self.input_set = {name for name in p.first_seen
                          if name in literal or (name not in self.defined and name in self.used)}
        order = [name for name in p.first_seen if name in self.input_set]
        g.statement_names = {name for name in self.defined if name not in self.input_set}
        for name in order:
            at = p.first_seen[name]
            default = literal.get(name)
            shape = default.shape if isinstance(default, Tensor) else self.given.get(name)
            if shape is None:
                node = self.node(ops.INPUT, -1, -1, at, at + len(name))
                g.name_of[node] = name
                g.index[name] = node
                g.inputs.append(name)
                if default is not None:
                    g.const[node] = default
                self.globals[name] = node
                continue
            items = []
            names = []
            for k, index in enumerate(indices(shape)):
                element = name + element_suffix(index)
                node = self.node(ops.INPUT, -1, -1, at, at + len(name))
                g.name_of[node] = element
                g.index[element] = node
                g.inputs.append(element)
                if default is not None:
                    g.const[node] = default.items[k]
                items.append(node)
                names.append(element)
            self.globals[name] = Tensor(shape, items)
            g.shapes[name] = (shape, names)

    # ------------------------------------------------------------ build

    def build(self, of) -> Graph:
        p, g = self.p, self.graph
        st = p.statements
        self.check()
        self.make_inputs()
        order = _dependency_order(p, self.defined, self.input_set, self.refs_of)
        for s in order:
            name = st.name[s]
            if name is not None and name in self.input_set:
                continue
            value = self.run(st.first[s], st.top[s])
            if name is None:
                self.last_bare = value
            else:
                value = self.name_value(name, value, s)
                self.globals[name] = value
        names = [st.name[-1]] if of is None else [of] if isinstance(of, str) else list(of)
        outputs: list[int] = []
        output_names: list[str] = []
        for name in names:
            if name is None:  # the last statement is a bare expression
                value = self.last_bare
                label = None
            else:
                value = self.find_output(name)
                label = name
            if isinstance(value, Tensor):
                for index, item in zip(indices(value.shape), value.items):
                    outputs.append(item)
                    output_names.append(g.name_of.get(item) or
                                        f"{label or '(' + g.label(item) + ')'}{element_suffix(index)}")
            else:
                outputs.append(value)
                output_names.append(label if label is not None else g.node_id(value))
        return self.prune(outputs, output_names)

    def find_output(self, name: str):
        g = self.graph
        if name in self.globals:
            return self.globals[name]
        if name in g.index:
            return g.index[name]
        m = _ELEMENT.fullmatch(name)
        if m is not None and isinstance(self.globals.get(m.group(1)), Tensor):
            tensor = self.globals[m.group(1)]
            index = tuple(int(k) for k in m.group(2).split(","))
            if len(index) == len(tensor.shape) and all(k < n for k, n in zip(index, tensor.shape)):
                return tensor.items[_flat(index, tensor.shape)]
            raise NamingError(f"--of {clip(name)}: {m.group(1)} is "
                              f"{describe_shape(tensor.shape)} (indices start at 0)")
        known = list(self.globals)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise NamingError(f"--of {clip(name)}: the program has no such name{hint}")

    def name_value(self, name: str, value, s: int):
        """Give a statement's nodes its name (``z``, or ``z[0]``, ``z[1]``...)."""
        g = self.graph
        st = self.p.statements
        top = st.top[s]
        start, end = self.p.start[top], self.p.end[top]
        if isinstance(value, Tensor):
            names = []
            items = []
            for index, item in zip(indices(value.shape), value.items):
                element = name + element_suffix(index)
                if item in g.name_of or g.op[item] is ops.CONST:
                    item = self.node(ops.IDENTITY, item, -1, start, end,
                                     label=_element_label(g.source[start:end], index))
                g.name_of[item] = element
                g.index[element] = item
                names.append(element)
                items.append(item)
                g.statement_names.add(element)
            g.shapes[name] = (value.shape, names)
            return Tensor(value.shape, items)
        if value in g.name_of or (g.op[value] is ops.CONST and self.p.op[top] is not ops.CONST):
            value = self.node(ops.IDENTITY, value, -1, start, end)
        g.name_of[value] = name
        g.index[name] = value
        return value

    def prune(self, outputs: list[int], output_names: list[str]) -> Graph:
        """Only the nodes some output needs, in the same order, renumbered."""
        g = self.graph
        n = len(g.op)
        keep = g.ancestors(outputs, n)
        arg0, arg1 = g.arg0, g.arg1
        new = array("q", [-1]) * n
        out = Graph(g.source, inputs=g.inputs, statement_names=g.statement_names)
        out.labels, out.call_of, out.calls, out.shapes = {}, {}, [], g.shapes
        k = 0
        for i in range(n):
            if not keep[i]:
                continue
            new[i] = k
            a, b = arg0[i], arg1[i]
            out.append_node(g.op[i], new[a] if a >= 0 else -1, new[b] if b >= 0 else -1,
                            g.start[i], g.end[i])
            if i in g.name_of:
                out.name_of[k] = g.name_of[i]
                out.index[g.name_of[i]] = k
            if i in g.const:
                out.const[k] = g.const[i]
            if i in g.labels:
                out.labels[k] = g.labels[i]
            k += 1
        # Calls: keep those with a node left, renumbered.
        call_new: dict[int, int] = {}
        for c, call in enumerate(g.calls):
            call_new[c] = -1
        for i, c in g.call_of.items():
            if keep[i]:
                call_new[c] = 0
        for c, call in enumerate(g.calls):
            if call_new[c] < 0:
                continue
            parent = call.parent
            while parent >= 0 and call_new.get(parent, -1) < 0:
                parent = g.calls[parent].parent
            call_new[c] = len(out.calls)
            out.calls.append(Call(call.label, call.function,
                                  call_new[parent] if parent >= 0 else -1,
                                  new[call.top] if call.top >= 0 else -1))
        for i, c in g.call_of.items():
            if keep[i]:
                out.call_of[new[i]] = call_new[c]
        out.outputs = [new[o] for o in outputs]
        out.output_names = output_names
        out.output = out.outputs[0]
        return out

    # ------------------------------------------------------------ running the tape

    def run(self, first: int, top: int):
        """The value of tape entries first..top (a statement), calls expanded."""
        p = self.p
        tape_op, arg0, arg1 = p.op, p.arg0, p.arg1
        frames = [_Frame(first, top, None, -1, -1)]
        while True:
            f = frames[-1]
            if f.t > f.top:
                result = f.values[f.top]
                frames.pop()
                if not frames:
                    return result
                result = self.finish_call(f, result)
                parent = frames[-1]
                parent.values[f.return_to] = result
                parent.t += 1
                continue
            t = f.t
            op = tape_op[t]
            if op is CALL:
                name, args, _, _ = p.lists[arg0[t]]
                function = p.functions.get(name)
                if function is not None:
                    g = self.graph
                    label = p.source[p.start[t]:p.end[t]]
                    g.calls.append(Call(clip(label, LABEL_LIMIT), name, f.call))
                    params = {param: f.values[a] for param, a in zip(function.params, args)}
                    frames.append(_Frame(function.body_first, function.top, params,
                                         len(g.calls) - 1, t, function))
                    continue
                f.values[t] = self.builtin(name, [f.values[a] for a in args], t, f.call)
            elif op is REF:
                name = p.ref_name[arg0[t]]
                if f.params is not None and name in f.params:
                    f.values[t] = f.params[name]
                else:
                    f.values[t] = self.globals[name]
            elif op is ops.CONST:
                f.values[t] = self.node(ops.CONST, -1, -1, p.start[t], p.end[t],
                                        label=self.in_call(t, f.call), call=f.call)
                self.graph.const[len(self.graph.op) - 1] = p.numbers[arg0[t]]
            elif op is VECTOR:
                f.values[t] = self._stack([f.values[a] for a in p.lists[arg0[t]]], t)
            elif op is INDEX:
                f.values[t] = self.index(f.values[arg0[t]], p.lists[arg1[t]], t)
            elif op is MATMUL:
                f.values[t] = self.matmul(f.values[arg0[t]], f.values[arg1[t]], t, f.call)
            else:
                a, b = arg0[t], arg1[t]
                args = [f.values[a]] if b < 0 else [f.values[a], f.values[b]]
                f.values[t] = self.elementwise(op, args, t, f.call)
            f.t += 1

    def in_call(self, t: int, call: int) -> str | None:
        """The label of a node made for tape entry ``t`` inside a call."""
        if call < 0:
            return None
        return f"{self.p.source[self.p.start[t]:self.p.end[t]]} in {self.graph.calls[call].label}"

    def finish_call(self, frame: _Frame, result):
        """The call's result nodes take the call's text as their label."""
        g, p = self.graph, self.p
        t = frame.return_to
        call = frame.call
        label = g.calls[call].label
        start, end = p.start[t], p.end[t]
        parent = g.calls[call].parent

        def relabel(item, suffix):
            if g.call_of.get(item) != call or g.op[item] in (ops.INPUT,):
                item = self.node(ops.IDENTITY, item, -1, start, end, call=call)
            g.labels[item] = clip(label + suffix, LABEL_LIMIT)
            if parent >= 0:
                g.labels[item] += f" in {g.calls[parent].label}"
            g.start[item], g.end[item] = start, end
            return item

        if isinstance(result, Tensor):
            items = [relabel(item, element_suffix(index))
                     for index, item in zip(indices(result.shape), result.items)]
            g.calls[call].top = items[0]
            return Tensor(result.shape, items)
        result = relabel(result, "")
        g.calls[call].top = result
        return result

    # ------------------------------------------------------------ shapes

    def shape_error(self, t: int, message: str) -> ShapeError:
        p = self.p
        return ShapeError(message, Span(self._operator_at(t), p.end[t]))

    def _operator_at(self, t: int) -> int:
        """Where the operator of binary entry ``t`` is (for the caret)."""
        p = self.p
        op = p.op[t]
        if op.symbol is not None and op.arity == 2 and p.arg1[t] >= 0:
            a, b = p.arg0[t], p.arg1[t]
            between = p.source[p.end[a]:p.start[b]]
            for symbol in (op.symbol, "**") if op.symbol == "^" else (op.symbol,):
                k = between.find(symbol)
                if k >= 0:
                    return p.end[a] + k
        return p.start[t]

    def _room(self, count: int, t: int) -> None:
        """Refuse, before making them, ``count`` more nodes past MAX_NODES."""
        if len(self.graph.op) + count > MAX_NODES:
            p = self.p
            raise TooLargeError(f"'{self._text(t)}' would unroll to {count:,} nodes "
                           f"({len(self.graph.op) + count:,} in all), more than the limit of "
                           f"{MAX_NODES:,} (some {count * 300 / 1e9:.1f} GB of memory); cgdiff "
                           f"refuses it before building", Span(p.start[t], p.end[t]))

    def _text(self, t: int) -> str:
        return clip(self.p.source[self.p.start[t]:self.p.end[t]], 40)

    def _stack(self, items: list, t: int, numbers: bool = False):
        """``[a, b, c]``: a vector of scalars, or a matrix of equal vectors."""
        p = self.p
        first = items[0]
        if not isinstance(first, Tensor):
            for k, item in enumerate(items):
                if isinstance(item, Tensor):
                    raise ShapeError(
                        f"the elements of a vector must all be scalars or all have one shape: "
                        f"element 0 is a scalar, element {k} is {shape_text(item)}",
                        Span(p.start[p.lists[p.arg0[t]][k]], p.end[t]))
            return Tensor((len(items),), list(items))
        out: list = []
        for k, item in enumerate(items):
            if not isinstance(item, Tensor) or item.shape != first.shape:
                raise ShapeError(
                    f"the rows of a matrix must all have one shape: row 0 is "
                    f"{shape_text(first)}, row {k} is {shape_text(item)}",
                    Span(p.start[p.lists[p.arg0[t]][k]], p.end[t]))
            out.extend(item.items)
        return Tensor((len(items),) + first.shape, out)

    def index(self, base, index_entries: list[int], t: int):
        p = self.p
        wanted: list[int] = []
        for e in index_entries:
            negative = p.op[e] is ops.NEG
            inner = p.arg0[e] if negative else e
            if p.op[inner] is not ops.CONST or p.source[p.start[inner]:p.end[inner]] in ops.CONSTANTS:
                raise ParseError(f"an index must be a whole number written out, not "
                                    f"'{self._text(e)}' (cgdiff unrolls vectors when it builds "
                                    f"the graph)", Span(p.start[e], p.end[e]))
            value = p.numbers[p.arg0[inner]] * (-1 if negative else 1)
            if not float(value).is_integer():
                raise ParseError(f"an index must be a whole number, not "
                                    f"{exact_number(value)}", Span(p.start[e], p.end[e]))
            wanted.append(int(value))
        base_entry = p.arg0[t]
        if not isinstance(base, Tensor):
            raise ShapeError(f"'{self._text(base_entry)}' is a scalar: it has no elements "
                               f"to index", Span(p.end[base_entry], p.end[t]))
        if len(wanted) > len(base.shape):
            raise ShapeError(f"'{self._text(base_entry)}' is {shape_text(base)}: "
                               f"{len(wanted)} indices are too many",
                               Span(p.end[base_entry], p.end[t]))
        for k, (i, size) in enumerate(zip(wanted, base.shape)):
            if not 0 <= i < size:
                axis = "" if len(base.shape) == 1 else (" rows" if k == 0 else " columns")
                raise ShapeError(
                    f"index {i} is out of range: '{self._text(base_entry)}' is "
                    f"{shape_text(base)}, so its{axis} indices run from 0 to {size - 1} "
                    f"(indices start at 0)", Span(p.start[index_entries[k]], p.end[index_entries[k]]))
        rest = base.shape[len(wanted):]
        stride = 1
        for size in rest:
            stride *= size
        offset = _flat(tuple(wanted), base.shape[:len(wanted)]) * stride
        items = base.items[offset:offset + stride]
        return items[0] if not rest else Tensor(rest, items)

    def elementwise(self, op, args: list, t: int, call: int):
        p, g = self.p, self.graph
        start, end = p.start[t], p.end[t]
        shape = None
        for v in args:
            if isinstance(v, Tensor):
                if shape is not None and v.shape != shape:
                    left, right = args
                    raise self.shape_error(
                        t, f"shapes do not match for '{op.symbol or op.name}': "
                           f"'{self._text(p.arg0[t])}' is {shape_text(left)}, "
                           f"'{self._text(p.arg1[t])}' is {shape_text(right)} (elementwise "
                           f"operations need equal shapes, or a scalar)")
                shape = v.shape
        a_arg = args[0]
        b_arg = args[1] if len(args) > 1 else None
        if shape is None:
            return self.node(op, a_arg, -1 if b_arg is None else b_arg, start, end,
                             label=self.in_call(t, call), call=call)
        self._room(_product(shape), t)
        text = p.source[start:end]
        suffix = f" in {g.calls[call].label}" if call >= 0 else ""
        items = []
        for k, index in enumerate(indices(shape)):
            a = a_arg.items[k] if isinstance(a_arg, Tensor) else a_arg
            b = -1 if b_arg is None else b_arg.items[k] if isinstance(b_arg, Tensor) else b_arg
            items.append(self.node(op, a, b, start, end,
                                   label=_element_label(text, index) + suffix, call=call))
        return Tensor(shape, items)

    def _sum(self, items: list[int], start, end, label, call, suffix="") -> int:
        """A chain of additions; the last node is labelled ``label``."""
        total = items[0]
        for k in range(1, len(items)):
            last = k == len(items) - 1
            total = self.node(ops.ADD, total, items[k], start, end,
                              label=(label if last else f"{label} (terms 0..{k})") + suffix,
                              call=call)
        return total

    def matmul(self, left, right, t: int, call: int):
        p = self.p
        start, end = p.start[t], p.end[t]
        ls = left.shape if isinstance(left, Tensor) else ()
        rs = right.shape if isinstance(right, Tensor) else ()
        if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2) or ls[-1] != rs[0]:
            hint = ("the columns of the left must equal the rows of the right"
                    if ls and rs else "@ needs a vector or matrix on both sides; use * for a scalar")
            raise self.shape_error(
                t, f"shapes do not fit for '@': '{self._text(p.arg0[t])}' is "
                   f"{shape_text(left)}, '{self._text(p.arg1[t])}' is {shape_text(right)} "
                   f"({hint})")
        text = p.source[start:end]
        suffix = f" in {self.graph.calls[call].label}" if call >= 0 else ""
        m = ls[0] if len(ls) == 2 else None
        k_size = ls[-1]
        n = rs[1] if len(rs) == 2 else None
        out_shape = tuple(x for x in (m, n) if x is not None)
        self._room(_product(out_shape) * (2 * k_size - 1), t)
        items = []
        for index in indices(out_shape):
            i = index[0] if m is not None else None
            j = index[-1] if n is not None else None
            terms = []
            for k in range(k_size):
                a = left.items[i * k_size + k] if m is not None else left.items[k]
                b = right.items[k * n + j] if n is not None else right.items[k]
                terms.append(self.node(ops.MUL, a, b, start, end,
                                       label=f"{self.display(a)}*{self.display(b)}" + suffix,
                                       call=call))
            label = _element_label(text, index) if index else text
            if len(terms) == 1:
                self.graph.labels[terms[0]] = clip(label + suffix, LABEL_LIMIT)
            items.append(self._sum(terms, start, end, label, call, suffix))
        return Tensor(out_shape, items) if out_shape else items[0]

    def builtin(self, name: str, args: list, t: int, call: int):
        """``sum``, ``softmax``, ... unrolled (ops.VECTOR_FUNCTIONS)."""
        p, g = self.p, self.graph
        start, end = p.start[t], p.end[t]
        text = p.source[start:end]
        suffix = f" in {g.calls[call].label}" if call >= 0 else ""

        def node(op, a, b=-1, label=None):
            return self.node(op, a, b, start, end,
                             label=None if label is None else label + suffix, call=call)

        def const(value):
            i = node(ops.CONST, -1, -1, exact_number(value))
            g.const[i] = float(value)
            return i

        def flat(values):
            items = []
            for v in values:
                items.extend(v.items if isinstance(v, Tensor) else [v])
            return items

        def chain(op, items, label):
            total = items[0]
            for k in range(1, len(items)):
                last = k == len(items) - 1
                total = node(op, total, items[k],
                             label=label if last else f"{label} (terms 0..{k})")
            return total

        def one_label(label):
            """The whole call's result: its text, unless inside another call."""
            return label if call >= 0 else None

        if name == "transpose":
            (x,) = args
            if not isinstance(x, Tensor) or len(x.shape) == 1:
                return x
            if len(x.shape) != 2:
                raise ShapeError(f"transpose needs a matrix, not {shape_text(x)}",
                                   Span(start, end))
            rows, cols = x.shape
            return Tensor((cols, rows), [x.items[i * cols + j] for j in range(cols)
                                         for i in range(rows)])
        if name in ("sum", "mean", "max", "min", "logsumexp"):
            items = flat(args)
            if name == "sum":
                if len(items) == 1:
                    return items[0]
                return _relabel_top(g, chain(ops.ADD, items, text), one_label(text), suffix)
            if name == "mean":
                total = chain(ops.ADD, items, f"sum in {text}") if len(items) > 1 else items[0]
                return node(ops.DIV, total, const(len(items)), one_label(text))
            if name in ("max", "min"):
                if len(items) == 1:
                    return items[0]
                return _relabel_top(g, chain(ops.FUNCTIONS[name], items, text),
                                    one_label(text), suffix)
            # logsumexp: m + log(sum(exp(x - m))), m the largest element
            m = chain(ops.FUNCTIONS["max"], items, f"max in {text}") if len(items) > 1 else items[0]
            exps = [node(ops.FUNCTIONS["exp"],
                         node(ops.SUB, x, m, f"{self.display(x)} - max in {text}"),
                         label=f"exp({self.display(x)} - max) in {text}") for x in items]
            total = chain(ops.ADD, exps, f"sum of exp in {text}") if len(exps) > 1 else exps[0]
            return node(ops.ADD, m, node(ops.FUNCTIONS["log"], total, label=f"log(sum) in {text}"),
                        one_label(text))
        if name == "dot":
            a, b = args
            if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape):
                raise ShapeError(f"dot needs two vectors of one length: "
                                   f"'{self._text(p.lists[p.arg0[t]][1][0])}' is {shape_text(a)}, "
                                   f"'{self._text(p.lists[p.arg0[t]][1][1])}' is {shape_text(b)}",
                                   Span(start, end))
            products = [node(ops.MUL, x, y, f"{self.display(x)}*{self.display(y)}")
                        for x, y in zip(a.items, b.items)]
            if len(products) == 1:
                return products[0]
            return _relabel_top(g, chain(ops.ADD, products, text), one_label(text), suffix)
        if name == "norm":
            (x,) = args
            items = flat([x])
            squares = [node(ops.MUL, v, v, f"{self.display(v)}^2") for v in items]
            total = chain(ops.ADD, squares, f"sum of squares in {text}") if len(squares) > 1 \
                else squares[0]
            return node(ops.FUNCTIONS["sqrt"], total, label=one_label(text))
        if name == "softmax":
            (x,) = args
            if not isinstance(x, Tensor):
                raise ShapeError("softmax needs a vector, not a scalar", Span(start, end))
            items = x.items
            m = chain(ops.FUNCTIONS["max"], items, f"max in {text}") if len(items) > 1 \
                else items[0]
            exps = [node(ops.FUNCTIONS["exp"],
                         node(ops.SUB, v, m, f"{self.display(v)} - max in {text}"),
                         label=f"exp({self.display(v)} - max) in {text}") for v in items]
            total = chain(ops.ADD, exps, f"sum of exp in {text}") if len(exps) > 1 else exps[0]
            out = [node(ops.DIV, e, total, _element_label(text, index))
                   for e, index in zip(exps, indices(x.shape))]
            return Tensor(x.shape, out)
        raise AssertionError(name)


#: How many arguments each of ops.VECTOR_FUNCTIONS takes (least, most).
_ARGUMENTS = {"sum": (1, 1 << 30), "mean": (1, 1 << 30), "max": (1, 1 << 30),
              "min": (1, 1 << 30), "logsumexp": (1, 1 << 30), "dot": (2, 2), "norm": (1, 1),
              "softmax": (1, 1), "transpose": (1, 1)}


def _relabel_top(graph: Graph, node: int, label: str | None, suffix: str) -> int:
    if label is None:
        graph.labels.pop(node, None)  # its own span, the call's text
    else:
        graph.labels[node] = clip(label + suffix, LABEL_LIMIT)
    return node


def _product(shape) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


def _flat(index: tuple[int, ...], shape: tuple[int, ...]) -> int:
    k = 0
    for i, size in zip(index, shape):
        k = k * size + i
    return k


def _is_simple(text: str) -> bool:
    return all(c.isalnum() or c in "_[],." for c in text)


def _element_label(text: str, index: tuple[int, ...]) -> str:
    text = " ".join(text.split())
    if len(text) > LABEL_LIMIT - 10:
        text = text[:LABEL_LIMIT - 11] + "…"
    return (text if _is_simple(text) else f"({text})") + element_suffix(index)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
