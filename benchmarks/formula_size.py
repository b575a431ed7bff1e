#!/usr/bin/env python3
"""How large are `cgdiff grad --symbolic`'s formulas, beside SymPy's diff + cse?

Usage (from a clone, with the bench extra installed: ``pip install -e '.[bench]'``)::

    python benchmarks/formula_size.py             # the table, on the terminal
    python benchmarks/formula_size.py --update    # and into benchmarks/RESULTS.md
    python benchmarks/formula_size.py --programs 50 --seed 7 --show

For each program (the ones in ``examples/`` that differentiate, and a corpus of
random programs generated with a fixed seed), both sides take the derivative of
the output with respect to every input:

* **cgdiff**: ``grad --symbolic``'s program (``render.formulas.statements``): the
  shared parts (``t1 = ...``) and one statement per derivative; the inputs'
  value lines (``x = -2``) are not formulas and are left out.
* **SymPy**: the program inlined into one expression (SymPy has no
  statements), ``sympy.diff`` for every input, then ``sympy.cse`` over all the
  derivatives together: its replacements (``x0 = ...``) and reduced expressions.

Both are counted the same way, on the text in cgdiff's syntax (SymPy's printed
with ``^`` for ``**``): one node per number, name, operator symbol and function
call (``-2*x`` is 4 nodes: ``-``, ``2``, ``*``, ``x``; ``sigmoid(-x)`` is 3).
Each side's formulas are also evaluated with cgdiff at one point and compared
with ``cgdiff grad``'s numbers, so neither side is counted for a wrong answer.

SymPy has no ``sigmoid``, ``sech`` or ``relu``: they are SymPy functions here
whose derivative is cgdiff's op table's (``sigmoid(x)*sigmoid(-x)``), so both
sides start from the same primitives; the functions SymPy knows (``sin``,
``exp``, ``tanh``, ...) are SymPy's own.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from cgdiff import ops, symbolic  # noqa: E402
from cgdiff.render import formulas as writers  # noqa: E402
from cgdiff.api import differentiate, evaluate, load  # noqa: E402
from cgdiff.errors import CgdiffError  # noqa: E402

BEGIN, END = "<!-- formula_size: begin -->", "<!-- formula_size: end -->"

# ---------------------------------------------------------------- counting

_TOKEN = re.compile(r"\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|[^\W\d]\w*|[-+*/^]")


def text_size(text: str) -> int:
    """Nodes of a formula as written: numbers, names, operators, calls."""
    return len(_TOKEN.findall(text.replace("**", "^")))


# ---------------------------------------------------------------- the corpus

_UNARY = ["sin({})", "cos({})", "exp({})", "log(1 + {}^2)", "tanh({})", "sigmoid({})",
          "sqrt(1 + {}^2)", "{}^2", "{}^3", "-{}", "log(sigmoid({}))"]
_BINARY = ["{} + {}", "{} - {}", "{}*{}", "{}/{}", "{}*{} + {}", "({} - {})^2",
           "{}/(1 + {}^2)", "{}*exp({})", "0.5*{}*{}", "{}^2*{}"]


def corpus(count: int, seed: int) -> list[str]:
    """``count`` random programs over x, y, z, w: statements reading earlier
    names, each a nested expression of the forms above."""
    r = random.Random(seed)
    programs = []
    for _ in range(count):
        names = ["x", "y", "z", "w"][: r.randint(1, 4)]
        lines = []
        for k in range(r.randint(1, 5)):
            expr = r.choice(names)
            for _ in range(r.randint(1, 3)):
                if r.random() < 0.45:
                    expr = r.choice(_UNARY).format(expr)
                else:
                    form = r.choice(_BINARY)
                    others = [r.choice(names + ["2", "3"]) for _ in range(form.count("{}") - 1)]
                    parts = [f"({expr})", *others]
                    r.shuffle(parts)
                    expr = form.format(*parts)
            lines.append(f"s{k} = {expr}")
            names.append(f"s{k}")
        programs.append("\n".join(lines))
    return programs


# ---------------------------------------------------------------- SymPy's side

def _sympy_functions():
    import sympy

    class sigmoid(sympy.Function):
        def fdiff(self, argindex=1):
            a = self.args[0]
            return sigmoid(a) * sigmoid(-a)

    class sech(sympy.Function):
        def fdiff(self, argindex=1):
            a = self.args[0]
            return -sech(a) * sympy.tanh(a)

    class step(sympy.Function):
        def fdiff(self, argindex=1):
            return sympy.Integer(0)

    class relu(sympy.Function):
        def fdiff(self, argindex=1):
            return step(self.args[0])

    unary = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp,
             "log": sympy.log, "sqrt": sympy.sqrt, "tanh": sympy.tanh, "sinh": sympy.sinh,
             "cosh": sympy.cosh, "atan": sympy.atan, "asin": sympy.asin, "acos": sympy.acos,
             "sigmoid": sigmoid, "sech": sech, "relu": relu, "step": step}
    return sympy, unary


def sympy_expression(graph):
    """The program's output as one SymPy expression, and its inputs' symbols."""
    sympy, unary = _sympy_functions()
    value = [None] * len(graph)
    symbols = {}
    for i in range(len(graph)):
        op = graph.op[i]
        args = [value[k] for k in graph.args(i)]
        if op is ops.INPUT:
            name = graph.name_of[i]
            symbols[name] = value[i] = sympy.Symbol(name)
        elif op is ops.CONST:
            value[i] = sympy.Rational(repr(graph.const[i])) if graph.const[i] != math.pi \
                else sympy.pi
        elif op is ops.IDENTITY:
            value[i] = args[0]
        elif op is ops.ADD:
            value[i] = args[0] + args[1]
        elif op is ops.SUB:
            value[i] = args[0] - args[1]
        elif op is ops.MUL:
            value[i] = args[0] * args[1]
        elif op is ops.DIV:
            value[i] = args[0] / args[1]
        elif op is ops.NEG:
            value[i] = -args[0]
        elif op is ops.POW:
            value[i] = args[0] ** args[1]
        elif op.name in unary:
            value[i] = unary[op.name](*args)
        else:
            raise ValueError(f"no SymPy form for {op.name}")
    return value[graph.output], symbols


def sympy_statements(graph) -> list[tuple[str, str]]:
    """SymPy's derivatives after cse, as (name, text) statements in cgdiff's syntax."""
    import sympy

    expr, symbols = sympy_expression(graph)
    names = list(graph.inputs)
    derivatives = [sympy.diff(expr, symbols.get(name, sympy.Symbol(name))) for name in names]
    replacements, reduced = sympy.cse(derivatives,
                                      symbols=sympy.numbered_symbols("cse_"))
    out = [(str(s), _cg_text(e)) for s, e in replacements]
    out += [(f"d_{name}", _cg_text(e)) for name, e in zip(names, reduced)]
    return out


def _cg_text(expr) -> str:
    return str(expr).replace("**", "^").replace("Abs(", "abs(")


# ---------------------------------------------------------------- cgdiff's side

def cgdiff_statements(graph) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``grad --symbolic``'s statements (not the inputs' values), and the name
    of each input's derivative."""
    d = symbolic.derivatives(graph)
    inputs = set(graph.inputs)
    out = [(s.name, s.text) for s in writers.statements(d) if s.name not in inputs]
    return out, {name: symbolic.derivative_name(d, name) for name in d.gradient}


# ---------------------------------------------------------------- one program

def _point(graph, r: random.Random) -> dict[str, float]:
    return {name: round(r.uniform(0.3, 1.7), 3) for name in graph.inputs}


def _agrees(statements, names, graph, point, expected) -> bool:
    text = "\n".join(f"{n} = {t}" for n, t in statements)
    for name, want in expected.items():
        got_graph = load(text, names[name])
        got = evaluate(got_graph, {k: point[k] for k in got_graph.inputs if k in point}).value
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def measure(program: str, r: random.Random) -> dict | None:
    """Both sides' sizes for one program, or None where cgdiff refuses it."""
    try:
        graph = load(program)
    except CgdiffError:
        return None
    # The value lines of inputs with defaults (x = -2) are not formulas.
    point = _point(graph, r)
    try:
        expected = differentiate(graph, point).gradient
    except CgdiffError:
        expected = None
    ours, our_names = cgdiff_statements(graph)
    row = {"ours": sum(text_size(t) for _, t in ours), "ours_lines": len(ours)}
    start = time.perf_counter()
    try:
        theirs = sympy_statements(graph)
    except ValueError:
        return row | {"sympy": None}
    row["sympy_seconds"] = time.perf_counter() - start
    row["sympy"] = sum(text_size(t) for _, t in theirs)
    row["sympy_lines"] = len(theirs)
    if expected is not None:
        row["ours_ok"] = _agrees(ours, our_names, graph, point, expected)
        sympy_names = {name: f"d_{name}" for name in graph.inputs}
        row["sympy_ok"] = _agrees(theirs, sympy_names, graph, point, expected)
    row["ours_text"], row["sympy_text"] = ours, theirs
    return row


# ---------------------------------------------------------------- the report

def _strip_values(program: str) -> str:
    return program


