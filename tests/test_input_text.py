"""The program text itself: empty, comments only, line endings, tabs, NUL
bytes, invalid UTF-8, binary junk, files that are not there."""

import io
import os

import pytest

from cases import clean_error


@pytest.mark.parametrize("text", ["", "\n\n", "   \t ", "# only a comment", "# a\n# b\n",
                                  ";;\n;", "\r\n", "\ufeff"])
def test_a_program_with_no_statement(run, text):
    stderr = clean_error(run("eval", "-f", "-", input=text.encode("utf-8")))
    assert stderr == "error: the program has no statement (it is empty or only comments)\n"


@pytest.mark.parametrize("text", [
    "x = 2\r\ny = 3\r\nJ = x*y\r\n",            # CRLF
    "x\t=\t2;\ty = 3\n\tJ = x *\ty\n",         # tabs
    "x = 2; y = 3; J = x*y;",                  # trailing ;
    "x = 2;; y = 3;;\n\n;J = x*y;;\n",          # doubled ; and blank lines
    "\ufeffx = 2\ny = 3\nJ = x*y",              # a byte-order mark
    "x = 2 # two\ny = 3 # \x00 in a comment\nJ = x*y # done",
    "x = 2\ny = 3\nJ = x*y",                    # no final new line
])
def test_text_that_works(run, text):
    result = run("eval", "-f", "-", "--format", "plain", input=text.encode("utf-8"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "6.0\n"


def test_crlf_error_shows_the_line_without_the_carriage_return(run):
    stderr = clean_error(run("eval", "-f", "-", input=b"x = 1\r\nJ = (x\r\n"))
    assert "\r" not in stderr
    assert "line 2, column 7: unexpected end of the line" in stderr


def test_nul_bytes(run):
    stderr = clean_error(run("eval", "-f", "-", input=b"x = 1\x00\nJ = x"))
    assert "unexpected character '\\x00'" in stderr
    assert "\x00" not in stderr
    assert "  1 | x = 1\\x00\n    |      ^" in stderr


@pytest.mark.parametrize("data, where", [
    (b"J = 2*x # caf\xe9\n", "byte 0xe9 at offset 13"),   # Latin-1
    (b"J = \xff\xfe", "byte 0xff at offset 4"),
    (b"\xc3", "byte 0xc3 at offset 0"),                     # cut in the middle of a character
])
def test_invalid_utf8(run, data, where):
    stderr = clean_error(run("eval", "-f", "-", input=data))
    assert stderr == f"error: the program is not valid UTF-8 ({where})\n"


def test_invalid_utf8_from_a_file(run, tmp_path):
    path = tmp_path / "latin1.cg"
    path.write_bytes("J = 2 # é\n".encode("latin-1"))
    assert "not valid UTF-8" in clean_error(run("eval", "-f", str(path)))


@pytest.mark.parametrize("seed", range(5))
def test_binary_junk_on_stdin(run, seed):
    import random

    data = random.Random(seed).randbytes(5000)
    clean_error(run("grad", input=data))


@pytest.mark.parametrize("seed", range(5))
def test_printable_junk_on_stdin(run, seed):
    import random

    rng = random.Random(seed)
    data = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000), 10]))
                   for _ in range(2000))
    result = run("grad", input=data.encode("utf-8", "surrogatepass"))
    assert result.exit_code in (0, 1)
    if result.exit_code:
        clean_error(result)


def test_a_file_that_does_not_exist(run, tmp_path):
    stderr = clean_error(run("eval", "-f", str(tmp_path / "nosuch.cg")), status=2)
    assert "No such file or directory" in stderr


def test_a_directory(run, tmp_path):
    stderr = clean_error(run("eval", "-f", str(tmp_path)), status=2)
    assert "Is a directory" in stderr or "directory" in stderr.lower()


def test_no_program_and_stdin_a_terminal_is_a_usage_error(run, monkeypatch):
    import cgdiff.cli

    class Terminal(io.BytesIO):
        def isatty(self):
            return True

        def read(self, *args):
            raise AssertionError("cgdiff must not wait for a terminal")

    monkeypatch.setattr(cgdiff.cli, "standard_input", Terminal)
    for command in ("eval", "grad", "check", "explain", "graph"):
        stderr = clean_error(run(command), status=2)
        assert "no program: give it as an argument, with -f FILE, or on standard input" in stderr


def test_a_program_past_the_size_limit(run, monkeypatch):
    import cgdiff.cli

    monkeypatch.setattr(cgdiff.cli, "MAX_PROGRAM_BYTES", 2**20)
    stderr = clean_error(run("eval", input=b"J = " + b"1+" * 2**20 + b"1"))
    assert stderr.startswith("error: the program is longer than 1 MB, the most cgdiff reads")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_file_is_an_error_not_a_hang(run):
    stderr = clean_error(run("eval", "-f", "/dev/zero"))
    assert "the program is longer than 64 MB" in stderr
