#!/usr/bin/env python3
"""``grad --symbolic`` on two generated programs, CPU seconds: a DAG of
random statements reading recent ones (products, quotients, tanh, sigmoid,
log, exp; about 3.3 nodes per statement) and a tanh chain, ``v_k =
tanh(w*v_{k-1} + b)``. The formulas built (``symbolic.derivatives``) and
written (the program), with the store's size and the text's length, so a
change of the simplification rules can be compared before and after::

    python benchmarks/formula_dag.py 40000           # 130,842 nodes, chain 30,001
    PYTHONPATH=/path/to/other/checkout python benchmarks/formula_dag.py 40000

(``benchmarks/formulas.py --against COMMIT`` times another program family in
alternating rounds.)
"""

from __future__ import annotations

import random
import sys
import time

FORMS = ["v{a}*v{b}", "v{a}/(1 + v{b}^2)", "tanh(v{a}) + v{b}", "sigmoid(v{a})*w",
         "v{a} - v{b}*2", "log(1 + v{a}^2)", "exp(-v{a}^2)*v{b}"]


def dag(n: int, seed: int = 1) -> str:
    r = random.Random(seed)
    lines = ["v0 = x*y"]
    for k in range(1, n):
        b = r.randrange(max(0, k - 50), k)
        lines.append(f"v{k} = " + r.choice(FORMS).format(a=k - 1, b=b))
    return "\n".join(lines)


def chain(n: int) -> str:
    return "v0 = x\n" + "\n".join(f"v{k} = tanh(w*v{k - 1} + b)" for k in range(1, n))


def main() -> None:
    from cgdiff import symbolic
    from cgdiff.api import load
    from cgdiff.render.formulas import program_text

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40000
    for name, source in (("dag", dag(n)), ("chain", chain(n // 4))):
        graph = load(source)
        start = time.process_time()
        d = symbolic.derivatives(graph)
        built = time.process_time()
        text = program_text(d)
        written = time.process_time()
        print(f"{name:5} {len(graph):,} nodes: formulas {built - start:.2f} s, written "
              f"{written - built:.2f} s; {len(d.formulas):,} formula nodes, {len(text):,} chars")


if __name__ == "__main__":
    main()
