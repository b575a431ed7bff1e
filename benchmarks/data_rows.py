"""Streaming --data: time and peak memory of `cgdiff grad --data` against the
number of rows (flat memory is the point).

    python benchmarks/data_rows.py [--rows 10000,1000000]

Each size runs in a fresh process; peak memory is its maximum resident set.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

PROGRAM = "J = 0.5*(w*x + b - y)^2"


def generate(path: str, rows: int) -> None:
    with open(path, "w") as f:
        f.write("x,y\n")
        for i in range(rows):
            f.write(f"{(i % 1997) / 1000 - 1:.3f},{(i % 1009) / 500 - 1:.3f}\n")


def measure(path: str) -> tuple[float, int]:
    code = ("import resource, sys\nfrom cgdiff.cli import main\n"
            f"sys.argv = ['cgdiff', 'grad', {PROGRAM!r}, '--data', {path!r}, '--set', 'w=2,b=8']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True)
    return time.perf_counter() - start, int(done.stderr.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000")
    args = parser.parse_args()
    print(f"{'rows':>10} {'seconds':>9} {'µs/row':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in map(int, args.rows.split(",")):
            path = os.path.join(tmp, f"{rows}.csv")
            generate(path, rows)
            seconds, kb = measure(path)
            print(f"{rows:>10} {seconds:>9.2f} {seconds / rows * 1e6:>8.1f} {kb / 1024:>8.1f}")


if __name__ == "__main__":
    main()
