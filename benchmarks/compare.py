#!/usr/bin/env python3
"""Two commits of cgdiff, side by side in one run: is either slower?

Usage (from a clone)::

    python benchmarks/compare.py 612753f            # that commit against HEAD, 10^5 nodes
    python benchmarks/compare.py 612753f main --sizes 1e4 --rounds 8 --families wide,dag

Each commit's ``cgdiff`` and ``grammars`` are exported with ``git archive``
into a temporary folder. The programs are the families of ``run.py`` (written
once, by this checkout, so both sides read the same text), and both sides are
timed by the same worker, below: a fresh process per measurement, importing
one side's package, running text → all gradients phase by phase (parse,
build, forward, reverse, output). Times are **CPU seconds** of the worker
(``time.process_time``): on a shared machine another job's load lengthens the
wall clock but much less the CPU time a single-threaded job uses. Rounds
alternate the order (before, after, after, before, ...), so a machine that
gets busier or quieter during the run weighs on both sides alike. The report
gives each case's median over the rounds, the ratio after/before (above 1:
after is slower) and every round's figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PHASES = ["parse", "build", "forward", "reverse", "output"]


def export(commit: str, into: Path) -> Path:
    """The commit's package and grammar, as files under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "cgdiff", "grammars"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def worker(program: Path) -> dict:
    """Text → all gradients with the ``cgdiff`` on sys.path: CPU seconds a phase.
    Only functions both sides of any comparison since the package's move have."""
    from cgdiff import passes
    from cgdiff.api import Result
    from cgdiff.graph import build_graph
    from cgdiff.parser import parse
    from cgdiff.render.data import write_plain

    clock = time.process_time
    text = program.read_text(encoding="utf-8")
    parse("x = 1")  # the parser's tables loaded before timing
    t0 = clock()
    tape = parse(text)
    t1 = clock()
    graph = build_graph(tape)
    del tape
    t2 = clock()
    inputs = passes.input_values(graph, {})
    values = passes.forward(graph, inputs)
    t3 = clock()
    adjoints = passes.reverse(graph, values)
    gradient = {name: adjoints[graph.index[name]] if name in graph.index else 0.0
                for name in graph.inputs}
    t4 = clock()
    write_plain(Result(graph, inputs, values, adjoints, gradient), io.StringIO())
    t5 = clock()
    return {"parse": t1 - t0, "build": t2 - t1, "forward": t3 - t2, "reverse": t4 - t3,
            "output": t5 - t4, "total": t5 - t0, "value": values[graph.output]}


def measure(tree: Path, program: Path, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                           str(program)], env=env, cwd=tree, check=True, capture_output=True,
                          text=True, timeout=timeout)
    return json.loads(done.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", nargs="?", help="the commit to compare against")
    parser.add_argument("after", nargs="?", default="HEAD", help="default: HEAD")
    parser.add_argument("--sizes", default="1e5")
    parser.add_argument("--families", default="wide,deep,nested,dag")
    parser.add_argument("--rounds", type=int, default=6, help="runs of each side (default 6)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(Path(args.worker))))
        return 0
    if not args.before:
        parser.error("name the commit to compare against")

    sys.path.insert(0, str(HERE))
    from run import machine, parse_sizes, write_case  # the families, as this checkout writes them

    began = time.time()
    cases = [(family, n) for n in parse_sizes(args.sizes) for family in args.families.split(",")]
    with tempfile.TemporaryDirectory(prefix="cgdiff-compare-") as folder:
        work = Path(folder)
        trees = {"before": export(args.before, work / "before"),
                 "after": export(args.after, work / "after")}
        programs = {case: write_case(work / "cases", *case) / "program.cg" for case in cases}
        runs: dict[str, dict[tuple, list[dict]]] = {"before": {}, "after": {}}
        for round_number in range(args.rounds):
            order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
            for case in cases:
                for side in order:
                    record = measure(trees[side], programs[case], args.timeout)
                    runs[side].setdefault(case, []).append(record)
            print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)

    print(f"# {args.before} against {args.after}: text → all gradients, CPU seconds\n")
    print(f"`python benchmarks/compare.py {args.before} {args.after} --sizes {args.sizes} "
          f"--families {args.families} --rounds {args.rounds}`, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(began))}, "
          f"{(time.time() - began) / 60:.1f} minutes; {machine()}.\n")
    print("| case | before (median s) | after (median s) | after/before | before, each round "
          "| after, each round |")
    print("|---|---:|---:|---:|---|---|")
    for case in cases:
        before = [r["total"] for r in runs["before"][case]]
        after = [r["total"] for r in runs["after"][case]]
        b, a = statistics.median(before), statistics.median(after)
        print(f"| {case[0]} {case[1]:,} | {b:.3f} | {a:.3f} | {a / b:.3f} | "
              f"{', '.join(f'{x:.2f}' for x in before)} | {', '.join(f'{x:.2f}' for x in after)} |")
    print("\nBy phase: median CPU seconds before → after (after/before):\n")
    print("| case | " + " | ".join(PHASES) + " |")
    print("|---|" + "---:|" * len(PHASES))
    for case in cases:
        cells = []
        for phase in PHASES:
            b = statistics.median(r[phase] for r in runs["before"][case])
            a = statistics.median(r[phase] for r in runs["after"][case])
            cells.append(f"{b:.3f} → {a:.3f} ({a / b:.2f})" if b else f"{b:.3f} → {a:.3f}")
        print(f"| {case[0]} {case[1]:,} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
