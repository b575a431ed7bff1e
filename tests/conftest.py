import pytest
from click.testing import CliRunner

from cgdiff.cli import cli

SEED_ONE_LINE = "J = 0.5*(w*x + b - y)^2"
SEED_STATEMENTS = "c = w*x\na = c + b\nd = a - y\nJ = 1/2*d^2\n"
SEED_VALUES = {"w": 2.0, "x": -2.0, "b": 8.0, "y": 2.0}
SEED_SET = "w=2,x=-2,b=8,y=2"


@pytest.fixture
def run():
    """Run the CLI through Click's CliRunner: run('grad', PROGRAM, '--format', 'json')."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke
