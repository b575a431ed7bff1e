"""cgdiff worksheet: blanked node tables, questions, answer keys, variants,
and the three formats (Markdown, LaTeX, HTML)."""

import json
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cgdiff import worksheet
from cgdiff.render import sheets
from cases import SEED_ONE_LINE, SEED_SET, SEED_STATEMENTS, SEED_VALUES

# ---------------------------------------------------------------- helpers


def md_table(page: str) -> list[list[str]]:
    """The Markdown node table's lines, split into raw cells (header included)."""
    section = page.split("## Nodes\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.strip().splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip()[1:-1].split("|")] for line in lines]


def md_rows(page: str) -> dict[str, tuple[str, str]]:
    """node id → (value cell, ∂ cell), without Markdown marks."""
    rows = md_table(page)[2:]
    plain = lambda cell: cell.replace("`", "").replace("*", "")  # noqa: E731
    return {plain(cells[0]): (plain(cells[2]), plain(cells[3])) for cells in rows}


def md_questions(page: str) -> list[str]:
    section = page.split("## Questions\n", 1)[1]
    return [line for line in section.strip().splitlines() if line]


def key_numbers(page: str) -> dict[str, tuple[float, float]]:
    return {node: (float(value), float(grad)) for node, (value, grad) in md_rows(page).items()}


def grad_json(run, program, settings):
    setting = ",".join(f"{name}={value!r}" for name, value in settings.items())
    result = run("grad", program, "--set", setting, "--format", "json")
    assert result.exit_code == 0, result.output
    return {node["id"]: node for node in json.loads(result.output)["nodes"]}


def installed_cgdiff() -> list[str]:
    script = Path(sys.executable).parent / "cgdiff"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cgdiff"]


# ---------------------------------------------------------------- the seed's key

@pytest.mark.parametrize("program", [SEED_STATEMENTS, SEED_ONE_LINE])
def test_seed_key_carries_the_lectures_numbers(run, program):
    result = run("worksheet", program, "--set", SEED_SET, "--answers")
    assert result.exit_code == 0, result.output
    key = key_numbers(result.output)
    assert key["w"] == (2, -4) and key["x"][0] == -2 and key["b"] == (8, 2) and key["y"][0] == 2
    assert key["J"] == (2, 1)
    if program == SEED_STATEMENTS:
        assert key["c"] == (-4, 2)
        assert key["a"] == (4, 2)
        assert key["d"] == (2, 2)
    questions = md_questions(result.output)
    assert questions[-1] == "13. What is `∂J/∂w`? **-4**"
    assert "What is `∂J/∂b`? **2**" in result.output


def test_seed_sheet_questions_run_forward_then_backward(run):
    result = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET)
    questions = md_questions(result.output)
    assert questions[:5] == [
        "1. What is the value of `c = w*x`?",
        "2. What is the value of `a = c + b`?",
        "3. What is the value of `d = a - y`?",
        "4. What is the value of `#12 = d^2`?",
        "5. What is the value of `J = 1/2*d^2`?",
    ]
    assert questions[5:9] == ["6. What is `∂J/∂#12`?", "7. What is `∂J/∂d`?",
                              "8. What is `∂J/∂a`?", "9. What is `∂J/∂c`?"]
    assert len(questions) == 13


def test_constants_are_folded_into_the_steps(run):
    rows = md_table(run("worksheet", SEED_STATEMENTS, "--set", SEED_SET).output)
    ids = [cells[0].strip("`") for cells in rows[2:]]
    assert ids == ["w", "x", "b", "y", "c", "a", "d", "#12", "J"]
    assert rows[-1][1] == "`0.5 * #12`"


# ---------------------------------------------------------------- blanks hold no answers

@pytest.mark.parametrize("blank", ["values", "grads", "both"])
def test_blanked_cells_hold_no_answer(run, blank):
    sheet = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--blank", blank).output
    key = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--blank", blank,
              "--answers").output
    sheet_rows, key_rows = md_table(sheet)[2:], md_table(key)[2:]
    assert len(sheet_rows) == len(key_rows)
    blanked = 0
    for sheet_cells, key_cells in zip(sheet_rows, key_rows):
        for column in (2, 3):
            answer = key_cells[column]
            if answer.startswith("**"):  # a cell the student fills in
                blanked += 1
                assert sheet_cells[column] == "", (sheet_cells, answer)
                assert answer.strip("*") not in sheet_cells[column]
            else:
                assert sheet_cells[column] == answer
    expected = {"values": 5, "grads": 8, "both": 13}[blank]
    assert blanked == expected == len(md_questions(sheet))
    for question in md_questions(sheet):
        assert question.endswith("?") and "**" not in question


