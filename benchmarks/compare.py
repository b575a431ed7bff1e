#!/usr/bin/env python3
"""Two commits of cgdiff, side by side in one run: is either slower?

Usage (from a clone)::

    python benchmarks/compare.py 612753f            # that commit against HEAD, 10^5 nodes
    python benchmarks/compare.py 612753f main --sizes 1e4 --rounds 4 --families wide,dag

Each commit's ``cgdiff``, ``grammars`` and ``benchmarks`` are exported with
``git archive`` into a temporary folder, and each side is measured by its own
``benchmarks/run.py`` (the library tool only: text → all gradients, phase by
phase), so the measuring code matches the code measured. Rounds alternate the
order (before, after, after, before, ...), so a machine that gets busier or
quieter during the run weighs on both sides alike. The report gives each
family's median over the rounds and the ratio after/before (above 1: after
is slower), with every round's figures beside it: on a shared machine, read
the ratio, not the times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(commit: str, into: Path) -> Path:
    """The commit's package, grammar and benchmarks, as files under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "cgdiff", "grammars",
                              "benchmarks"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def measure(tree: Path, sizes: str, families: str, out: Path, timeout: float) -> dict:
    """One run of the tree's own benchmarks/run.py: "family n" → its record
    (``total`` seconds and ``phases``)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, str(tree / "benchmarks" / "run.py"), "--sizes", sizes,
               "--families", families, "--tools", "cgdiff", "--repeats", "1",
               "--startup-rounds", "0", "--timeout", str(timeout), "--out", str(out)]
    subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    results = json.loads((out.parent / "results.json").read_text(encoding="utf-8"))
    return {key.split()[0] + " " + key.split()[1]: record
            for key, record in results.items()
            if key.endswith(" cgdiff") and isinstance(record, dict) and "total" in record}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="the commit to compare against")
    parser.add_argument("after", nargs="?", default="HEAD", help="default: HEAD")
    parser.add_argument("--sizes", default="1e5")
    parser.add_argument("--families", default="wide,deep,nested,dag")
    parser.add_argument("--rounds", type=int, default=4, help="runs of each side (default 4)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)

    began = time.time()
    with tempfile.TemporaryDirectory(prefix="cgdiff-compare-") as folder:
        work = Path(folder)
        trees = {"before": export(args.before, work / "before"),
                 "after": export(args.after, work / "after")}
        times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
        phases: dict[str, dict[tuple[str, str], list[float]]] = {"before": {}, "after": {}}
        for round_number in range(args.rounds):
            order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
            for side in order:
                out = work / f"{side}-{round_number}" / "RESULTS.md"
                out.parent.mkdir()
                for case, record in measure(trees[side], args.sizes, args.families, out,
                                            args.timeout).items():
                    times[side].setdefault(case, []).append(record["total"])
                    for phase, seconds in record.get("phases", {}).items():
                        phases[side].setdefault((case, phase), []).append(seconds)
                print(f"round {round_number + 1} {side} done", file=sys.stderr)

    print(f"# {args.before} against {args.after}: text → all gradients, library time\n")
    print(f"`python benchmarks/compare.py {args.before} {args.after} --sizes {args.sizes} "
          f"--families {args.families} --rounds {args.rounds}`, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(began))}, "
          f"{(time.time() - began) / 60:.1f} minutes; {platform.machine()}, "
          f"{os.cpu_count()} cores, load average at the end "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.\n")
    print("| case | before (median s) | after (median s) | after/before | before, each round "
          "| after, each round |")
    print("|---|---:|---:|---:|---|---|")
    for case in times["before"]:
        before, after = times["before"][case], times["after"].get(case, [])
        if not after:
            continue
        b, a = statistics.median(before), statistics.median(after)
        print(f"| {case} | {b:.2f} | {a:.2f} | {a / b:.3f} | "
              f"{', '.join(f'{x:.2f}' for x in before)} | {', '.join(f'{x:.2f}' for x in after)} |")
    print("\nBy phase (median seconds, after/before in brackets):\n")
    names = list(dict.fromkeys(phase for _, phase in phases["before"]))
    print("| case | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for case in times["before"]:
        cells = []
        for phase in names:
            before = phases["before"].get((case, phase))
            after = phases["after"].get((case, phase))
            if not before or not after:
                cells.append("")
                continue
            b, a = statistics.median(before), statistics.median(after)
            cells.append(f"{b:.3f} → {a:.3f} ({a / b:.2f})" if b else f"{b:.3f} → {a:.3f}")
        print(f"| {case} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
