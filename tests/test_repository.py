"""The repository is what it says (issue 10, item 7): the MIT licence it
declares is there, the reference the README points to is in the repository,
and trying the benchmark does not change the committed results."""

import hashlib
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_declared_licence_is_there():
    declared = re.search(r'^license\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(),
                         flags=re.M).group(1)
    assert declared == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_the_readme_points_into_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "SPEC.md" not in readme
    assert "docs/reference.md" in readme
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", readme):
        assert (ROOT / target).exists(), target


def load_runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_benchmark_run_writes_to_scratch_unless_asked(tmp_path, monkeypatch, capsys):
    run = load_runner()
    committed = ROOT / "benchmarks" / "RESULTS.md"
    assert run.result_path(None, True) == committed
    assert run.result_path("x/R.md", True) == Path("x/R.md")
    before = hashlib.sha256(committed.read_bytes()).hexdigest()
    monkeypatch.setattr(run, "SCRATCH", tmp_path / "scratch")
    assert run.main(["--sizes", "1e3", "--families", "wide", "--tools", "floor",
                     "--repeats", "1", "--startup-rounds", "0"]) == 0
    assert (tmp_path / "scratch" / "RESULTS.md").exists()
    assert (tmp_path / "scratch" / "results.json").exists()
    assert hashlib.sha256(committed.read_bytes()).hexdigest() == before


def test_the_reference_lists_every_function():
    from cgdiff import ops

    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    missing = [name for name in ops.FUNCTIONS if f"`{name}`" not in text]
    assert missing == [], f"docs/reference.md does not list {missing}"
