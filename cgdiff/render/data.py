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
        if result.adjoint_columns is not None:
            record["grad"] = {name: _grad(column[i])
                              for name, column in result.adjoint_columns.items()}
        elif adjoints is not None:
            record["grad"] = _grad(adjoints[i])
        if result.tangents is not None:
            record["tangent"] = {name: _grad(column[i])
                                 for name, column in result.tangents.items()}
        yield record


def write_json(result: Result, out: IO[str], extra: dict | None = None) -> None:
    """``extra``: more top-level keys, written last (``grad --stats``)."""
    from . import json_text

    graph = result.graph
    if len(graph.outputs) > 1:
        head = json_text({"of": graph.output_names[0], "value": result.value,
                          "outputs": graph.output_names,
                          "values": {name: result.values[o]
                                     for name, o in zip(graph.output_names, graph.outputs)}})
    else:
        head = json_text({"of": graph.node_id(graph.output), "value": result.value})
    out.write(head[:-1] + ', "nodes": [')  # the nodes one per line, as they are made
    separator = ""
    for record in node_records(result):
        out.write(separator)
        out.write(json_text(record))
        separator = ",\n  "
    out.write("]")
    rest = {}
    if result.gradients is not None:  # one per output
        rest["gradient"] = {name: shaped_gradient(result, gradient)
                            for name, gradient in result.gradients.items()}
    elif result.gradient is not None:
        rest["gradient"] = shaped_gradient(result, result.gradient)
    rest.update(extra or {})
    if rest:
        out.write(", " + json_text(rest)[1:-1])
    out.write("}\n")


def shaped_gradient(result: Result, gradient: dict) -> dict:
    """``gradient`` with each vector or matrix input whose every element is in
    it as one entry in its shape (nested lists): ``{"W": [[1, 2], [3, 4]]}``."""
    shapes = result.graph.shapes
    if not shapes:
        return gradient
    from . import gradient_blocks

    out = {}
    for name, shape, elements in gradient_blocks(result.graph, gradient):
        if shape is None:
            out[name] = gradient[name]
            continue
        flat = [gradient[e] for e in elements]
        for size in reversed(shape[1:]):
            flat = [flat[k:k + size] for k in range(0, len(flat), size)]
        out[name] = flat
    return out


def write_csv(result: Result, out: IO[str]) -> None:
    import csv

    def cell(x):
        return "" if x is None else repr(x)

    writer = csv.writer(out, lineterminator="\n")
    header = ["id", "label", "op", "inputs", "value"]
    if result.adjoint_columns is not None:
        header += [f"grad {name}" for name in result.adjoint_columns]
    elif result.adjoints is not None:
        header.append("grad")
    if result.tangents is not None:
        header += [f"tangent {name}" for name in result.tangents]
    writer.writerow(header)
    for record in node_records(result):
        row = [record["id"], record["label"], record["op"], " ".join(record["inputs"]),
               repr(record["value"])]
        if "grad" in record:
            grad = record["grad"]
            row += [cell(x) for x in grad.values()] if isinstance(grad, dict) else [cell(grad)]
        if "tangent" in record:
            row += [cell(x) for x in record["tangent"].values()]
        writer.writerow(row)


def write_plain(result: Result, out: IO[str]) -> None:
    graph = result.graph
    several = len(graph.outputs) > 1
    if result.gradient is None:
        if several:  # one line per output: NAME, TAB, value
            for name, o in zip(graph.output_names, graph.outputs):
                out.write(f"{name}\t{result.values[o]!r}\n")
        else:
            out.write(f"{result.value!r}\n")
        return
    if several:  # OUTPUT, TAB, INPUT, TAB, derivative
        for output, gradient in result.gradients.items():
            for name, derivative in gradient.items():
                out.write(f"{output}\t{name}\t{derivative!r}\n")
        return
    for name, derivative in result.gradient.items():
        out.write(f"{name}\t{derivative!r}\n")


def write_table(result: Result, out: IO[str]) -> None:
    from . import print_rich
    from .table import render

    print_rich(out, render(result))


FORMATS = {"table": write_table, "json": write_json, "csv": write_csv, "plain": write_plain}
