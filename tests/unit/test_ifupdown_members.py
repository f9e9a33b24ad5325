"""What holds across items (ifupdown_members): members, masters, raw devices and OVS bridges, each wrong one
named by its field path."""

import pytest

from tests.unit.ifupdown_samples import added, assert_refused, changed

BAD = [
    (
        "slave missing on host",
        changed("network_bonds", 0, slaves=["eth1", "eth2", "eth7"]),
        "network_bonds[0].slaves[2]",
        "neither an interface on the host nor declared",
    ),
    (
        "port in two masters",
        changed("network_bridges", 0, ports=["vlan100", "eth2"]),
        "network_bridges[0].ports[1]",
        "already a member of bond0",
    ),
    (
        "bond_master disagrees",
        added("network_bonds", {"name": "bond1", "slaves": ["eth2", "eth6"]}),
        "network_bonds[1].slaves[0]",
        "already a member of bond0",
    ),
    (
        "bond_master undeclared",
        added("network_interfaces", {"name": "eth6", "bond_master": "bond5"}),
        "network_interfaces[4].bond_master",
        "not declared",
    ),
    (
        "primary not a member",
        changed("network_bonds", 0, parameters=[{"param": "primary", "val": "eth3"}]),
        "network_bonds[0].primary",
        "not a member",
    ),
    ("bond without members", added("network_bonds", {"name": "bond1"}), "network_bonds[1].slaves", "no members"),
    ("vlan raw device missing", added("network_vlans", {"name": "eth8.5"}), "network_vlans[2].vlan_device", "neither"),
    ("vids without vlan_aware", changed("network_bridges", 0, vids=["10"]), "network_bridges[0].vids", "vlan_aware"),
    (
        "ovs port on unknown bridge",
        changed("ovs_interfaces", 0, bridge="vmbr9"),
        "ovs_interfaces[0].bridge",
        "not declared",
    ),
    (
        "ovs port not listed",
        added("ovs_interfaces", {"name": "mgmt0", "bridge": "vmbr0"}),
        "ovs_interfaces[2].bridge",
        "ovs_bridges[0].ports",
    ),
    (
        "ovs bridge port undeclared",
        changed("ovs_bridges", 0, ports=["obond0", "vlan1", "eth5", "eth0"]),
        "ovs_bridges[0].ports[3]",
        "ovs_bonds or ovs_interfaces",
    ),
    ("ovs bond one member", changed("ovs_bonds", 0, ports=["eth3"]), "ovs_bonds[0].ports", "at least two"),
    (
        "bridge port missing",
        added("network_bridges", {"name": "br7", "ports": ["eth7.7"]}),
        "network_bridges[1].ports[0]",
        "neither",
    ),
]


@pytest.mark.parametrize("case,config,path,words", BAD, ids=[c[0] for c in BAD])
def test_bad_membership_names_the_field(case, config, path, words):
    assert_refused(config, path, words)
