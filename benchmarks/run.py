#!/usr/bin/env python3
"""cgdiff beside its peers: throughput, scaling, memory and start-up.

Usage (from a clone, with the bench extra installed)::

    pip install -e '.[bench]'          # sympy, micrograd, torch==2.13.0 (CPU)
    python benchmarks/run.py           # sizes 1e3..1e6, every family, into benchmarks/scratch/
    python benchmarks/run.py --update  # the same, rewriting the committed RESULTS.md
    python benchmarks/run.py --sizes 1e3,1e4 --families wide,dag --repeats 5 --timeout 60

Every measurement runs in a fresh subprocess of this script (``--worker``), so
peak memory is that process's own ``ru_maxrss`` and one crash or time-out
cannot take the others with it. A peer that is missing, fails or times out is
reported as such in the table.

Families (n is the approximate number of graph nodes):

* ``wide``   ``J = (w1*x1 + ... + wp*xp + b - y)^2``, one long line, p = n/4
* ``deep``   ``v_k = tanh(w_k*v_{k-1} + b_k)``, one statement per level
* ``nested`` the same chain as one nested expression (n/5 parentheses deep)
* ``dag``    ``v_k = tanh(v_{k-1} + v_i*v_j)`` with i, j random earlier names

Tools: ``cgdiff`` through the library, phase by phase (read, parse, build,
forward, reverse, output); ``cgdiff-cli`` the console script as a user runs it
(``cgdiff grad -f FILE --format plain``, start-up included); ``floor`` CPython
``compile()`` + ``exec()`` of the same formulas and input declarations, forward
only; ``micrograd``
(with ``tanh`` added as in its lecture, recursion limit raised); ``torch``
(PyTorch CPU scalar autograd, float64, one thread); ``sympy`` (parse, ``diff``
for every input, evaluate).

The peers run the formulas as Python statements. Where a family's cgdiff text
cannot be Python (the ``nested`` family is deeper than CPython's parser allows,
``wide`` is longer than its compiler's recursion allows) the peers run the
equivalent statements (``nested`` → the ``deep`` statements, ``wide`` → partial
sums of 100 terms): the same arithmetic, node for node.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import batches  # noqa: E402  (benchmarks/batches.py: --data, fit and warm runs)

FAMILIES = ["wide", "deep", "nested", "dag"]
TOOLS = ["cgdiff", "cgdiff-cli", "floor", "micrograd", "torch", "sympy"]
PEERS = ["floor", "micrograd", "torch", "sympy"]
SEED_ONE_LINER = "J = 0.5*(w*x + b - y)^2"
SEED_SET = "w=2,x=-2,b=8,y=2"


# ---------------------------------------------------------------- programs

def _num(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.4f}"


def generate(family: str, n: int, seed: int = 1) -> tuple[str, str, dict[str, float]]:
    """(cgdiff text, Python formulas for the peers, input values) of about n nodes."""
    rng = random.Random(seed)
    decl: list[str] = []  # cgdiff input declarations: `name = literal`
    values: dict[str, float] = {}

    def declare(name: str, low: float, high: float) -> str:
        text = _num(rng, low, high)
        decl.append(f"{name} = {text}")
        values[name] = float(text)
        return name

    if family == "wide":
        p = max(1, n // 4)
        terms = []
        for i in range(1, p + 1):
            declare(f"w{i}", -1, 1)
            declare(f"x{i}", -1, 1)
            terms.append(f"w{i}*x{i}")
        declare("b", -1, 1)
        declare("y", -1, 1)
        cg = "\n".join(decl) + "\nJ = (" + " + ".join(terms) + " + b - y)^2\n"
        py, acc = [], None
        for k in range(0, p, 100):
            chunk = " + ".join(terms[k:k + 100])
            py.append(f"s{k} = {chunk}" if acc is None else f"s{k} = {acc} + {chunk}")
            acc = f"s{k}"
        py.append(f"J = ({acc} + b - y)**2")
        return cg, "\n".join(py) + "\n", values

    if family in ("deep", "nested"):
        levels = max(1, n // 5)
        declare("v0", -0.5, 0.5)
        statements, py = [], []
        for k in range(1, levels + 1):
            declare(f"w{k}", 0.95, 1.05)
            declare(f"b{k}", -0.001, 0.001)
            name = "J" if k == levels else f"v{k}"
            py.append(f"{name} = tanh(w{k}*v{k - 1} + b{k})")
        if family == "deep":
            statements = [line.replace("**", "^") for line in py]
            cg = "\n".join(decl + statements) + "\n"
        else:
            expr = "v0"
            for k in range(1, levels + 1):
                expr = f"tanh(w{k}*{expr} + b{k})"
            cg = "\n".join(decl) + "\nJ = " + expr + "\n"
        return cg, "\n".join(py) + "\n", values

    if family == "dag":
        q = 100
        names = [declare(f"x{i}", -1, 1) for i in range(1, q + 1)]
        count = max(1, n // 3)
        py = []
        previous = names[0]
        for k in range(1, count + 1):
            a, b = rng.choice(names), rng.choice(names)
            name = "J" if k == count else f"v{k}"
            py.append(f"{name} = tanh({previous} + {a}*{b})")
            names.append(name)
            previous = name
        cg = "\n".join(decl + py) + "\n"
        return cg, "\n".join(py) + "\n", values

    raise ValueError(f"unknown family {family!r}")


def write_case(root: Path, family: str, n: int) -> Path:
    case = root / f"{family}-{n}"
    case.mkdir(parents=True, exist_ok=True)
    cg, py, values = generate(family, n)
    (case / "program.cg").write_text(cg, encoding="utf-8")
    (case / "program.py").write_text(py, encoding="utf-8")
    # The floor compiles the inputs' declarations too, as cgdiff parses them.
    declarations = "".join(f"{name} = {x!r}\n" for name, x in values.items())
    (case / "floor.py").write_text(declarations + py, encoding="utf-8")
    (case / "inputs.json").write_text(json.dumps(values), encoding="utf-8")
    return case


# ---------------------------------------------------------------- workers
# Each prints one JSON object: phases (seconds), value, gradient checksum, nodes.

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _checksum(gradient) -> float:
    return math.fsum(abs(g) for g in gradient)


def worker_cgdiff(case: Path) -> dict:
    t = time.perf_counter
    t0 = t()
    from cgdiff import passes
    from cgdiff.api import Result
    from cgdiff.graph import build_graph
    from cgdiff.parser import parse
    from cgdiff.render.data import write_plain
    phases = {"import": t() - t0}
    t0 = t()
    text = (case / "program.cg").read_text(encoding="utf-8")
    t1 = t()
    program = parse(text)
    t2 = t()
    graph = build_graph(program)
    del program  # as cgdiff.api.load does: the tape is not needed past the build
    t3 = t()
    inputs = passes.input_values(graph, {})
    values = passes.forward(graph, inputs)
    t4 = t()
    adjoints = passes.reverse(graph, values)
    index = graph.index
    gradient = {name: adjoints[index[name]] if name in index else 0.0 for name in graph.inputs}
    t5 = t()
    out = io.StringIO()
    write_plain(Result(graph, inputs, values, adjoints, gradient), out)
    t6 = t()
    phases.update(read=t1 - t0, parse=t2 - t1, build=t3 - t2, forward=t4 - t3,
                  reverse=t5 - t4, output=t6 - t5)
    zero = sum(1 for x in adjoints if x == 0.0)
    return {"phases": phases, "value": values[graph.output], "checksum": _checksum(gradient.values()),
            "nodes": len(graph), "zero_adjoints": zero}


def _read_peer(case: Path):
    source = (case / "program.py").read_text(encoding="utf-8")
    values = json.loads((case / "inputs.json").read_text(encoding="utf-8"))
    return source, values


def worker_floor(case: Path) -> dict:
    t = time.perf_counter
    t0 = t()
    source = (case / "floor.py").read_text(encoding="utf-8")
    t1 = t()
    code = compile(source, "floor.py", "exec")
    t2 = t()
    namespace = {"tanh": math.tanh, "__builtins__": {}}
    exec(code, namespace)  # the floor: CPython itself running the formulas
    t3 = t()
    return {"phases": {"import": 0.0, "read": t1 - t0, "compile": t2 - t1, "forward": t3 - t2},
            "value": namespace["J"]}


def _micrograd_value(path: str | None):
    if path:
        sys.path.insert(0, path)
    from micrograd.engine import Value

    return Value


def worker_micrograd(case: Path, path: str | None = None) -> dict:
    t = time.perf_counter
    t0 = t()
    Value = _micrograd_value(path)
    phases = {"import": t() - t0}

    def tanh(v):  # as in the micrograd lecture: not in the package's engine
        out = Value(math.tanh(v.data), (v,), "tanh")

        def _backward():
            v.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    import threading
    sys.setrecursionlimit(10**8)  # as shipped, backward() dies at depth ~1000
    threading.stack_size(1 << 30)
    result: dict = {}

    def body():
        t0 = t()
        source, values = _read_peer(case)
        t1 = t()
        code = compile(source, "program.py", "exec")
        t2 = t()
        leaves = {name: Value(x) for name, x in values.items()}
        namespace = {"tanh": tanh, "__builtins__": {}}
        namespace.update(leaves)
        exec(code, namespace)
        t3 = t()
        out = namespace["J"]
        out.backward()
        gradient = [leaf.grad for leaf in leaves.values()]
        t4 = t()
        phases.update(read=t1 - t0, compile=t2 - t1, forward=t3 - t2, reverse=t4 - t3)
        result.update(value=out.data, checksum=_checksum(gradient))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if "value" not in result:
        raise RuntimeError("micrograd raised in its thread (see stderr)")
    return {"phases": phases, **result}


def worker_torch(case: Path) -> dict:
    t = time.perf_counter
    t0 = t()
    import torch
    torch.set_num_threads(1)
    phases = {"import": t() - t0}
    t0 = t()
    source, values = _read_peer(case)
    t1 = t()
    code = compile(source, "program.py", "exec")
    t2 = t()
    leaves = {name: torch.tensor(x, dtype=torch.float64, requires_grad=True)
              for name, x in values.items()}
    namespace = {"tanh": torch.tanh, "__builtins__": {}}
    namespace.update(leaves)
    exec(code, namespace)
    t3 = t()
    out = namespace["J"]
    out.backward()
    gradient = [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves.values()]
    t4 = t()
    phases.update(read=t1 - t0, compile=t2 - t1, forward=t3 - t2, reverse=t4 - t3)
    return {"phases": phases, "value": out.item(), "checksum": _checksum(gradient)}


def worker_sympy(case: Path) -> dict:
    t = time.perf_counter
    t0 = t()
    import sympy
    from sympy.parsing.sympy_parser import parse_expr
    phases = {"import": t() - t0}
    t0 = t()
    source, values = _read_peer(case)
    t1 = t()
    symbols = {name: sympy.Symbol(name) for name in values}
    namespace = dict(symbols)
    namespace["tanh"] = sympy.tanh
    out = None
    for line in source.splitlines():
        name, _, expr = line.partition(" = ")
        out = namespace[name] = parse_expr(expr, local_dict=namespace)
    t2 = t()
    derivatives = [sympy.diff(out, symbol) for symbol in symbols.values()]
    t3 = t()
    subs = {symbols[name]: x for name, x in values.items()}
    value = float(out.evalf(subs=subs))
    gradient = [float(d.evalf(subs=subs)) for d in derivatives]
    t4 = t()
    phases.update(read=t1 - t0, parse=t2 - t1, diff=t3 - t2, evaluate=t4 - t3)
    return {"phases": phases, "value": value, "checksum": _checksum(gradient)}


def run_worker(kind: str, case: Path, micrograd_path: str | None) -> None:
    work = {"cgdiff": worker_cgdiff, "floor": worker_floor, "torch": worker_torch,
            "sympy": worker_sympy,
            "micrograd": lambda c: worker_micrograd(c, micrograd_path)}[kind]
    record = work(case)
    record["peak_mb"] = _peak_mb()
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip tearing down a million objects: not part of any tool's work


# ---------------------------------------------------------------- measuring

def cgdiff_command() -> list[str]:
    script = Path(sys.executable).with_name("cgdiff")
    if script.exists():
        return [str(script)]
    found = shutil.which("cgdiff")
    return [found] if found else [sys.executable, "-m", "cgdiff"]


def spawn(argv: list[str], timeout: float, stdout=subprocess.PIPE):
    """Run argv; (wall seconds, None, stdout, error or None). Workers report their own peak."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return timeout, None, b"", f"timed out after {timeout:g} s"
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        lines = [line for line in err.decode(errors="replace").strip().splitlines() if line]
        return wall, None, out, (lines[-1] if lines else f"exit status {proc.returncode}")[:200]
    return wall, None, out, None


