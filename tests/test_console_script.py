"""A few runs through the installed console script, as a user or a shell
script runs cgdiff: real processes, real pipes, real exit statuses."""

import json
import subprocess
import sys


from cases import SEED_SET, cgdiff, cgdiff_command


def test_seed_through_a_pipe():
    program = "x = -2; y = 2\nw = 2; b = 8\nJ = 0.5*(w*x + b - y)^2\n"
    result = cgdiff("grad", "--format", "json", input=program)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["value"] == 2.0
    assert data["gradient"] == {"x": 4.0, "y": -2.0, "w": -4.0, "b": 2.0}


def test_plain_output_for_shell_scripts():
    result = cgdiff("grad", "J = 0.5*(w*x + b - y)^2", "--set", SEED_SET, "--wrt", "w",
                    "--format", "plain")
    assert result.stdout == "w\t-4.0\n"


def test_error_exit_status_and_no_traceback():
    result = cgdiff("eval", "J = (x +")
    assert result.returncode == 1
    assert result.stderr.startswith("error: syntax error at line 1, column 9")
    assert "Traceback" not in result.stderr
    result = cgdiff("eval", "J = x", "--format", "xml")
    assert result.returncode == 2


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "cgdiff", "eval", "2*pi", "--format", "plain"],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout == "6.283185307179586\n"


def test_table_runs_from_any_directory(tmp_path):
    result = subprocess.run(cgdiff_command() + ["grad", "J = w*x", "--set", "w=2,x=-2"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0
    assert "∂J/∂w = -2" in result.stdout
