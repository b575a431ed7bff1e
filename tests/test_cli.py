"""The command line through Click's CliRunner: every input route, every
format, exit codes and stderr (SPEC §3–6)."""

import csv
import io
import json

import pytest

from cgdiff.cli import cli

from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS

SEED_GRADIENT = {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}


# ---------------------------------------------------------------- where the program comes from

def test_program_as_argument(run):
    result = run("eval", SEED_ONE_LINE, "--set", SEED_SET, "--format", "plain")
    assert result.exit_code == 0
    assert result.stdout == "2.0\n"


def test_program_from_file(run, tmp_path):
    path = tmp_path / "seed.cg"
    path.write_text(SEED_STATEMENTS)
    result = run("eval", "-f", str(path), "--set", SEED_SET, "--format", "plain")
    assert result.stdout == "2.0\n"


def test_program_from_dash_f_dash(run):
    result = run("eval", "-f", "-", "--set", SEED_SET, "--format", "plain", input=SEED_STATEMENTS)
    assert result.stdout == "2.0\n"


def test_program_from_piped_stdin(run):
    result = run("grad", "--set", SEED_SET, "--format", "plain", input=SEED_ONE_LINE)
    assert result.stdout == "w\t-4.0\nx\t4.0\nb\t2.0\ny\t-2.0\n"


def test_argument_and_file_together_is_a_usage_error(run, tmp_path):
    path = tmp_path / "p.cg"
    path.write_text("x")
    result = run("eval", "x", "-f", str(path))
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_missing_file_is_a_usage_error(run, tmp_path):
    result = run("eval", "-f", str(tmp_path / "nope.cg"))
    assert result.exit_code == 2
    assert "Error" in result.stderr and "nope.cg" in result.stderr


# ---------------------------------------------------------------- --set, --of, --wrt

def test_set_repeated_and_comma_separated(run):
    result = run("grad", SEED_ONE_LINE, "--set", "w=2,x=-2", "--set", "b=8", "--set", "y=2",
                 "--format", "json")
    assert json.loads(result.stdout)["gradient"] == SEED_GRADIENT


def test_set_overrides_a_default(run):
    result = run("eval", "w = 2\nJ = w*3", "--set", "w=5", "--format", "plain")
    assert result.stdout == "15.0\n"


@pytest.mark.parametrize("setting", ["w=abc", "w", "=3", "w=", "w=1x", "w=0x10"])
def test_malformed_set_is_a_usage_error(run, setting):
    result = run("eval", "J = w*2", "--set", setting)
    assert result.exit_code == 2
    assert "Error" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("setting", ["x=nan", "x=inf", "x=-Infinity", "x=1e999"])
def test_non_finite_set_is_an_error(run, setting):
    result = run("eval", "J = x*2", "--set", setting)
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")


def test_set_of_a_non_input(run):
    result = run("eval", "J = w*2", "--set", "nosuch=1")
    assert result.exit_code == 1
    assert "nosuch" in result.stderr


def test_missing_values_lists_every_input(run):
    result = run("eval", SEED_ONE_LINE, "--set", "w=2")
    assert result.exit_code == 1
    assert "3 inputs have no value: x, b, y" in result.stderr


def test_missing_value_that_looks_like_a_typo(run):
    result = run("eval", "total = 2\nJ = totl*3")
    assert result.exit_code == 1
    assert "'totl' looks like a typo of 'total'" in result.stderr


def test_of_chooses_the_output(run):
    result = run("eval", SEED_STATEMENTS, "--set", SEED_SET, "--of", "a", "--format", "json")
    data = json.loads(result.stdout)
    assert data["of"] == "a" and data["value"] == 4.0
    assert [node["id"] for node in data["nodes"]] == ["w", "x", "b", "c", "a"]


@pytest.mark.parametrize("option", ["--of", "--wrt"])
def test_naming_something_absent_is_error_1(run, option):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, option, "nosuch")
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and "nosuch" in result.stderr


def test_wrt_order_is_kept(run):
    result = run("grad", SEED_ONE_LINE, "--set", SEED_SET, "--wrt", "y,w", "--format", "plain")
    assert result.stdout == "y\t-2.0\nw\t-4.0\n"


