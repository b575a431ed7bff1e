import pytest
from click.testing import CliRunner

from cgdiff.cli import cli


@pytest.fixture
def run():
    """Run the CLI through Click's CliRunner: run('grad', PROGRAM, '--format', 'json')."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


# A Hypothesis profile for fuzzing by hand, far longer than CI's few seconds
# (tests/test_fuzz.py): pytest tests/test_fuzz.py --hypothesis-profile=fuzz
from hypothesis import HealthCheck, settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# No timed unit tests: Hypothesis's 200 ms deadline fails a test whose first
# example builds the parser's table on a fresh cache, or runs on a loaded
# machine (the everyday profile; --hypothesis-profile=fuzz still overrides).
# Likewise the "too slow" health check, which times the generation of examples.
_hypothesis_settings.register_profile("untimed", deadline=None,
                                      suppress_health_check=[HealthCheck.too_slow])
_hypothesis_settings.load_profile("untimed")
