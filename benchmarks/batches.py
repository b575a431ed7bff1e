"""Batches, fitting and warm runs: cgdiff against a hand-written NumPy floor.

    python benchmarks/batches.py [--rows 1e6] [--rounds 1] [--warm-nodes 1e6]

(``benchmarks/run.py`` calls the same functions and puts the figures in
RESULTS.md.) Each command runs in a fresh process; its time is wall time
(start-up included) and its memory the process's peak resident set. cgdiff
and the floor run alternately, so that a busy machine slows both alike.

* ``grad --data``: the lecture's program over N rows, every gradient, CSV out.
  The floor: ``np.loadtxt``, the same formulas on whole columns, ``np.savetxt``
  of the same columns (``%.17g``, enough digits to round-trip).
* ``fit``: 20 steps of gradient descent on w and b over the same rows. The
  floor: ``np.loadtxt`` and the 20 steps on whole columns.
* warm run: ``cgdiff grad -f PROGRAM`` of a program of about N nodes twice
  with an empty cache folder (the second run loads the built graph).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = "J = 0.5*(w*x + b - y)^2"

FLOOR_GRAD = '''import sys
import numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
x, y = d[:, 0], d[:, 1]
w, b = 2.0, 8.0
r = w * x + b - y
columns = [x, y, 0.5 * r * r, r * x, r * w, r, -r]
np.savetxt(sys.stdout, np.column_stack(columns), delimiter=",", fmt="%.17g",
           header="x,y,J,dJ/dw,dJ/dx,dJ/db,dJ/dy", comments="")
'''

FLOOR_FIT = '''import sys
import numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
x, y = d[:, 0], d[:, 1]
w, b, lr = 0.0, 0.0, 0.1
for step in range(21):
    r = w * x + b - y
    cost = np.mean(0.5 * r * r)
    gw, gb = np.mean(r * x), np.mean(r)
    if step == 20:
        break
    w, b = w - lr * gw, b - lr * gb
print(w, b, cost)
'''


def cgdiff_command() -> list[str]:
    script = Path(sys.executable).with_name("cgdiff")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cgdiff"]


def generate(path: Path, rows: int) -> None:
    with open(path, "w") as f:
        f.write("x,y\n")
        for i in range(rows):
            f.write(f"{(i % 1997) / 1000 - 1:.3f},{(i % 1009) / 500 - 1:.3f}\n")


def cache_threshold() -> int:
    """The size from which cgdiff caches a program's graph."""
    from cgdiff import graphcache

    return graphcache.THRESHOLD


def run_measured(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak MB) of one run of argv, its output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}...: {err.strip()[-300:]}")
    return wall, usage.ru_maxrss / 1024


def _alternate(jobs: dict[str, list[str]], rounds: int, env=None) -> dict[str, dict]:
    times: dict[str, list] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, argv in jobs.items():
            times[name].append(run_measured(argv, env))
    return {name: {"seconds": statistics.median(t for t, _ in runs),
                   "peak_mb": max(m for _, m in runs)} for name, runs in times.items()}


def batch_figures(rows: int, rounds: int = 1) -> dict:
    """grad --data and fit against their floors on ``rows`` rows."""
    with tempfile.TemporaryDirectory(prefix="cgdiff-batch-") as tmp:
        tmp = Path(tmp)
        data = tmp / "rows.csv"
        generate(data, rows)
        (tmp / "floor_grad.py").write_text(FLOOR_GRAD)
        (tmp / "floor_fit.py").write_text(FLOOR_FIT)
        cg = cgdiff_command()
        grad = _alternate({
            "floor": [sys.executable, str(tmp / "floor_grad.py"), str(data)],
            "cgdiff": [*cg, "grad", PROGRAM, "--data", str(data), "--set", "w=2,b=8"],
        }, rounds)
        fit = _alternate({
            "floor": [sys.executable, str(tmp / "floor_fit.py"), str(data)],
            "cgdiff": [*cg, "fit", PROGRAM, "--data", str(data), "--params", "w,b",
                       "--steps", "20", "--format", "plain"],
        }, rounds)
    return {"rows": rows, "rounds": rounds, "grad": grad, "fit": fit}


