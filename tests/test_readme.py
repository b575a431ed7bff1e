"""The README's examples are real: every ```console block's `$ cgdiff ...`
commands are run (from the repository root) and their output compared."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cgdiff.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def examples():
    if not README.exists():
        return []
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            found.append((command, "\n".join(output)))
    return [(c, o) for c, o in found if c.startswith("cgdiff ") and "|" not in c and "<" not in c]


@pytest.mark.parametrize("command, expected", examples(), ids=lambda x: x[:60])
def test_readme_example(command, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    got = (result.stdout + result.stderr).rstrip()
    assert [line.rstrip() for line in got.splitlines()] == \
        [line.rstrip() for line in expected.rstrip().splitlines()]


#: Lines for scripts, not laid out for a terminal: JSON records and the
#: one-paragraph error messages (a terminal wraps those itself).
UNWRAPPED = ("{", "  {", "error: ", "Error: ")


def test_console_examples_fit_80_columns():
    """What cgdiff lays out for people (tables, trees, explanations) is shown
    as an 80-column terminal shows it."""
    text = README.read_text(encoding="utf-8")
    wide = [line for block in re.findall(r"```console\n(.*?)```", text, flags=re.S)
            for line in block.splitlines()
            if len(line.rstrip()) > 80 and not line.startswith(("$ ", *UNWRAPPED))]
    assert wide == []
