"""Syntax errors: one paragraph with the line and column, the line itself
(clipped around the column), a caret under the column, and what was expected
in words."""

import pytest

from cases import clean_error

# source, column of the caret, words in the first line of the message
CASES = [
    # unbalanced parentheses
    ("J = (x + 1", 11, "unexpected end of the program; expected an operator or ')' "
                       "(the '(' at column 5 is not closed)"),
    ("J = ((x + (1)", 14, "2 '(' are not closed; the last is at column 6"),
    ("J = x + 1)", 10, "unexpected ')'; expected an operator or the end of the statement "
                       "(there is no '(' for it to close)"),
    ("J = ()", 6, "unexpected ')'; expected a number, a name or '('"),
    # dangling or doubled operators
    ("J = x +", 8, "unexpected end of the program; expected a number, a name or '('"),
    ("J = x + * y", 9, "unexpected '*'; expected a number, a name or '('"),
    ("J = * x", 5, "unexpected '*'"),
    ("J = x */ y", 8, "unexpected '/'"),
    ("2**", 4, "unexpected end of the program; expected a number, a name or '('"),
    ("J = x ** ** 2", 10, "unexpected '**'"),
    # assignments
    ("x =", 4, "unexpected end of the program; expected a number, a name or '('"),
    ("= 3", 1, "unexpected '='; expected a statement"),
    ("3 = x", 3, "unexpected '='; expected an operator or the end of the statement"),
    ("J = x; = 3", 8, "unexpected '='; expected a statement"),
    ("a b = 3", 3, "unexpected name 'b'; expected an operator, '(', '=' or the end of the "
                   "statement"),
    # calls
    ("J = max(1,,2)", 11, "unexpected ','"),
    ("J = max(x,)", 11, "unexpected ')'"),
    # stray characters
    ("J = x $ 2", 7, "unexpected character '$'; expected an operator, '(' or the end of the "
                     "statement"),
    ("J = $x", 5, "unexpected character '$'; expected a number, a name or '('"),
    ("J = `x`", 5, "unexpected character '`'"),
    ("J = max(x $", 11, "unexpected character '$'; expected an operator, '(', ')' or ','"),
    # malformed numbers: the caret at the number's start
    ("1e", 1, "malformed number '1e' (numbers look like 2, 2.5, .5, 1e-3)"),
    ("J = 1.2.3", 5, "malformed number '1.2.3'"),
    ("J = 1e+", 5, "malformed number '1e+'"),
    ("J = 1..2", 5, "malformed number '1..2'"),
    ("J = 2x", 6, "unexpected name 'x'; expected an operator or the end of the statement "
                  "(to multiply, write 2*x)"),
]


@pytest.mark.parametrize("source, column, words", CASES, ids=[c[0] for c in CASES])
def test_syntax_error(run, source, column, words):
    stderr = clean_error(run("eval", source))
    first, shown, caret = stderr.splitlines()
    assert first.startswith(f"error: syntax error at line 1, column {column}: ")
    assert words in first
    assert shown == "  " + source
    assert caret == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize("source, words", [
    ("f()", "unknown function 'f'"),
    ("pow(1)", "pow() takes 2 arguments, got 1"),
    ("exp(1, 2)", "exp() takes 1 argument, got 2"),
    ("J = sqrt()", "sqrt() takes 1 argument, got 0"),
])
def test_calls(run, source, words):
    stderr = clean_error(run("eval", source))
    assert stderr.startswith(f"error: {words}")
    assert stderr.splitlines()[-1].endswith("^")


def test_whole_paragraph(run):
    result = run("eval", "J = 0.5*(w*x + b - y")
    assert clean_error(result) == (
        "error: syntax error at line 1, column 21: unexpected end of the program; "
        "expected an operator or ')' (the '(' at column 9 is not closed)\n"
        "  J = 0.5*(w*x + b - y\n"
        "                      ^\n")


def test_several_lines_give_the_line_in_a_margin(run):
    stderr = clean_error(run("eval", "a = 1\nb = 2\nc = (a + ) * b\n"))
    assert stderr == ("error: syntax error at line 3, column 10: unexpected ')'; "
                      "expected a number, a name or '('\n"
                      "  3 | c = (a + ) * b\n"
                      "    |          ^\n")


def test_end_of_a_line_inside_parentheses(run):
    stderr = clean_error(run("eval", "x = 1\nJ = (x\ny = 2\n"))
    assert "line 2, column 7: unexpected end of the line; expected an operator or ')'" in stderr


def test_never_the_awkward_article(run):
    for source in ["J = (x", "J = 1.2.3", "J = 2 3", "J = x y"]:
        assert "unexpected the" not in run("eval", source).stderr


@pytest.mark.parametrize("source", [
    "J = " + "x + " * 100_000 + "$",
    "J = x + $ " + "+ x" * 100_000,
    "x = 1; J = " + "y" * 200_000 + " $",
])
def test_a_long_line_is_clipped_around_the_column(run, source):
    stderr = clean_error(run("eval", source))
    first, shown, caret = stderr.splitlines()
    assert len(first) < 200 and len(shown) < 130
    assert shown[caret.index("^")] == "$"


def test_control_characters_are_escaped_and_the_caret_stays_aligned(run):
    stderr = clean_error(run("eval", "J = x\t+\x1b[31m"))
    first, shown, caret = stderr.splitlines()
    assert "unexpected character '\\x1b'" in first
    assert "\x1b" not in stderr
    assert shown[caret.index("^"):].startswith("\\x1b")
