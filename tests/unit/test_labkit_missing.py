"""A missing backend skips a local run, saying why, and fails a CI run."""

import pytest

from tests.labkit.missing import missing


def test_nothing_missing_does_nothing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    missing(None)
    missing("")


def test_local_run_skips_with_the_reason(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no rbd backend"):
        missing("no rbd backend")


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_ci_run_fails_with_the_reason(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="missing in CI.*no rbd backend"):
        missing("no rbd backend")


def test_ci_false_is_a_local_run(monkeypatch):
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        missing("no rbd backend")
