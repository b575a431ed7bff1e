"""The process as the shell sees it, through the installed console script:
Ctrl-C, a reader that closes the pipe early, standard input a terminal."""

import os
import signal
import subprocess
import time

import pytest

from cases import cgdiff_command


def start(*args, **kwargs):
    # SIGINT back to its default in the child: a shell running the tests in the
    # background would have it ignored, and Python would then ignore it too.
    return subprocess.Popen(cgdiff_command() + list(args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            **kwargs)


def test_ctrl_c_while_reading_the_program():
    process = start("grad", "--format", "json")
    # Writing more than a pipe holds returns only once cgdiff is reading it.
    process.stdin.write(b"x = 1\n" * 200_000)
    process.stdin.flush()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == b"error: interrupted\n"
    assert out == b""


def test_ctrl_c_during_a_long_run():
    process = start("grad", "--format", "json")
    process.stdin.write(b"x = 1\nJ = " + b" + ".join([b"x"] * 2_000_000) + b"\n")
    process.stdin.close()
    process.stdin = None
    time.sleep(1.0)  # the parse alone takes several seconds
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == b"error: interrupted\n"


@pytest.mark.parametrize("output_format", ["json", "csv", "plain", "table"])
def test_a_closed_pipe_ends_quietly(output_format):
    program = "x = 1\n" + "\n".join(f"a{i} = x*{i}" for i in range(3000)) + "\n" + \
        "J = " + " + ".join(f"a{i}" for i in range(3000)) + "\n"
    process = start("grad", "--format", output_format, "--wrt", "x,a1,a2")
    process.stdin.write(program.encode())
    process.stdin.close()
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    err = process.stderr.read()
    process.wait(timeout=60)
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert err == b""
    assert process.returncode in (0, 1)


def test_a_reader_gone_before_the_first_byte():
    read_end, write_end = os.pipe()
    os.close(read_end)
    done = subprocess.run(cgdiff_command() + ["eval", "J = 2*3", "--format", "plain"],
                          stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    os.close(write_end)
    assert done.stderr == b""
    assert done.returncode == 1


def test_no_program_with_a_terminal_on_stdin_does_not_wait():
    pty = pytest.importorskip("pty")
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(cgdiff_command() + ["eval"], stdin=terminal,
                              capture_output=True, timeout=30)
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 2
    assert b"no program: give it as an argument, with -f FILE, or on standard input" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("args, status", [
    (["eval", "J = (x"], 1), (["eval", "J = x", "--set", "x=abc"], 2),
    (["eval", "-f", "/nonexistent/model.cg"], 2), (["nosuchcommand"], 2),
    (["eval", "J = log(0)"], 1),
])
def test_exit_status_through_the_console_script(args, status):
    done = subprocess.run(cgdiff_command() + args, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == status
    assert "Traceback" not in done.stderr and done.stderr.lower().count("error:") == 1


@pytest.mark.slow
def test_out_of_memory_is_one_line():
    import resource

    def small_memory():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_AS, (150 * 2**20, 150 * 2**20))

    program = b"x = 1\nJ = " + b" + ".join([b"x"] * 1_000_000) + b"\n"
    done = subprocess.run(cgdiff_command() + ["grad", "--format", "plain"], input=program,
                          capture_output=True, preexec_fn=small_memory, timeout=120)
    if done.returncode == 0:
        pytest.skip("150 MB were enough here")
    assert done.returncode == 1
    assert done.stderr.startswith(b"error: out of memory") and done.stderr.count(b"\n") == 1


def test_a_bug_is_still_one_paragraph(tmp_path):
    import sys

    code = ("import cgdiff.api\n"
            "def boom(*args, **kwargs): raise ZeroDivisionError('a bug')\n"
            "cgdiff.api.evaluate = boom\n"
            "from cgdiff.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code, "eval", "J = 1"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: internal error (a bug in cgdiff, please report it): "
                                  "ZeroDivisionError: a bug\n")
    assert "Traceback" not in done.stderr
    debug = subprocess.run([sys.executable, "-c", code, "eval", "J = 1"], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "CGDIFF_DEBUG": "1"})
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize("output_format", ["table", "json", "plain", "csv"])
def test_an_output_encoding_without_greek_letters(output_format):
    done = subprocess.run(cgdiff_command() + ["grad", "θ = 2; J = θ^2", "--format", output_format],
                          capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and done.stderr == b""
    assert b"\\u03b8" in done.stdout or b"\\u2202" in done.stdout
    if output_format == "json":
        import json

        assert json.loads(done.stdout)["gradient"] == {"θ": 4.0}
