"""``cgdiff grad --symbolic --format python|numpy|c|javascript``: the output and
its gradient as one self-contained function in another language.

Read from the formulas :mod:`cgdiff.symbolic` builds (one hash-consed graph):
the output's value and every derivative are roots; a node used more than once
becomes a named temporary (the program's own name where it has one, else
``t1``, ``t2``, ...). Each language is a table of what differs from its math
library (a function of the op table is the library's function of that name,
so adding one to the op table needs nothing here when the libraries have it):
names (``np.arcsin``), forms of its own (``fabs`` in C), and helper
functions where the language lacks one (``sigmoid`` in C), written as the op
table's stable forms. An op a table lacks is an ``error:``.
Nothing recurses: nodes are written in the graph's order, each text from its
children's texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Callable

from .. import ops
from ..errors import CgdiffError
from ..text import fresh_names, unique_name

if TYPE_CHECKING:
    from ..symbolic import Derivatives

#: A part whose text is longer than this gets a temporary even if used once,
#: so that no line is deeply nested (compilers recurse over expressions) and
#: the texts kept while writing stay small.
LONG = 160

# Precedence of what a node prints as.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Language:
    name: str
    comment: str
    #: op name → template over {a}, {b} (children's texts) for calls
    calls: dict[str, str]
    #: helper name → its definition; a template that names ``cg_x(`` needs it
    helpers: dict[str, str]
    #: how a^b prints: a template, or None for an infix ``**``
    power: str | None
    reserved: frozenset[str]
    number: Callable[[float], str]
    writer: Callable


def _py_number(x: float) -> str:
    return repr(float(x))


#: The functions of the op table as calls: an op is its language's math
#: library function of the same name unless a table below says otherwise, so a
#: new function of the op table that the libraries have (``cbrt``) needs no entry.
_FUNCTIONS = {op.name: op for op in ops.FUNCTIONS.values() if op.symbol is None}


def _calls(library: str, helpers: dict[str, str], renamed: dict[str, str] | None = None,
           own: dict[str, str] | None = None) -> dict[str, str]:
    """op name → its call template over ``{a}``, ``{b}``: the helper
    ``cg_<op>`` where ``helpers`` defines one, the template in ``own`` where
    given, else ``library`` + the op's name (or its name in ``renamed``)."""
    calls = {}
    for name, op in _FUNCTIONS.items():
        args = "{a}, {b}" if op.arity == 2 else "{a}"
        if "cg_" + name in helpers:
            calls[name] = f"cg_{name}({args})"
        elif own and name in own:
            calls[name] = own[name]
        else:
            calls[name] = f"{library}{(renamed or {}).get(name, name)}({args})"
    return calls


_PY_HELPERS = {
    "cg_sigmoid": "def cg_sigmoid(x):\n    if x >= 0:\n        return 1.0 / (1.0 + math.exp(-x))\n"
                  "    z = math.exp(x)\n    return z / (1.0 + z)\n",
    "cg_sech": "def cg_sech(x):\n    u = math.exp(-abs(x))\n    return 2.0 * u / (1.0 + u * u)\n",
    "cg_relu": "def cg_relu(x):\n    return x if x > 0 else 0.0\n",
    "cg_step": "def cg_step(x):\n    return 1.0 if x > 0 else 0.0\n",
    "cg_sign": "def cg_sign(x):\n    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0\n",
    "cg_softplus": "def cg_softplus(x):\n"
                   "    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))\n",
    "cg_logsigmoid": "def cg_logsigmoid(x):\n"
                     "    return min(x, 0.0) - math.log1p(math.exp(-abs(x)))\n",
    "cg_powlog": "def cg_powlog(a, b):\n"
                 "    return 0.0 if a == 0 and b > 0 else math.pow(a, b) * math.log(a)\n",
}
_PY_CALLS = _calls("math.", _PY_HELPERS, own={
    "abs": "abs({a})", "max": "max({a}, {b})", "min": "min({a}, {b})",
    "gt": "(1.0 if {a} > {b} else 0.0)"})
_NP_HELPERS = {
    "cg_sigmoid": "def cg_sigmoid(x):\n    z = np.exp(-np.abs(x))\n"
                  "    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))\n",
    "cg_sech": "def cg_sech(x):\n    u = np.exp(-np.abs(x))\n    return 2.0 * u / (1.0 + u * u)\n",
    "cg_max": "def cg_max(a, b):\n    return np.where(a >= b, a, b)\n",
    "cg_min": "def cg_min(a, b):\n    return np.where(a <= b, a, b)\n",
    "cg_sign": "def cg_sign(x):\n    return np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0))\n",
    "cg_softplus": "def cg_softplus(x):\n"
                   "    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))\n",
    "cg_logsigmoid": "def cg_logsigmoid(x):\n"
                     "    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))\n",
    "cg_erf": "def cg_erf(x):\n    return np.vectorize(math.erf, otypes=[float])(x)\n",
    "cg_powlog": "def cg_powlog(a, b):\n    a, b = np.broadcast_arrays(a, b)\n"
                 "    zero = (a == 0) & (b > 0)\n    safe = np.where(zero, 1.0, a)\n"
                 "    return np.where(zero, 0.0, np.power(safe, b) * np.log(safe))\n",
}
_NP_CALLS = _calls("np.", _NP_HELPERS, renamed={
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
    "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}, own={
    "relu": "np.where({a} > 0, {a}, 0.0)", "abs": "np.abs({a})",
    "step": "np.where({a} > 0, 1.0, 0.0)", "gt": "np.where({a} > {b}, 1.0, 0.0)"})
_C_HELPERS = {
    "cg_sigmoid": "static double cg_sigmoid(double x) {\n"
                  "    if (x >= 0) return 1.0 / (1.0 + exp(-x));\n"
                  "    double z = exp(x);\n    return z / (1.0 + z);\n}\n",
    "cg_sech": "static double cg_sech(double x) {\n    double u = exp(-fabs(x));\n"
               "    return 2.0 * u / (1.0 + u * u);\n}\n",
    "cg_relu": "static double cg_relu(double x) { return x > 0 ? x : 0.0; }\n",
    "cg_max": "static double cg_max(double a, double b) { return a >= b ? a : b; }\n",
    "cg_min": "static double cg_min(double a, double b) { return a <= b ? a : b; }\n",
    "cg_step": "static double cg_step(double x) { return x > 0 ? 1.0 : 0.0; }\n",
    "cg_gt": "static double cg_gt(double a, double b) "
                    "{ return a > b ? 1.0 : 0.0; }\n",
    "cg_sign": "static double cg_sign(double x) "
               "{ return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }\n",
    "cg_softplus": "static double cg_softplus(double x) "
                   "{ return fmax(x, 0.0) + log1p(exp(-fabs(x))); }\n",
    "cg_logsigmoid": "static double cg_logsigmoid(double x) "
                     "{ return fmin(x, 0.0) - log1p(exp(-fabs(x))); }\n",
    "cg_powlog": "static double cg_powlog(double a, double b) "
                 "{ return (a == 0 && b > 0) ? 0.0 : pow(a, b) * log(a); }\n",
}
_C_CALLS = _calls("", _C_HELPERS, own={"abs": "fabs({a})"})
_JS_HELPERS = {
    "cg_sigmoid": "function cg_sigmoid(x) {\n"
                  "  if (x >= 0) return 1 / (1 + Math.exp(-x));\n"
                  "  const z = Math.exp(x);\n  return z / (1 + z);\n}\n",
    "cg_sech": "function cg_sech(x) {\n  const u = Math.exp(-Math.abs(x));\n"
               "  return 2 * u / (1 + u * u);\n}\n",
    "cg_relu": "function cg_relu(x) { return x > 0 ? x : 0; }\n",
    "cg_max": "function cg_max(a, b) { return a >= b ? a : b; }\n",
    "cg_min": "function cg_min(a, b) { return a <= b ? a : b; }\n",
    "cg_step": "function cg_step(x) { return x > 0 ? 1 : 0; }\n",
    "cg_gt": "function cg_gt(a, b) { return a > b ? 1 : 0; }\n",
    "cg_sign": "function cg_sign(x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }\n",
    "cg_softplus": "function cg_softplus(x) "
                   "{ return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))); }\n",
    "cg_logsigmoid": "function cg_logsigmoid(x) "
                     "{ return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))); }\n",
    "cg_erf": "function cg_erf(a) {\n  return "
              + ops.FUNCTIONS["erf"].js[0] + ";\n}\n",
    "cg_powlog": "function cg_powlog(a, b) {\n  return "
                 + ops.FUNCTIONS["powlog"].js[0] + ";\n}\n",
}
_JS_CALLS = _calls("Math.", _JS_HELPERS)