def measure(kind: str, case: Path, args) -> dict:
    """One run of one tool on one case, in a subprocess."""
    if kind == "cgdiff-cli":
        # The wrapper times the console script and reads its peak memory.
        argv = [sys.executable, str(Path(__file__).resolve()), "--time-command", "--",
                *cgdiff_command(), "grad", "-f", str(case / "program.cg"), "--format", "plain"]
        wall, _, out, error = spawn(argv, args.timeout)
        if error:
            return {"error": error}
        return json.loads(out)
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(case)]
    if kind == "micrograd" and args.micrograd_path:
        argv += ["--micrograd-path", args.micrograd_path]
    wall, _, out, error = spawn(argv, args.sympy_timeout if kind == "sympy" else args.timeout)
    if error:
        return {"error": error}
    record = json.loads(out.decode().strip().splitlines()[-1])
    phases = record["phases"]
    record["total"] = sum(v for k, v in phases.items() if k != "import")
    return record


def time_command(argv: list[str]) -> None:
    """--time-command: run argv once; print its wall time, peak MB and gradient checksum."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.stderr.write(err.read().decode(errors="replace"))
            sys.exit(1)
        text = out.read().decode()
    gradient = [float(line.split("\t")[1]) for line in text.splitlines() if "\t" in line]
    print(json.dumps({"total": wall, "peak_mb": usage.ru_maxrss / 1024,
                      "checksum": _checksum(gradient), "phases": {"wall": wall}}))


def median_record(records: list[dict]) -> dict:
    good = [r for r in records if "error" not in r]
    if not good:
        return records[0]
    result = dict(good[len(good) // 2])
    result["total"] = statistics.median(r["total"] for r in good)
    result["peak_mb"] = max(r["peak_mb"] for r in good)
    phases = {}
    for key in good[0]["phases"]:
        phases[key] = statistics.median(r["phases"][key] for r in good)
    result["phases"] = phases
    result["runs"] = len(good)
    if len(good) < len(records):
        result["note"] = f"{len(records) - len(good)} of {len(records)} runs failed"
    return result


def startup(rounds: int) -> dict:
    """Interleaved: python -c pass, cgdiff grad SEED --format plain, the same as a table."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cgdiff grad --format plain": [*cgdiff_command(), "grad", SEED_ONE_LINER, "--set", SEED_SET,
                                       "--format", "plain"],
        "cgdiff grad (Rich table)": [*cgdiff_command(), "grad", SEED_ONE_LINER, "--set", SEED_SET],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    env = dict(os.environ, COLUMNS="100")
    for argv in commands.values():  # warm-up: byte-code caches written, tables cached
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(rounds):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                           check=True)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    # Which heavy modules a plain call imports (none of Rich should be).
    probe = subprocess.run([sys.executable, "-X", "importtime", *cgdiff_command()[-1:], "grad",
                            SEED_ONE_LINER, "--set", SEED_SET, "--format", "plain"],
                           capture_output=True, text=True)
    imported = sorted({line.split("|")[-1].strip().split(".")[0]
                       for line in probe.stderr.splitlines() if "|" in line} - {"import time:"})
    return {"medians": medians, "rounds": rounds, "plain_imports_rich": "rich" in imported,
            "plain_top_level_imports": [m for m in imported if m in
                                        ("rich", "lark", "click", "cgdiff", "json", "csv", "numpy")],
            "plain_imports_numpy": "numpy" in imported}


