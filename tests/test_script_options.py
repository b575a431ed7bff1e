"""What scripts expect of the options (issue 10, item 6): --wrt repeatable like
--set, a hint when the program argument is a file's name or starts with '-',
and --format in any case."""

import json

import pytest

from cases import SEED_ONE_LINE, SEED_SET, clean_error


@pytest.mark.parametrize("command", ["grad", "check", "hessian"])
def test_wrt_repeated_keeps_every_name(run, command):
    fmt = "json"
    result = run(command, SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w", "--wrt", "b,y",
                 "--format", fmt)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = data["wrt"] if command == "hessian" else (
        [row["name"] for row in data["inputs"]] if command == "check" else list(data["gradient"]))
    assert names == ["w", "b", "y"]


def test_wrt_repeated_in_explain(run):
    result = run("explain", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w", "--wrt", "b")
    assert result.exit_code == 0
    assert "So ∂J/∂w = -4, ∂J/∂b = 2." in result.stdout


def test_params_repeated_in_fit(run, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n0,1\n1,3\n2,5\n")
    result = run("fit", "J = (w*x + b - y)^2", "--data", str(data), "--params", "w",
                 "--params", "b", "--format", "json")
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.stdout)["params"]) == ["w", "b"]


def test_an_empty_wrt_is_still_a_usage_error(run):
    clean_error(run("grad", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "w", "--wrt", ""), 2)


def test_a_program_that_is_a_file_name_gets_a_hint(run, tmp_path, monkeypatch):
    (tmp_path / "net.cg").write_text("J = 2*x\n")
    monkeypatch.chdir(tmp_path)
    message = clean_error(run("grad", "net.cg", "--set", "x=1"))
    assert message.rstrip().endswith("('net.cg' is a file: did you mean -f net.cg?)")
    # A program that works is not second-guessed, even if a file has its name.
    (tmp_path / "x").write_text("J = 3*x\n")
    assert run("eval", "x", "--set", "x=2", "--format", "plain").stdout == "2.0\n"


def test_no_file_hint_when_no_such_file(run):
    assert "did you mean -f" not in clean_error(run("grad", "nosuch.cg"))


@pytest.mark.parametrize("program", ["-x^2", "-2*x", "- x"])
def test_a_program_starting_with_a_dash_gets_a_hint(run, program):
    message = clean_error(run("eval", program, "--set", "x=3"), 2)
    assert f"after --: cgdiff eval [OPTIONS] -- '{program}'" in message
    done = run("eval", "--set", "x=3", "--format", "plain", "--", program)
    assert done.exit_code == 0 and float(done.stdout) in (-9.0, -6.0, -3.0)


def test_an_option_typo_gets_no_dash_hint(run):
    message = clean_error(run("eval", "x", "--sett", "x=1"), 2)
    assert "--set" in message and "after --" not in message


@pytest.mark.parametrize("spelling", ["JSON", "Json", "json"])
def test_format_in_any_case(run, spelling):
    result = run("grad", SEED_ONE_LINE, "--set", SEED_SET, "--format", spelling)
    assert json.loads(result.stdout)["gradient"]["w"] == -4.0


@pytest.mark.parametrize("args", [["check", "--format", "PLAIN"], ["hessian", "--format", "CSV"],
                                  ["graph", "--format", "DOT"], ["worksheet", "--format", "HTML"],
                                  ["grad", "--mode", "Forward", "--format", "Plain"]])
def test_every_choice_in_any_case(run, args):
    result = run(*args, SEED_ONE_LINE, "--set", SEED_SET)
    assert result.exit_code == 0, result.output
