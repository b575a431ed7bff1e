"""The README's examples are real: every ```console block's `$ cgdiff ...`
commands are run (from the repository root) and their output compared; the
same for the reference, docs/reference.md (its `cgdiff COMMAND --help` blocks
keep its list of options true)."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cgdiff.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "reference.md"
DOCUMENTS = [README, REFERENCE]


def examples():
    found = []
    for document in DOCUMENTS:
        if document.exists():
            found += examples_in(document.read_text(encoding="utf-8"))
    return found


def examples_in(text):
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
    result = CliRunner().invoke(cli, shlex.split(command)[1:], prog_name="cgdiff")
    got = (result.stdout + result.stderr).rstrip()
    assert [line.rstrip() for line in got.splitlines()] == \
        [line.rstrip() for line in expected.rstrip().splitlines()]


#: Lines for scripts, not laid out for a terminal: JSON records and the
#: one-paragraph error messages (a terminal wraps those itself).
UNWRAPPED = ("{", "  {", "error: ", "Error: ")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_console_examples_fit_80_columns(document):
    """What cgdiff lays out for people (tables, trees, explanations, help) is
    shown as an 80-column terminal shows it."""
    text = document.read_text(encoding="utf-8")
    # Exported code (grad --symbolic --format python|numpy|c|javascript) is for
    # a file and an editor, like JSON for a script: its lines are not wrapped.
    blocks = [block for block in re.findall(r"```console\n(.*?)```", text, flags=re.S)
              if not re.search(r"--format (python|numpy|c|javascript)\b", block.split("\n")[0])]
    wide = [line for block in blocks
            for line in block.splitlines()
            if len(line.rstrip()) > 80 and not line.startswith(("$ ", *UNWRAPPED))
            and not line.startswith("      cgdiff ")]  # --help's examples are commands
    assert wide == []


def test_the_reference_shows_every_command_and_option():
    from cgdiff.cli import cli

    text = REFERENCE.read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        how = ("add a ```console block with `$ cgdiff {} --help` to docs/reference.md, "
               "then run python tools/update_readme.py")
        assert f"$ cgdiff {name} --help" in text, how.format(name)
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--"):
                    assert option in text, (name, option, "run python tools/update_readme.py")
