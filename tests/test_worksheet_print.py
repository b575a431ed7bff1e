"""Worksheets printed as a teacher prints them: the 2-2-1 tanh network's HTML
sheet and key through Chromium's print-to-PDF (Debian's chromium and
chromium-driver, which .ci/run installs), with the graph's labels measured in
print media against the body text; its LaTeX sheet through pdflatex when that
is installed. tools/print_worksheets.py does the same by hand."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from test_view_browser import browser, pytestmark  # noqa: F401  (the Chromium fixture and its skip)

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("print_worksheets",
                                              ROOT / "tools" / "print_worksheets.py")
printing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(printing)


@pytest.mark.skipif(shutil.which("dot") is None, reason="the HTML sheet's graph needs Graphviz")
@pytest.mark.parametrize("answers", [False, True])
def test_html_sheet_prints_with_labels_as_large_as_the_text(browser, run, tmp_path, answers):  # noqa: F811
    page = tmp_path / "sheet.html"
    args = ["worksheet", "-f", str(ROOT / "examples" / "tanh-221.cg"), "--format", "html",
            "-o", str(page)]
    assert run(*args, *(["--answers"] if answers else [])).exit_code == 0
    pdf = tmp_path / "sheet.pdf"
    body, smallest, count = printing.print_html(browser, page, pdf)
    assert count >= 31  # every node's label
    assert smallest >= body, (smallest, body)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("answers", [False, True])
def test_latex_sheet_compiles(run, tmp_path, answers):
    tex = tmp_path / "sheet.tex"
    args = ["worksheet", "-f", str(ROOT / "examples" / "tanh-221.cg"), "--format", "latex",
            "-o", str(tex)]
    assert run(*args, *(["--answers"] if answers else [])).exit_code == 0
    pdf = printing.print_latex(tex)
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("dot") is None, reason="the LaTeX sheet's graph needs Graphviz")
def test_latex_sheet_draws_the_graph_at_body_size(run):
    text = run("worksheet", "-f", str(ROOT / "examples" / "tanh-221.cg"), "--format",
               "latex").output
    picture = text.split(r"\begin{picture}", 1)[1].split(r"\end{picture}", 1)[0]
    assert picture.count(r"\put(") == 32 and r"\qbezier(" in picture
    assert r"\small" not in picture and r"\tiny" not in picture and r"\footnotesize" not in picture
    assert "h1 (tanh)" in picture