def run(count: int, seed: int, show: bool) -> list[str]:
    import sympy

    r = random.Random(seed)
    rows = []
    for path in sorted((ROOT / "examples").glob("*.cg")):
        row = measure(path.read_text(encoding="utf-8"), r)
        if row is not None and row.get("sympy") is not None:
            rows.append((f"examples/{path.name}", row))
    programs = corpus(count, seed)
    corpus_rows = [measure(p, r) for p in programs]
    corpus_rows = [row for row in corpus_rows if row is not None and row.get("sympy") is not None]

    out = []
    w = out.append
    w(BEGIN)
    w("## Formula size: `grad --symbolic` beside SymPy's `diff` + `cse`\n")
    w(f"Made by `python benchmarks/formula_size.py --programs {count} --seed {seed}"
      f"{' --update' if True else ''}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
      f"{platform.system()} {platform.machine()}, python {platform.python_version()}, "
      f"sympy {sympy.__version__}.\n")
    w("Nodes of the written formulas of the derivative of the output with respect to "
      "every input: cgdiff's whole `grad --symbolic` program (shared parts and one "
      "statement per derivative, not the inputs' value lines) against SymPy's `cse` "
      "replacements and reduced expressions of `diff` for every input (the program "
      "inlined into one expression). One node per number, name, operator and function "
      "call in the text (`-2*x` is 4); see the script's docstring. Both sides' formulas "
      "are evaluated at a point and checked against `cgdiff grad` (the *agree* column).\n")
    w("| program | cgdiff nodes | SymPy nodes | cgdiff/SymPy | agree (cgdiff, SymPy) |")
    w("|---|---:|---:|---:|---|")

    def agree(row):
        if "ours_ok" not in row:
            return "not evaluated"
        return f"{'yes' if row['ours_ok'] else 'NO'}, {'yes' if row['sympy_ok'] else 'NO'}"

    for name, row in rows:
        w(f"| {name} | {row['ours']:,} | {row['sympy']:,} | {row['ours'] / row['sympy']:.2f} | "
          f"{agree(row)} |")
    ours = sum(row["ours"] for row in corpus_rows)
    theirs = sum(row["sympy"] for row in corpus_rows)
    smaller = sum(row["ours"] < row["sympy"] for row in corpus_rows)
    equal = sum(row["ours"] == row["sympy"] for row in corpus_rows)
    larger = sum(row["ours"] > row["sympy"] for row in corpus_rows)
    checked = [row for row in corpus_rows if "ours_ok" in row]
    w(f"| corpus: {len(corpus_rows)} random programs (seed {seed}) | {ours:,} | {theirs:,} | "
      f"{ours / theirs:.2f} | {sum(r['ours_ok'] for r in checked)}/{len(checked)}, "
      f"{sum(r['sympy_ok'] for r in checked)}/{len(checked)} |")
    all_ours = ours + sum(row["ours"] for _, row in rows)
    all_theirs = theirs + sum(row["sympy"] for _, row in rows)
    w(f"| **all** | **{all_ours:,}** | **{all_theirs:,}** | **{all_ours / all_theirs:.2f}** | |")
    w("")
    w(f"Per corpus program: cgdiff smaller in {smaller}, the same in {equal}, larger in "
      f"{larger}. SymPy's `diff` + `cse` took {sum(r['sympy_seconds'] for r in corpus_rows):.1f} s "
      f"over the corpus.\n")
    worst = sorted(corpus_rows, key=lambda row: row["sympy"] - row["ours"])[:3]
    if worst and worst[0]["ours"] > worst[0]["sympy"]:
        w("Where cgdiff is largest against SymPy (the three worst corpus programs):\n")
        for row in worst:
            if row["ours"] <= row["sympy"]:
                break
            w(f"- {row['ours']} against {row['sympy']} nodes:\n")
            w("  ```")
            for side in ("ours_text", "sympy_text"):
                w(f"  # {'cgdiff' if side == 'ours_text' else 'SymPy'}")
                for n, t in row[side]:
                    w(f"  {n} = {t}")
            w("  ```")
        w("")
    w(END)
    if show:
        for name, row in rows + [(f"corpus {k}", row) for k, row in enumerate(corpus_rows)]:
            print(f"== {name}: cgdiff {row['ours']}, SymPy {row['sympy']}")
            for side in ("ours_text", "sympy_text"):
                for n, t in row[side]:
                    print(f"   {n} = {t}")
                print("   --")
    return out


def update(lines: list[str], path: Path) -> None:
    """Put the section into RESULTS.md, replacing the one there."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# cgdiff benchmark results\n"
    section = "\n".join(lines)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=300, help="random programs (default 300)")
    parser.add_argument("--seed", type=int, default=13, help="the corpus's seed (default 13)")
    parser.add_argument("--update", action="store_true",
                        help="write the section into benchmarks/RESULTS.md")
    parser.add_argument("--show", action="store_true", help="print every program's formulas")
    args = parser.parse_args()
    lines = run(args.programs, args.seed, args.show)
    print("\n".join(lines))
    if args.update:
        update(lines, HERE / "RESULTS.md")


if __name__ == "__main__":
    main()
