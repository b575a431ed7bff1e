"""Text → Program: the Lark grammar in ``grammars/cgdiff.lark``, driven by an
inline transformer so that no parse tree is built.

The parser emits a flat *tape* of expression nodes in the order Lark reduces
them (children before parents, statement after statement). Names stay
unresolved references here; ``graph.build_graph`` ties them together, because
statements may come in any order.
"""

from __future__ import annotations

import re
from array import array
from sys import intern
from unicodedata import normalize as _normalize
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from . import ops
from .errors import NamingError, ParseError, Span
from .text import SIGNED_LITERAL, clip, line_and_column, no_gc, printable

#: A reference to a name, resolved when the graph is built.
REF = ops.Op("ref", 0)
#: Entries of the extended language (user functions, vectors and matrices),
#: unrolled into scalar nodes when the graph is built (``expand``). A CALL's or
#: VECTOR's arg0 indexes ``Program.lists``; an INDEX's arg0 is the indexed
#: entry and its arg1 indexes ``Program.lists`` (the index expressions).
CALL = ops.Op("call", 0)
VECTOR = ops.Op("vector", 0)
INDEX = ops.Op("index", 0)
MATMUL = ops.Op("matmul", 2, symbol="@")


@dataclass(slots=True)
class Statement:
    """``name = expr`` (or a bare ``expr``, name None): tape nodes first..top.

    A view made on request by :class:`Statements`, which stores the fields of
    all statements as columns."""

    name: str | None
    name_span: Span
    span: Span  # of the expression
    first: int
    top: int
    #: For ``name = <signed number literal>``: the input's default value.
    default: float | None = None


class Statements:
    """The program's statements, stored as columns (a million-statement program
    would otherwise hold a million objects, two spans each). Indexing, ``len``
    and iteration give :class:`Statement` views; the passes read the columns.
    """

    __slots__ = ("name", "name_start", "first", "top", "default", "_start", "_end")

    def __init__(self, start: array, end: array):
        """``start`` and ``end``: the tape's span columns (not the program,
        which would make a reference cycle that outlives ``del program``)."""
        #: statement → its name, None for a bare expression
        self.name: list[str | None] = []
        #: statement → offset of its name (-1 for a bare expression)
        self.name_start = array("q")
        #: statement → its first and its top tape entry
        self.first = array("q")
        self.top = array("q")
        #: statement → default value, for ``name = <signed number literal>``;
        #: nan for other statements (a literal is never nan)
        self.default = array("d")
        self._start, self._end = start, end

    def __len__(self) -> int:
        return len(self.top)

    def __getitem__(self, s: int) -> Statement:
        if s < 0:
            s += len(self.top)
        if not 0 <= s < len(self.top):
            raise IndexError("statement index out of range")
        top, name, at = self.top[s], self.name[s], self.name_start[s]
        span = Span(self._start[top], self._end[top])
        name_span = Span(at, at + len(name)) if name is not None else span
        default = self.default[s]
        return Statement(name, name_span, span, self.first[s], top,
                         default if default == default else None)

    def __iter__(self):
        return (self[s] for s in range(len(self.top)))

    def __bool__(self) -> bool:
        return len(self.top) > 0


@dataclass
class FunctionDef:
    """``name(p1, p2, ...) = body``: the body is tape entries body_first..top."""

    name: str
    params: list[str]
    param_spans: list[Span]
    name_span: Span
    #: the text ``name(p1, p2)``
    head: str
    body_first: int
    top: int
    #: the definition's first tape entry (its parameters' references)
    first: int


@dataclass
class Tape:
    """Nodes as parallel columns over a source text: each node's op, its
    arguments (earlier nodes; -1 where the op has fewer) and the span of text
    it comes from. The parser's tape and the graph (``graph.Graph``) are both
    one. The integer columns are arrays of machine integers: 8 bytes an entry,
    where a list holds a pointer and a 28-byte int object (a million-node
    tape: 36 MB less per column); they index, iterate and append like lists."""

    source: str
    op: list[ops.Op] = field(default_factory=list)
    arg0: array = field(default_factory=lambda: array("q"))
    arg1: array = field(default_factory=lambda: array("q"))
    start: array = field(default_factory=lambda: array("q"))
    end: array = field(default_factory=lambda: array("q"))

    def append_node(self, op: ops.Op, a: int, b: int, start: int, end: int) -> int:
        """A node at the end of the columns; its index."""
        self.op.append(op)
        self.arg0.append(a)
        self.arg1.append(b)
        self.start.append(start)
        self.end.append(end)
        return len(self.op) - 1


