"""Messages name the real cause: names that look alike are shown with their
code points (text.suggest / did_you_mean / passes._typo_hint), names are NFC
everywhere, lone combining marks are escaped, fit names its rows."""

import pytest

from cgdiff.text import did_you_mean, printable, suggest
from cases import clean_error

# (a name in the program, the look-alike the user typed, the code points shown)
LOOKALIKES = [
    ("a", "\u0430", ["U+0061", "U+0430"]),        # Latin a, Cyrillic а
    ("x", "\uff58", ["U+0078", "U+FF58"]),        # fullwidth ｘ
    ("p", "\u03c1", ["U+0070", "U+03C1"]),        # Greek rho
    ("Tx", "\u0422x", ["U+0054", "U+0422"]),      # Cyrillic Т
]


@pytest.mark.parametrize("name, typed, points", LOOKALIKES)
def test_suggest_finds_the_look_alike(name, typed, points):
    assert suggest(typed, [name, "other"]) == name
    hint = did_you_mean(typed, [name])
    assert all(point in hint for point in points), hint


@pytest.mark.parametrize("name, typed, points", LOOKALIKES)
def test_set_names_the_code_points(run, name, typed, points):
    message = clean_error(run("eval", f"J = 2*{name}", "--set", f"{typed}=1"))
    assert all(point in message for point in points), message


@pytest.mark.parametrize("name, typed, points", LOOKALIKES)
def test_a_missing_value_names_the_code_points(run, name, typed, points):
    message = clean_error(run("eval", f"{name} = 1; J = {typed}*2"))
    assert all(point in message for point in points), message


@pytest.mark.parametrize("name, typed, points", LOOKALIKES)
def test_a_csv_column_names_the_code_points(run, tmp_path, name, typed, points):
    path = tmp_path / "d.csv"
    path.write_text(f"{typed}\n1\n", encoding="utf-8")
    message = clean_error(run("eval", f"J = 2*{name}", "--data", str(path)))
    assert all(point in message for point in points), message


@pytest.mark.parametrize("in_program, in_data", [
    ("\u00e9", "e\u0301"),          # composed é in the program, decomposed in the header
    ("\u00c5", "\u212b"),           # Å and the Angstrom sign
])
def test_csv_headers_match_after_nfc(run, tmp_path, in_program, in_data):
    path = tmp_path / "d.csv"
    path.write_text(f"{in_data}\n2\n", encoding="utf-8")
    result = run("eval", f"J = 3*{in_program}", "--data", str(path), "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "6.0\n"


def test_the_angstrom_sign_and_a_ring_are_one_name(run):
    result = run("eval", "J = 2*\u212b", "--set", "\u00c5=4", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == "8.0\n"


@pytest.mark.parametrize("text, shown", [
    ("\u0301", "\\u0301"),
    ("x \u0301", "x \\u0301"),
    ("'\u0301'", "'\\u0301'"),
    ("e\u0301", "e\u0301"),      # on a letter: kept
    ("\x01", "\\x01"),
])
def test_lone_combining_marks_and_controls_are_escaped_once(text, shown):
    assert printable(text) == shown


def test_a_lone_mark_in_a_program_is_escaped_in_the_error(run):
    message = clean_error(run("eval", "J = 2 + \u0301"))
    assert "\\u0301" in message and "\u0301" not in message


# ---------------------------------------------------------------- fit

def test_fit_names_the_data_line(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n-1,3\n")
    message = clean_error(run("fit", "J = (w*log(x) - y)^2", "--data", str(path),
                              "--params", "w"))
    assert message.startswith("error: data line 3: log(x): x = -1 is not > 0")


def test_a_derivative_that_does_not_exist_is_not_a_divergence(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n2,3\n")
    message = clean_error(run("fit", "J = (sqrt(w)*x - y)^2", "--data", str(path),
                              "--params", "w", "--set", "w=0"))
    assert "diverged" not in message
    assert "data line 2: the derivative with respect to w does not exist: sqrt(w)" in message


def test_a_divergence_says_so_and_names_the_point(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n2,3\n")
    message = clean_error(run("fit", "J = (w*x - y)^2", "--data", str(path), "--params", "w",
                              "--lr", "100"))
    assert "the fit diverged at step" in message and "(w = " in message
    assert "try a smaller --lr" in message
