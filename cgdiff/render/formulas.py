"""``cgdiff grad --symbolic``: the derivatives as formulas (``FORMATS``):
``table`` a cgdiff program (shared parts named), ``plain`` one inlined
formula per input (``NAME<TAB>FORMULA``), ``csv``, ``json`` (both), ``latex``.

Every writer works its text out whole before writing, so a formula too long
to inline is an error with nothing written.
"""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

from . import code, json_text

if TYPE_CHECKING:
    from ..symbolic import Derivatives


def _inlined(d: Derivatives) -> dict[str, str]:
    from ..symbolic import inline_text

    return {name: inline_text(d, name) for name in d.gradient}


def write_program(d: Derivatives, out: IO[str]) -> None:
    from ..symbolic import program_text

    out.write(program_text(d, d.values))


def write_plain(d: Derivatives, out: IO[str]) -> None:
    out.write("".join(f"{name}\t{formula}\n" for name, formula in _inlined(d).items()))


def write_csv(d: Derivatives, out: IO[str]) -> None:
    inlined = _inlined(d)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "derivative"])
    writer.writerows(inlined.items())


def write_json(d: Derivatives, out: IO[str]) -> None:
    from ..symbolic import program_text

    out.write(json_text({"of": d.graph.node_id(d.graph.output), "gradient": _inlined(d),
                         "program": program_text(d, d.values)}) + "\n")


def write_latex(d: Derivatives, out: IO[str]) -> None:
    from ..symbolic import latex_text

    out.write("".join(latex_text(d, name) + "\n" for name in d.gradient))


FORMATS = {"table": write_program, "json": write_json, "csv": write_csv, "plain": write_plain,
           "latex": write_latex}
# python, numpy, c, javascript: the output and its gradient as code (cgdiff.render.code)
FORMATS.update(code.FORMATS)