_PY_RESERVED = frozenset(
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try "
    "while with yield math np abs max min float cg_shape gradient value".split())
_C_RESERVED = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while pow fabs fmax fmin main".split()) | frozenset(
    template[:template.index("(")] for template in _C_CALLS.values()
    if not template.startswith("cg_"))  # the math library's names
_JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else export extends "
    "false finally for function if import in instanceof new null return super switch this "
    "throw true try typeof var void while with yield let static enum await implements "
    "package protected interface private public arguments eval Math NaN Infinity undefined "
    "value gradient".split())


def _identifier(name: str) -> str:
    """A program name as an identifier: ``x[0,1]`` → ``x_0_1``."""
    text = re.sub(r"\W", "_", name.replace("]", ""), flags=re.ASCII)
    text = text.strip("_") if text.strip("_") else "v"
    return "_" + text if text[0].isdigit() else text


def _pieces_text(lang: Language, f, i: int, text: dict[int, tuple[str, int]]) -> tuple[str, int]:
    """Node ``i``'s text and precedence, from its children's."""
    o = f.op[i]
    if o is ops.INPUT or o is ops.CONST:
        raise AssertionError("leaves are named before")

    def arg(k: int, at_least: int) -> str:
        t, p = text[k]
        return t if p >= at_least else f"({t})"

    a, b = f.arg0[i], f.arg1[i]
    if o is ops.ADD or o is ops.SUB:
        return f"{arg(a, _SUM)} {o.symbol} {arg(b, _PRODUCT)}", _SUM
    if o is ops.MUL or o is ops.DIV:
        return f"{arg(a, _PRODUCT)} {o.symbol} {arg(b, _UNARY)}", _PRODUCT
    if o is ops.NEG:
        return f"-{arg(a, _POWER)}", _UNARY
    if o is ops.POW:
        if lang.power is None:
            return f"{arg(a, _ATOM)} ** {arg(b, _UNARY)}", _POWER
        return lang.power.format(a=text[a][0], b=text[b][0]), _ATOM
    template = lang.calls.get(o.name)
    if template is None:
        raise CgdiffError(f"--format {lang.name}: the op '{o.name}' has no {lang.name} form "
                          "in cgdiff's code export")
    return template.format(a=text[a][0], b=text[b][0] if b >= 0 else ""), _ATOM


def _needed_helpers(lang: Language, lines: list[str]) -> list[str]:
    """The helpers the code calls, in a stable order (a helper may call none)."""
    body = "\n".join(lines)
    return [definition for name, definition in lang.helpers.items() if name + "(" in body]


@dataclass
class _Code:
    params: list[tuple[str, str, float | None]]  # (program name, identifier, default)
    temps: list[tuple[str, str]]  # (identifier, text)
    value: str
    gradient: list[tuple[str, str, str]]  # (program name, identifier, text)
    function: str
    comment: str