def test_blank_values_shows_derivatives_not_values(run):
    rows = md_rows(run("worksheet", SEED_STATEMENTS, "--set", SEED_SET,
                       "--blank", "values").output)
    assert rows["c"] == ("", "2")
    assert rows["w"] == ("2", "-4")


def test_blank_sheet_picture_shows_no_numbers(run):
    sheet = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET).output
    mermaid = sheet.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "value" not in mermaid and "∂" not in mermaid
    key = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--answers").output
    mermaid = key.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "∂J/∂w = -4" in mermaid and "value -4" in mermaid


@pytest.mark.parametrize("sheet_format", ["latex", "html"])
def test_blanked_cells_hold_no_answer_in_latex_and_html(run, sheet_format):
    sheet = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--format", sheet_format).output
    if sheet_format == "latex":
        rows = [line for line in sheet.splitlines() if line.startswith(r"\texttt{c}")]
        assert rows == [r"\texttt{c} & \texttt{w * x} & \hspace{2.5cm} & \hspace{2.5cm} \\"]
        assert r"\textbf" not in sheet
    else:
        row = re.search(r"<tr><td><code>c</code>.*?</tr>", sheet).group()
        assert row.count('<td class="num blank"></td>') == 2
        assert "<strong>" not in sheet


# ---------------------------------------------------------------- variants

def test_vary_is_reproducible_and_every_key_checks_out(run, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    result = run("worksheet", SEED_ONE_LINE, "--vary", "5", "--seed", "1", "-o", str(first))
    assert result.exit_code == 0, result.output
    # The second run goes through the installed script.
    done = subprocess.run([*installed_cgdiff(), "worksheet", SEED_ONE_LINE, "--vary", "5",
                           "--seed", "1", "-o", str(second)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted([f"sheet-0{k}.md" for k in range(1, 6)]
                           + [f"sheet-0{k}-key.md" for k in range(1, 6)])
    for name in names:
        assert (first / name).read_text() == (second / name).read_text()
    drawn = set()
    for k in range(1, 6):
        key = key_numbers((first / f"sheet-0{k}-key.md").read_text())
        inputs = {name: key[name][0] for name in "wxby"}
        drawn.add(tuple(inputs.values()))
        nodes = grad_json(run, SEED_ONE_LINE, inputs)
        assert set(nodes) == set(key) | {"#5", "#9"}  # the constants are folded
        for node, (value, grad) in key.items():
            assert math.isclose(nodes[node]["value"], value, abs_tol=1e-9), node
            assert math.isclose(nodes[node]["grad"], grad, abs_tol=1e-9), node
            assert worksheet.is_nice(value) and worksheet.is_nice(grad)
        sheet = md_rows((first / f"sheet-0{k}.md").read_text())
        assert {node: cells[0] for node, cells in sheet.items() if node in "wxby"} == {
            name: f"{value:g}" for name, value in inputs.items()}
    assert len(drawn) == 5 and tuple(SEED_VALUES.values()) not in drawn


def test_another_seed_gives_other_variants():
    one = [v.settings for v in worksheet.variants(SEED_ONE_LINE, 3, seed=1)]
    two = [v.settings for v in worksheet.variants(SEED_ONE_LINE, 3, seed=2)]
    assert one != two
    assert one == [v.settings for v in worksheet.variants(SEED_ONE_LINE, 3, seed=1)]


def test_set_holds_an_input_fixed_across_variants():
    for variant in worksheet.variants(SEED_STATEMENTS, 4, seed=7, fixed={"y": 2}):
        assert variant.settings["y"] == 2
        assert variant.nice


def test_variants_stay_in_the_domain():
    program = "r = sqrt(u); J = log(r) + 1/(v - 3)"
    for variant in worksheet.variants(program, 5, seed=3):
        assert variant.settings["u"] > 0 and variant.settings["v"] != 3
        worksheet.verify(worksheet.build(program, variant.settings))


def test_no_values_in_the_domain_is_an_error(run):
    result = run("worksheet", "J = log(x - 100)", "--vary", "1")
    assert result.exit_code == 1
    assert result.output.startswith("error:") and "domain" in result.output


def test_verify_catches_a_wrong_key():
    sheet = worksheet.build(SEED_STATEMENTS, SEED_VALUES)
    worksheet.verify(sheet)
    sheet.rows[0].grad = -3.0
    with pytest.raises(worksheet.KeyMismatchError, match="∂J/∂w"):
        worksheet.verify(sheet)


@pytest.mark.parametrize("x, nice", [(2, True), (-0.25, True), (1.5, True), (1 / 3, False),
                                     (1e6, False), (math.nan, False), (0.1 + 0.2, True)])
def test_is_nice(x, nice):
    assert worksheet.is_nice(x) is nice


# ---------------------------------------------------------------- formats

def test_markdown_table_shape(run):
    page = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--answers").output
    rows = md_table(page)
    assert rows[0] == ["node", "computes", "value", "∂J/∂node"]
    assert rows[1] == ["---", "---", "--:", "--:"]
    assert all(len(cells) == 4 for cells in rows)
    assert len(rows) == 2 + 9
    assert page.startswith("# Computation graph worksheet: answer key\n")
    assert "```mermaid\nflowchart LR\n" in page


def test_latex_is_a_complete_booktabs_document(run, tmp_path):
    page = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--format", "latex").output
    assert page.startswith(r"\documentclass")
    assert r"\usepackage{booktabs}" in page
    assert page.index(r"\begin{document}") < page.index(r"\toprule") < page.index(
        r"\midrule") < page.index(r"\bottomrule") < page.index(r"\end{document}")
    assert page.rstrip().endswith(r"\end{document}")
    unescaped = re.sub(r"\\[{}]", "", page)
    assert unescaped.count("{") == unescaped.count("}")
    assert page.count(r"\begin{") == page.count(r"\end{")
    assert "#" not in re.sub(r"\\#", "", page)  # every # escaped
    if shutil.which("pdflatex"):
        (tmp_path / "sheet.tex").write_text(page, encoding="utf-8")
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                               "sheet.tex"], cwd=tmp_path, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:]
        assert (tmp_path / "sheet.pdf").exists()


def test_latex_sets_greek_names():
    page = sheets.to_latex(worksheet.build("J = θ*x^2", {"θ": 3, "x": 2}))
    assert r"\DeclareUnicodeCharacter{03B8}{\ensuremath{\theta}}" in page


class _Page(HTMLParser):
    """Collects tags and every attribute that could fetch something."""

    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.fetches = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "data", "srcset", "poster"):
                self.fetches.append((tag, name, value))
        if tag not in ("meta", "br", "img", "link", "input", "hr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href"):
                self.fetches.append((tag, name, value))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


