"""The table of measured limits in the README's "Errors and limits": each giant
input, run once through the console script under GNU time (wall seconds, max
resident memory). Prints the table's rows as Markdown.

    python benchmarks/limits.py            # about two minutes

Needs /usr/bin/time (GNU) and `cgdiff` installed next to this Python.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


def cgdiff() -> str:
    script = Path(sys.executable).with_name("cgdiff")
    return str(script) if script.exists() else "cgdiff"


def programs() -> dict[str, str]:
    n = 100_000
    name = "n" * 1_000_000
    return {
        "deep.cg": "x = 3\nJ = " + "(" * n + "x*x" + ")" * n + "\n",
        "unclosed.cg": "x = 1\nJ = " + "(" * n + "x\n",
        "line.cg": "J = " + "+".join(["1"] * 500_000) + "\n",
        "statements.cg": "x0 = 1\n" + "".join(f"x{i} = x{i - 1}*1.0000001 + 1e-9\n"
                                             for i in range(1, 250_000)),
        "sum.cg": " + ".join(["x"] * 1_310_720) + "\n",
        "error-at-end.cg": "x = 1; J = " + "+".join(["x"] * 500_000) + " @ 1\n",
        "name.cg": f"{name} = 2\nJ = {name}*3\n",
        "literal.cg": "J = " + "7" * 1_000_000 + "\n",
    }


#: (what, program file, arguments, program on stdin)
RUNS = [
    ("100,000-deep parentheses, `grad`", "deep.cg", ["grad", "--format", "plain"], False),
    ("100,000 `(` never closed", "unclosed.cg", ["eval"], False),
    ("a 1,000,000-node line, `1+1+...` (1,000,004 characters), `eval`", "line.cg",
     ["eval", "--format", "plain"], False),
    ("the same, `grad --format json`", "line.cg", ["grad", "--format", "json"], False),
    ("250,000 statements (1,000,000 nodes), `grad`", "statements.cg",
     ["grad", "--format", "plain"], False),
    ("a 5 MB sum `x + x + ...` on stdin (1,310,720 terms), `grad`", "sum.cg",
     ["grad", "--set", "x=1", "--format", "plain"], True),
    ("a 1,000,000-character line, error at its end", "error-at-end.cg", ["eval"], False),
    ("a 1,000,000-character name", "name.cg", ["eval", "--format", "plain"], False),
    ("a 1,000,000-digit literal", "literal.cg", ["eval"], False),
    ("`eval` table of the 1,000,000-node line", "line.cg", ["eval"], False),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as root:
        for file, text in programs().items():
            Path(root, file).write_text(text, encoding="utf-8")
        env = dict(os.environ, COLUMNS="100")
        print("| input | size | exit | output | time | max memory |")
        print("|---|---|---|---|---|---|")
        for what, file, args, stdin in RUNS:
            path = Path(root, file)
            argv = ["/usr/bin/time", "-f", "TIME %e %M", cgdiff(), *args]
            if not stdin:
                argv += ["-f", str(path)]
            with open(path, "rb") if stdin else open(os.devnull, "rb") as given, \
                    tempfile.TemporaryFile() as out:
                done = subprocess.run(argv, stdin=given, stdout=out, stderr=subprocess.PIPE,
                                      env=env)
                size = out.tell()
            lines = done.stderr.decode(errors="replace").splitlines()
            seconds, kb = lines[-1].split()[1:]
            message = [line for line in lines[:-1]
                       if line.strip() and not line.startswith("Command exited")]
            shown = f"{len(message)} lines on stderr" if message else f"{size:,} bytes"
            print(f"| {what} | {path.stat().st_size / 1e6:.1f} MB | {done.returncode} | {shown} "
                  f"| {float(seconds):.1f} s | {int(kb) / 1024:.0f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
