"""cgdiff check --against: claimed derivatives, sampled points, hand backprop
with blame, and exit status 3."""

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from cgdiff import api
from cgdiff.claims import check_claims
from cgdiff.render.formulas import inline_text
from cgdiff.symbolic import symbolic_gradient
from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES, clean_error
from strategies import programs, values_strategy
from cases import cgdiff

SEED = "examples/seed.cg"
STAGED = "dJ_dd = d; dJ_da = dJ_dd; dJ_dc = dJ_da; dJ_dw = dJ_dc*x; dJ_db = dJ_da"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


# ---------------------------------------------------------------- done when

def test_right_claims_exit_0_from_the_installed_command():
    result = cgdiff("check", "-f", SEED, "--against", "dJ_dw = (w*x+b-y)*x; dJ_db = w*x+b-y")
    assert result.returncode == 0, result.stderr
    assert "✓ 2 of 2 claims hold at 21 points" in result.stdout


def test_a_wrong_claim_exits_3_naming_it_a_point_and_both_values():
    result = cgdiff("check", "-f", SEED, "--against", "dJ_dw = (w*x+b-y)*w")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: 1 of 1 claim is wrong: dJ_dw")
    assert "x = -2, y = 2, w = 2, b = 8" in result.stderr
    assert "claimed 4, true ∂J/∂w = -4" in result.stderr
    assert "dJ_dw" in result.stdout and "✗" in result.stdout


def test_the_lectures_staged_backprop_passes():
    report = check_claims(SEED_STATEMENTS, STAGED, SEED_VALUES)
    assert report.ok
    assert [v.status for v in report.verdicts] == ["right"] * 5


def test_a_planted_error_is_blamed_on_its_step_and_inherited_later():
    claims = STAGED.replace("dJ_da = dJ_dd", "dJ_da = 2*dJ_dd")
    report = check_claims(SEED_STATEMENTS, claims, SEED_VALUES)
    status = {v.name: (v.status, v.inherits_from) for v in report.verdicts}
    assert status == {"dJ_dd": ("right", None), "dJ_da": ("wrong", None),
                      "dJ_dc": ("inherits", "dJ_da"), "dJ_dw": ("inherits", "dJ_da"),
                      "dJ_db": ("inherits", "dJ_da")}
    assert report.first_wrong.name == "dJ_da"
    wrong = report.verdicts[1]
    assert wrong.blame.startswith("∂d/∂a should be 1, your step uses 2")
    assert wrong.local == {"of": "d", "wrt": "a", "should_be": 1.0, "used": 2.0,
                           "formula": None}


def test_the_blame_names_the_local_derivative_in_words(run):
    claims = STAGED.replace("dJ_dc*x", "dJ_dc*w")
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims)
    assert result.exit_code == 3
    assert "∂c/∂w should be x = -2, your step uses 2" in result.stdout
    assert "dJ_dw is wrong" in result.stdout
    assert "first dJ_dw" in result.stderr


def test_the_planted_error_in_the_table(run):
    claims = STAGED.replace("dJ_da = dJ_dd", "dJ_da = 2*dJ_dd")
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims)
    assert result.exit_code == 3
    text = " ".join(result.stdout.split())
    assert "✗ dJ_dc inherits the error of dJ_da" in text
    assert "the first wrong step is dJ_da" in text
    assert text.index("dJ_da is wrong") < text.index("dJ_dc inherits")


def test_right_at_the_given_point_and_wrong_elsewhere_is_wrong():
    # (w*x + b - y)*x equals -4 at the seed point, and so does -2*w, but only there
    report = check_claims(SEED_STATEMENTS, "dJ_dw = -2*w", SEED_VALUES)
    verdict = report.verdicts[0]
    assert verdict.status == "wrong"
    assert verdict.point != SEED_VALUES  # a drawn point shows it
    assert check_claims(SEED_STATEMENTS, "dJ_dw = -2*w", SEED_VALUES, samples=0).ok


def test_unicode_claims():
    report = check_claims(SEED_STATEMENTS, "∂J/∂w = ∂J/∂c*x; ∂J/∂c = d", SEED_VALUES)
    assert report.ok and {v.name for v in report.verdicts} == {"dJ_dw", "dJ_dc"}


def test_grad_symbolic_output_checks_as_claims():
    source = open(SEED, encoding="utf-8").read()
    text = symbolic_gradient(source)
    from cgdiff.render.formulas import program_text

    assert check_claims(source, program_text(text)).ok


def test_helper_statements_and_intermediates():
    report = check_claims(SEED_STATEMENTS, "t = a - y; dJ_dw = t*x; dJ_dc = d; dJ_dJ = 1",
                          SEED_VALUES)
    assert report.ok and len(report.verdicts) == 3


def test_samples_and_seed_are_reproducible():
    one = check_claims(SEED_STATEMENTS, "dJ_dw = d*x", SEED_VALUES, samples=5, seed=7)
    two = check_claims(SEED_STATEMENTS, "dJ_dw = d*x", SEED_VALUES, samples=5, seed=7)
    assert one.points == two.points and len(one.points) == 6
    assert one.points[0] == SEED_VALUES
    for point in one.points[1:]:
        for name, value in SEED_VALUES.items():
            assert abs(point[name] - value) <= max(1, abs(value))


def test_points_where_a_claim_is_undefined_are_skipped():
    # log(x) is undefined for x <= 0: those points do not count against the claim
    report = check_claims("J = x^2", "dJ_dx = 2*x + 0*log(x)", {"x": 0.1})
    verdict = report.verdicts[0]
    assert verdict.status == "right" and 0 < verdict.points < len(report.points)