def warm_figures(program_text: str, nodes: int) -> dict:
    """First run (parse, build, store), second run (load), and a run with
    --no-cache, each in a fresh process, with an empty cache folder."""
    with tempfile.TemporaryDirectory(prefix="cgdiff-warm-") as tmp:
        program = Path(tmp) / "program.cg"
        program.write_text(program_text)
        cache = Path(tmp) / "cache"
        env = dict(os.environ, XDG_CACHE_HOME=str(cache))
        env.pop("CGDIFF_NO_CACHE", None)
        argv = [*cgdiff_command(), "grad", "-f", str(program), "--format", "plain"]
        # The parser's tables are cached first, so that the first run is a
        # user's first run of this program, not of cgdiff.
        run_measured([*cgdiff_command(), "eval", "x = 1"], env)
        first = run_measured(argv, env)
        second = run_measured(argv, env)
        off = run_measured([*argv, "--no-cache"], env)
        size = sum(f.stat().st_size for f in cache.rglob("graph-*"))
        shutil.rmtree(cache, ignore_errors=True)
    return {"nodes": nodes, "first": first, "second": second, "no_cache": off,
            "entry_mb": size / 1e6}


def report(batch: dict | None, warm: dict | None) -> list[str]:
    """Markdown lines for RESULTS.md (and the terminal)."""
    out = []
    if batch:
        out.append(f"## Batches and fitting against NumPy ({batch['rows']:,} rows)\n")
        out.append("Wall time (start-up included) and peak memory of each command, cgdiff "
                   "and a hand-written NumPy program run alternately "
                   f"({batch['rounds']} round(s), median). See `benchmarks/batches.py`.\n")
        out.append("| job | NumPy floor | cgdiff | cgdiff/floor | floor MB | cgdiff MB |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for key, label in [("grad", f"`grad --data` ({PROGRAM})"),
                           ("fit", "`fit --params w,b --steps 20`")]:
            f, c = batch[key]["floor"], batch[key]["cgdiff"]
            out.append(f"| {label} | {f['seconds']:.2f} s | {c['seconds']:.2f} s | "
                       f"{c['seconds'] / f['seconds']:.2f} | {f['peak_mb']:.0f} | "
                       f"{c['peak_mb']:.0f} |")
        out.append("")
    if warm:
        out.append(f"## Warm runs: the graph cache ({warm['nodes']:,}-node program)\n")
        out.append("`cgdiff grad -f PROGRAM --format plain`, each run a fresh process, with an "
                   "empty cache folder (parser tables already cached).\n")
        out.append("| run | seconds | peak MB |")
        out.append("|---|---:|---:|")
        for key, label in [("first", "first (parse, build, store)"),
                           ("second", "second (graph loaded)"),
                           ("no_cache", "`--no-cache`")]:
            t, m = warm[key]
            out.append(f"| {label} | {t:.2f} | {m:.0f} |")
        out.append(f"\nSecond/first: **{warm['second'][0] / warm['first'][0]:.2f}**; "
                   f"the cache entry: {warm['entry_mb']:.0f} MB.\n")
    return out


def targets(batch: dict | None, warm: dict | None) -> list[str]:
    def verdict(ok):
        return "**met**" if ok else "**not met**"

    rows = []
    if batch:
        for key, t_limit, m_limit in [("grad", 1.5, 150), ("fit", 3.0, 200)]:
            f, c = batch[key]["floor"], batch[key]["cgdiff"]
            ratio = c["seconds"] / f["seconds"]
            name = "grad --data" if key == "grad" else "fit, 20 steps"
            rows.append(f"- Batches, {name}, {batch['rows']:,} rows: {ratio:.2f}× the NumPy "
                        f"floor (target ≤ {t_limit:g}): {verdict(ratio <= t_limit)}; "
                        f"{c['peak_mb']:.0f} MB (target ≤ {m_limit}): "
                        f"{verdict(c['peak_mb'] <= m_limit)}")
    if warm:
        ratio = warm["second"][0] / warm["first"][0]
        rows.append(f"- Warm run, {warm['nodes']:,} nodes: second/first = {ratio:.2f} "
                    f"(target ≤ 0.25): {verdict(ratio <= 0.25)}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6", help="data rows (0 skips)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warm-nodes", default="0",
                        help="size of the warm-run program (0 skips; run.py makes it)")
    args = parser.parse_args()
    rows = int(float(args.rows))
    batch = batch_figures(rows, args.rounds) if rows else None
    warm = None
    if int(float(args.warm_nodes)):
        sys.path.insert(0, str(Path(__file__).parent))
        import run

        n = int(float(args.warm_nodes))
        text, _, _ = run.generate("deep", n)
        warm = warm_figures(text, n)
    print("\n".join(report(batch, warm) + targets(batch, warm)))


if __name__ == "__main__":
    main()
