"""The limits of the newer commands (README: "Limits of the newer commands"):
each hostile input run once through the console script under GNU time (wall
seconds, max resident memory). Prints the table's rows as Markdown.

    python benchmarks/robust_limits.py     # about a minute

Needs /usr/bin/time (GNU) and `cgdiff` installed next to this Python; the
Graphviz row needs `dot`.
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


def wide(n: int) -> str:
    """n products w_i*x_i summed: 2n inputs, 4n nodes."""
    return "\n".join([f"w{i} = 1; x{i} = 2" for i in range(n)] +
                     ["J = " + " + ".join(f"w{i}*x{i}" for i in range(n))]) + "\n"


def files(folder: Path) -> None:
    (folder / "wide.cg").write_text(wide(20_000))
    (folder / "hessian.cg").write_text(wide(1_001))           # 2,002 inputs
    (folder / "check-limit.cg").write_text(wide(1_000))        # 2,000 inputs, 4,000 nodes
    name = "n" * 100_000
    (folder / "name.cg").write_text(f"{name} = 3\nJ = 2*{name}\n")
    names = [f"input_number_{i}_" + "x" * 40 for i in range(10_000)]
    (folder / "names.cg").write_text("J = " + " + ".join(names) + "\n")
    (folder / "long.csv").write_bytes(b"x\n" + b"1" * (3 << 20) + b"\n")


#: (what, arguments) run in the folder of the files above
RUNS = [
    ("`eval --data /dev/zero`", ["eval", "J = x", "--data", "/dev/zero"]),
    ("a 3 MB data line, `eval --data`", ["eval", "J = x", "--data", "long.csv"]),
    ("`hessian`, 2,002 inputs (4,008,004 entries)", ["hessian", "-f", "hessian.cg"]),
    ("`check`, 40,000 inputs, 80,000 nodes", ["check", "-f", "wide.cg"]),
    ("`explain`, 40,000 inputs, 80,000 nodes", ["explain", "-f", "wide.cg"]),
    ("`check`, 2,000 inputs, 4,000 nodes (16 million evaluations, under the limit)",
     ["check", "-f", "check-limit.cg"]),
    ("`explain` of a 100,000-character name", ["explain", "-f", "name.cg"]),
    ("typo hint among 10,000 names of 56 characters",
     ["eval", "-f", "names.cg", "--set", "input_numbr_5_" + "x" * 40 + "=1"]),
    ("`worksheet --vary 999` of `J = x^2`", ["worksheet", "J = x^2", "--vary", "999",
                                            "-o", "sheets"]),
    ("`worksheet --vary 20` of `J = log(x)*y`", ["worksheet", "J = log(x)*y", "--vary", "20",
                                                 "-o", "sheets2"]),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        files(folder)
        print("| input | result | time | max memory |")
        print("|---|---|---|---|")
        for what, args in RUNS:
            done = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", cgdiff(), *args],
                                  cwd=folder, capture_output=True, text=True,
                                  env={**os.environ, "COLUMNS": "100"})
            lines = done.stderr.strip().splitlines()
            seconds, kb = lines[-1].split()[1:]
            first = next((line for line in lines if line.startswith("error:")), None)
            result = ("error: " + first[7:90] + "…") if first else "works"
            print(f"| {what} | {result} | {float(seconds):.1f} s | {int(kb) // 1024} MB |")


if __name__ == "__main__":
    main()