@pytest.mark.parametrize("graphviz", [True, False])
def test_html_is_one_self_contained_page(run, monkeypatch, graphviz):
    if graphviz and not shutil.which("dot"):
        pytest.skip("Graphviz is not installed")
    if not graphviz:
        monkeypatch.setattr(shutil, "which", lambda name: None)
    page = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--format", "html",
               "--answers").output
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    assert parser.tags[0] == "html" and "table" in parser.tags and "ol" in parser.tags
    assert parser.fetches == []
    assert "link" not in parser.tags and "script" not in parser.tags
    assert "http" not in page and "url(" not in page and "@import" not in page
    if graphviz:
        assert "<svg" in page and "<?xml" not in page and "<!DOCTYPE svg" not in page
    else:
        assert '<pre class="mermaid">flowchart LR' in page


# ---------------------------------------------------------------- the command

def test_output_file(run, tmp_path):
    target = tmp_path / "sheet.html"
    result = run("worksheet", SEED_ONE_LINE, "--set", SEED_SET, "--format", "html",
                 "-o", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_vary_names_files_by_format(run, tmp_path):
    result = run("worksheet", SEED_ONE_LINE, "--vary", "2", "--format", "latex",
                 "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "sheet-01-key.tex", "sheet-01.tex", "sheet-02-key.tex", "sheet-02.tex"]


@pytest.mark.parametrize("args, status, message", [
    (["J = w*x"], 1, "no value"),
    (["J = w*x", "--set", "w=1,x=2,q=3"], 1, "--set q"),
    (["J = w*x", "--vary", "2", "--set", "q=3"], 1, "--set q"),
    (["J = w*x", "--set", "w=1,x=2", "--format", "pdf"], 2, "Invalid value"),
    (["J = w*x", "--set", "w=1,x=2", "--blank", "all"], 2, "Invalid value"),
    (["J = w*x", "--vary", "0"], 2, "Invalid value"),
    (["J = log(x)", "--set", "x=-1"], 1, "log(x)"),
])
def test_errors(run, args, status, message):
    result = run("worksheet", *args)
    assert result.exit_code == status
    assert message in result.output
    assert "Traceback" not in result.output


def test_too_big_for_a_worksheet(run):
    program = "J = " + "+".join(["x"] * (worksheet.MAX_NODES + 1))
    result = run("worksheet", program, "--set", "x=1")
    assert result.exit_code == 1 and "a worksheet takes at most" in result.output


# ---------------------------------------------------------------- the README's sheets

ROOT = Path(__file__).resolve().parent.parent


def readme_sheets():
    readme = ROOT / "README.md"
    if not readme.exists():
        return []
    text = readme.read_text(encoding="utf-8")
    return re.findall(r"<!-- worksheet: (.*?) -->\n````markdown\n(.*?)````", text, flags=re.S)


def test_readme_has_worksheets():
    assert len(readme_sheets()) == 2


@pytest.mark.parametrize("args, expected", readme_sheets())
def test_readme_worksheet_is_current(run, monkeypatch, args, expected):
    monkeypatch.chdir(ROOT)
    result = run("worksheet", *args.split())
    assert result.exit_code == 0
    assert result.output == expected


def test_readme_variant_inputs_are_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^Inputs: .*$", text.split("## Worksheets", 1)[1], flags=re.M)
    program = (ROOT / "examples" / "seed-steps.cg").read_text(encoding="utf-8")
    drawn = [variant.settings for variant in worksheet.variants(program, 3, seed=1)]
    assert shown[-3:] == ["Inputs: " + ", ".join(f"`{name} = {value:g}`"
                                                 for name, value in settings.items())
                          for settings in drawn]


@pytest.mark.parametrize("sheet_format", ["markdown", "latex", "html"])
def test_a_sheet_with_nothing_to_work_out_says_so(run, sheet_format):
    result = run("worksheet", "x = 3; J = x^2", "--of", "x", "--format", sheet_format)
    assert result.exit_code == 0
    assert "None: there is nothing to work out." in result.output


# ---------------------------------------------------------------- numbers that print well

def key_cells(path: Path) -> dict[str, tuple[str, str]]:
    """node → (value text, derivative text) from a Markdown key."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[2].strip("*"), cells[3].strip("*"))
    return rows


def test_vary_on_the_lecture_gives_exact_short_answers(run, tmp_path):
    result = run("worksheet", "-f", str(ROOT / "examples" / "seed.cg"), "--vary", "5",
                 "--seed", "1", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    for k in range(1, 6):
        key = key_cells(tmp_path / f"sheet-0{k}-key.md")
        assert len(key) == 9
        for node, texts in key.items():
            for text in texts:
                x = float(text)
                assert worksheet.is_nice(x, digits=4), (k, node, text)
        assert "significant digits" not in (tmp_path / f"sheet-0{k}.md").read_text()


def test_vary_on_a_tanh_network_rounds_as_stated_and_never_saturates(run, tmp_path):
    program = (ROOT / "examples" / "tanh-221.cg").read_text(encoding="utf-8")
    result = run("worksheet", program, "--vary", "5", "--seed", "1", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    for k in range(1, 6):
        sheet_text = (tmp_path / f"sheet-0{k}.md").read_text()
        assert "Round answers that are not exact to 4 significant digits" in sheet_text
        key = key_cells(tmp_path / f"sheet-0{k}-key.md")
        inputs = {name: float(v) for name, (v, _) in key.items() if not name.startswith("#")
                  and name not in ("h1", "h2", "y", "J")}
        nodes = grad_json(run, program, inputs)
        for node, (value, grad) in key.items():
            true = nodes[node]
            for text, x in ((value, true["value"]), (grad, true["grad"])):
                assert "e" not in text, (k, node, text)  # no float noise, no tiny numbers
                assert float(text) == float(f"{x:.4g}"), (k, node, text, x)
            if true["op"] == "tanh":
                assert 1 - abs(true["value"]) >= 1e-3, (k, node)
            assert true["grad"] == 0 or abs(true["grad"]) >= worksheet.TINY


@pytest.mark.parametrize("x, digits, nice", [(9.7e-10, None, False), (0.01, None, True),
                                             (123.45, 4, False), (123.4, 4, True),
                                             (-1.25, 4, True), (1234.567, None, False)])
def test_is_nice_is_relative_and_counts_digits(x, digits, nice):
    assert worksheet.is_nice(x, limit=10_000, digits=digits) is nice


def test_float_noise_is_shown_as_zero_and_noted(run):
    program = "r = a + b - c; J = r*w + w"
    key = run("worksheet", program, "--set", "a=0.1,b=0.2,c=0.3,w=2", "--answers").output
    rows = md_rows(key)
    assert rows["r"][0] == "0"
    assert "Note: r is 5.55e-17 in floating point" in key
    sheet = run("worksheet", program, "--set", "a=0.1,b=0.2,c=0.3,w=2").output
    assert "e-17" not in sheet


def test_no_derivative_with_respect_to_a_literal_in_the_key(run):
    key = run("worksheet", SEED_STATEMENTS, "--set", SEED_SET, "--answers").output
    assert "1.386" not in key and "2.772" not in key
    assert "∂J/∂#35;11" not in key


def test_a_network_that_always_saturates_names_the_node(run):
    result = run("worksheet", "h = tanh(100 + x); J = h*w", "--vary", "1")
    assert result.exit_code == 1
    assert "h = tanh(100 + x) saturates" in result.output
