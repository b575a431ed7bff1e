"""Bounded memory and no hangs: every command's work has a stated limit
(README: Errors and limits); past it, a prompt error that says how to ask for less."""

import difflib
import re

import pytest

from cgdiff import passes, text
from cgdiff.explain import _keep_together
from cases import clean_error


def data_error(result) -> str:
    assert result.exit_code == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


# ---------------------------------------------------------------- memory

@pytest.mark.parametrize("command", [["eval", "J = x"], ["grad", "J = x"],
                                     ["fit", "J = (w - x)^2", "--params", "w"]])
def test_data_without_line_ends_is_a_prompt_error_naming_the_file(run, command):
    message = data_error(run(*command, "--data", "/dev/zero"))
    assert "/dev/zero, line 1: longer than 1 MB" in message


def test_a_long_line_in_the_middle(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"x\n1\n" + b"2" * (2 << 20) + b"\n")
    assert "d.csv, line 3: longer than 1 MB" in data_error(run("eval", "J = x", "--data",
                                                              str(path)))


def test_the_hessian_refuses_past_its_size_and_suggests_wrt(run, monkeypatch):
    from cgdiff import hessian

    monkeypatch.setattr(hessian, "MAX_ENTRIES", 8)
    message = clean_error(run("hessian", "J = a*b*c", "--set", "a=1,b=2,c=3"))
    assert "3 inputs has 9 entries, more than the 8" in message and "--wrt" in message
    assert run("hessian", "J = a*b*c", "--set", "a=1,b=2,c=3", "--wrt", "a,b").exit_code == 0


@pytest.mark.parametrize("command, limit, words", [
    ("check", 20, "finite differences for 3 inputs of 5 nodes"),
    ("explain", 10, "explaining 3 inputs of 5 nodes"),
    ("hessian", 20, "the Hessian with respect to 3 inputs of 5 nodes"),
])
def test_work_past_the_limit_is_refused_up_front(run, monkeypatch, command, limit, words):
    monkeypatch.setattr(passes, "WORK_LIMIT", limit)
    message = clean_error(run(command, "J = a*b*c", "--set", "a=1,b=2,c=3"))
    assert words in message and "choose fewer inputs with --wrt" in message
    assert run(command, "J = a*b*c", "--set", "a=1,b=2,c=3", "--wrt", "a").exit_code == 0


# ---------------------------------------------------------------- no hangs

_OLD_KEEP_TOGETHER = re.compile(r"∂\S+ = \S+|\w+ = \S+|\S+ × \S+|\S+ → \S+")


@pytest.mark.parametrize("line", [
    "If w goes up by ε, c = w*x changes by x × ε = -2ε; when c goes up by ε, J goes up by",
    "so ∂J/∂w = -4, and w: 2 → 2.001 moves J: 2 → 1.996002 (change -0.003998 ≈ -4 × 0.001)",
    "a = b = c × d → e  f = ∂ = g",
    "x_1 = 2 (y) = 3 ∂J/∂(h - y) = 0.9",
])
def test_keep_together_as_the_regular_expression_did(line):
    old = _OLD_KEEP_TOGETHER.sub(lambda m: m.group().replace(" ", "\xa0"), line)
    assert _keep_together(line) == old


def test_explain_with_a_100000_character_name(run):
    name = "n" * 100_000
    result = run("explain", f"J = 2*{name}", "--set", f"{name}=3")
    assert result.exit_code == 0, result.stderr
    assert "3 → 3.001 moves J: 6 → 6.002" in result.stdout


def test_typo_hints_compare_a_bounded_number_of_names(monkeypatch):
    compared = []
    real = difflib.get_close_matches

    def spy(word, possibilities, *args, **kwargs):
        compared.append(len(possibilities))
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", spy)
    names = [f"weight_{i}" for i in range(10_000)]
    assert text.suggest("wieght_5000", names) == "weight_5000"
    assert compared and max(compared) <= text.MAX_COMPARED
    long_names = ["n" * 1000 + str(i) for i in range(10_000)]
    assert text.suggest("n" * 1000 + "x", long_names) is None  # too long to compare


def test_missing_values_among_10000_long_names(run):
    names = [f"input_number_{i}_" + "x" * 60 for i in range(10_000)]
    program = "J = " + " + ".join(names)
    message = clean_error(run("eval", program))
    assert message.startswith("error: 10000 inputs have no value:")


@pytest.mark.parametrize("program, options, words", [
    ("J = 2*3", [], "the program has no inputs"),
    ("J = w*x", ["--set", "w=1,x=2"], "every input is fixed by --set (w, x)"),
    ("J = x^2", ["--vary", "40"], "can take only 28 sets of values"),
])
def test_vary_says_why_it_found_no_values(run, tmp_path, program, options, words):
    result = run("worksheet", program, "--vary", "3", *options, "-o", str(tmp_path))
    assert words in clean_error(result)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_out_of_memory_names_what_was_being_built():
    import subprocess
    import sys

    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (200 * 2**20, 200 * 2**20))\n"
              "from cgdiff.cli import main\n"
              "sys.argv = ['cgdiff', 'grad', '--format', 'plain']\nmain()\n")
    program = "x = 1\nJ = " + " + ".join(["x*x"] * 1_000_000) + "\n"
    done = subprocess.run([sys.executable, "-c", script], input=program, text=True,
                          capture_output=True, timeout=300)
    if done.returncode == 0:
        pytest.skip("200 MB were enough here")
    assert done.stderr.startswith("error: out of memory while "), done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("args, where, words", [
    (["grad", "J = 2*x", "--set", "x=1"], "cgdiff.passes.reverse", "running the reverse pass"),
    (["hessian", "J = x*y", "--set", "x=1,y=2"], "cgdiff.hessian.hessian",
     "building the Hessian"),
])
def test_the_out_of_memory_message_says_what(monkeypatch, capsys, args, where, words):
    import sys

    from cgdiff import cli

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(where, exhausted)
    monkeypatch.setattr(sys, "argv", ["cgdiff", *args])
    with pytest.raises(SystemExit):
        cli.main()
    assert capsys.readouterr().err.startswith(f"error: out of memory while {words}")