def _generate(d: Derivatives, lang: Language) -> tuple[_Code, str]:
    from ..formula import reachable, use_counts
    from ..symbolic import derivative_name

    f = d.formulas
    graph = d.graph
    value_root = d.primal[graph.output]
    roots = [value_root, *d.gradient.values()]
    keep = reachable(f, roots)
    uses = use_counts(f, keep, roots)

    taken = set(lang.reserved) | set(lang.helpers)
    params = []
    ident_of_input = {}
    for name in graph.inputs:
        ident = unique_name(_identifier(name), taken)
        ident_of_input[name] = ident
        node = graph.index.get(name)
        default = (d.values or {}).get(name)
        if default is None and node is not None:
            default = graph.const.get(node)
        params.append((name, ident, default))
    function = unique_name(_identifier("grad_" + d.output_name), taken)
    grad_idents = {name: unique_name(_identifier(derivative_name(d, name)), taken)
                   for name in d.gradient}
    value_ident = unique_name(_identifier(d.output_name), taken)

    text: dict[int, tuple[str, int]] = {}
    left = dict(uses)
    temps = []
    temporaries = fresh_names(taken)
    for i in sorted(keep):
        o = f.op[i]
        if o is ops.INPUT:
            text[i] = (ident_of_input.get(f.name_of[i]) or _identifier(f.name_of[i]), _ATOM)
            continue
        if o is ops.CONST:
            x = f.const[i]
            text[i] = (lang.number(x), _UNARY if x < 0 else _ATOM)
            continue
        t, p = _pieces_text(lang, f, i, text)
        for k in f.args(i):  # a child's text is kept only while a parent still needs it
            left[k] -= 1
            if left[k] == 0:
                del text[k]
        if i == value_root and (uses[i] >= 2 or len(t) > LONG):
            temps.append((value_ident, t))
            text[i] = (value_ident, _ATOM)
        elif uses[i] >= 2 or len(t) > LONG:
            own = d.statement_name.get(i)
            name = unique_name(_identifier(own), taken) if own is not None else next(temporaries)
            temps.append((name, t))
            text[i] = (name, _ATOM)
        else:
            text[i] = (t, p)
    gradient = [(name, grad_idents[name], text[node][0]) for name, node in d.gradient.items()]
    what = ", ".join(f"d{d.output_name}/d{name}" for name in list(d.gradient)[:8])
    if len(d.gradient) > 8:
        what += f", ... ({len(d.gradient)} in all)"
    source = getattr(d, "name", None) or "a program given on the command line"
    comment = (f"{source}: {d.output_name} and its gradient ({what})\n"
               f"written by cgdiff grad --symbolic --format {lang.name}")
    return _Code(params, temps, text[value_root][0], gradient, function,
                 comment), value_ident


# ---------------------------------------------------------------- the writers

def _python_like(d: Derivatives, lang: Language, numpy: bool) -> str:
    code, value_ident = _generate(d, lang)
    signature = ", ".join(ident if default is None else f"{ident}={default!r}"
                          for _, ident, default in _ordered(code.params))
    body = []
    if numpy:
        for _, ident, _default in code.params:
            body.append(f"    {ident} = np.asarray({ident}, dtype=float)")
        shape = ", ".join(ident for _, ident, _ in code.params)
        body.append(f"    cg_shape = np.broadcast({shape}).shape" if len(code.params) > 1 else
                    f"    cg_shape = np.shape({shape})" if code.params else "    cg_shape = ()")
    body += [f"    {name} = {t}" for name, t in code.temps]
    pad = " + np.zeros(cg_shape)" if numpy else ""
    if code.value != value_ident or numpy:
        body.append(f"    {value_ident} = {_wrapped(code.value, numpy)}{pad}")
    for _, ident, t in code.gradient:
        body.append(f"    {ident} = {_wrapped(t, numpy)}{pad}")
    entries = ", ".join(f"{name!r}: {ident}" for name, ident, _ in code.gradient)
    body.append(f"    return {value_ident}, {{{entries}}}")
    helpers = _needed_helpers(lang, body)
    head = ["# " + code.comment.replace("\n", "\n# "), "import math" if not numpy or "math." in "".join(helpers)
            else "", "import numpy as np" if numpy else ""]
    lines = [h for h in head if h] + ["", ""]
    for helper in helpers:
        lines += [helper.rstrip("\n"), "", ""]
    what = ("the output and its gradient on arrays (broadcast together), elementwise"
            if numpy else "the output and its gradient")
    lines += [f"def {code.function}({signature}):",
              f'    """{what}: (value, {{name: derivative}})."""', *body]
    return "\n".join(lines) + "\n"


