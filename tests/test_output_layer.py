"""The output layer: each result type's render module declares its formats in
one FORMATS mapping; --format offers them; a format a result lacks is a usage
error listing the ones it has."""

import pytest

from cgdiff import api, render
from cgdiff.render import annotated, check, data, fitting, formulas, matrix, picture, rows, sheets

PROGRAM = "J = 0.5*(w*x + b - y)^2"
SET = "w=2,x=-2,b=8,y=2"


@pytest.mark.parametrize("module", [data, annotated, check, matrix, formulas, fitting, rows,
                                    picture])
def test_every_render_module_declares_writers(module):
    assert module.FORMATS and all(callable(write) for write in module.FORMATS.values())


def test_as_text_writes_any_format_of_a_result():
    result = api.differentiate(PROGRAM, {"w": 2, "x": -2, "b": 8, "y": 2})
    assert render.as_text(result, "plain") == "w\t-4.0\nx\t4.0\nb\t2.0\ny\t-2.0\n"
    assert render.as_text(result, "csv").startswith("id,label,op,inputs,value,grad\n")


@pytest.mark.parametrize("args, message", [
    (["grad", PROGRAM, "--set", SET, "--data", "-", "--format", "table"],
     "--format table is not available with --data; choose from csv, json, plain"),
    (["grad", PROGRAM, "--set", SET, "--stats", "--format", "csv"],
     "--format csv is not available with --stats; choose from table, json"),
    (["eval", PROGRAM, "--set", SET, "--format", "latex"],
     "'latex' is not one of 'table', 'json', 'csv', 'plain'"),
])
def test_a_format_a_result_lacks_is_a_usage_error(run, args, message):
    result = run(*args, input="w\n1\n")
    assert result.exit_code == 2
    assert message in result.output


def test_data_rows_default_to_csv(run):
    result = run("eval", "J = 2*x", "--data", "-", input="x\n1\n3\n")
    assert result.exit_code == 0, result.output
    assert result.output == "x,J\n1.0,2.0\n3.0,6.0\n"


def test_the_sheet_formats_offered_are_the_page_writers():
    from cgdiff.cli import SHEET_FORMATS

    assert SHEET_FORMATS == list(sheets.FORMATS) == list(sheets.SUFFIXES)


#: Each command with --format → the render modules of the results it writes.
EMITS = {"eval": [data, rows, annotated], "grad": [data, rows, annotated, formulas],
         "check": [check], "hessian": [matrix], "fit": [fitting]}


@pytest.mark.parametrize("command", EMITS)
def test_every_format_of_a_result_is_offered(command):
    # adding a format is one function in one render module: --format offers it
    # with no edit in the CLI (grad --stats gets any format render.annotated has)
    from cgdiff.cli import cli

    (option,) = [p for p in cli.commands[command].params if p.name == "output_format"]
    offered = set(option.type.choices)
    for module in EMITS[command]:
        assert set(module.FORMATS) <= offered, (module.__name__, set(module.FORMATS) - offered)


def test_annotated_results_use_annotated_formats(monkeypatch, run):
    # a format render.annotated gains is where grad --stats goes, with no edit in the
    # CLI (not a table/json special case): here a plain writer of its own
    monkeypatch.setitem(annotated.FORMATS, "plain",
                        lambda a, out: out.write(f"nodes {a.json_extra['stats']['nodes']}\n"))
    result = run("grad", PROGRAM, "--set", SET, "--stats", "--format", "plain")
    assert result.exit_code == 0 and result.output == "nodes 11\n"
