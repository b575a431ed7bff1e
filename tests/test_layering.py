"""The package's layering, checked: a module imports only modules of its own
layer or below (errors ← text ← ops ← parser ← graph ← passes ← api ←
features ← render ← cli). Lazy imports inside functions count too.

A new module must be placed in LAYERS; the test says so when one is not.
"""

import ast
from pathlib import Path

import cgdiff

#: Lowest first. ``text`` sits below ``errors``: an error's caret excerpt is text.
LAYERS = [
    ["text"],
    ["errors"],
    ["ops", "_lalr", "outfile"],
    ["parser"],
    ["graph", "expand", "graphcache", "simplify", "formula"],
    ["passes", "patterns"],
    ["api"],
    ["batch", "check", "claims", "expect", "explain", "fit", "hessian", "stats", "symbolic",
     "worksheet", "kinks", "jacobian", "grade", "quiz", "_callable", "precision"],
    ["render", "render.*"],
    ["cli", "public", "__main__", ""],  # "": the package's __init__, its front door
]

#: Imports against the layering, each with its reason.
ALLOWED = {
    # cgdiff.check(...) calls the Python API's function of that name: the
    # callable-module shim looks it up when called.
    ("_callable", "public"),
}

PACKAGE = Path(cgdiff.__file__).parent


def layer_of(module: str) -> int:
    for number, names in enumerate(LAYERS):
        for name in names:
            if module == name or (name.endswith(".*") and module.startswith(name[:-1])):
                return number
    raise AssertionError(f"cgdiff.{module} is not in tests/test_layering.py's LAYERS: "
                         "place it in its layer")


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield ".".join(parts), path, is_package


def imports(name: str, path: Path, is_package: bool):
    """The package's modules that ``name`` imports (names relative to cgdiff)."""
    package = name.split(".") if is_package else name.split(".")[:-1]
    if name == "":
        package = []
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and (node.module == "cgdiff" or node.module.startswith("cgdiff.")):
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:  # ``from . import passes`` imports a module
                candidate = target + [alias.name]
                if (PACKAGE.joinpath(*candidate).with_suffix(".py").exists()
                        or PACKAGE.joinpath(*candidate).is_dir()):
                    found.add(".".join(candidate))
                else:
                    found.add(".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cgdiff."):
                    found.add(alias.name[len("cgdiff."):])
    found.discard(name)
    return found


def test_every_module_imports_only_its_layer_or_below():
    wrong = []
    for name, path, is_package in modules():
        mine = layer_of(name)
        for other in sorted(imports(name, path, is_package)):
            if layer_of(other) > mine and (name, other) not in ALLOWED:
                wrong.append(f"cgdiff.{name} (layer {mine}) imports cgdiff.{other} "
                             f"(layer {layer_of(other)})")
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_lazy_and_relative_imports():
    found = imports("cli", PACKAGE / "cli.py", False)
    assert {"api", "outfile", "render.data", "errors"} <= found
