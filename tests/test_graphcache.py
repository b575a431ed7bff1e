"""The warm-run cache: a big program's built graph stored and loaded; never a
different result; bad entries ignored and rewritten; off switches; size cap."""

import os
from pathlib import Path

import pytest

from cgdiff import graphcache, parser
from cgdiff.api import load

PROGRAM = "\n".join([f"w{i} = {i % 7 / 10}\nv{i} = tanh(w{i}*v{i - 1} + 0.5)" if i else
                     "v0 = 0.3" for i in range(60)])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder, every program big enough to be cached."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CGDIFF_NO_CACHE", raising=False)
    monkeypatch.setattr(graphcache, "THRESHOLD", 0)
    return tmp_path / "xdg" / "cgdiff"


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("graph-*.bin")) if folder.exists() else []


def test_the_second_load_comes_from_the_cache(cache, monkeypatch):
    built = load(PROGRAM)
    assert len(entries(cache)) == 1

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr("cgdiff.api.parse", no_parsing)
    loaded = load(PROGRAM)
    for field in ("op", "arg0", "arg1", "start", "end", "name_of", "index", "const", "inputs",
                  "statement_names", "output", "labels", "outputs", "output_names"):
        if hasattr(built, field):
            assert getattr(loaded, field) == getattr(built, field), field
    assert loaded.source == built.source


COMMANDS = [
    ["grad", "-f", "{file}", "--format", "json"],
    ["grad", "-f", "{file}"],
    ["eval", "-f", "{file}", "--format", "csv"],
    ["grad", "-f", "{file}", "--mode", "forward", "--format", "plain"],
    ["explain", "-f", "{file}", "--wrt", "w3"],
    ["graph", "-f", "{file}"],
    ["hessian", "-f", "{file}", "--wrt", "w1,w2"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:1] + c[3:]))
def test_outputs_are_byte_identical_with_and_without_the_cache(cache, run, tmp_path, command):
    program = tmp_path / "p.cg"
    program.write_text(PROGRAM)
    argv = [part.format(file=program) for part in command]
    without = run(*argv, "--no-cache")
    assert entries(cache) == []
    first = run(*argv)  # builds and stores
    assert len(entries(cache)) == 1
    second = run(*argv)  # loads
    assert without.exit_code == first.exit_code == second.exit_code == 0, without.output
    assert first.output == without.output
    assert second.output == without.output


def test_the_environment_variable_turns_it_off(cache, monkeypatch):
    monkeypatch.setenv("CGDIFF_NO_CACHE", "1")
    load(PROGRAM)
    assert entries(cache) == []
    monkeypatch.setenv("CGDIFF_NO_CACHE", "0")
    load(PROGRAM)
    assert len(entries(cache)) == 1


def test_small_programs_are_not_cached(cache, monkeypatch):
    monkeypatch.setattr(graphcache, "THRESHOLD", len(PROGRAM) + 1)
    load(PROGRAM)
    assert entries(cache) == []


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "stale"])
def test_a_bad_entry_is_ignored_and_rewritten(cache, damage):
    load(PROGRAM)
    (path,) = entries(cache)
    good = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(good[:len(good) // 2])
    elif damage == "flip":
        path.write_bytes(good[:-10] + bytes([good[-10] ^ 0xFF]) + good[-9:])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(good)))
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # another program's entry under this name
        other = PROGRAM.replace("0.5", "0.25")
        load(other)
        (other_path,) = [p for p in entries(cache) if p != path]
        path.write_bytes(other_path.read_bytes())
    graph = load(PROGRAM)
    assert graph.const == load(PROGRAM + "\n", of=None).const  # built correctly
    assert path.read_bytes() == good  # and written again
    assert not list(cache.glob(".graph-*"))  # no temporary file left


def test_least_recently_used_entries_are_evicted_over_the_cap(cache, monkeypatch):
    programs = [PROGRAM.replace("0.5", f"0.{k}5") for k in range(4)]
    load(programs[0])
    size = entries(cache)[0].stat().st_size
    monkeypatch.setenv("CGDIFF_CACHE_MB", str(3.5 * size / 1e6))  # room for three
    for k, program in enumerate(programs[1:3], 1):
        load(program)
    paths = {p: p.stat().st_mtime for p in entries(cache)}
    assert len(paths) == 3
    # Use the first again: the second is now the least recently used.
    first = graphcache._path(graphcache._key(programs[0], None, ()))
    second = graphcache._path(graphcache._key(programs[1], None, ()))
    for k, path in enumerate(sorted(paths, key=paths.get)):
        os.utime(path, (1000 + k, 1000 + k))
    assert load(programs[0]) is not None  # a hit: marks it used now
    load(programs[3])
    left = {str(p) for p in entries(cache)}
    assert len(left) == 3 and first in left and second not in left


def test_an_unwritable_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(graphcache, "THRESHOLD", 0)
    monkeypatch.delenv("CGDIFF_NO_CACHE", raising=False)
    assert load(PROGRAM).output >= 0


def test_the_key_covers_the_grammar_and_the_output(cache, monkeypatch):
    key = graphcache._key(PROGRAM, None, ())
    assert graphcache._key(PROGRAM, "v3", ()) != key
    assert graphcache._key(PROGRAM, None, ("w1",)) != key
    monkeypatch.setattr(parser, "grammar_text", lambda: "another grammar")
    assert graphcache._key(PROGRAM, None, ()) != key
