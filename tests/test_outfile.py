"""Nothing the user had is lost: every file cgdiff writes goes through
cgdiff.outfile (temporary file in the same folder, renamed when complete)."""

import os
import shutil
import stat
import sys

import pytest

from cgdiff import outfile
from cgdiff.errors import CommandFailedError, OutputError
from cgdiff.render import picture
from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS, clean_error


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


# ---------------------------------------------------------------- one file

def test_write_text_replaces_the_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    outfile.write_text(path, "new ∂")
    assert path.read_text(encoding="utf-8") == "new ∂"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failure_part_way_keeps_the_old_file(tmp_path, failure):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(failure):
        with outfile.replacing(path) as handle:
            handle.write("half of the new")
            raise failure()
    assert path.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    fresh, kept = tmp_path / "fresh", tmp_path / "kept"
    kept.write_text("old")
    kept.chmod(0o640)
    outfile.write_text(fresh, "x")
    outfile.write_text(kept, "y")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old")
    link.symlink_to(real)
    outfile.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk_names_the_file():
    with pytest.raises(OutputError, match="cannot write /dev/full: No space left"):
        outfile.write_text("/dev/full", "x" * 100_000)


def test_a_device_is_written_in_place_not_replaced():
    outfile.write_text(os.devnull, "x")  # a rename would put a file in /dev's place
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: None, "does not exist"),
])
def test_targets_that_cannot_be_written(tmp_path, make, reason):
    target = tmp_path / "x"
    make(target)
    path = target if reason == "is a directory" else tmp_path / "no" / "x"
    with pytest.raises(OutputError, match=reason):
        outfile.write_text(path, "x")


def test_dash_is_standard_output(capsys):
    outfile.write_text("-", "to stdout")
    assert capsys.readouterr().out == "to stdout"


def test_a_file_being_read_is_not_replaced(tmp_path):
    path = tmp_path / "m.cg"
    path.write_text("J = x")
    outfile.forget_reading()
    with open(path, "rb") as handle:
        outfile.reading(handle)
    try:
        with pytest.raises(OutputError, match="is a file this command is reading"):
            outfile.write_text(tmp_path / "." / "m.cg", "tree")
    finally:
        outfile.forget_reading()
    assert path.read_text() == "J = x"


# ---------------------------------------------------------------- a set of files

def test_a_set_is_checked_before_any_is_written(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("old a")
    (tmp_path / "c.md").mkdir()
    with pytest.raises(OutputError, match="c.md: it is a directory"):
        outfile.write_set([(first, "new a"), (second, "new b"), (tmp_path / "c.md", "c")])
    assert first.read_text() == "old a" and not second.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_a_rename_that_fails_puts_the_others_back(tmp_path, monkeypatch, failing_call):
    paths = [tmp_path / f"{n}.md" for n in "abc"]
    paths[0].write_text("old a")
    paths[2].write_text("old c")
    calls = []
    real_replace = os.replace

    def replace(source, target):
        calls.append(target)
        if len(calls) == failing_call:
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(outfile.os, "replace", replace)
    with pytest.raises(OutputError, match="No space left"):
        outfile.write_set([(p, "new") for p in paths])
    monkeypatch.setattr(outfile.os, "replace", real_replace)
    assert paths[0].read_text() == "old a" and not paths[1].exists()
    assert paths[2].read_text() == "old c"
    assert leftovers(tmp_path) == []


def test_a_complete_set_is_written(tmp_path):
    outfile.write_set([(tmp_path / "a.md", "A"), (tmp_path / "b.bin", b"B")])
    assert (tmp_path / "a.md").read_text() == "A" and (tmp_path / "b.bin").read_bytes() == b"B"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- a program writes it

def test_a_command_past_its_time_limit_is_stopped(tmp_path):
    path = tmp_path / "g.svg"
    path.write_text("old picture")
    script = "import sys, time; open(sys.argv[1], 'w').write('half'); time.sleep(30)"
    with pytest.raises(CommandFailedError, match="within 0.3 seconds.*; try text"):
        outfile.write_with_command(path, [sys.executable, "-c", script], b"", 0.3,
                                   too_slow="; try text")
    assert path.read_text() == "old picture"
    assert leftovers(tmp_path) == []


def test_a_failing_command_leaves_the_old_file(tmp_path):
    path = tmp_path / "g.svg"
    path.write_text("old picture")
    script = "import sys; open(sys.argv[1], 'w').write('half'); sys.exit('syntax error')"
    with pytest.raises(CommandFailedError, match="could not write .*g.svg: syntax error"):
        outfile.write_with_command(path, [sys.executable, "-c", script], b"", 10)
    assert path.read_text() == "old picture"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- through the commands

def test_graph_refuses_to_write_over_its_program(run, tmp_path):
    program = tmp_path / "m.cg"
    program.write_text(SEED_STATEMENTS)
    message = clean_error(run("graph", "-f", str(program), "-o", str(program)))
    assert "is a file this command is reading" in message
    assert program.read_text() == SEED_STATEMENTS


def test_graph_over_its_program_from_standard_input(tmp_path):
    import subprocess

    program = tmp_path / "m.cg"
    program.write_text(SEED_STATEMENTS)
    with open(program, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "cgdiff", "graph", "-o", str(program)],
                              stdin=stdin, capture_output=True, text=True)
    assert done.returncode == 1 and "is a file this command is reading" in done.stderr
    assert program.read_text() == SEED_STATEMENTS


