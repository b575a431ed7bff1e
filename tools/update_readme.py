"""Rewrite the output of every ```console example in README.md and
docs/reference.md from the current code: `python tools/update_readme.py`.

tests/test_readme.py checks the same examples, so a stale README fails CI.
Commands with a pipe run through the shell; others through Click's CliRunner,
as the test does, 80 columns wide.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cgdiff.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(command: str) -> str:
    if "|" in command or "<" in command or not command.startswith("cgdiff "):
        result = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=ROOT,
                                env={**os.environ, "COLUMNS": "80",
                                     "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
        return (result.stdout + result.stderr).rstrip()
    os.environ["COLUMNS"] = "80"
    result = CliRunner().invoke(cli, shlex.split(command)[1:], prog_name="cgdiff")
    return (result.stdout + result.stderr).rstrip()


def update(text: str) -> str:
    def block(match):
        lines, out = match.group(1).splitlines(), []
        for line in lines:
            if line.startswith("$ "):
                out.append(line)
                if line[2:].split()[0] in ("cgdiff", "cat", "printf", "echo"):
                    out.append(run(line[2:]))
        return "```console\n" + "\n".join(out) + "\n```"

    return re.sub(r"```console\n(.*?)```", block, text, flags=re.S)


if __name__ == "__main__":
    os.chdir(ROOT)
    for document in (ROOT / "README.md", ROOT / "docs" / "reference.md"):
        if document.exists():
            document.write_text(update(document.read_text(encoding="utf-8")),
                                encoding="utf-8")
