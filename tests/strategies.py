"""Hypothesis strategies shared by the tests: random programs and points."""

from hypothesis import strategies as st

UNARY = ["sin", "cos", "tanh", "sigmoid", "relu", "abs", "exp", "-", "sq", "log", "sqrt", "tan"]
SMOOTH = {"log": "log(1 + {a}^2)", "sqrt": "sqrt(2 + {a}^2)", "tan": "tan(tanh({a}))",
          "-": "-{a}", "sq": "{a}^2", "exp": "exp(tanh({a}))"}
BINARY = ["+", "-", "*", "/", "max", "min", "pow"]


@st.composite
def programs(draw, smooth=False):
    """A random program over inputs x, y, z: statements reading earlier names
    (``smooth``: no kinks, for comparisons with finite differences)."""
    unary = [f for f in UNARY if f not in ("relu", "abs")] if smooth else UNARY
    binary = [f for f in BINARY if f not in ("max", "min")] if smooth else BINARY
    names = ["x", "y", "z"]
    lines = []
    for k in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            f = draw(st.sampled_from(unary))
            a = draw(st.sampled_from(names))
            expr = SMOOTH.get(f, f + "({a})").format(a=a)
        else:
            f = draw(st.sampled_from(binary))
            a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names + ["2", "0.5"]))
            if f == "/":
                expr = f"{a}/(1 + {b}^2)"
            elif f == "pow":
                expr = f"(1 + {a}^2)^sigmoid({b})"
            elif f in ("max", "min"):
                expr = f"{f}({a}, {b})"
            else:
                expr = f"{a} {f} {b}"
        name = f"s{k}"
        lines.append(f"{name} = {expr}")
        names.append(name)
    return "\n".join(lines)


values_strategy = st.fixed_dictionaries({
    n: st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 2)) for n in "xyz"})


def nested_expressions(names, unary, binary, constants=("0.5", "2", "pi"), max_leaves=8):
    """Random nested expressions over ``names``, from format templates: ``unary``
    forms take one ``{}``, ``binary`` forms two (a form may repeat them:
    ``max({0}, {1}) + min({0}, {1})``)."""
    leaves = st.sampled_from(list(names)) | st.sampled_from(list(constants))

    def extend(children):
        one = st.builds(lambda form, a: form.format(a), st.sampled_from(unary), children)
        two = st.builds(lambda form, a, b: form.format(a, b), st.sampled_from(binary),
                        children, children)
        return one | two

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@st.composite
def declared_programs(draw, inputs, unary, binary, values, statements=(1, 4),
                      constants=("0.5", "2", "pi"), max_leaves=8):
    """Inputs declared with random ``values``, then statements of nested
    expressions, each reading the inputs and earlier statements (fan-out)."""
    names = list(inputs)
    lines = [f"{name} = {draw(values)!r}" for name in inputs]
    for k in range(draw(st.integers(*statements))):
        lines.append(f"s{k} = {draw(nested_expressions(names, unary, binary, constants, max_leaves))}")
        names.append(f"s{k}")
    return "\n".join(lines)
