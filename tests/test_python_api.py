"""The Python API (cgdiff.public): the README's section "Using cgdiff from
Python" run as a doctest, then what it promises in more detail."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import cgdiff
from cgdiff.errors import CgdiffError

from cases import SEED_STATEMENTS, SEED_VALUES

ROOT = Path(__file__).resolve().parent.parent


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Using cgdiff from Python")
    end = text.index("\n## ", start + 3)
    return text[start:end]


def test_readme_section_runs_as_a_doctest():
    section = readme_section()
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    assert code.count(">>>") >= 15
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, {}, "README: Using cgdiff from Python", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted == code.count(">>>")


def test_the_seeds_numbers_and_json_match_the_command():
    r = cgdiff.grad(SEED_STATEMENTS, SEED_VALUES)
    done = subprocess.run([sys.executable, "-m", "cgdiff", "grad", SEED_STATEMENTS, "--set",
                           "w=2,x=-2,b=8,y=2", "--format", "json"],
                          capture_output=True, text=True, check=True)
    assert r.to_dict() == json.loads(done.stdout)
    assert json.loads(r.to_json()) == json.loads(done.stdout)
    assert dict(r.grad) == {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}


@pytest.mark.parametrize("number", [2, 2.0, Fraction(2), True + 1])
def test_every_kind_of_number(number):
    assert cgdiff.grad("J = w*x", w=number, x=3).grad.x == 2.0
    assert cgdiff.eval("J = 1/x", x=number).value == 0.5


def test_numpy_scalars():
    np = pytest.importorskip("numpy")
    r = cgdiff.grad("J = w*x", w=np.float32(2), x=np.int64(3))
    assert r.value == 6.0 and type(r.value) is float


def test_text_is_not_a_number():
    with pytest.raises(TypeError, match="the value of w must be a number, not str"):
        cgdiff.grad("J = w*x", w="2", x=3)


def test_errors_say_no_option_names():
    with pytest.raises(CgdiffError) as caught:
        cgdiff.grad("J = w*x", w=1, x=1, wrt=["q"])
    assert "--" not in str(caught.value) and "no such name" in str(caught.value)
    with pytest.raises(CgdiffError) as caught:
        cgdiff.grad("J = w*x", w=1, x=1, q=2)
    assert "--" not in str(caught.value)
    with pytest.raises(CgdiffError) as caught:
        cgdiff.eval("J = w*", w=1)
    assert "line 1, column 7" in str(caught.value)


def test_node_access_and_contains():
    r = cgdiff.grad("J = 0.5*(w*x + b - y)^2", w=2, x=-2, b=8, y=2)
    assert r["#6"].label == "w*x" and r["#6"].value == -4.0
    assert "w" in r and "nope" not in r
    with pytest.raises(AttributeError, match="no node called 'nope'"):
        r.nope
    with pytest.raises(KeyError):
        r["nope"]
    assert r.values.J == 2.0 and r.inputs == {"x": -2.0, "y": 2.0, "w": 2.0, "b": 8.0}


def test_a_long_gradient_repr_is_short():
    program = "J = " + " + ".join(f"x{k}^2" for k in range(30))
    r = cgdiff.grad(program, {f"x{k}": k for k in range(30)})
    assert len(repr(r)) < 200 and "... (30 in all)" in repr(r)


def test_notebook_displays():
    r = cgdiff.grad("c = w*x; J = c^2", w=2, x=3)
    table = r._repr_html_()
    assert table.startswith("<table>") and "<td" in table and "∂J/∂node" in table
    assert table.count("<tr>") == 1 + 5  # the head and one row a node (w, x, c, 2, J)
    page = cgdiff.view("c = w*x; J = c^2", w=2, x=3)
    frame = page._repr_html_()
    assert frame.startswith("<iframe") and "srcdoc=" in frame and "&lt;svg" in frame
    assert page.html.startswith("<!DOCTYPE html>")


def test_page_save(tmp_path):
    page = cgdiff.view("J = x^2", x=3)
    page.save(str(tmp_path / "p.html"))
    assert (tmp_path / "p.html").read_text(encoding="utf-8") == page.html


def test_compiled_program_is_reused():
    prog = cgdiff.compile(SEED_STATEMENTS)
    graph = prog.graph
    first = prog.grad(SEED_VALUES)
    assert first.graph is graph and first.grad.w == -4.0
    assert prog.eval(SEED_VALUES, w=3).value == cgdiff.eval(SEED_STATEMENTS, SEED_VALUES, w=3).value
    assert prog.check(SEED_VALUES).ok
    assert prog.hessian(SEED_VALUES, wrt="w,b")["w", "b"] == -2.0
    assert "w" in prog.symbolic().grad
    assert "∂J/∂w = -4" in prog.explain(SEED_VALUES)
    assert list(prog) == ["w", "x", "b", "y"]


def test_functions_that_share_a_modules_name():
    # cgdiff.check is the module cgdiff.check, callable as the API's function.
    from cgdiff import check

    assert check is cgdiff.check and hasattr(check, "RELATIVE_STEP")
    assert cgdiff.check("J = w*x", w=2, x=3).ok
    import inspect

    assert "rtol" in inspect.signature(cgdiff.check).parameters


def test_version_and_py_typed():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^version = "(.*)"', pyproject, re.M).group(1) == cgdiff.__version__
    assert (Path(cgdiff.__file__).parent / "py.typed").exists()


def test_check_against_claims():
    right = cgdiff.check(SEED_STATEMENTS, SEED_VALUES, against="dJ_dw = (w*x + b - y)*x")
    assert right.ok and right.to_dict()["ok"] is True
    wrong = cgdiff.check(SEED_STATEMENTS, SEED_VALUES, against="dJ_dw = (w*x + b - y)*w")
    assert not wrong.ok and wrong.first_wrong.name == "dJ_dw"
    assert cgdiff.compile(SEED_STATEMENTS).check(SEED_VALUES, against="dJ_db = w*x + b - y").ok


def test_jacobian():
    j = cgdiff.jacobian("u = x*y; v = x + y^2", {"x": 2}, y=3, of=["u", "v"], wrt="y")
    assert j.names == ["y"] and j["u", "y"] == 2.0 and j["v", "y"] == 6.0
    assert j.to_dict()["values"] == {"u": 6.0, "v": 11.0}
    assert cgdiff.jacobian is __import__("cgdiff.jacobian").jacobian


def test_grade_a_filled_sheet(run, tmp_path):
    key = run("worksheet", SEED_STATEMENTS, "--set", "w=2,x=-2,b=8,y=2", "--answers").output
    assert repr(cgdiff.grade(key)).startswith("Grade(9 of 9 right (100%)") or \
        cgdiff.grade(key).score == 1.0
    path = tmp_path / "key.md"
    path.write_text(key.replace("| **-4** |", "| **-5** |", 1), encoding="utf-8")
    marked = cgdiff.grade(str(path))
    assert marked.score < 1.0 and any(cell.mark != "right" for cell in marked.cells)