@dataclass
class Program(Tape):
    """The parser's tape, one entry per expression node, in reduction order,
    with the statements, numbers and names the entries refer to."""

    statements: Statements = field(init=False)
    #: A CONST entry's arg0 is its index in ``numbers``; a REF entry's arg0 is
    #: its index in ``ref_name`` (columns: no dict keyed by tape index).
    numbers: array = field(default_factory=lambda: array("d"))
    ref_name: list[str] = field(default_factory=list)
    #: the tape index of each reference, in tape order
    ref_at: array = field(default_factory=lambda: array("q"))
    #: every name read or defined, in order of first appearance → its offset
    first_seen: dict[str, int] = field(default_factory=dict)
    #: user-defined functions by name
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    #: argument lists of CALL, VECTOR and INDEX entries: a CALL's entry is
    #: ``(name, [argument entries], name start, name end)``, the others' a list
    lists: list = field(default_factory=list)
    #: True when the program uses the extended language (``expand`` builds it)
    extended: bool = False

    def __post_init__(self):
        self.statements = Statements(self.start, self.end)

    @property
    def const(self) -> dict[int, float]:
        """tape index → the number of each CONST entry (built on request)."""
        numbers = self.numbers
        return {t: numbers[self.arg0[t]] for t, op in enumerate(self.op) if op is ops.CONST}

    @property
    def ref(self) -> dict[int, str]:
        """tape index → the name of each REF entry (built on request)."""
        return dict(zip(self.ref_at, self.ref_name))

    def text(self, start: int, end: int) -> str:
        return self.source[start:end]


