"""Rewrite hints (issue 13 item 3): a known unstable pattern gets the stable
function to use instead, with the line and a caret, both beside a precision
warning and at the end of the error paragraph where float64 fails because of
it (``log(1 + exp(x))`` overflowing at x = 800)."""


import pytest

from cases import cgdiff
from cgdiff import api, precision

#: (program, --set, the hint): each pattern where float64 fails and the
#: stable form is finite.
FAILURES = [
    ("J = log(1+exp(x))", "x=800", "line 1, column 5: use softplus(x) for log(1+exp(x))"),
    ("J = log(sigmoid(x))", "x=-800", "line 1, column 5: use logsigmoid(x) for log(sigmoid(x))"),
    ("J = sqrt(x^2 + y^2)", "x=1e200,y=1e200",
     "line 1, column 5: use hypot(x, y) for sqrt(x^2 + y^2)"),
    # x^2 underflows to 0, where sqrt has no derivative: an error of the reverse pass
    ("J = sqrt(x^2 + y^2)", "x=1e-200,y=0",
     "line 1, column 5: use hypot(x, y) for sqrt(x^2 + y^2)"),
    ("J = log(exp(a) + exp(b) + exp(c))", "a=1000,b=1000,c=3",
     "line 1, column 5: use logsumexp(a, b, c) for log(exp(a) + exp(b) + exp(c))"),
    ("J = log(sum(exp(a), exp(b)))", "a=-1000,b=-1000",
     "line 1, column 5: use logsumexp(a, b) for log(sum(exp(a), exp(b)))"),
    ("J = exp(a)/(exp(a) + exp(b))", "a=800,b=1",
     "line 1, column 5: use exp(a - logsumexp(a, b)) for exp(a)/(exp(a) + exp(b))"),
    ("J = exp(a)/sum(exp(a), exp(b))", "a=-800,b=-800",
     "line 1, column 5: use exp(a - logsumexp(a, b)) for exp(a)/sum(exp(a), exp(b))"),
    ("y = exp(x)\nJ = 2*log(1 + y)", "x=800", "line 2, column 7: use softplus(x) for log(1 + y)"),
]


@pytest.mark.parametrize("program, settings, hint", FAILURES)
@pytest.mark.parametrize("command", ["eval", "grad", "check"])
def test_an_error_ends_with_the_hint_and_its_caret(run, command, program, settings, hint):
    if command == "eval" and "1e-200" in settings:
        pytest.skip("the value is fine: only the derivative fails")
    result = run(command, program, "--set", settings)
    assert result.exit_code == 1 and result.stdout == ""
    text = result.stderr
    assert text.startswith("error: ") and "Traceback" not in text
    assert "\n\n" not in text.strip()  # one paragraph
    lines = text.rstrip("\n").split("\n")
    first = next(k for k, line in enumerate(lines) if line.startswith("  hint: "))
    assert " ".join(line.strip() for line in lines[first:-2]) == f"hint: {hint}"
    assert all(len(line) <= 79 for line in lines[first:-2])
    # the caret under the pattern's column
    line, column = (int(x) for x in hint.split(":")[0].replace("line ", "")
                    .replace(" column ", "").split(","))
    caret = lines[-1]
    source_line = program.split("\n")[line - 1]
    excerpt = lines[-2]
    assert source_line in excerpt and caret.endswith("^")
    start = excerpt.index(source_line)
    assert len(caret) - 1 - start == column - 1


@pytest.mark.parametrize("program, settings", [
    ("J = exp(x) - 1", "x=800"),            # expm1(800) overflows too
    ("J = log(1 + x)", "x=-1"),              # log1p(-1) is -inf too
    ("J = log(1+exp(x)) + log(y)", "x=1,y=-1"),  # the failure is not the pattern's
    ("J = log(1+exp(x)) + exp(y)", "x=1,y=800"),
])
def test_no_hint_where_the_stable_form_fails_too_or_is_not_to_blame(run, program, settings):
    result = run("grad", program, "--set", settings)
    assert result.exit_code == 1 and "error:" in result.stderr
    assert "hint" not in result.stderr


def test_the_installed_command_ends_the_error_with_the_hint():
    done = cgdiff("grad", "J = log(1+exp(x))", "--set", "x=800")
    assert done.returncode == 1
    assert done.stderr == ("error: exp(x): the result is too large for a float (x = 800)\n"
                           "  J = log(1+exp(x))\n"
                           "            ^\n"
                           "  hint: line 1, column 5: use softplus(x) for log(1+exp(x))\n"
                           "  J = log(1+exp(x))\n"
                           "      ^\n")
    fixed = cgdiff("grad", "J = softplus(x)", "--set", "x=800", "--format", "plain")
    assert fixed.returncode == 0 and fixed.stdout == "x\t1.0\n"


def test_the_library_error_carries_the_hints():
    from cgdiff.errors import DomainError

    with pytest.raises(DomainError) as caught:
        api.evaluate("J = log(sigmoid(x))", {"x": -800})
    assert caught.value.hints == [(4, "use logsigmoid(x) for log(sigmoid(x))")]


@pytest.mark.parametrize("program, hint", [
    ("J = log(exp(a) + exp(b) + exp(c))", "use logsumexp(a, b, c)"),
    ("J = log(sum(exp(a), exp(b)))", "use logsumexp(a, b)"),
    ("J = exp(a)/(exp(a) + exp(b) + exp(c))", "use exp(a - logsumexp(a, b, c))"),
    ("J = exp(b)/sum(exp(a), exp(b))", "use exp(b - logsumexp(a, b))"),
    ("J = exp(2*a)/(exp(2*a) + exp(b))", "use exp(2*a - logsumexp(2*a, b))"),
])
def test_the_sums_of_exponentials_and_the_softmax_are_found(program, hint):
    found = precision.hints(api.load(program))
    assert len(found) == 1 and found[0][1].startswith(hint)


@pytest.mark.parametrize("program", [
    "J = exp(a)/(exp(b) + exp(c))",            # not a softmax: a is not in the sum
    "m = max(a, b); J = exp(a - m)/(exp(a - m) + exp(b - m))",  # shifted already
    "J = softmax([a, b])[0]",                  # cgdiff's softmax shifts
    "J = log(exp(a) + b)",
    "J = logsumexp(a, b)",
])
def test_no_softmax_or_logsumexp_hint_where_none_is_due(program):
    assert precision.hints(api.load(program)) == []


def test_a_data_row_that_fails_gets_the_hint(run, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("x\n1\n-800\n")
    result = run("eval", "J = log(sigmoid(x))", "--data", str(rows))
    assert result.exit_code == 1 and result.stdout.startswith("x,J\n1.0,")
    assert result.stderr.startswith("error: data line 3: log(sigmoid(x)): sigmoid(x) = 0")
    assert "  hint: line 1, column 5: use logsigmoid(x) for log(sigmoid(x))\n" in result.stderr


def test_a_fit_that_overflows_gets_the_hint(run, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("x,y\n1,1\n-1000,1\n")
    result = run("fit", "J = log(1 + exp(-y*(w*x + b)))", "--data", str(rows),
                 "--params", "w,b", "--set", "w=1,b=0")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert "hint: line 1, column 5: use softplus(-y*(w*x + b)) for" in text