def test_mode_forward_gives_the_same_gradient(run):
    args = ("grad", SEED_STATEMENTS, "--set", SEED_SET, "--format", "json")
    reverse = json.loads(run(*args).stdout)
    forward = json.loads(run(*args, "--mode", "forward").stdout)
    assert forward["gradient"] == reverse["gradient"]
    assert all("grad" not in node for node in forward["nodes"])
    assert all("grad" in node for node in reverse["nodes"])


# ---------------------------------------------------------------- formats

def test_json_shape(run):
    data = json.loads(run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--format", "json").stdout)
    assert data["of"] == "J" and data["value"] == 2.0
    assert list(data) == ["of", "value", "nodes", "gradient"]
    c = next(node for node in data["nodes"] if node["id"] == "c")
    assert c == {"id": "c", "label": "w*x", "op": "mul", "inputs": ["w", "x"],
                 "value": -4.0, "grad": 2.0}
    ids = [node["id"] for node in data["nodes"]]
    assert len(ids) == len(set(ids))
    assert {node["op"] for node in data["nodes"]} >= {"input", "const", "mul", "pow"}
    assert data["gradient"] == SEED_GRADIENT


def test_json_null_where_a_derivative_does_not_exist(run):
    data = json.loads(run("grad", "J = (x-5)^2", "--set", "x=2", "--format", "json").stdout)
    exponent = [node for node in data["nodes"] if node["label"] == "2"][0]
    assert exponent["grad"] is None
    assert data["gradient"] == {"x": -6.0}


def test_numbers_round_trip(run):
    result = run("eval", "J = x/3", "--set", "x=1", "--format", "json")
    assert json.loads(result.stdout)["value"] == 1 / 3
    assert run("eval", "J = x/3", "--set", "x=1", "--format", "plain").stdout == f"{1/3!r}\n"


def test_csv(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "label", "op", "inputs", "value", "grad"]
    c = next(row for row in rows if row["id"] == "c")
    assert c == {"id": "c", "label": "w*x", "op": "mul", "inputs": "w x", "value": "-4.0",
                 "grad": "2.0"}


def test_table_reads_like_the_lecture(run):
    result = run("grad", SEED_STATEMENTS, "--set", SEED_SET)
    assert result.exit_code == 0
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
             if line.startswith("│")}
    for node, value, grad in [("c", "-4", "2"), ("a", "4", "2"), ("d", "2", "2"),
                              ("J", "2", "1"), ("w", "2", "-4"), ("b", "8", "2")]:
        cells = [cell.strip() for cell in lines[node].split("│")]
        assert cells[-3:-1] == [value, grad], node
    assert "∂J/∂w = -4" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_eval_table_has_no_derivative_column(run):
    result = run("eval", SEED_STATEMENTS, "--set", SEED_SET)
    assert "∂J/∂node" not in result.stdout and "J = 2" in result.stdout


def test_unknown_format_is_a_usage_error(run):
    result = run("eval", "x", "--set", "x=1", "--format", "xml")
    assert result.exit_code == 2


# ---------------------------------------------------------------- errors

def test_syntax_error_paragraph(run):
    result = run("eval", "J = 0.5*(w*x + $b)")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: syntax error at line 1, column 16: unexpected character '$'; "
        "expected a number, a name or '('\n"
        "  J = 0.5*(w*x + $b)\n"
        "                 ^\n")


def test_domain_error_names_node_and_value(run):
    result = run("eval", "J = log(x)", "--set", "x=-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: log(x): x = -1 is not > 0")


def test_derivative_that_does_not_exist_for_an_input(run):
    result = run("grad", "J = (x-5)^p", "--set", "x=2,p=2")
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "exponent" in result.stderr


def test_no_program_on_a_terminal_is_a_usage_error(run, monkeypatch):
    import cgdiff.cli

    class Terminal(io.BytesIO):
        def isatty(self):
            return True

    monkeypatch.setattr(cgdiff.cli, "standard_input", Terminal)
    result = run("eval")
    assert result.exit_code == 2
    assert "no program" in result.stderr


# ---------------------------------------------------------------- conventions

def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("cgdiff, version ")


def test_every_command_has_an_example():
    for name, command in cli.commands.items():
        assert "Example:" in (command.help or ""), name
    assert "Example:" in cli.help
