"""A lean LALR(1) driver for the tables Lark builds from ``grammars/cgdiff.lark``.

Lark stays the source of truth: it reads the grammar, computes the LALR(1)
table and knows which tokens each rule keeps. This module copies that into
plain dicts and lists (cached on disk, keyed by the grammar's text, so a warm
start needs no ``import lark``), and drives the same callbacks with

* one regular expression built from the grammar's terminals, in the order
  Lark's own lexer tries them, and
* a shift/reduce loop that passes unit rules (``?expr: product``) straight
  through instead of calling anything.

It only handles the successful parse. On any syntax problem it returns
``None`` and the caller parses again with Lark, so error messages come from
the one place that makes them.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from typing import NamedTuple

#: Bump when the cached layout below changes.
_FORMAT = 2

# Rule modes.
_CALL, _PASS, _INLINE, _SIMPLE, _LIST, _CONCAT = 0, 1, 2, 3, 4, 5


class Rule(NamedTuple):
    """A grammar rule as the table cache stores it (a plain tuple on disk)."""

    size: int  # symbols on its right-hand side
    origin: str  # the rule's name (its left-hand side)
    mode: int  # _CALL, _PASS or _INLINE
    keep: tuple  # positions of the children Lark keeps
    expand: tuple  # positions of inlined ``_rule`` children, spliced in
    name: str  # the callback: the alias, else the rule's name
    expand1: bool  # a ``?rule`` without alias: one child passes through


class Reduction(NamedTuple):
    """A rule as the driver runs it (see ``parse``)."""

    size: int
    origin: str
    mode: int  # _PASS, _SIMPLE, _CONCAT, _LIST, or the general reduce
    keep: tuple | None  # None: every child
    expand: tuple
    expand1: bool
    function: object  # the builder's bound callback, or None


class Token(str):
    """The text of a kept terminal, with where it is (as Lark's Token has)."""

    __slots__ = ("type", "start_pos", "end_pos")


class Tables:
    """Everything the driver needs, as plain data (see ``_from_lark``)."""

    def __init__(self, data):
        (self.version, self.start_state, self.end_state, self.states, rules,
         self.token_regex, self.ignore_regex, self.keep_terminals) = data
        self.states = [dict(s) for s in self.states]
        self.rules = [Rule(*r) for r in rules]
        self.tokens = re.compile(self.token_regex)
        self.ignore = re.compile(self.ignore_regex)

    def dump(self):
        return (self.version, self.start_state, self.end_state, self.states,
                [tuple(r) for r in self.rules],
                self.token_regex, self.ignore_regex, self.keep_terminals)


def _from_lark(lark) -> Tables:
    """Copy a Lark LALR parser's table, rules and terminals into plain data."""
    table = lark.parser.parser.parser.parse_table
    (start_name, start_state), = table.start_states.items()
    end_state = table.end_states[start_name]
    rules_index: dict = {}
    rules = []
    states = []
    for number in range(len(table.states)):
        row = {}
        for symbol, (action, arg) in table.states[number].items():
            # Lark's symbols are ``lark.lexer.Token``s (a str subclass) when the
            # grammar was just analysed: marshal takes only plain ``str``.
            symbol = str(symbol)
            if action.name == "Shift":
                row[symbol] = arg
            else:
                if arg not in rules_index:
                    rules_index[arg] = len(rules)
                    rules.append(_rule(arg))
                row[symbol] = -1 - rules_index[arg]
        states.append(row)
    # The lexer: ignored terminals as a prefix, then every other terminal, in
    # the order Lark's lexer tries them (priority, then longest first).
    conf = lark.lexer_conf
    ignore = set(conf.ignore)
    terminals = sorted(conf.terminals, key=lambda t: (-t.priority, -t.pattern.max_width,
                                                      -len(t.pattern.value), t.name))
    ignored = [t.pattern.to_regexp() for t in terminals if t.name in ignore]
    skip = "(?:" + "|".join(f"(?:{p})" for p in ignored) + ")*" if ignored else ""
    # Skipped text is taken whole, as Lark's lexer takes it (an atomic group,
    # written as a look-ahead and a back-reference): never half a comment.
    prefix = f"(?=(?P<_skip>{skip}))(?P=_skip)" if ignored else ""
    alternatives = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})"
                            for t in terminals if t.name not in ignore)
    keep = sorted({str(sym.name) for rule in rules_index for sym in rule.expansion
                   if sym.is_term and not (sym.filter_out and not rule.options.keep_all_tokens)})
    return Tables((_FORMAT, start_state, end_state, states, rules,
                   prefix + "(?:" + alternatives + ")", skip, keep))


