"""explain, check, graph and grad --stats through the installed console script:
real processes, real files, real exit statuses."""

import json
import shutil
from pathlib import Path

import pytest

from cases import SEED_SET, SEED_STATEMENTS
from cases import cgdiff


def test_explain_from_the_script():
    result = cgdiff("explain", SEED_STATEMENTS, "--set", SEED_SET)
    assert result.returncode == 0, result.stderr
    for number in ["∂J/∂d = 2", "∂J/∂a = 2", "∂J/∂c = 2", "∂J/∂b = 2", "∂J/∂w = -4",
                   "1.996002"]:
        assert number in result.stdout


def test_check_from_the_script_passes_and_fails():
    assert cgdiff("check", SEED_STATEMENTS, "--set", SEED_SET).returncode == 0
    kink = cgdiff("check", "J = relu(x)", "--set", "x=0", "--strict")
    assert kink.returncode == 3
    assert kink.stderr.startswith("error: the reverse-mode derivative disagrees")


def test_stats_from_the_script():
    wide = Path(__file__).resolve().parent.parent / "examples" / "wide.cg"
    result = cgdiff("grad", "-f", str(wide), "--stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stats"]["inputs"] == 102


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graph_svg_from_the_script(tmp_path):
    path = tmp_path / "seed.svg"
    result = cgdiff("graph", SEED_STATEMENTS, "--set", SEED_SET, "--values", "-o", str(path))
    assert result.returncode == 0, result.stderr
    svg = path.read_text(encoding="utf-8")
    assert "<svg" in svg and "∂J/∂w = &#45;4" in svg  # Graphviz writes "-" as &#45;
