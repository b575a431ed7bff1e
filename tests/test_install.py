"""The installed package on a machine that never ran cgdiff: the import comes
from the virtual environment, and the parser's table cache builds on a first
run, reads on the second, and survives a corrupt, truncated or read-only cache."""

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cgdiff
from cases import cgdiff_command

SEED = ["grad", "J = 0.5*(w*x + b - y)^2", "--set", "w=2,x=-2,b=8,y=2", "--format", "plain"]
SEED_PLAIN = "w\t-4.0\nx\t4.0\nb\t2.0\ny\t-2.0\n"


@pytest.mark.skipif(not os.environ.get("CGDIFF_EXPECT_INSTALLED"),
                    reason="only where CI installed the wheel (CGDIFF_EXPECT_INSTALLED=1)")
def test_the_tests_import_the_installed_package():
    here = Path(__file__).resolve().parent.parent
    installed = Path(cgdiff.__file__).resolve()
    assert Path(sys.prefix).resolve() in installed.parents, installed
    assert here not in installed.parents, installed


def fresh_env(tmp_path: Path) -> dict:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    return {**os.environ, "HOME": str(home), "TMPDIR": str(tmp),
            "XDG_CACHE_HOME": str(home / ".cache")}


def run(env, cwd):
    return subprocess.run(cgdiff_command() + SEED, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=60)


def cache_files(env) -> list[Path]:
    folder = Path(env["XDG_CACHE_HOME"]) / "cgdiff"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_first_run_builds_the_cache_and_the_second_reads_it(tmp_path):
    env = fresh_env(tmp_path)
    first = run(env, tmp_path)
    assert (first.returncode, first.stdout, first.stderr) == (0, SEED_PLAIN, "")
    (table,) = cache_files(env)  # the table, and no temporary file beside it
    assert table.name.startswith("lalr-") and table.stat().st_size > 0
    built = table.stat().st_mtime_ns
    second = run(env, tmp_path)
    assert (second.returncode, second.stdout, second.stderr) == (0, SEED_PLAIN, "")
    assert cache_files(env) == [table] and table.stat().st_mtime_ns == built
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # nothing left in TMPDIR


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", "truncate"])
def test_a_corrupt_cache_file_is_rebuilt_silently(tmp_path, damage):
    env = fresh_env(tmp_path)
    assert run(env, tmp_path).returncode == 0
    (table,) = cache_files(env)
    good = table.read_bytes()
    table.write_bytes(good[: len(good) // 2] if damage == "truncate" else damage)
    again = run(env, tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, SEED_PLAIN, "")
    assert cache_files(env) == [table]
    # Rewritten whole (Lark numbers its states differently from run to run).
    assert marshal.loads(table.read_bytes())[0] == marshal.loads(good)[0]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_read_only_cache_folder_is_no_problem(tmp_path):
    env = fresh_env(tmp_path)
    folder = Path(env["XDG_CACHE_HOME"])
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run(env, tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (0, SEED_PLAIN, "")
    finally:
        folder.chmod(0o700)


def test_a_cache_path_that_is_a_file_is_no_problem(tmp_path):
    # As a full or unwritable disk would: the cache folder cannot be made.
    env = fresh_env(tmp_path)
    Path(env["XDG_CACHE_HOME"]).write_text("not a folder")
    result = run(env, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, SEED_PLAIN, "")