def test_a_claim_undefined_everywhere_is_unchecked_not_failed():
    report = check_claims("J = x^2", "dJ_dx = log(-1 - x^2)", {"x": 0.5})
    assert report.verdicts[0].status == "unchecked" and report.ok


# ---------------------------------------------------------------- errors (exit 1 and 2)

@pytest.mark.parametrize("claims, message", [
    ("dJ_dq = 1", "claim dJ_dq names no node of the program: 'q'"),
    ("dc_dw = x", "claim dc_dw is about ∂c/∂w, but the program's output is J (--of c"),
    ("dJ_dw = dJ_db; dJ_db = dJ_dw", "a cycle: dJ_dw → dJ_db → dJ_dw"),
    ("dJ_dw = zz", "the claims use 'zz'"),
    ("dJ_dw = x; ∂J/∂w = 1", "'dJ_dw' is defined twice"),
    ("t = 1", "no claims"),
    ("dJ_dw = (x", "syntax error at line 1"),
])
def test_bad_claims_are_clear_errors(run, claims, message):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims)
    text = clean_error(result, 1)
    assert message in text
    if "cycle" in message or "names no node" in message:
        assert "^" in text  # the caret points into the claims


def test_options_of_the_finite_difference_check_are_refused(run):
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", "dJ_dw = d*x",
                 "--nudge", "w=1")
    assert result.exit_code == 2 and "--nudge" in result.stderr


def test_claims_from_a_file(run, tmp_path):
    path = tmp_path / "claims.cg"
    path.write_text("# my backprop\n∂J/∂d = d\n∂J/∂w = ∂J/∂d*x\n", encoding="utf-8")
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", f"@{path}",
                 "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["dJ_dd\tright\t2.0\t2.0", "dJ_dw\tright\t-4.0\t-4.0"]
    missing = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", "@/no/such/file")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


# ---------------------------------------------------------------- formats

def test_json_and_csv(run):
    claims = STAGED.replace("dJ_da = dJ_dd", "dJ_da = 2*dJ_dd")
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims,
                 "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["first_wrong"] == "dJ_da"
    by_name = {c["claim"]: c for c in data["claims"]}
    assert by_name["dJ_dc"]["inherits_from"] == "dJ_da"
    assert by_name["dJ_da"]["claimed"] == 4.0 and by_name["dJ_da"]["true"] == 2.0
    assert len(data["points"]) == 21
    csv_result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims,
                     "--format", "csv")
    lines = csv_result.stdout.splitlines()
    assert lines[0].startswith("claim,node,status,inherits_from,claimed")
    assert lines[2].startswith("dJ_da,a,wrong,,4.0,4.0,2.0")


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_table_at_any_width_never_cuts_a_number(run, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    claims = STAGED.replace("dJ_da = dJ_dd", "dJ_da = 2.000001234*dJ_dd")
    result = run("check", SEED_STATEMENTS, "--set", SEED_SET, "--against", claims)
    assert "…" not in result.stdout
    assert all(len(line) <= width for line in result.stdout.splitlines())
    assert "4.000002468" in result.stdout


# ---------------------------------------------------------------- the property

def staged_claims(program: str) -> tuple[str, list[tuple[str, str]]]:
    """The true staged backprop of a program of the strategies' kind
    (``s0 = ...`` lines): one claim per name, each from the claims of the
    statements that read it and their local derivatives (grad --symbolic)."""
    statements = [line.split(" = ", 1) for line in program.splitlines()]
    graph = api.load(program)
    out = statements[-1][0]
    names = [n for n in graph.inputs] + [name for name, _ in statements]
    claims = {out: "1"}
    for name in reversed(names):
        if name == out:
            continue
        terms = []
        for user, expr in statements:
            reads = api.load(f"{user} = {expr}").inputs
            if name in reads:
                local = inline_text(symbolic_gradient(f"{user} = {expr}", wrt=[name]), name)
                terms.append(f"d{out}_d{user}*({local})")
        claims[name] = " + ".join(terms) or "0"
    ordered = [(f"d{out}_d{name}", formula) for name, formula in claims.items()]
    return out, ordered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), values=values_strategy, pick=st.integers(0, 1000))
def test_true_claims_pass_and_a_perturbed_step_is_blamed(program, values, pick):
    graph = api.load(program)
    point = {k: v for k, v in values.items() if k in graph.inputs}
    try:
        api.differentiate(program, point)
    except Exception:
        assume(False)
    out, claims = staged_claims(program)
    text = "\n".join(f"{name} = {formula}" for name, formula in claims)
    report = check_claims(program, text, point, samples=5, seed=pick)
    assert all(v.status in ("right", "unchecked") for v in report.verdicts), \
        [(v.name, v.status, v.claimed, v.true, v.point) for v in report.verdicts]
    # perturb one step: it, and only it, is wrong; the others are right or inherit it
    k = pick % len(claims)
    planted = claims[k][0]
    changed = [(name, f"({formula}) + 1" if name == planted else formula)
               for name, formula in claims]
    text = "\n".join(f"{name} = {formula}" for name, formula in changed)
    report = check_claims(program, text, point, samples=5, seed=pick)
    verdicts = {v.name: v for v in report.verdicts}
    assume(verdicts[planted].status != "unchecked")
    assert verdicts[planted].status == "wrong"
    assert report.first_wrong.name == planted
    for v in report.verdicts:
        if v.name != planted:
            assert v.status in ("right", "unchecked") or (
                v.status == "inherits" and v.inherits_from == planted), \
                (v.name, v.status, v.inherits_from)


def test_help_documents_exit_status_3(run):
    result = run("check", "--help")
    assert "3 checked and found a difference" in " ".join(result.stdout.split())