def _wrapped(t: str, numpy: bool) -> str:
    return f"({t})" if numpy and (" " in t and not t.startswith("(")) else t


def _ordered(params):
    """Parameters without a default before those with one (Python's rule)."""
    return ([p for p in params if p[2] is None] + [p for p in params if p[2] is not None])


def write_python(d: Derivatives, out: IO[str]) -> None:
    out.write(_python_like(d, PYTHON, numpy=False))


def write_numpy(d: Derivatives, out: IO[str]) -> None:
    out.write(_python_like(d, NUMPY, numpy=True))


def write_c(d: Derivatives, out: IO[str]) -> None:
    code, value_ident = _generate(d, C)
    params = [f"double {ident}" for _, ident, _ in code.params]
    params += [f"double *{ident}" for _, ident, _ in code.gradient]
    body = [f"    double {name} = {t};" for name, t in code.temps]
    if code.value != value_ident:
        body.append(f"    double {value_ident} = {code.value};")
    body += [f"    *{ident} = {t};" for _, ident, t in code.gradient]
    body.append(f"    return {value_ident};")
    lines = ["/* " + code.comment.replace("*/", "* /").replace("\n", "\n   ") + " */", "#include <math.h>", ""]
    for helper in _needed_helpers(C, body):
        lines += [helper.rstrip("\n"), ""]
    defaults = ", ".join(f"{name} = {default!r}" for name, _, default in code.params
                         if default is not None)
    if defaults:
        lines.append(f"/* the program's values: {defaults} */")
    lines += [f"double {code.function}({', '.join(params) or 'void'})", "{", *body, "}"]
    out.write("\n".join(lines) + "\n")


def write_javascript(d: Derivatives, out: IO[str]) -> None:
    code, value_ident = _generate(d, JAVASCRIPT)
    signature = ", ".join(ident if default is None else f"{ident} = {_js_number(default)}"
                          for _, ident, default in code.params)
    body = [f"  const {name} = {t};" for name, t in code.temps]
    if code.value != value_ident:
        body.append(f"  const {value_ident} = {code.value};")
    body += [f"  const {ident} = {t};" for _, ident, t in code.gradient]
    import json

    entries = ", ".join(f"{json.dumps(name)}: {ident}" for name, ident, _ in code.gradient)
    body.append(f"  return {{value: {value_ident}, gradient: {{{entries}}}}};")
    lines = ["// " + code.comment.replace("\n", "\n// "), ""]
    for helper in _needed_helpers(JAVASCRIPT, body):
        lines += [helper.rstrip("\n"), ""]
    lines += [f"function {code.function}({signature}) {{", *body, "}"]
    out.write("\n".join(lines) + "\n")


def _js_number(x: float) -> str:
    return repr(float(x))


PYTHON = Language("python", "#", _PY_CALLS, _PY_HELPERS, None, _PY_RESERVED, _py_number,
                  write_python)
NUMPY = Language("numpy", "#", _NP_CALLS, _NP_HELPERS, "np.power({a}, {b})", _PY_RESERVED,
                 _py_number, write_numpy)
C = Language("c", "/*", _C_CALLS, _C_HELPERS, "pow({a}, {b})", _C_RESERVED, _py_number,
             write_c)
JAVASCRIPT = Language("javascript", "//", _JS_CALLS, _JS_HELPERS, "Math.pow({a}, {b})",
                      _JS_RESERVED, _js_number, write_javascript)

FORMATS = {"python": write_python, "numpy": write_numpy, "c": write_c,
           "javascript": write_javascript}
