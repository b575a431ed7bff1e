"""How well the precision warnings' float-only screen (cgdiff.precision.suspicious)
predicts the 50-digit check, on random programs: how often it starts mpmath,
and how many real warnings it misses (the check run on every program tells).

    python benchmarks/precision_screen.py [PROGRAMS_TRIED] [SEED]

Random expressions of depth 3 to 5 over the library's functions and + - * / ^,
at ordinary and extreme inputs (1e-8, 40, 1.5707963267948966, ...); programs
that are errors in float64 are skipped. Not a timing: a count.
"""

import random
import sys

from cgdiff import api, precision
from cgdiff.errors import CgdiffError

UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "atan", "asinh",
         "softplus", "log1p", "expm1", "erf", "abs", "relu", "cosh", "acos", "asin"]
INPUTS = [0.1, 0.5, 1.0, 0.3, 3.0, 0.7, 2.5, 1.2, 1e-8, 1e-12, 1.0000001, 40.0, -1.0,
          1.5707963267948966, 3.141592653589793]


def expression(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.7:
            return rng.choice("xyz")
        return repr(round(rng.uniform(-3, 3), rng.choice([0, 1, 3])))
    if rng.random() < 0.45:
        return f"{rng.choice(UNARY)}({expression(rng, depth - 1)})"
    op = rng.choice("+-*/^")
    if op == "^":
        return f"({expression(rng, depth - 1)})^{rng.choice([2, 3, 0.5, -1])}"
    return f"({expression(rng, depth - 1)} {op} {expression(rng, depth - 1)})"


def main(tries: int = 10_000, seed: int = 0) -> None:
    rng = random.Random(seed)
    screen = precision.suspicious
    programs = started = warned = missed = 0
    for _ in range(tries):
        source = "J = " + expression(rng, rng.choice([3, 4, 5]))
        settings = {name: rng.choice(INPUTS) for name in "xyz"}
        try:
            result = api.differentiate(source, settings)
        except CgdiffError:
            continue
        programs += 1
        graph = result.graph
        wrt = list(graph.targets(None).values())
        screened = screen(graph, result.values, result.inputs, result.adjoints, wrt)
        started += screened
        precision.suspicious = lambda *args, **kwargs: True  # the check on every program
        try:
            warnings, _ = precision.check(graph, result.inputs, result.values,
                                          result.gradient, result.adjoints)
        finally:
            precision.suspicious = screen
        if warnings:
            warned += 1
            if not screened:
                missed += 1
                print("missed:", source, settings, warnings[0].text[:120])
    print(f"{programs} programs: the screen started the 50-digit check on {started} "
          f"({100 * started / max(programs, 1):.0f}%); {warned} had a warning; "
          f"the screen missed {missed}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
