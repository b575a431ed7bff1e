#!/usr/bin/env python3
"""Derivatives as formulas, timed: ``grad --symbolic`` (the formulas built,
then written as a program) and ``hessian``, library calls, CPU seconds (the
best of ``--repeats``; ``run.py`` times the numeric passes, not these).

Usage (from a clone)::

    python benchmarks/formulas.py                      # this checkout
    python benchmarks/formulas.py --against 13c8e00    # that commit beside this one

With ``--against``, that commit's ``cgdiff`` and ``grammars`` are exported
with ``git archive`` into a temporary folder and both sides are measured in
alternating rounds (before, after, after, before, ...), so a machine that
gets busier weighs on both alike: on a shared machine, read the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(terms: int, hessian_terms: int, repeats: int) -> dict[str, float]:
    """Best CPU seconds of each step, in this process's cgdiff."""
    import io

    from cgdiff import symbolic
    from cgdiff.api import load
    from cgdiff.hessian import hessian
    from cgdiff.render.formulas import FORMATS

    source = "J = " + " + ".join(f"tanh(w{i}*x{i} + b{i})^2*sigmoid(x{i}*w{i})"
                                 for i in range(terms))
    graph = load(source)
    small = load("J = " + " + ".join(f"tanh(x*y{i})*exp(x - y{i})/(1 + y{i}^2)"
                                     for i in range(hessian_terms)))
    point = {name: 0.1 for name in small.inputs}
    best = {"formulas": float("inf"), "program": float("inf"), "hessian": float("inf")}
    for _ in range(repeats):
        start = time.process_time()
        d = symbolic.derivatives(graph)
        built = time.process_time()
        FORMATS["table"](d, io.StringIO())
        written = time.process_time()
        hessian(small, point)
        done = time.process_time()
        best["formulas"] = min(best["formulas"], built - start)
        best["program"] = min(best["program"], written - built)
        best["hessian"] = min(best["hessian"], done - written)
    best["nodes"] = len(graph)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=3000,
                        help="terms of the grad --symbolic program (12 nodes each)")
    parser.add_argument("--hessian-terms", type=int, default=40,
                        help="terms of the hessian program (one input each, and x)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per round (the best)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (--against)")
    parser.add_argument("--against", metavar="COMMIT", help="a commit to measure beside this one")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json or not args.against:
        result = measure(args.terms, args.hessian_terms, args.repeats)
        print(json.dumps(result) if args.json else
              "  ".join(f"{k} {v:.3f} s" if k != "nodes" else f"{v:,} nodes"
                        for k, v in result.items()))
        return
    from compare import export

    with tempfile.TemporaryDirectory() as folder:
        before = export(args.against, Path(folder) / "before")
        sides = {"before": str(before), "after": str(ROOT)}
        figures: dict[str, list[dict]] = {"before": [], "after": []}
        for r in range(args.rounds):
            order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
            for side in order:
                env = dict(os.environ, PYTHONPATH=sides[side])
                out = subprocess.run([sys.executable, __file__, "--json", "--terms",
                                      str(args.terms), "--hessian-terms", str(args.hessian_terms),
                                      "--repeats", str(args.repeats)],
                                     env=env, check=True, capture_output=True, text=True,
                                     cwd=folder).stdout
                figures[side].append(json.loads(out))
    for step in ("formulas", "program", "hessian"):
        b = min(f[step] for f in figures["before"])
        a = min(f[step] for f in figures["after"])
        print(f"{step:9} before {b:.3f} s  after {a:.3f} s  after/before {a / b:.2f}")


if __name__ == "__main__":
    main()
