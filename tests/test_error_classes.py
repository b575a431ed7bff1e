"""One error family: every exception class of the package is defined in
cgdiff/errors.py and named ``...Error`` (README: the module table). The CLI's
click exceptions, which carry an exit status out of click, are the exception."""

import ast
import inspect
from pathlib import Path

import cgdiff
from cgdiff import errors

PACKAGE = Path(cgdiff.__file__).parent
#: click.ClickException subclasses: how the CLI leaves with exit 1, 3 or 130.
CLICK_EXITS = {("cli.py", "ProgramError"), ("cli.py", "Found"), ("cli.py", "Interrupted")}


def test_every_exception_class_lives_in_errors_py():
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or where == "errors.py":
                continue
            bases = {ast.unparse(b) for b in node.bases}
            if (any(b.endswith(("Error", "Exception", "Problem")) for b in bases)
                    and (where, node.name) not in CLICK_EXITS):
                outside.append(f"{where}: {node.name}")
    assert outside == []


def test_every_error_class_is_named_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, Exception) and c.__module__ == errors.__name__]
    assert len(classes) > 10
    assert [c.__name__ for c in classes if not c.__name__.endswith("Error")] == []
    # no second name for a class (the old ``...Problem`` aliases are gone)
    names = [n for n, c in vars(errors).items() if inspect.isclass(c) and issubclass(c, Exception)]
    assert sorted(names) == sorted(c.__name__ for c in classes)