class _Builder:
    """Lark callbacks (one per rule alias), each appending to the tape of the
    program being parsed: one builder per parse."""

    def __init__(self, source: str = ""):
        self.program = Program(source)
        self._statement_first = 0

    # -- leaves

    def number(self, children):
        token = children[0]
        value = float(token)
        if value == ops.INF:
            raise ParseError(f"the number {clip(str(token), 30)} is too large for a float",
                                Span(token.start_pos, token.end_pos))
        return self._number(value, token.start_pos, token.end_pos)

    def name(self, children):
        token = children[0]
        name = _intern(str(token))  # one string per name, however often it is read
        if name in ops.CONSTANTS:
            return self._number(ops.CONSTANTS[name], token.start_pos, token.end_pos)
        if name in ops.FUNCTIONS:
            raise NamingError(f"'{name}' is a function: call it as {name}(...)",
                              Span(token.start_pos, token.end_pos))
        p = self.program
        p.first_seen.setdefault(name, token.start_pos)
        index = self._emit(REF, len(p.ref_name), -1, token.start_pos, token.end_pos)
        p.ref_name.append(name)
        p.ref_at.append(index)
        return index

    # -- operators

    def add(self, children):
        return self._binary(ops.ADD, *children)

    def sub(self, children):
        return self._binary(ops.SUB, *children)

    def mul(self, children):
        return self._binary(ops.MUL, *children)

    def div(self, children):
        return self._binary(ops.DIV, *children)

    def pow(self, children):
        return self._binary(ops.POW, children[0], children[2])

    def neg(self, children):
        sign, a = children
        return self._emit(ops.NEG, a, -1, sign.start_pos, self.program.end[a])

    def pos(self, children):
        sign, a = children
        # Unary plus changes nothing, so it is no node; its operand's text grows.
        self.program.start[a] = sign.start_pos
        return a

    def group(self, children):
        lpar, a, rpar = children
        self.program.start[a] = lpar.start_pos
        self.program.end[a] = rpar.end_pos
        return a

    def arguments(self, children):
        return children

    def call(self, children):
        name, _, args, rpar = children
        span = Span(name.start_pos, rpar.end_pos)
        text = _intern(str(name))
        op = ops.FUNCTIONS.get(text)
        if op is None or (len(args) != op.arity and text in ops.VECTOR_FUNCTIONS):
            # A user's function, or one of many arguments (sum, softmax, ...):
            # checked and unrolled when the graph is built.
            p = self.program
            p.extended = True
            p.lists.append((text, args, name.start_pos, name.end_pos))
            return self._emit(CALL, len(p.lists) - 1, -1, span.start, span.end)
        if len(args) != op.arity:
            wanted = "1 argument" if op.arity == 1 else f"{op.arity} arguments"
            raise ParseError(f"{name}() takes {wanted}, got {len(args)}", span)
        return self._emit(op, args[0], args[1] if op.arity == 2 else -1, span.start, span.end)

    def matmul(self, children):
        self.program.extended = True
        return self._binary(MATMUL, *children)

    def vector(self, children):
        lsqb, args, rsqb = children
        elements = self._bracketed(args, lsqb, rsqb,
                                   "an empty vector: write its elements, [1, 2, 3]")
        return self._emit(VECTOR, elements, -1, lsqb.start_pos, rsqb.end_pos)

    def index(self, children):
        base, lsqb, args, rsqb = children
        indices = self._bracketed(args, lsqb, rsqb, "an index is missing: write x[0] or W[0, 1]")
        return self._emit(INDEX, base, indices, self.program.start[base], rsqb.end_pos)

    def _bracketed(self, args, lsqb, rsqb, if_empty: str) -> int:
        """The entries between ``[`` and ``]`` (a vector's elements, an
        index's expressions) kept in ``Program.lists``: their place there; an
        error under the brackets when there are none."""
        if not args:
            raise ParseError(if_empty, Span(lsqb.start_pos, rsqb.end_pos))
        p = self.program
        p.extended = True
        p.lists.append(args)
        return len(p.lists) - 1

    def define(self, children):
        """``name(p1, ...) = body``: a function, kept apart from the statements."""
        name, lpar, args, rpar, top = children
        p = self.program
        text = _intern(str(name))
        name_span = Span(name.start_pos, name.end_pos)
        if text in ops.FUNCTIONS or text in ops.CONSTANTS or text in ops.VECTOR_FUNCTIONS:
            kind = "constant" if text in ops.CONSTANTS else "function"
            raise NamingError(f"cannot define '{text}': it is a built-in {kind} "
                              f"(choose another name)", name_span)
        if text in p.functions:
            line, column = line_and_column(p.source, p.functions[text].name_span.start)
            raise NamingError(f"the function '{clip(text)}' is defined twice (first at "
                              f"line {line}, column {column})", name_span)
        params: list[str] = []
        spans: list[Span] = []
        for a in args:
            span = Span(p.start[a], p.end[a])
            written = p.source[span.start:span.end]
            if p.op[a] is ops.CONST and written in ops.CONSTANTS:
                raise NamingError(f"'{written}' is a built-in constant; it cannot be a "
                                  f"parameter", span)
            if p.op[a] is not REF or p.ref_name[p.arg0[a]] != written:
                raise ParseError(f"a parameter must be a name, not '{clip(written, 30)}' "
                                    f"(define {text}(x) = ..., call {text}({clip(written, 30)}))",
                                    span)
            if written in params:
                raise NamingError(f"the parameter '{clip(written)}' is named twice in "
                                  f"{clip(text)}()", span)
            params.append(written)
            spans.append(span)
            if p.first_seen.get(written) == span.start:
                del p.first_seen[written]  # a parameter is no input
        first = self._statement_first
        body_first = (max(args) + 1) if args else first
        p.functions[text] = FunctionDef(text, params, spans, name_span,
                                        p.source[name.start_pos:rpar.end_pos],
                                        body_first, top, first)
        p.extended = True
        self._statement_first = len(p.op)

    # -- statements

    def assign(self, children):
        name, top = children
        text = _intern(str(name))  # the same string as the name's references
        if text in ops.FUNCTIONS or text in ops.CONSTANTS or text in ops.VECTOR_FUNCTIONS:
            kind = "constant" if text in ops.CONSTANTS else "function"
            raise NamingError(f"cannot assign to '{text}': it is a built-in {kind}",
                              Span(name.start_pos, name.end_pos))
        self.program.first_seen.setdefault(text, name.start_pos)
        self._statement(text, name.start_pos, top)

    def bare(self, children):
        (top,) = children
        self._statement(None, -1, top)

    def start(self, children):
        return self.program

    # -- the tape

    def _number(self, value, start, end):
        numbers = self.program.numbers
        index = self._emit(ops.CONST, len(numbers), -1, start, end)
        numbers.append(value)
        return index

    def _binary(self, op, a, b):
        return self._emit(op, a, b, self.program.start[a], self.program.end[b])

    def _emit(self, op, a, b, start, end):
        return self.program.append_node(op, a, b, start, end)

    def _statement(self, name, name_start, top):
        p = self.program
        first = self._statement_first
        self._statement_first = len(p.op)
        statements = p.statements
        default = ops.NAN
        if name is not None and top - first <= 1:
            literal = SIGNED_LITERAL.fullmatch(p.source, p.start[top], p.end[top])
            if literal:
                sign = -1.0 if literal.group(1) == "-" else 1.0
                default = sign * p.numbers[p.arg0[first]]
        statements.default.append(default)
        statements.name.append(name)
        statements.name_start.append(name_start)
        statements.first.append(first)
        statements.top.append(top)


