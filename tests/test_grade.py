"""cgdiff grade: worksheets marked with error carried forward."""

import json
from pathlib import Path

import pytest

from cases import SEED_SET
from test_console_script import cgdiff

ROOT = Path(__file__).resolve().parent.parent
STEPS = str(ROOT / "examples" / "seed-steps.cg")


def key_sheet(run, tmp_path, name="key.md", *extra):
    path = tmp_path / name
    result = run("worksheet", "-f", STEPS, "--set", SEED_SET, "--answers", "-o", str(path),
                 *extra)
    assert result.exit_code == 0, result.stderr
    return path


def filled(tmp_path, key: Path, changes: dict, name="filled.md") -> Path:
    """The key with some cells changed: {"c": ("value", "-3")}."""
    lines = []
    for line in key.read_text(encoding="utf-8").splitlines():
        for node, (kind, text) in changes.items():
            if line.startswith(f"| `{node}` |"):
                cells = line.strip("|").split("|")
                cells[2 if kind == "value" else 3] = f" {text} "
                line = "|" + "|".join(cells) + "|"
        lines.append(line)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_slip_carried_forward_from_the_installed_command(run, tmp_path):
    key = key_sheet(run, tmp_path)
    sheet = filled(tmp_path, key, {"c": ("value", "-3"), "a": ("value", "5")})
    result = cgdiff("grade", str(sheet), "--format", "json")
    assert result.returncode == 0, result.stderr
    (graded,) = json.loads(result.stdout)["sheets"]
    marks = {(c["node"], c["kind"]): c["mark"] for c in graded["cells"]}
    assert marks[("c", "value")] == "wrong"
    assert marks[("a", "value")] == "carried"
    assert (graded["right"], graded["carried"], graded["total"]) == (11, 1, 13)
    assert graded["score"] == pytest.approx(11 / 13)
    assert graded["score_carried"] == pytest.approx(12 / 13)
    table = " ".join(cgdiff("grade", str(sheet)).stdout.split())
    assert "✓ carried forward" in table
    assert "11 of 13 right (85%); with carried-forward credit 12 of 13 (92%)" in table


def test_derivatives_carry_backwards(run, tmp_path):
    key = key_sheet(run, tmp_path)
    # ∂J/∂a wrong (3), then ∂J/∂c = ∂J/∂a × 1 = 3 and ∂J/∂w = 3 × x = -6 follow from it
    sheet = filled(tmp_path, key, {"a": ("grad", "3"), "c": ("grad", "3"),
                                   "w": ("grad", "-6"), "x": ("grad", "7")})
    data = json.loads(run("grade", str(sheet), "--format", "json").stdout)
    marks = {(c["node"], c["kind"]): c["mark"] for c in data["sheets"][0]["cells"]}
    assert marks[("a", "grad")] == "wrong"
    assert marks[("c", "grad")] == "carried"
    assert marks[("w", "grad")] == "carried"
    assert marks[("x", "grad")] == "wrong"


def test_blank_cells_are_unanswered(run, tmp_path):
    blank = tmp_path / "blank.md"
    assert run("worksheet", "-f", STEPS, "--set", SEED_SET, "-o", str(blank)).exit_code == 0
    data = json.loads(run("grade", str(blank), "--format", "json").stdout)
    sheet = data["sheets"][0]
    assert sheet["blank"] == sheet["total"] == 13 and sheet["score"] == 0


def test_twenty_sheets_give_one_row_each(run, tmp_path):
    result = run("worksheet", "-f", STEPS, "--vary", "20", "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    keys = sorted(str(p) for p in tmp_path.glob("sheet-*-key.md"))
    assert len(keys) == 20
    out = run("grade", *keys, "--format", "csv")
    assert out.exit_code == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0].startswith("sheet,right,carried,wrong,blank")
    assert len(rows) == 21
    assert all(row.endswith(",1.0,1.0") for row in rows[1:])
    table = run("grade", *keys).stdout
    assert table.count("100%") == 40


def test_pass_mark_exits_3(run, tmp_path):
    key = key_sheet(run, tmp_path)
    sheet = filled(tmp_path, key, {"c": ("value", "-3"), "d": ("value", "9")})
    assert run("grade", str(sheet), "--pass", "50").exit_code == 0
    failing = run("grade", str(sheet), str(key), "--pass", "95")
    assert failing.exit_code == 3
    assert "1 of 2 sheets below the pass mark 95%" in failing.stderr


def test_an_unreadable_sheet_is_reported_and_the_rest_graded(run, tmp_path):
    key = key_sheet(run, tmp_path)
    broken = tmp_path / "broken.md"
    text = key.read_text(encoding="utf-8").replace("| `d` | `a - y` | **2** | **2** |",
                                                   "| `d` | `a - y` | **2** |")
    broken.write_text(text, encoding="utf-8")
    result = run("grade", str(broken), str(key), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [s["sheet"] for s in data["sheets"]] == [str(key)]
    (bad,) = data["unreadable"]
    assert bad["file"] == str(broken) and bad["line"] > 0
    assert f"{broken}, line {bad['line']}" in result.stderr


def test_an_unreadable_cell(run, tmp_path):
    key = key_sheet(run, tmp_path)
    sheet = filled(tmp_path, key, {"c": ("value", "minus four")})
    data = json.loads(run("grade", str(sheet), "--format", "json").stdout)
    assert data["sheets"][0]["unreadable"] == 1


def test_a_csv_sheet(run, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("node,value,derivative\nc,-3,2\na,5,2\nd,2,\n", encoding="utf-8")
    result = run("grade", str(answers), "-f", STEPS, "--set", SEED_SET, "--format", "json")
    assert result.exit_code == 0, result.stderr
    sheet = json.loads(result.stdout)["sheets"][0]
    marks = {(c["node"], c["kind"]): c["mark"] for c in sheet["cells"]}
    assert marks[("c", "value")] == "wrong" and marks[("a", "value")] == "carried"
    assert marks[("d", "grad")] == "blank" and marks[("w", "grad")] == "blank"
    no_program = run("grade", str(answers))
    assert no_program.exit_code == 1 and "needs -f PROGRAM" in no_program.stderr


def test_the_rounding_a_sheet_states(run, tmp_path):
    tanh = ROOT / "examples" / "tanh-221.cg"
    key = tmp_path / "tanh-key.md"
    assert run("worksheet", "-f", str(tanh), "--answers", "-o", str(key)).exit_code == 0
    assert "significant digits" in key.read_text(encoding="utf-8")
    data = json.loads(run("grade", str(key), "--format", "json").stdout)
    assert data["sheets"][0]["score"] == 1.0
