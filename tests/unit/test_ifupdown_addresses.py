"""An item's addresses, gateways and routes (ifupdown_addresses): every bad one fails with the exact field path."""

import pytest

from tests.unit.ifupdown_samples import assert_refused, changed

BAD = [
    (
        "bad address",
        changed("network_interfaces", 0, address="192.0.2.300"),
        "network_interfaces[0].address",
        "IP address",
    ),
    (
        "bad netmask",
        changed("network_interfaces", 0, netmask="255.0.255.0"),
        "network_interfaces[0].netmask",
        "netmask",
    ),
    (
        "address without prefix",
        changed("network_interfaces", 0, netmask=None),
        "network_interfaces[0].address",
        "prefix length",
    ),
    (
        "bad cidr in list",
        changed("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.3/33"]),
        "network_vlans[1].addresses[1]",
        "valid prefix",
    ),
    (
        "duplicate address",
        changed("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.2/24"]),
        "network_vlans[1].addresses[1]",
        "twice",
    ),
    (
        "gateway not an address",
        changed("network_interfaces", 0, gateway="gw1"),
        "network_interfaces[0].gateway",
        "IP address",
    ),
    (
        "IPv6 in gateway",
        changed("network_interfaces", 0, gateway="2001:db8::1"),
        "network_interfaces[0].gateway",
        "gateway6",
    ),
    (
        "two IPv4 gateways",
        changed("network_vlans", 1, gateway="10.20.0.1"),
        "network_vlans[1].gateway",
        "network_interfaces[0].gateway",
    ),
    (
        "default route as second gateway",
        changed("network_bridges", 0, routes=[{"to": "default", "via": "10.20.0.1"}]),
        "network_bridges[0].routes",
        "already set",
    ),
    (
        "route to with host bits",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.1/24", "via": "10.20.0.254"}]),
        "network_bridges[0].routes[0].to",
        "network",
    ),
    (
        "route family mix",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "2001:db8::1"}]),
        "network_bridges[0].routes[0].via",
        "IPv6",
    ),
    (
        "route metric",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "10.0.0.1", "metric": -1}]),
        "network_bridges[0].routes[0].metric",
        "from 0",
    ),
]


@pytest.mark.parametrize("case,config,path,words", BAD, ids=[c[0] for c in BAD])
def test_bad_address_gateway_or_route_names_the_field(case, config, path, words):
    assert_refused(config, path, words)
