"""Nodes and gradient (``eval``, ``grad``): the table for people (drawn by
``render.table``), json, csv and plain for scripts (SPEC §5).

Numbers are written in Python's shortest round-trip form (``repr(float)``) so
they parse back exactly; a derivative that does not exist is ``null``/empty.
Output is streamed node by node: a million-node graph is never held as one
string.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..api import Result


def _grad(x: float):
    return None if x != x else x


def node_records(result: Result):
    """One dict per node, in evaluation order, in the SPEC's key order."""
    graph, values, adjoints = result.graph, result.values, result.adjoints
    for i in range(len(graph)):
        record = {
            "id": graph.node_id(i),
            "label": graph.label(i),
            "op": graph.op[i].name,
            "inputs": [graph.node_id(a) for a in graph.args(i)],
            "value": values[i],
        }
        if adjoints is not None:
            record["grad"] = _grad(adjoints[i])
        yield record


def write_json(result: Result, out: IO[str], extra: dict | None = None) -> None:
    """``extra``: more top-level keys, written last (``grad --stats``)."""
    from . import json_text

    graph = result.graph
    head = json_text({"of": graph.node_id(graph.output), "value": result.value})
    out.write(head[:-1] + ', "nodes": [')  # the nodes one per line, as they are made
    separator = ""
    for record in node_records(result):
        out.write(separator)
        out.write(json_text(record))
        separator = ",\n  "
    out.write("]")
    rest = {}
    if result.gradient is not None:
        rest["gradient"] = result.gradient
    rest.update(extra or {})
    if rest:
        out.write(", " + json_text(rest)[1:-1])
    out.write("}\n")


def write_csv(result: Result, out: IO[str]) -> None:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    header = ["id", "label", "op", "inputs", "value"]
    if result.adjoints is not None:
        header.append("grad")
    writer.writerow(header)
    for record in node_records(result):
        row = [record["id"], record["label"], record["op"], " ".join(record["inputs"]),
               repr(record["value"])]
        if "grad" in record:
            row.append("" if record["grad"] is None else repr(record["grad"]))
        writer.writerow(row)


def write_plain(result: Result, out: IO[str]) -> None:
    if result.gradient is None:
        out.write(f"{result.value!r}\n")
        return
    for name, derivative in result.gradient.items():
        out.write(f"{name}\t{derivative!r}\n")


def write_table(result: Result, out: IO[str]) -> None:
    from . import print_rich
    from .table import render

    print_rich(out, render(result))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
