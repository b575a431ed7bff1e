"""The fast LALR driver (cgdiff._lalr) against Lark's own parser, on the same
grammar: the same tape for every program, the same error for every bad one,
and the table cache that lets a warm start skip ``import lark``."""

import marshal
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cgdiff import _lalr, parser
from cgdiff.errors import CgdiffError

from strategies import programs
from cases import ERRORS, PROGRAMS, STRUCTURE


def snapshot(program):
    return (
        [op.name for op in program.op], list(program.arg0), list(program.arg1),
        list(program.start), list(program.end), program.const, program.ref,
        program.first_seen,
        [(s.name, s.name_span, s.span, s.first, s.top, s.default) for s in program.statements],
    )


def outcome(parse, source):
    try:
        return snapshot(parse(source))
    except CgdiffError as error:
        return type(error).__name__, str(error)


def lark_parse(source):
    """``parser.parse`` with the fast driver switched off: Lark does it all."""
    return parser.parse(source, fast=False)


def fast_only(source):
    """The fast driver alone: None where it hands over to Lark."""
    builder = parser._Builder(source)
    done = _lalr.parse(parser._tables(), source, builder)
    return None if done is None else builder.program


SOURCES = ([source for source, _ in STRUCTURE] + [case[0] for case in PROGRAMS]
           + ["x = 1\n\n;;y = x  # c\r\n", "J = (((((x)))))^-+-2", "a=b;b=c"])


@pytest.mark.parametrize("source", SOURCES)
def test_same_tape_as_lark(source):
    program = fast_only(source)
    assert program is not None, "the fast driver gave up on a valid program"
    assert snapshot(program) == snapshot(parser._parse_with_lark(source))


@pytest.mark.parametrize("source", [case[0] for case in ERRORS])
def test_same_error_as_lark(source):
    assert outcome(parser.parse, source) == outcome(lark_parse, source)


@given(programs())
def test_random_programs_same_tape(source):
    program = fast_only(source)
    assert program is not None
    assert snapshot(program) == snapshot(parser._parse_with_lark(source))


@settings(max_examples=300)
@given(st.text(alphabet="xy12.e+-*/^()=;,\n #\t_", max_size=25))
def test_any_text_same_outcome(source):
    assert outcome(parser.parse, source) == outcome(lark_parse, source)


def test_table_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    grammar = parser.grammar_text()
    built = []

    def build():
        built.append(1)
        return parser._parser()

    first = _lalr.load_tables(grammar, build)
    (path,) = (tmp_path / "cgdiff").iterdir()
    second = _lalr.load_tables(grammar, build)
    assert built == [1], "the second load should come from the cache"
    assert second.dump() == first.dump()
    # A cache file that is not ours (or is damaged) is ignored and rewritten.
    path.write_bytes(b"not marshal data")
    assert _lalr.load_tables(grammar, build).dump() == first.dump()
    assert built == [1, 1]
    text, _ = marshal.loads(path.read_bytes())
    assert text == grammar


def test_cache_is_keyed_by_the_grammar_text():
    grammar = parser.grammar_text()
    assert _lalr._cache_path(grammar) != _lalr._cache_path(grammar + "\n// changed\n")


def test_plain_output_imports_neither_rich_nor_lark():
    # Warm the table cache first; then a plain run needs neither library.
    code = ("import sys\n"
            "from cgdiff.cli import main\n"
            "sys.argv = ['cgdiff', 'grad', 'J = 0.5*(w*x + b - y)^2', '--set',"
            " 'w=2,x=-2,b=8,y=2', '--format', 'plain']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('rich', 'lark') if m in sys.modules))\n")
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "[]"
    assert run.stdout.splitlines()[0] == "w\t-4.0"


def test_parsing_is_reentrant_across_threads():
    """No module-global builder: parses in several threads at once (Lark's
    callbacks included) each get their own program."""
    from concurrent.futures import ThreadPoolExecutor

    sources = [f"x{k} = {k}; J{k} = x{k}*y + {k}" for k in range(40)]
    expected = [snapshot(parser.parse(source, fast=False)) for source in sources]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda s: snapshot(parser.parse(s, fast=False)), sources * 3))
    assert got == expected * 3
