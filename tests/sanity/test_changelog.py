"""The changelog sources are valid: antsibull-changelog lint over changelogs/fragments and the release history in
changelogs/changelog.yaml (CHANGELOG.md is generated from both by `make changelog`)."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.sanity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(os.path.dirname(sys.executable), "antsibull-changelog")


@pytest.mark.parametrize(
    "args", [["lint"], ["lint-changelog-yaml", "changelogs/changelog.yaml"]], ids=["fragments", "changelog.yaml"]
)
def test_antsibull_changelog_lint_passes(args):
    result = subprocess.run([TOOL, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout[-8000:] + result.stderr[-2000:]
