"""Numbers are never cut (issue 10, item 2): every table the program prints, at
40, 80 and 200 columns, shows every number whole, never with ``…``. A table
that cannot fit drops its outer edge, then (a matrix) splits its columns into
blocks, then goes vertical, one block per row."""

import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console
from rich.table import Table

from cgdiff.cli import cli
from cgdiff.text import human_number
from cgdiff.render.fitted import Fitted, number_column

WIDTHS = [40, 80, 200]
NETWORK = ("h1 = tanh(w1*x + b1); h2 = tanh(w2*x + b2); h3 = sigmoid(w3*x + b3)\n"
           "J = (v1*h1 + v2*h2 + v3*h3 + c - y)^2")
NETWORK_SET = "w1=0.3,b1=-0.1,w2=-0.7,b2=0.2,w3=1.3,b3=0.4,v1=1.1,v2=-0.4,v3=0.7,c=0.05,x=1.5,y=0.3"
TINY = "J = exp(-x*x)*1e-30 + w/3 + 0.1 + 0.2 - 0.3"


def cgdiff(*args, columns):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": str(columns)},
                                catch_exceptions=False)
    assert result.exit_code in (0, 1, 3), result.output
    return result.stdout


def json_of(*args):
    return json.loads(cgdiff(*args, "--format", "json", columns=200))


def node_numbers(*args):
    data = json_of(*args)
    numbers = [node["value"] for node in data["nodes"]]
    numbers += [node["grad"] for node in data["nodes"] if node.get("grad") is not None]
    numbers += list(data.get("gradient", {}).values())
    return [human_number(x) for x in numbers]


CASES = {
    "eval": (["eval", TINY, "--set", "x=1.2345,w=7"],
             lambda: node_numbers("eval", TINY, "--set", "x=1.2345,w=7")),
    "grad": (["grad", TINY, "--set", "x=1.2345,w=7"],
             lambda: node_numbers("grad", TINY, "--set", "x=1.2345,w=7")),
    "grad network": (["grad", NETWORK, "--set", NETWORK_SET],
                     lambda: node_numbers("grad", NETWORK, "--set", NETWORK_SET)),
    "grad --stats": (["grad", "-f", "examples/wide.cg", "--stats"],
                     lambda: [f"{n:,}" for n in json_of("grad", "-f", "examples/wide.cg",
                                                        "--stats")["stats"].values()]),
    "check": (["check", "-f", "examples/seed.cg", "--nudge", "w=0.001"],
              lambda: ["4.00000000006", "-1.99999999999", "-3.99999999999", "1.2e-05",
                       "6.4e-11", "1.6e-11", "4.8e-05", "1.996002", "-0.003998"]),
    "check network": (["check", NETWORK, "--set", NETWORK_SET],
                      lambda: [human_number(row["reverse"])
                               for row in json_of("check", NETWORK, "--set",
                                                  NETWORK_SET)["inputs"]]),
    "hessian": (["hessian", NETWORK, "--set", NETWORK_SET],
                lambda: [human_number(x) for row in json_of("hessian", NETWORK, "--set",
                                                            NETWORK_SET)["hessian"]
                         for x in row]),
    "check --against": (["check", NETWORK, "--set", NETWORK_SET, "--against",
                          "dJ_dv1 = 2*(v1*h1 + v2*h2 + v3*h3 + c - y)*h1; dJ_dc = 1.0000001"],
                         lambda: [human_number(claim[key]) for claim in json_of(
                             "check", NETWORK, "--set", NETWORK_SET, "--against",
                             "dJ_dv1 = 2*(v1*h1 + v2*h2 + v3*h3 + c - y)*h1; dJ_dc = 1.0000001"
                         )["claims"] for key in ("claimed", "true")]),
    "grad --expect": (["grad", TINY, "--set", "x=1.2345,w=7", "--expect", "J=0.1234567891234"],
                      lambda: ["0.1234567891", human_number(json_of(
                          "grad", TINY, "--set", "x=1.2345,w=7")["value"])]),
    "fit": (["fit", "-f", "examples/linear.cg", "--data", "examples/linear.csv",
             "--params", "w,b"],
            lambda: [human_number(x) for x in json_of(
                "fit", "-f", "examples/linear.cg", "--data", "examples/linear.csv",
                "--params", "w,b")["params"].values()]),
}


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_no_number_is_cut(case, columns, monkeypatch):
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    args, expected = CASES[case]
    shown = cgdiff(*args, columns=columns)
    if case == "grad --stats":  # the node table above shortens long labels, rightly
        shown = shown[shown.index("cost, counted"):]
    assert "…" not in shown
    for number in expected():
        assert number in shown, (number, shown)
    widest = max(len(line.rstrip()) for line in shown.splitlines())
    assert widest <= columns, shown


def test_a_wide_terminal_keeps_the_table():
    shown = cgdiff("check", "-f", "examples/seed.cg", columns=200)
    assert "┃ input ┃" in shown


def test_the_hessian_splits_its_columns_before_going_vertical():
    shown = cgdiff("hessian", NETWORK, "--set", NETWORK_SET, columns=80)
    assert "columns 1–4 of 12: w1 to w2" in shown and "┃" in shown
    vertical = cgdiff("hessian", NETWORK, "--set", NETWORK_SET, columns=20)
    assert "┃" not in vertical


@pytest.mark.parametrize("width", range(20, 60, 4))
def test_fitted_never_cuts_a_number(width):
    table = Table(title="t")
    table.add_column("name", style="bold")
    table.add_column("text", overflow="fold")
    number_column(table, "value")
    table.add_row("a", "a long expression text " * 3, "-1.234567891e-300")
    table.add_row("b", "", "2.775557562e-17")
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(Fitted(table))
    out = console.file.getvalue()
    assert "-1.234567891e-300" in out and "2.775557562e-17" in out and "…" not in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_cost_curve_fits_the_terminal(columns, monkeypatch):
    import re

    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    shown = cgdiff("fit", "-f", "examples/linear.cg", "--data", "examples/linear.csv",
                   "--params", "w,b", columns=columns)
    assert re.search(r"^ +step 0 +215$", shown, flags=re.M), shown
    assert re.search(r"^0.05761 │ *●+$", shown, flags=re.M), shown
