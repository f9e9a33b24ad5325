"""An item's addresses, gateways and routes (ifupdown_addresses): every bad one fails with the exact field path."""

import pytest

from tests.unit.ifupdown_bad_samples import ADDRESS_BAD
from tests.unit.ifupdown_samples import assert_refused


@pytest.mark.parametrize("case,config,path,words", ADDRESS_BAD, ids=[c[0] for c in ADDRESS_BAD])
def test_bad_address_gateway_or_route_names_the_field(case, config, path, words):
    assert_refused(config, path, words)
