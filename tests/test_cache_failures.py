"""The parser's table cache on a full disk or a read-only folder (issue 10,
item 1), in-process so that it runs as root too (root writes into read-only
folders, so tests/test_install.py skips that case there): the tables are
built in memory, nothing is said, and no temporary file is left behind."""

import errno
import marshal
import tempfile

import pytest

from cgdiff import _lalr, parser


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "cgdiff"


def expected():
    return _lalr._from_lark(parser._parser()).dump()


def test_a_full_disk_leaves_nothing_behind(cache, monkeypatch, capsys):
    real_dump = marshal.dump

    def half_then_full(data, f):
        f.write(b"\x00" * 100)  # part of the file written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(marshal, "dump", half_then_full)
    tables = _lalr.load_tables(parser.grammar_text(), parser._parser)
    monkeypatch.setattr(marshal, "dump", real_dump)
    assert tables.dump()[0] == expected()[0]
    assert list(cache.iterdir()) == []  # no table, no temporary file
    assert capsys.readouterr() == ("", "")


def test_a_read_only_folder_builds_in_memory(cache, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    tables = _lalr.load_tables(parser.grammar_text(), parser._parser)
    assert tables.dump()[0] == expected()[0]
    assert not cache.exists() or list(cache.iterdir()) == []
    assert capsys.readouterr() == ("", "")


def test_a_failed_rename_leaves_no_temporary_file(cache, monkeypatch):
    def refuse(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(_lalr.os, "replace", refuse)
    _lalr.load_tables(parser.grammar_text(), parser._parser)
    assert list(cache.iterdir()) == []
