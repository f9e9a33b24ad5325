"""ruff (ruff.toml) finds nothing and would reformat nothing in plugins/, tests/ and bench/: `make lint` as a test,
so `make test` fails on a lint error. `make format` and `ruff check --fix` repair most findings."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.sanity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUFF = os.path.join(os.path.dirname(sys.executable), "ruff")
PATHS = ["plugins", "tests", "bench"]


def ruff(*args):
    return subprocess.run([RUFF, *args, *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_ruff_check_finds_nothing():
    result = ruff("check", "--no-cache", "--output-format", "concise")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]


def test_ruff_format_would_change_nothing():
    result = ruff("format", "--no-cache", "--check")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
