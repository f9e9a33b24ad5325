"""One item read into its model (ifupdown_item): every bad key or value fails with the exact field path, by the
shared input kit's rules where the kit decides."""

import pytest

from tests.unit.ifupdown_bad_samples import ITEM_BAD
from tests.unit.ifupdown_samples import added, assert_refused, changed, refused


@pytest.mark.parametrize("case,config,path,words", ITEM_BAD, ids=[c[0] for c in ITEM_BAD])
def test_bad_item_names_the_field(case, config, path, words):
    assert_refused(config, path, words)


# The shared input kit's rules (checks.py), the same as in every other module.
KIT_BAD = [
    (
        "colon in a name",
        added("network_interfaces", {"name": "br:1"}),
        "network_interfaces[4].name",
        "not a valid interface name",
    ),
    (
        "YAML bool as a name",
        added("network_interfaces", {"name": True}),
        "network_interfaces[4].name",
        "not a boolean: true (unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it)",
    ),
    (
        "YAML number as a bond member",
        changed("network_bonds", 0, slaves=["eth1", 2]),
        "network_bonds[0].slaves[1]",
        "quote it",
    ),
    ("OVS tag 0", changed("ovs_interfaces", 0, tag=0), "ovs_interfaces[0].tag", "VLAN id from 1 to 4094"),
    (
        "OVS tag 4095 in options",
        changed("ovs_interfaces", 0, tag=None, options=[{"opt": "tag", "val": 4095}]),
        "ovs_interfaces[0].options[0].val",
        "VLAN id from 1 to 4094",
    ),
    (
        "OVS lacp not a mode",
        changed("ovs_bonds", 0, options=[{"opt": "lacp", "val": "fast"}]),
        "ovs_bonds[0].options[0].val",
        "active, passive, off",
    ),
    (
        "multicast MAC",
        changed("network_interfaces", 0, hwaddress="01:00:5e:00:00:01"),
        "network_interfaces[0].hwaddress",
        "unicast",
    ),
    (
        "unknown bool word",
        changed("network_bridges", 0, vlan_aware="sometimes"),
        "network_bridges[0].vlan_aware",
        "true or false",
    ),
]


@pytest.mark.parametrize("case,config,path,words", KIT_BAD, ids=[c[0] for c in KIT_BAD])
def test_names_bools_and_vlans_follow_the_shared_kit(case, config, path, words):
    error = refused(config)
    assert error.path == path
    assert words in error.message, error.message
