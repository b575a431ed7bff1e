"""Every option value is validated (cli.Number, parse_settings, parse_name):
nan, inf, out-of-range and malformed values are usage errors naming the option;
JSON never holds NaN or Infinity; data cells follow --set's number syntax."""

import json
import sys

import pytest

from cases import SEED_SET, SEED_STATEMENTS, clean_error


def data_error(result) -> str:
    """A --data run's error: the rows stream, so the CSV header may be out already."""
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("error:") == 1
    return result.stderr

CHECK = ["check", SEED_STATEMENTS, "--set", SEED_SET]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n2,4\n")
    return str(path)


FIT = ["fit", "J = (w*x - y)^2", "--params", "w"]

# (command line without the value, option, values that must be refused)
REFUSED = [
    (CHECK + ["--eps"], "--eps", ["nan", "inf", "-inf", "0", "-1e-3", "1", "1e-300", "1e-16",
                                  "1_0", "abc", ""]),
    (CHECK + ["--rtol"], "--rtol", ["nan", "inf", "-1", "2", "1e999"]),
    (CHECK + ["--atol"], "--atol", ["nan", "inf", "-1e-9"]),
    (CHECK + ["--nudge"], "--nudge", ["w=nan", "w=inf", "w=0", "w=1_0", "w=1e999"]),
    (FIT + ["--lr"], "--lr", ["nan", "inf", "0", "-0.1"]),
    (FIT + ["--tol"], "--tol", ["nan", "inf", "-1"]),
    (FIT + ["--steps"], "--steps", ["-1", "1.5", "1e3", "nan", "99999999999"]),
    (["worksheet", "J = x*y", "--vary"], "--vary", ["0", "-1", "1000", "nan", "2.5"]),
    (["explain", "J = x", "--set", "x=1", "--width"], "--width", ["39", "nan", "1e9"]),
    (["grad", "J = x", "--set", "x=1", "--of"], "--of", ["", " ", ","]),
    (["grad", "J = x", "--set", "x=1", "--wrt"], "--wrt", ["", ","]),
]


@pytest.mark.parametrize("args, option, value", [
    (args, option, value) for args, option, values in REFUSED for value in values])
def test_refused_values_are_usage_errors_naming_the_option(run, data, args, option, value):
    args = list(args)
    if args[0] == "fit":
        args[-1:-1] = ["--data", data]
    message = clean_error(run(*args, value), 2)
    assert f"'{option}'" in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("args", [
    CHECK + ["--eps", "1e-15"], CHECK + ["--eps", "0.5"], CHECK + ["--rtol", "0"],
    CHECK + ["--atol", "0"], CHECK + ["--nudge", "w=-1e-3"],
])
def test_values_at_the_edges_are_taken(run, args):
    result = run(*args)  # may find a difference (1e-15 is too small a step), not a usage error
    assert result.exit_code != 2 and "Traceback" not in result.stderr, result.stderr


def test_a_bom_before_a_program_argument_is_accepted(run):
    result = run("eval", "\ufeffJ = 2*x", "--set", "x=3", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == "6.0\n"


@pytest.mark.parametrize("cell, words", [
    ("1_000", "'1_000' is not a number (write it without '_')"),
    ("nan", "'nan' must be a finite number"),
    ("Infinity", "'Infinity' must be a finite number"),
    ("1e999", "'1e999' is too large for a float"),
    ("\u0663", "'\u0663' is not a number"),  # an Arabic-Indic digit: float() takes it
    ("0x10", "'0x10' is not a number"),
])
def test_data_cells_follow_the_set_syntax(run, tmp_path, cell, words):
    path = tmp_path / "d.csv"
    path.write_text(f"x\n{cell}\n", encoding="utf-8")
    message = data_error(run("eval", "J = x", "--data", str(path)))
    assert f"d.csv, line 2, column 'x': {words}" in message
    set_result = run("eval", "J = x", "--set", f"x={cell}")
    assert set_result.exit_code in (1, 2)  # the same numbers are refused by --set


@pytest.mark.parametrize("text, words", [
    ('x,y\n1,"2\n3,4\n', 'line 2: a quote (") opened on this line is not closed on it '
                        "(the field runs on to line 3)"),
    ('x,y\n1,"2\n3",4\n', "line 2: a quote"),
    # Python 3.10's csv module refuses a NUL byte itself (3.11 reads it as a
    # character): either way the message is cgdiff's and names the line.
    ("x,y\n1,2\x00\n", "line 2, column 'y': '2\\x00' is not a number"
     if sys.version_info >= (3, 11) else "line 2: the line holds a NUL byte (\\x00)"),
    ("x,y\n\x01,2\n", "'\\x01' is not a number"),  # escaped once, not '\\\\x01'
])
def test_csv_errors_in_cgdiffs_words(run, tmp_path, text, words):
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8", newline="")
    message = data_error(run("eval", "J = x + y", "--data", str(path)))
    assert words in message, message


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_every_line_ending_is_read(run, tmp_path, ending):
    path = tmp_path / "d.csv"
    path.write_bytes(ending.join(["x,y", "1,2", "3,4", ""]).encode())
    result = run("eval", "J = x + y", "--data", str(path), "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["3.0", "7.0"]


def test_a_long_cr_only_file_is_read(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"x\r" + b"1.25\r" * 300_000)  # 1.5 MB: more than one line's limit
    result = run("eval", "J = x", "--data", str(path), "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 300_000


# Non-finite numbers where each JSON writer puts them.
JSON_CASES = [
    ["grad", "J = x^2", "--set", "x=1.3e154", "--format", "json"],
    ["grad", "J = sqrt(x) + y", "--set", "x=0,y=1", "--wrt", "y", "--format", "json"],
    ["eval", "J = x^2", "--set", "x=1.3e154", "--format", "json"],
    ["check", "J = x^2", "--set", "x=1.3e154", "--format", "json"],
    ["grad", "J = x^2", "--set", "x=1.3e154", "--stats", "--format", "json"],
]


@pytest.mark.parametrize("args", JSON_CASES)
def test_json_has_no_nan_or_infinity(run, args):
    result = run(*args)
    text = result.stdout
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))


def test_json_notes_say_why():
    from cgdiff.render import finite_data

    data = finite_data({"a": float("inf"), "b": [1.0, float("nan")], "c": {"d": -float("inf")}})
    assert data == {"a": None, "a_note": "too large for a float (+infinity)",
                    "b": [1.0, None], "b_note": "null entries: does not exist here (not a number)",
                    "c": {"d": None, "d_note": "too large for a float (-infinity)"}}


@pytest.mark.parametrize("command", ["eval", "grad", "check", "explain", "graph", "worksheet",
                                     "hessian", "fit"])
def test_every_help_page_shows(run, command):
    assert run(command, "--help").exit_code == 0


@pytest.mark.parametrize("value", ["[1, NaN]", "[1, Infinity]", "[1, 1e999]", "[[1, -Infinity]]"])
def test_vector_values_are_finite_too(run, value):
    message = clean_error(run("eval", "J = sum(W)", "--set", f"W={value}"))
    assert "every element must be a finite number" in message


@pytest.mark.parametrize("value", ["J=nan", "J=inf", "J=1_0"])
def test_expectations_use_the_number_syntax(run, value):
    clean_error(run("eval", "J = 2*x", "--set", "x=1", "--expect", value), 2)
