"""One item read into its model (ifupdown_item): every bad key or value fails with the exact field path, by the
shared input kit's rules where the kit decides."""

import pytest

from tests.unit.ifupdown_samples import added, assert_refused, changed, refused

BAD = [
    ("missing name", added("network_interfaces", {"method": "dhcp"}), "network_interfaces[4].name", "is required"),
    (
        "name too long",
        added("network_bridges", {"name": "bridge-for-guests0"}),
        "network_bridges[1].name",
        "at most 15",
    ),
    ("name with space", changed("network_interfaces", 0, name="eth 0"), "network_interfaces[0].name", "not a valid"),
    ("unknown key", changed("network_bonds", 0, slave="eth1"), "network_bonds[0].slave", "not a known key"),
    ("bad method", changed("network_interfaces", 2, method="ppp"), "network_interfaces[2].method", "one of"),
    ("bad start", changed("network_interfaces", 2, start="boot"), "network_interfaces[2].start", "one of"),
    (
        "static without address",
        changed("network_interfaces", 2, method="static", bond_master=None),
        "network_interfaces[2].method",
        "no IPv4 address",
    ),
    (
        "address on dhcp",
        changed("network_interfaces", 0, method="dhcp", gateway=None),
        "network_interfaces[0].address",
        "method static",
    ),
    (
        "v6 address with method6 manual",
        changed("network_vlans", 1, method6="manual"),
        "network_vlans[1].addresses[1]",
        "method6 static",
    ),
    ("mtu too small", changed("network_interfaces", 0, mtu=20), "network_interfaces[0].mtu", "from 68"),
    (
        "bad mac",
        changed("network_interfaces", 0, hwaddress="52:54:00:zz:00:01"),
        "network_interfaces[0].hwaddress",
        "MAC",
    ),
    (
        "bad dns server",
        changed("network_interfaces", 0, dns_nameservers="192.0.2.53 dns.example"),
        "network_interfaces[0].dns_nameservers[1]",
        "IP address",
    ),
    (
        "hook with newline",
        changed("network_interfaces", 0, post_up=["echo a\necho b"]),
        "network_interfaces[0].post_up[0]",
        "one line",
    ),
    (
        "parameter without val",
        changed("network_interfaces", 0, parameters=[{"param": "ethtool-wol"}]),
        "network_interfaces[0].parameters[0].val",
        "needs a value",
    ),
    (
        "parameter shadows key",
        changed("network_interfaces", 0, parameters=[{"param": "address", "val": "1.2.3.4"}]),
        "network_interfaces[0].parameters[0].param",
        "own key",
    ),
    (
        "parameter conflicts",
        changed("network_bonds", 0, mode="802.3ad"),
        "network_bonds[0].parameters[0]",
        "already set",
    ),
    (
        "bad bond mode",
        changed("network_bonds", 0, parameters=[{"param": "bond_mode", "val": "fastest"}]),
        "network_bonds[0].parameters[0].val",
        "active-backup",
    ),
    (
        "bad miimon",
        changed("network_bonds", 0, parameters=[{"param": "bond-miimon", "val": "often"}]),
        "network_bonds[0].parameters[0].val",
        "whole number",
    ),
    (
        "bad xmit policy",
        changed("network_bonds", 0, xmit_hash_policy="layer9"),
        "network_bonds[0].xmit_hash_policy",
        "layer3+4",
    ),
    ("slave listed twice", changed("network_bonds", 0, slaves=["eth1", "eth1"]), "network_bonds[0].slaves[1]", "twice"),
    ("vlan id out of range", added("network_vlans", {"name": "eth0.4095"}), "network_vlans[2].name", "4094"),
    (
        "vlan id zero",
        added("network_vlans", {"name": "vlan0", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "from 1",
    ),
    (
        "vlan name scheme",
        added("network_vlans", {"name": "guests", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "RAW.ID",
    ),
    ("vlanID needs device", added("network_vlans", {"name": "vlan30"}), "network_vlans[2].vlan_device", "required"),
    ("vlan device mismatch", changed("network_vlans", 1, vlan_device="eth0"), "network_vlans[1].vlan_device", "bond0"),
    ("vlan id mismatch", changed("network_vlans", 1, vlan_id=21), "network_vlans[1].vlan_id", "encodes VLAN 20"),
    (
        "bad vids range",
        changed("network_bridges", 0, vlan_aware=True, vids=["10", "30-20"]),
        "network_bridges[0].vids[1]",
        "1-4094",
    ),
    (
        "stp not bool",
        changed("network_bridges", 0, parameters=[{"param": "bridge_stp", "val": "sometimes"}]),
        "network_bridges[0].parameters[0].val",
        "true or false",
    ),
    ("ovs tag range", changed("ovs_interfaces", 0, tag=5000), "ovs_interfaces[0].tag", "4094"),
    ("ovs port type", changed("ovs_interfaces", 1, type="OVSTunnel"), "ovs_interfaces[1].type", "OVSIntPort"),
    ("ovs port without bridge", changed("ovs_interfaces", 0, bridge=None), "ovs_interfaces[0].bridge", "required"),
    (
        "ovs bond mode",
        changed("ovs_bonds", 0, options=[{"opt": "bond_mode", "val": "802.3ad"}]),
        "ovs_bonds[0].options[0].val",
        "balance-tcp",
    ),
    (
        "ovs option with space",
        changed("ovs_bonds", 0, options=[{"opt": "other_config:x", "val": "a b"}]),
        "ovs_bonds[0].options[0]",
        "spaces",
    ),
    (
        "ovs option shape",
        changed("ovs_bonds", 0, options=[{"param": "x"}]),
        "ovs_bonds[0].options[0].param",
        "known options: opt, val",
    ),
]


@pytest.mark.parametrize("case,config,path,words", BAD, ids=[c[0] for c in BAD])
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