def _intern(name: str) -> str:
    """One string per name, however often it is read, in Unicode NFC (the
    Angstrom sign Å reads as the letter Å, as in a CSV header or an option)."""
    return intern(name if name.isascii() else _normalize("NFC", name))


# ---------------------------------------------------------------- Lark

_GRAMMAR_NAME = "cgdiff.lark"


@lru_cache(maxsize=1)
def grammar_text() -> str:
    """The grammar's text, a resource of the package.

    ``cgdiff/grammars`` is a link to the project's top-level ``grammars/`` in
    the source tree and a real folder in the wheel, so one lookup serves both.
    """
    from importlib.resources import files

    return (files(__package__) / "grammars" / _GRAMMAR_NAME).read_text(encoding="utf-8")


#: The builder of the parse in progress in this thread or task: Lark binds its
#: callbacks once, so they find their builder here (parsing is re-entrant).
_CURRENT: ContextVar[_Builder] = ContextVar("cgdiff_builder")


class _Forward:
    """Lark's callbacks: each calls the same method of the current builder."""


def _forward(name: str):
    def callback(children):
        return getattr(_CURRENT.get(), name)(children)

    callback.__name__ = name
    return callback


for _name in [n for n in vars(_Builder) if not n.startswith("_")]:
    setattr(_Forward, _name, staticmethod(_forward(_name)))


@lru_cache(maxsize=1)
def _parser():
    """One Lark LALR parser whose callbacks append to the current builder's tape.

    Lark binds the callbacks when it is built, so one parser serves every
    parse rather than building one (≈100 ms) per program. Lark's own grammar
    cache is off: it would write to the temporary folder, and the one cache
    cgdiff keeps is the driver's table (``_lalr``), under XDG_CACHE_HOME.
    """
    from lark import Lark

    return Lark(grammar_text(), parser="lalr",
                transformer=_Forward(), maybe_placeholders=False)


@lru_cache(maxsize=1)
def _tables():
    """The LALR tables of the same grammar for the fast driver (see ``_lalr``)."""
    from . import _lalr

    return _lalr.load_tables(grammar_text(), _parser)


def parse(source: str, fast: bool = True) -> Program:
    """Parse program text into a Program, or raise a CgdiffError.

    The fast driver in ``_lalr`` runs Lark's own tables; on a syntax error Lark
    parses the text again, so that its exception says what went wrong.
    ``fast=False``: Lark parses it all (what the fast driver is tested against).
    """
    program = None
    if fast:
        from . import _lalr

        builder = _Builder(source)
        with no_gc():  # the tape holds no cycles; collections would only rescan it
            if _lalr.parse(_tables(), source, builder) is not None:
                program = builder.program
        del builder
    if program is None:
        program = _parse_with_lark(source)
    if not program.statements:
        raise ParseError("the program has no statement (it is empty or only comments)")
    return program


def _parse_with_lark(source: str) -> Program:
    from lark.exceptions import UnexpectedInput

    parser = _parser()
    builder = _Builder(source)
    token = _CURRENT.set(builder)
    try:
        parser.parse(source)
    except UnexpectedInput as error:
        raise _syntax_error(source, error) from None
    finally:
        _CURRENT.reset(token)
    return builder.program


# ---------------------------------------------------------------- syntax errors

#: What each terminal is called in a message, in the order they are listed.
#: STATEMENT and END stand for sets of terminals (see ``describe_expected``).
_WORDS = {
    "STATEMENT": "a statement", "NUMBER": "a number", "NAME": "a name",
    "OPERATOR": "an operator", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "EQUAL": "'='",
    "END": "the end of the statement", "_SEP": "a new line or ';'",
    "$END": "the end of the program",
}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "POW", "AT"}
_EXPRESSION_START = {"NUMBER", "NAME", "LPAR"}


def describe_expected(terminals) -> str:
    """``{'NUMBER', 'NAME', 'LPAR', 'MINUS', 'PLUS'}`` → "a number, a name or '('"."""
    names = set(terminals)
    if "NUMBER" in names:
        names -= {"PLUS", "MINUS", "LSQB"}  # unary signs, vectors: implied by "a number"
    if names & _OPERATORS:
        names.discard("LSQB")  # indexing counts as an operator
    if names & _OPERATORS:
        names = (names - _OPERATORS) | {"OPERATOR"}
    if "_SEP" in names and "$END" in names:
        names -= {"_SEP", "$END"}
        # Where an expression or nothing may come, a statement may begin.
        names = (names - _EXPRESSION_START) | {"STATEMENT"} if _EXPRESSION_START <= names \
            else names | {"END"}
    words = [word for key, word in _WORDS.items() if key in names]
    words += sorted(f"'{name}'" for name in names if name not in _WORDS)
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(token) -> str:
    kind, text = token.type, str(token)
    if kind == "$END":
        return "end of the program"
    if kind == "_SEP":
        return "end of the line" if text == "\n" else "';'"
    if kind == "NUMBER":
        return f"number {clip(text, 30)}"
    if kind == "NAME":
        return f"name '{clip(text, 30)}'"
    return f"'{printable(text)}'"