def test_worksheet_dash_is_standard_output(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("#")
    assert os.listdir(tmp_path) == []


def test_graph_to_a_full_disk_names_the_file(run):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    message = clean_error(run("graph", SEED_STATEMENTS, "--format", "dot", "-o", "/dev/full"))
    assert message.startswith("error: cannot write /dev/full: No space left on device")


def test_a_failing_vary_changes_no_sheet(run, tmp_path):
    (tmp_path / "sheet-01.md").write_text("the old sheet")
    (tmp_path / "sheet-02-key.md").mkdir()  # the set cannot be completed
    result = run("worksheet", SEED_ONE_LINE, "--vary", "2", "-o", str(tmp_path))
    assert "sheet-02-key.md: it is a directory" in clean_error(result)
    assert (tmp_path / "sheet-01.md").read_text() == "the old sheet"
    assert sorted(os.listdir(tmp_path)) == ["sheet-01.md", "sheet-02-key.md"]


def test_vary_to_standard_output_is_a_usage_error(run):
    clean_error(run("worksheet", SEED_ONE_LINE, "--vary", "2", "-o", "-"), 2)


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """A `dot` that starts writing and never finishes."""
    script = tmp_path / "dot"
    script.write_text(f"#!{sys.executable}\nimport sys, time\n"
                      "open(sys.argv[-1], 'w').write('<svg half')\ntime.sleep(60)\n")
    script.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(script))
    monkeypatch.setattr(picture, "GRAPHVIZ_SECONDS", 0.5)
    return script


def test_graphviz_past_its_time_limit_keeps_the_old_picture(run, tmp_path, slow_dot):
    picture_file = tmp_path / "g.svg"
    picture_file.write_text("<svg old/>")
    message = clean_error(run("graph", SEED_STATEMENTS, "-o", str(picture_file)))
    assert "within 0.5 seconds" in message and "--format dot" in message
    assert picture_file.read_text() == "<svg old/>"
    assert leftovers(tmp_path) == []


def test_ctrl_c_stops_the_command_and_keeps_the_old_file(tmp_path, monkeypatch):
    import subprocess

    path = tmp_path / "g.svg"
    path.write_text("old picture")
    started = []

    def interrupted(self, *args, **kwargs):
        started.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted)
    script = "import sys, time; open(sys.argv[1], 'w').write('half'); time.sleep(30)"
    with pytest.raises(KeyboardInterrupt):
        outfile.write_with_command(path, [sys.executable, "-c", script], b"", 60)
    assert started and started[0].poll() is not None  # killed, not left running
    assert path.read_text() == "old picture"
    assert leftovers(tmp_path) == []
