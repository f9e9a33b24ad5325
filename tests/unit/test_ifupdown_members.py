"""What holds across items (ifupdown_members): members, masters, raw devices and OVS bridges, each wrong one
named by its field path."""

import pytest

from tests.unit.ifupdown_bad_samples import MEMBER_BAD
from tests.unit.ifupdown_samples import assert_refused


@pytest.mark.parametrize("case,config,path,words", MEMBER_BAD, ids=[c[0] for c in MEMBER_BAD])
def test_bad_membership_names_the_field(case, config, path, words):
    assert_refused(config, path, words)