def _rule(rule):
    """A Lark rule as a :class:`Rule`."""
    expansion = rule.expansion
    keep, expand = [], []
    for i, sym in enumerate(expansion):
        if sym.is_term and sym.filter_out and not rule.options.keep_all_tokens:
            continue
        keep.append(i)
        if not sym.is_term and sym.name.startswith("_"):
            expand.append(i)
    origin = str(rule.origin.name)
    if origin.startswith("_"):
        mode = _INLINE
    elif rule.options.expand1 and not rule.alias and len(keep) == 1 and not expand:
        mode = _PASS
    else:
        mode = _CALL
    name = rule.alias or rule.options.template_source or origin
    return Rule(len(expansion), origin, mode, tuple(keep), tuple(expand), str(name),
                bool(rule.options.expand1 and not rule.alias))


# ---------------------------------------------------------------- the table cache
# In the user's cache folder, named by a checksum of the grammar; the file holds
# the grammar's full text too, and is used only if that text is the same.

def cache_folder() -> str:
    """cgdiff's cache folder: the parser tables here, the graph cache too."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cgdiff")


def _cache_path(grammar_text: str) -> str:
    key = f"{zlib.crc32(grammar_text.encode('utf-8')):08x}-{len(grammar_text)}"
    python = f"{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(cache_folder(), f"lalr-{_FORMAT}-py{python}-{key}.marshal")


def load_tables(grammar_text: str, build_lark) -> Tables:
    """The tables for this grammar text: from the cache, or from Lark (then cached)."""
    path = _cache_path(grammar_text)
    try:
        with open(path, "rb") as f:
            text, data = marshal.load(f)
        if text == grammar_text and data[0] == _FORMAT:
            return Tables(data)
    except Exception:  # missing, unreadable or not ours: build it again
        pass
    tables = _from_lark(build_lark())
    _store(path, (grammar_text, tables.dump()))
    return tables


def _store(path: str, data) -> None:
    """Write the cache file atomically; on any failure leave nothing behind
    and say nothing (the next start builds the tables again)."""
    from .outfile import write_quietly

    write_quietly(path, lambda handle: marshal.dump(data, handle))


# ---------------------------------------------------------------- the driver

def parse(tables: Tables, text: str, callbacks):
    """Run the LALR(1) automaton over ``text``, calling ``callbacks``' methods
    by rule alias. The start rule's result, or None on a syntax error."""
    states = tables.states
    # Per rule, a Reduction: the cached Rule with its mode specialised and its
    # callback bound.
    rules = []
    for size, origin, mode, keep, expand, name, expand1 in tables.rules:
        if size and mode == _CALL and not expand and not expand1:
            mode = _SIMPLE
        elif size and keep and mode == _INLINE and not expand:
            mode = _LIST  # `_line: statement _SEP`: the kept children, as a list
        elif size and keep and mode == _INLINE and set(expand) == set(keep):
            mode = _CONCAT  # `__start_star_0: __start_star_0 _line`: lists joined
        rules.append(Reduction(size, origin, mode,
                               None if keep == tuple(range(size)) else keep,
                               expand, expand1, getattr(callbacks, name, None)))
    keep_terminals = frozenset(tables.keep_terminals)
    goto: dict = {}
    state_stack = [tables.start_state]
    value_stack: list = []
    push_state, push_value = state_stack.append, value_stack.append
    row = states[tables.start_state]
    pos = 0
    new_token = Token.__new__
    for m in tables.tokens.finditer(text):
        if m.start() != pos:
            # No token at pos: only skipped text (a last comment) is left, or
            # a syntax error. finditer's match further on means nothing.
            if tables.ignore.fullmatch(text, pos):
                break
            return None
        kind = m.lastgroup
        pos = m.end()
        if kind in keep_terminals:
            start = m.start(kind)
            value = new_token(Token, text[start:pos])
            value.type = kind
            value.start_pos = start
            value.end_pos = pos
        else:
            value = None
        while True:
            action = row.get(kind)
            if action is None:
                return None
            if action >= 0:
                push_state(action)
                push_value(value)
                row = states[action]
                break
            size, origin, mode, keep, expand, expand1, function = rules[~action]
            if mode == _PASS:  # ?rule with its one child: no call, no new value
                del state_stack[-1]
            elif mode == _SIMPLE:
                if size == 1 and keep is None:
                    value_stack[-1] = function([value_stack[-1]])
                    del state_stack[-1]
                else:
                    children = value_stack[-size:]
                    del value_stack[-size:]
                    del state_stack[-size:]
                    push_value(function(children if keep is None else
                                        [children[i] for i in keep]))
            elif mode == _CONCAT:
                children = value_stack[-size:]
                del value_stack[-size:]
                del state_stack[-size:]
                positions = range(size) if keep is None else keep
                joined = children[positions[0]]  # extended in place: left recursion
                for i in positions[1:]:
                    joined += children[i]
                push_value(joined)
            elif mode == _LIST:
                children = value_stack[-size:]
                del value_stack[-size:]
                del state_stack[-size:]
                push_value(children if keep is None else [children[i] for i in keep])
            else:
                _reduce(state_stack, value_stack, size, mode, keep, expand, expand1, function)
            # The goto, then any chain of ?rules that pass their one child
            # through (atom → power → unary → product): it depends only on the
            # state below, the rule and the lookahead, so it is memoised.
            key = (state_stack[-1], origin, kind)
            state = goto.get(key)
            if state is None:
                state = goto[key] = _pass_chain(states, rules, *key)
            push_state(state)
            row = states[state]
    else:
        if pos != len(text) and not tables.ignore.fullmatch(text, pos):
            return None
    # $END: reduce until the start rule is done.
    while True:
        action = row.get("$END")
        if action is None or action >= 0:
            return None
        size, origin, mode, keep, expand, expand1, function = rules[~action]
        _reduce(state_stack, value_stack, size, mode, keep, expand, expand1, function)
        state = states[state_stack[-1]][origin]
        state_stack.append(state)
        row = states[state]
        if state == tables.end_state:
            return value_stack[-1]


def _pass_chain(states, rules, below, origin, kind):
    state = states[below][origin]
    while True:
        action = states[state].get(kind)
        if action is None or action >= 0 or rules[~action][2] != _PASS:
            return state
        state = states[below][rules[~action][1]]


def _reduce(state_stack, value_stack, size, mode, keep, expand, expand1, function):
    """The general reduce: any rule, as Lark's tree builder would."""
    if size:
        children = value_stack[-size:]
        del value_stack[-size:]
        del state_stack[-size:]
    else:
        children = []
    positions = range(size) if keep is None else keep
    filtered = []
    for i in positions:
        if i in expand:
            if filtered:
                filtered += children[i]
            else:  # left recursion (`__start_star_0 _line`): extend in place, not copy
                filtered = children[i]
        else:
            filtered.append(children[i])
    if mode in (_INLINE, _LIST, _CONCAT):
        value = filtered
    elif mode == _PASS or (expand1 and len(filtered) == 1):
        value = filtered[0]
    else:
        value = function(filtered) if function is not None else None
    value_stack.append(value)