#: The characters of a number literal, and of what is glued to one by mistake.
_NUMBERISH = re.compile(r"[0-9.]*(?:[eE][+-]?)?[\w.]*")


def _malformed_number(source: str, offset: int) -> tuple[int, str] | None:
    """Where a token runs straight on from a number (``1.2.3``, ``1e``,
    ``2x``): the start of that number and the text, else None."""
    start = offset
    while start > 0 and source[start - 1] in "0123456789.eE":
        start -= 1
    while start < offset and source[start] in "eE":  # `ye` is a name, not a number
        start += 1
    if start == offset or (start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_")):
        return None  # not glued to a number (`x2.5` is the name x2, then .5)
    return start, _NUMBERISH.match(source, start, start + 1000).group()


def _open_parentheses(source: str, offset: int) -> list[int]:
    """Offsets of the '(' still open at ``offset`` in its statement (a statement
    ends at a new line or ';'; a comment would have ended the line before)."""
    start = max(source.rfind("\n", 0, offset), source.rfind(";", 0, offset)) + 1
    stack: list[int] = []
    for match in re.finditer(r"[()]", source[start:offset]):
        if match.group() == "(":
            stack.append(start + match.start())
        elif stack:
            stack.pop()
    return stack


def _syntax_error(source: str, error) -> ParseError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    token = None
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream
        found = f"character '{printable(source[offset])}'"
        expected = _accepts(error) or error.allowed or ()
    elif isinstance(error, UnexpectedToken):
        token = error.token
        offset = token.start_pos if token.type != "$END" else len(source)
        if offset is None:
            offset = len(source)
        found = _describe_token(token)
        expected = error.accepts or error.expected
    else:  # UnexpectedEOF: not raised by LALR, kept for safety
        offset, found, expected = len(source), "end of the program", error.expected
    expected = set(expected)
    if 0 < offset <= len(source) and source[offset - 1] == "\r" \
            and source[offset:offset + 1] in ("\n", ""):
        offset -= 1  # a CRLF line ends where its CR is
    hint = ""
    glued = (_malformed_number(source, offset)
             if offset < len(source) and (source[offset].isalnum() or source[offset] in "._")
             else None)
    if glued is not None and glued[1][:1] in "0123456789." and "NUMBER" not in expected:
        number_start, text = glued
        name = token is not None and token.type == "NAME" and str(token)[0] not in "eE"
        if name and re.fullmatch(r"[0-9.]+", source[number_start:offset]):
            number, rest = source[number_start:offset], str(token)
            hint = f" (to multiply, write {clip(number, 20)}*{clip(rest, 20)})"
        else:
            line, column = line_and_column(source, number_start)
            return ParseError(
                f"syntax error at line {line}, column {column}: malformed number "
                f"'{clip(text, 30)}' (numbers look like 2, 2.5, .5, 1e-3)",
                Span(number_start, number_start + 1))
    elif "RPAR" in expected and (token is None or token.type in ("$END", "_SEP")):
        still_open = _open_parentheses(source, offset)
        if still_open:
            where = line_and_column(source, still_open[-1])[1]
            hint = (f" (the '(' at column {where} is not closed)" if len(still_open) == 1 else
                    f" ({len(still_open)} '(' are not closed; the last is at column {where})")
    elif token is not None and token.type == "RPAR" and not _open_parentheses(source, offset):
        hint = " (there is no '(' for it to close)"
    line, column = line_and_column(source, offset)
    return ParseError(
        f"syntax error at line {line}, column {column}: unexpected {found}; "
        f"expected {describe_expected(expected)}{hint}",
        Span(offset, offset + 1))


def _accepts(error) -> set[str]:
    """The terminals the parser would take where the lexer failed (the lexer's
    own list is wider: it is shared by several parser states)."""
    parser = getattr(error, "interactive_parser", None)
    if parser is None:
        return set()
    try:
        return parser.accepts()
    except Exception:  # only a better message is at stake
        return set()