# ---------------------------------------------------------------- report

def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    ms = seconds * 1000
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.3g}"


def _ratio(r: float) -> str:
    return f"{r:.2f}" if r >= 0.01 else f"{r:.1e}"


def per_node_us(record: dict, n: int) -> str:
    if "error" in record:
        return "—"
    us = record['total'] / n * 1e6
    return f"{us:.2f}" if us < 1000 else f"{us:,.0f}"


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in ["cgdiff", "lark", "click", "rich", "micrograd", "torch", "sympy"]:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{mem}; "
            f"load average at the end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")


def svg_plot(results: dict, sizes: list[int], families: list[str], tools: list[str]) -> str:
    """Time against n, log–log, one panel per family: no plotting library needed."""
    colours = {"cgdiff": "#d62728", "cgdiff-cli": "#ff9896", "floor": "#000000",
               "micrograd": "#1f77b4", "torch": "#2ca02c", "sympy": "#9467bd"}
    width, height, pad = 300, 260, 45
    times = [r["total"] for f in families for n in sizes for k in tools
             for r in [results.get((f, n, k), {})] if r.get("total")]
    if not times or len(sizes) < 2:
        return ""
    lo_t, hi_t = math.floor(math.log10(min(times))), math.ceil(math.log10(max(times)))
    lo_n, hi_n = math.log10(min(sizes)), math.log10(max(sizes))
    hi_t = max(hi_t, lo_t + 1)

    def x(n):
        return pad + (math.log10(n) - lo_n) / (hi_n - lo_n) * (width - pad - 10)

    def y(s):
        return height - pad + 10 - (math.log10(s) - lo_t) / (hi_t - lo_t) * (height - pad - 10)

    total_width = width * len(families) + 130
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{total_width}" height="{height}" fill="white"/>']
    for p, family in enumerate(families):
        ox = p * width
        parts.append(f'<g transform="translate({ox},0)">')
        parts.append(f'<text x="{pad + 5}" y="14" font-weight="bold">{family}</text>')
        for e in range(lo_t, hi_t + 1):
            yy = y(10.0 ** e)
            parts.append(f'<line x1="{pad}" x2="{width - 10}" y1="{yy:.1f}" y2="{yy:.1f}" '
                         f'stroke="#ddd"/>')
            parts.append(f'<text x="{pad - 4}" y="{yy + 4:.1f}" text-anchor="end">'
                         f'{_seconds_label(10.0 ** e)}</text>')
        for n in sizes:
            xx = x(n)
            parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="20" y2="{height - pad + 10}" '
                         f'stroke="#eee"/>')
            parts.append(f'<text x="{xx:.1f}" y="{height - pad + 24}" text-anchor="middle">'
                         f'{_n_label(n)}</text>')
        parts.append(f'<text x="{(width + pad) / 2:.0f}" y="{height - 8}" text-anchor="middle">'
                     f'nodes n</text>')
        for tool in tools:
            points = [(x(n), y(r["total"])) for n in sizes
                      for r in [results.get((family, n, tool), {})] if r.get("total")]
            if not points:
                continue
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colours[tool]}" '
                         f'stroke-width="2"/>')
            for px, py in points:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" '
                             f'fill="{colours[tool]}"/>')
        parts.append("</g>")
    lx = width * len(families) + 10
    for i, tool in enumerate(tools):
        ly = 30 + i * 18
        parts.append(f'<line x1="{lx}" x2="{lx + 20}" y1="{ly}" y2="{ly}" '
                     f'stroke="{colours[tool]}" stroke-width="3"/>')
        parts.append(f'<text x="{lx + 25}" y="{ly + 4}">{tool}</text>')
    parts.append(f'<text x="{lx}" y="{30 + len(tools) * 18 + 10}">time (log)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _seconds_label(s: float) -> str:
    return f"{s * 1000:g} ms" if s < 1 else f"{s:g} s"


def _n_label(n: int) -> str:
    e = int(math.floor(math.log10(n)))
    return f"{n / 10 ** e:g}e{e}"


def ascii_plot(results: dict, sizes: list[int], family: str, tools: list[str]) -> list[str]:
    """µs per node against n: a flat row is linear scaling."""
    lines = [f"{'µs/node':>12} " + "".join(f"{'n=' + _n_label(n):>10}" for n in sizes)]
    for tool in tools:
        cells = []
        for n in sizes:
            r = results.get((family, n, tool), {})
            cells.append(f"{r['total'] / n * 1e6:10.2f}" if r.get("total") else f"{'—':>10}")
        lines.append(f"{tool:>12} " + "".join(cells))
    return lines


def write_report(path: Path, command: str, results: dict, sizes: list[int], families: list[str],
                 tools: list[str], start: dict | None, elapsed: float, repeats_note: str,
                 batch: dict | None = None, warm: dict | None = None) -> None:
    v = versions()
    out: list[str] = []
    w = out.append
    w("# cgdiff benchmark results\n")
    w(f"Made by `{command}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
      f"in {elapsed / 60:.1f} minutes. {repeats_note}\n")
    w(f"- Machine: {machine()}. The machine is shared with other jobs: compare the ratios "
      "within this run, not absolute times across runs.")
    w("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".")
    w("- Times are medians of the runs; each run is a fresh process. *Total* excludes "
      "interpreter start-up and imports (`cgdiff-cli` is the console script's wall time, "
      "start-up included). Peak memory is the process's `ru_maxrss` (interpreter and "
      "libraries included).\n")

    if start:
        m = start["medians"]
        base = m["python -c pass"]
        w("## Start-up: one seed call\n")
        w(f"`cgdiff grad '{SEED_ONE_LINER}' --set {SEED_SET}`, {start['rounds']} rounds, "
          "interleaved with `python -c pass`.\n")
        w("| command | median ms | × `python -c pass` |")
        w("|---|---:|---:|")
        for name, s in m.items():
            w(f"| {name} | {s * 1000:.1f} | {s / base:.2f} |")
        w("")
        w(f"`--format plain` imports Rich: **{'yes' if start['plain_imports_rich'] else 'no'}**, "
          f"NumPy: **{'yes' if start.get('plain_imports_numpy') else 'no'}** "
          f"(top-level packages it imports: {', '.join(start['plain_top_level_imports'])}).\n")

    w("## Throughput: text → all gradients\n")
    w("ms for the whole job (µs per node in brackets); *ratio* columns divide cgdiff's "
      "library time by the others' (below 1: cgdiff is faster).\n")
    for family in families:
        w(f"### {family}\n")
        head = "| n | nodes | " + " | ".join(tools) + " | cgdiff/floor | " + \
            " | ".join(f"cgdiff/{p}" for p in tools if p in ("micrograd", "torch", "sympy")) + " |"
        w(head)
        w("|" + "---|" * (head.count("|") - 1))
        for n in sizes:
            cells = []
            for tool in tools:
                r = results.get((family, n, tool))
                if r is None:
                    cells.append("—")
                elif "error" in r:
                    cells.append(f"*{r['error']}*")
                else:
                    cells.append(f"{fmt_ms(r['total'])} ({per_node_us(r, n)})")
            ours = results.get((family, n, "cgdiff"), {}).get("total")
            ratios = []
            for peer in ["floor"] + [p for p in tools if p in ("micrograd", "torch", "sympy")]:
                theirs = results.get((family, n, peer), {}).get("total")
                ratios.append(_ratio(ours / theirs) if ours and theirs else "—")
            nodes = results.get((family, n, "cgdiff"), {}).get("nodes", "—")
            w(f"| {n:,} | {nodes:,} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |"
              if isinstance(nodes, int) else
              f"| {n:,} | — | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        w("")
        w("```")
        out.extend(ascii_plot(results, sizes, family, tools))
        w("```\n")

    w("## cgdiff phase by phase (ms)\n")
    w("| family | n | read | parse | build | forward | reverse | output | reverse/forward |"
      " peak MB |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for family in families:
        for n in sizes:
            r = results.get((family, n, "cgdiff"))
            if not r or "error" in r:
                continue
            p = r["phases"]
            w(f"| {family} | {n:,} | " + " | ".join(fmt_ms(p[k]) for k in
              ["read", "parse", "build", "forward", "reverse", "output"]) +
              f" | {p['reverse'] / p['forward']:.2f} | {r['peak_mb']:.0f} |")
    w("")

    w("## Peak memory (MB)\n")
    w("| family | n | " + " | ".join(tools) + " |")
    w("|---|---:|" + "---:|" * len(tools))
    for family in families:
        for n in sizes:
            cells = []
            for tool in tools:
                r = results.get((family, n, tool))
                cells.append(f"{r['peak_mb']:.0f}" if r and r.get("peak_mb") else "—")
            w(f"| {family} | {n:,} | " + " | ".join(cells) + " |")
    w("")

    w("## Do the tools agree?\n")
    w("Sum of |gradient| over all inputs (the floor has no gradient); a peer that "
      "differs by more than 1e-6 relative is flagged.\n")
    w("| family | n | " + " | ".join(t for t in tools if t != "floor") + " |")
    w("|---|---:|" + "---:|" * len([t for t in tools if t != "floor"]))
    for family in families:
        for n in sizes:
            ref = results.get((family, n, "cgdiff"), {}).get("checksum")
            cells = []
            for tool in tools:
                if tool == "floor":
                    continue
                c = results.get((family, n, tool), {}).get("checksum")
                if c is None:
                    cells.append("—")
                else:
                    flag = "" if ref is None or abs(c - ref) <= 1e-6 * max(1.0, abs(ref)) \
                        else " **differs**"
                    cells.append(f"{c:.10g}{flag}")
            w(f"| {family} | {n:,} | " + " | ".join(cells) + " |")
    w("")

    out.extend(batches.report(batch, warm))

    w("## Time against n (log–log)\n")
    w("![time against n](plot.svg)\n")
    w("Straight lines of slope 1 are linear scaling; the µs/node rows under each family "
      "table say the same in numbers (a flat row is linear).\n")

    w("## Targets (issues 5 and 17)\n")
    out.extend(targets(results, sizes, families, start))
    out.extend(batches.targets(batch, warm))
    w("")
    # Sections other scripts or hands keep in this file, each between its
    # markers (<!-- formula_size: begin --> ... <!-- formula_size: end -->),
    # stay as they were.
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    for kept in re.finditer(r"<!-- (\w+): begin -->.*?<!-- \1: end -->", old, re.S):
        out.extend(["", kept.group(0)])
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def targets(results: dict, sizes: list[int], families: list[str], start: dict | None) -> list[str]:
    lines = []
    big, mid = max(sizes), 10_000 if 10_000 in sizes else min(sizes)

    def get(f, n, k):
        return results.get((f, n, k), {}).get("total")

    def verdict(ok):
        return "**met**" if ok else "**not met**"

    rows = []
    for family in families:
        ours = get(family, big, "cgdiff")
        for peer, limit, word in [("floor", 2.0, "≤ 2× the floor"),
                                  ("micrograd", 0.5, "≥ 2× faster than micrograd"),
                                  ("torch", 0.5, "≥ 2× faster than PyTorch")]:
            theirs = get(family, big, peer)
            if ours and theirs:
                ratio = ours / theirs
                rows.append(f"- Throughput, {family}, n={big:,}: cgdiff/{peer} = {ratio:.2f} "
                            f"(target {word}): {verdict(ratio <= limit)}")
            else:
                rows.append(f"- Throughput, {family}, n={big:,}, vs {peer}: no measurement")
    for family in families:
        a, b = get(family, big, "cgdiff"), get(family, mid, "cgdiff")
        if a and b and big != mid:
            ratio = (a / big) / (b / mid)
            fa, fb = get(family, big, "floor"), get(family, mid, "floor")
            floor = f"; the floor's own: {(fa / big) / (fb / mid):.2f}" if fa and fb else ""
            rows.append(f"- Scaling, {family}: time per node at n={big:,} / at n={mid:,} = "
                        f"{ratio:.2f} (target ≤ 1.25): {verdict(ratio <= 1.25)}{floor}")
    for family in families:
        r = results.get((family, big, "cgdiff"))
        if r and "error" not in r:
            ratio = r["phases"]["reverse"] / r["phases"]["forward"]
            rows.append(f"- Cheap gradient, {family}, n={big:,}: reverse/forward = {ratio:.2f} "
                        f"(target ≤ 1.5): {verdict(ratio <= 1.5)}")
    for family in families:
        r = results.get((family, big, "cgdiff"))
        m = results.get((family, big, "micrograd"))
        if r and "error" not in r:
            mine = r["peak_mb"]
            theirs = m["peak_mb"] if m and "error" not in m else None
            versus = ("no micrograd measurement" if theirs is None else
                      f"below micrograd's {theirs:.0f} MB: {verdict(mine < theirs)}")
            rows.append(f"- Memory, {family}, n={big:,}: cgdiff {mine:.0f} MB; {versus}; "
                        f"below 500 MB: {verdict(mine < 500)}")
    if start:
        m = start["medians"]
        base = m["python -c pass"]
        plain = m["cgdiff grad --format plain"] / base
        table = m["cgdiff grad (Rich table)"] / base
        rows.append(f"- Start-up, `--format plain`: {plain:.2f}× `python -c pass` (target ≤ 6): "
                    f"{verdict(plain <= 6)}; Rich imported: "
                    f"{'yes' if start['plain_imports_rich'] else 'no'}")
        rows.append(f"- Start-up, Rich table: {table:.2f}× `python -c pass` (target ≤ 10): "
                    f"{verdict(table <= 10)}")
    lines.extend(rows)
    return lines


# ---------------------------------------------------------------- main

def parse_sizes(text: str) -> list[int]:
    return sorted({int(float(part)) for part in text.split(",") if part.strip()})


#: Where a run writes unless told otherwise: a scratch folder git ignores, so
#: that trying the benchmark never changes the committed results.
SCRATCH = HERE / "scratch"


def result_path(out: str | None, update: bool) -> Path:
    """The report's path: ``--out``, else the committed RESULTS.md with
    ``--update``, else the scratch folder."""
    if out is not None:
        return Path(out)
    return HERE / "RESULTS.md" if update else SCRATCH / "RESULTS.md"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6",
                        help="approximate node counts, comma-separated (default 1e3,1e4,1e5,1e6)")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help=f"comma-separated, from {', '.join(FAMILIES)}")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated, from {', '.join(TOOLS)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--repeats-large", type=int, default=1,
                        help="runs per measurement at n >= 1e6 (default 1)")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds before one run of one tool is stopped (default 180)")
    parser.add_argument("--sympy-timeout", type=float, default=30.0,
                        help="the time-out for SymPy, which is very slow (default 30)")
    parser.add_argument("--startup-rounds", type=int, default=30,
                        help="interleaved rounds of the start-up comparison (0 skips it)")
    parser.add_argument("--batch-rows", default=None,
                        help="rows for grad --data and fit against NumPy (0 skips; default: "
                             "the largest of --sizes)")
    parser.add_argument("--batch-rounds", type=int, default=1,
                        help="alternating runs of cgdiff and the NumPy floor (median)")
    parser.add_argument("--warm-nodes", default=None,
                        help="nodes of the warm-run program (deep family; 0 skips; default: "
                             "the largest of --sizes, if that program is big enough to be "
                             "cached)")
    parser.add_argument("--micrograd-path", default=None,
                        help="a directory holding the micrograd package, if it is not installed")
    parser.add_argument("--out", default=None,
                        help="where to write the report (with plot.svg and results.json "
                             "beside it); default: benchmarks/scratch/RESULTS.md, which git "
                             "ignores")
    parser.add_argument("--update", action="store_true",
                        help="write the committed results, benchmarks/RESULTS.md, plot.svg and "
                             "results.json, that the README quotes")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--time-command", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        run_worker(args.worker[0], Path(args.worker[1]), args.micrograd_path)
        return 0
    if args.time_command:
        time_command(args.rest)
        return 0

    sizes = parse_sizes(args.sizes)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for f in families:
        if f not in FAMILIES:
            parser.error(f"unknown family {f!r}")
    for t in tools:
        if t not in TOOLS:
            parser.error(f"unknown tool {t!r}")

    # As a user's machine would: byte code cached (pip compiles it at install; an
    # editable install writes it on first use unless this variable forbids it).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    began = time.perf_counter()
    command = "python benchmarks/run.py" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    results: dict = {}
    given_up: dict[tuple[str, str], str] = {}
    start = startup(args.startup_rounds) if args.startup_rounds else None
    if start:
        print("start-up:", {k: f"{v * 1000:.1f} ms" for k, v in start["medians"].items()},
              flush=True)
    batch = warm = None
    rows = int(float(args.batch_rows)) if args.batch_rows is not None else max(sizes)
    if rows:
        batch = batches.batch_figures(rows, args.batch_rounds)
        print("\n".join(batches.report(batch, None)), flush=True)
    n_warm = int(float(args.warm_nodes)) if args.warm_nodes is not None else max(sizes)
    warm_text = generate("deep", n_warm)[0] if n_warm else ""
    if n_warm and (args.warm_nodes is not None or len(warm_text) >= batches.cache_threshold()):
        warm = batches.warm_figures(warm_text, n_warm)
        print("\n".join(batches.report(None, warm)), flush=True)
    with tempfile.TemporaryDirectory(prefix="cgdiff-bench-") as tmp:
        for n in sizes:
            repeats = args.repeats_large if n >= 1_000_000 else args.repeats
            for family in families:
                case = write_case(Path(tmp), family, n)
                for tool in tools:
                    if (family, tool) in given_up:
                        results[(family, n, tool)] = {"error": f"skipped ({given_up[family, tool]} "
                                                               "at a smaller n)"}
                        continue
                    records = []
                    for _ in range(repeats):
                        record = measure(tool, case, args)
                        records.append(record)
                        if "error" in record:
                            break
                    record = median_record(records)
                    results[(family, n, tool)] = record
                    if "error" in record:
                        given_up[(family, tool)] = ("timed out" if "timed out" in record["error"]
                                                    else "failed")
                    shown = record.get("error") or f"{record['total'] * 1000:,.0f} ms, " \
                                                   f"{record['peak_mb']:.0f} MB"
                    print(f"{family:>7} n={n:<9,} {tool:<11} {shown}", flush=True)
                shutil.rmtree(case)
    elapsed = time.perf_counter() - began
    note = (f"Runs per measurement: {args.repeats} (median), {args.repeats_large} at n ≥ 10^6; "
            f"time-out {args.timeout:g} s per run; a tool that fails or times out is skipped at "
            "larger n.")
    out = result_path(args.out, args.update)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_report(out, command, results, sizes, families, tools, start, elapsed, note, batch, warm)
    svg = svg_plot(results, sizes, families, tools)
    if svg:
        (out.parent / "plot.svg").write_text(svg, encoding="utf-8")
    (out.parent / "results.json").write_text(json.dumps(
        {**{f"{f} {n} {t}": r for (f, n, t), r in results.items()},
         "batches": batch, "warm": warm}, indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
