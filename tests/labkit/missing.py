"""What a test does when a backend or tool it proves is missing from this machine.

A local run skips and says why; CI (the variable CI is set, as CI services set it) fails instead,
so a proof cannot quietly vanish from the pipeline because a package went missing.
"""

import os

import pytest


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason):
    """Skip (locally) or fail (in CI) with reason; nothing when reason is empty."""
    if not reason:
        return
    if in_ci():
        pytest.fail("missing in CI, where every proof must run: %s" % reason, pytrace=False)
    pytest.skip(reason)
