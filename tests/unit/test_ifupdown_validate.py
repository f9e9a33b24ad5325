"""Input checks: every bad input fails with the exact field path; good input becomes ordered models."""

import copy

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    Bond,
    Bridge,
    Interface,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    OvsPort,
    Route,
    Vlan,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_validate import build_desired

HOST = ["lo", "eth0", "eth1", "eth2", "eth3", "eth4", "eth5", "eth6"]

GOOD = {
    "network_interfaces": [
        {
            "name": "eth0",
            "configure": True,
            "method": "static",
            "address": "192.0.2.10",
            "netmask": "255.255.255.0",
            "gateway": "192.0.2.1",
            "parameters": [{"param": "pre-up sleep", "val": 2}],
        },
        {
            "name": "eth1",
            "comment": "bond0 member",
            "method": "manual",
            "parameters": [{"param": "bond_master", "val": "bond0"}],
        },
        {"name": "eth2", "bond_master": "bond0"},
        {"name": "eth9", "configure": False, "method": "nonsense"},
    ],
    "network_bonds": [
        {
            "name": "bond0",
            "method": "manual",
            "slaves": "eth1 eth2",
            "parameters": [
                {"param": "bond_mode", "val": "active-backup"},
                {"param": "miimon", "val": 100},
                {"param": "primary", "val": "eth1"},
            ],
        },
    ],
    "network_vlans": [
        {"name": "vlan100", "vlan_device": "bond0", "method": "manual"},
        {"name": "bond0.20", "addresses": ["10.20.0.2/24", "2001:db8:20::2/64"], "gateway6": "2001:db8:20::1"},
    ],
    "network_bridges": [
        {
            "name": "br100",
            "ports": ["vlan100"],
            "parameters": [{"param": "bridge_stp", "val": False}, {"param": "bridge_fd", "val": 0}],
            "routes": [{"to": "198.51.100.0/24", "via": "10.20.0.254", "metric": 5}],
            "enable": False,
        },
    ],
    "ovs_bridges": [{"name": "vmbr0", "ports": ["obond0", "vlan1", "eth5"]}],
    "ovs_bonds": [
        {
            "name": "obond0",
            "bridge": "vmbr0",
            "ports": ["eth3", "eth4"],
            "options": [
                {"opt": "bond_mode", "val": "balance-tcp"},
                {"opt": "lacp", "val": "active"},
                {"opt": "other_config:lacp-time", "val": "fast"},
            ],
        }
    ],
    "ovs_interfaces": [
        {"name": "vlan1", "bridge": "vmbr0", "tag": 1, "method": "dhcp"},
        {"name": "eth5", "bridge": "vmbr0", "type": "OVSPort", "options": [{"opt": "vlan_mode", "val": "trunk"}]},
    ],
}


def test_good_input_in_the_older_role_shape_becomes_models_in_dependency_order():
    desired = build_desired(GOOD, HOST)
    by_name = dict((i.name, i) for i in desired.items)
    assert by_name["eth0"] == Interface(
        "eth0", method="static", addresses=["192.0.2.10/24"], gateway="192.0.2.1", hooks=[("pre-up", "sleep 2")]
    )
    # ifenslave reads bond-primary from the member's stanza when it enslaves it.
    assert by_name["eth1"] == Interface(
        "eth1", bond_master="bond0", comment="bond0 member", options=[("bond-primary", "eth1")]
    )
    assert by_name["bond0"] == Bond("bond0", slaves=["eth1", "eth2"], mode="active-backup", miimon=100, primary="eth1")
    assert by_name["vlan100"] == Vlan("vlan100", raw_device="bond0")
    assert by_name["bond0.20"] == Vlan(
        "bond0.20",
        raw_device="bond0",
        method="static",
        method6="static",
        addresses=["10.20.0.2/24", "2001:db8:20::2/64"],
        gateway6="2001:db8:20::1",
    )
    assert by_name["br100"] == Bridge(
        "br100", ports=["vlan100"], stp=False, fd=0, routes=[Route("198.51.100.0/24", "10.20.0.254", 5)]
    )
    assert by_name["obond0"] == OvsBond(
        "obond0",
        bridge="vmbr0",
        slaves=["eth3", "eth4"],
        bond_mode="balance-tcp",
        lacp="active",
        ovs_options=["other_config:lacp-time=fast"],
    )
    assert by_name["vmbr0"] == OvsBridge("vmbr0", ports=["obond0", "vlan1", "eth5"])
    assert by_name["vlan1"] == OvsIntPort("vlan1", bridge="vmbr0", tag=1, method="dhcp")
    assert by_name["eth5"] == OvsPort("eth5", bridge="vmbr0", ovs_options=["vlan_mode=trunk"])
    assert "eth9" not in by_name
    assert desired.frozen == ["br100"]
    order = [i.name for i in desired.items]
    for lower, upper in (
        ("eth1", "bond0"),
        ("eth2", "bond0"),
        ("bond0", "vlan100"),
        ("vlan100", "br100"),
        ("vmbr0", "obond0"),
        ("vmbr0", "vlan1"),
    ):
        assert order.index(lower) < order.index(upper)
    assert desired.paths["br100"] == "network_bridges[0]"


def test_ansible_style_none_values_mean_unset():
    spec = {
        "name": "eth0",
        "configure": None,
        "enable": None,
        "start": None,
        "method": None,
        "address": None,
        "addresses": None,
        "routes": None,
        "parameters": None,
        "mtu": None,
        "bond_master": None,
    }
    assert build_desired({"network_interfaces": [spec]}, HOST).items == [Interface("eth0")]


def _with(section, index, **changes):
    config = copy.deepcopy(GOOD)
    config[section][index].update(changes)
    return config


def _add(section, item):
    config = copy.deepcopy(GOOD)
    config.setdefault(section, []).append(item)
    return config


BAD = [
    ("not a list", dict(GOOD, network_bonds={"name": "bond0"}), "network_bonds", "must be a list"),
    ("item not a dict", _add("network_vlans", "eth0.5"), "network_vlans[2]", "must be a dict"),
    ("missing name", _add("network_interfaces", {"method": "dhcp"}), "network_interfaces[4].name", "is required"),
    ("name too long", _add("network_bridges", {"name": "bridge-for-guests0"}), "network_bridges[1].name", "at most 15"),
    ("name with space", _with("network_interfaces", 0, name="eth 0"), "network_interfaces[0].name", "not a valid"),
    ("unknown key", _with("network_bonds", 0, slave="eth1"), "network_bonds[0].slave", "not a known key"),
    ("duplicate name", _add("network_bridges", {"name": "bond0"}), "network_bridges[1].name", "network_bonds[0]"),
    ("bad method", _with("network_interfaces", 2, method="ppp"), "network_interfaces[2].method", "one of"),
    ("bad start", _with("network_interfaces", 2, start="boot"), "network_interfaces[2].start", "one of"),
    (
        "configure not bool",
        _with("network_interfaces", 2, configure="maybe"),
        "network_interfaces[2].configure",
        "true or false",
    ),
    (
        "static without address",
        _with("network_interfaces", 2, method="static", bond_master=None),
        "network_interfaces[2].method",
        "no IPv4 address",
    ),
    (
        "address on dhcp",
        _with("network_interfaces", 0, method="dhcp", gateway=None),
        "network_interfaces[0].address",
        "method static",
    ),
    (
        "bad address",
        _with("network_interfaces", 0, address="192.0.2.300"),
        "network_interfaces[0].address",
        "IP address",
    ),
    ("bad netmask", _with("network_interfaces", 0, netmask="255.0.255.0"), "network_interfaces[0].netmask", "netmask"),
    (
        "address without prefix",
        _with("network_interfaces", 0, netmask=None),
        "network_interfaces[0].address",
        "prefix length",
    ),
    (
        "bad cidr in list",
        _with("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.3/33"]),
        "network_vlans[1].addresses[1]",
        "valid prefix",
    ),
    (
        "duplicate address",
        _with("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.2/24"]),
        "network_vlans[1].addresses[1]",
        "twice",
    ),
    (
        "v6 address with method6 manual",
        _with("network_vlans", 1, method6="manual"),
        "network_vlans[1].addresses[1]",
        "method6 static",
    ),
    (
        "gateway not an address",
        _with("network_interfaces", 0, gateway="gw1"),
        "network_interfaces[0].gateway",
        "IP address",
    ),
    (
        "IPv6 in gateway",
        _with("network_interfaces", 0, gateway="2001:db8::1"),
        "network_interfaces[0].gateway",
        "gateway6",
    ),
    (
        "two IPv4 gateways",
        _with("network_vlans", 1, gateway="10.20.0.1"),
        "network_vlans[1].gateway",
        "network_interfaces[0].gateway",
    ),
    (
        "default route as second gateway",
        _with("network_bridges", 0, routes=[{"to": "default", "via": "10.20.0.1"}]),
        "network_bridges[0].routes",
        "already set",
    ),
    (
        "route to with host bits",
        _with("network_bridges", 0, routes=[{"to": "198.51.100.1/24", "via": "10.20.0.254"}]),
        "network_bridges[0].routes[0].to",
        "network",
    ),
    (
        "route family mix",
        _with("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "2001:db8::1"}]),
        "network_bridges[0].routes[0].via",
        "IPv6",
    ),
    (
        "route metric",
        _with("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "10.0.0.1", "metric": -1}]),
        "network_bridges[0].routes[0].metric",
        "from 0",
    ),
    ("mtu too small", _with("network_interfaces", 0, mtu=20), "network_interfaces[0].mtu", "from 68"),
    (
        "bad mac",
        _with("network_interfaces", 0, hwaddress="52:54:00:zz:00:01"),
        "network_interfaces[0].hwaddress",
        "MAC",
    ),
    (
        "bad dns server",
        _with("network_interfaces", 0, dns_nameservers="192.0.2.53 dns.example"),
        "network_interfaces[0].dns_nameservers[1]",
        "IP address",
    ),
    (
        "hook with newline",
        _with("network_interfaces", 0, post_up=["echo a\necho b"]),
        "network_interfaces[0].post_up[0]",
        "one line",
    ),
    (
        "parameter without val",
        _with("network_interfaces", 0, parameters=[{"param": "ethtool-wol"}]),
        "network_interfaces[0].parameters[0].val",
        "needs a value",
    ),
    (
        "parameter shadows key",
        _with("network_interfaces", 0, parameters=[{"param": "address", "val": "1.2.3.4"}]),
        "network_interfaces[0].parameters[0].param",
        "own key",
    ),
    ("parameter conflicts", _with("network_bonds", 0, mode="802.3ad"), "network_bonds[0].parameters[0]", "already set"),
    (
        "bad bond mode",
        _with("network_bonds", 0, parameters=[{"param": "bond_mode", "val": "fastest"}]),
        "network_bonds[0].parameters[0].val",
        "active-backup",
    ),
    (
        "bad miimon",
        _with("network_bonds", 0, parameters=[{"param": "bond-miimon", "val": "often"}]),
        "network_bonds[0].parameters[0].val",
        "whole number",
    ),
    (
        "bad xmit policy",
        _with("network_bonds", 0, xmit_hash_policy="layer9"),
        "network_bonds[0].xmit_hash_policy",
        "layer3+4",
    ),
    (
        "slave missing on host",
        _with("network_bonds", 0, slaves=["eth1", "eth2", "eth7"]),
        "network_bonds[0].slaves[2]",
        "neither an interface on the host nor declared",
    ),
    ("slave listed twice", _with("network_bonds", 0, slaves=["eth1", "eth1"]), "network_bonds[0].slaves[1]", "twice"),
    (
        "port in two masters",
        _with("network_bridges", 0, ports=["vlan100", "eth2"]),
        "network_bridges[0].ports[1]",
        "already a member of bond0",
    ),
    (
        "bond_master disagrees",
        _add("network_bonds", {"name": "bond1", "slaves": ["eth2", "eth6"]}),
        "network_bonds[1].slaves[0]",
        "already a member of bond0",
    ),
    (
        "bond_master undeclared",
        _add("network_interfaces", {"name": "eth6", "bond_master": "bond5"}),
        "network_interfaces[4].bond_master",
        "not declared",
    ),
    (
        "primary not a member",
        _with("network_bonds", 0, parameters=[{"param": "primary", "val": "eth3"}]),
        "network_bonds[0].primary",
        "not a member",
    ),
    ("bond without members", _add("network_bonds", {"name": "bond1"}), "network_bonds[1].slaves", "no members"),
    ("vlan id out of range", _add("network_vlans", {"name": "eth0.4095"}), "network_vlans[2].name", "4094"),
    (
        "vlan id zero",
        _add("network_vlans", {"name": "vlan0", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "from 1",
    ),
    (
        "vlan name scheme",
        _add("network_vlans", {"name": "guests", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "RAW.ID",
    ),
    ("vlanID needs device", _add("network_vlans", {"name": "vlan30"}), "network_vlans[2].vlan_device", "required"),
    ("vlan device mismatch", _with("network_vlans", 1, vlan_device="eth0"), "network_vlans[1].vlan_device", "bond0"),
    ("vlan id mismatch", _with("network_vlans", 1, vlan_id=21), "network_vlans[1].vlan_id", "encodes VLAN 20"),
    ("vlan raw device missing", _add("network_vlans", {"name": "eth8.5"}), "network_vlans[2].vlan_device", "neither"),
    ("vids without vlan_aware", _with("network_bridges", 0, vids=["10"]), "network_bridges[0].vids", "vlan_aware"),
    (
        "bad vids range",
        _with("network_bridges", 0, vlan_aware=True, vids=["10", "30-20"]),
        "network_bridges[0].vids[1]",
        "1-4094",
    ),
    (
        "stp not bool",
        _with("network_bridges", 0, parameters=[{"param": "bridge_stp", "val": "sometimes"}]),
        "network_bridges[0].parameters[0].val",
        "true or false",
    ),
    ("ovs tag range", _with("ovs_interfaces", 0, tag=5000), "ovs_interfaces[0].tag", "4094"),
    ("ovs port type", _with("ovs_interfaces", 1, type="OVSTunnel"), "ovs_interfaces[1].type", "OVSIntPort"),
    ("ovs port without bridge", _with("ovs_interfaces", 0, bridge=None), "ovs_interfaces[0].bridge", "required"),
    (
        "ovs port on unknown bridge",
        _with("ovs_interfaces", 0, bridge="vmbr9"),
        "ovs_interfaces[0].bridge",
        "not declared",
    ),
    (
        "ovs port not listed",
        _add("ovs_interfaces", {"name": "mgmt0", "bridge": "vmbr0"}),
        "ovs_interfaces[2].bridge",
        "ovs_bridges[0].ports",
    ),
    (
        "ovs bridge port undeclared",
        _with("ovs_bridges", 0, ports=["obond0", "vlan1", "eth5", "eth0"]),
        "ovs_bridges[0].ports[3]",
        "ovs_bonds or ovs_interfaces",
    ),
    ("ovs bond one member", _with("ovs_bonds", 0, ports=["eth3"]), "ovs_bonds[0].ports", "at least two"),
    (
        "ovs bond mode",
        _with("ovs_bonds", 0, options=[{"opt": "bond_mode", "val": "802.3ad"}]),
        "ovs_bonds[0].options[0].val",
        "balance-tcp",
    ),
    (
        "ovs option with space",
        _with("ovs_bonds", 0, options=[{"opt": "other_config:x", "val": "a b"}]),
        "ovs_bonds[0].options[0]",
        "spaces",
    ),
    (
        "ovs option shape",
        _with("ovs_bonds", 0, options=[{"param": "x"}]),
        "ovs_bonds[0].options[0].param",
        "known options: opt, val",
    ),
    (
        "bridge port missing",
        _add("network_bridges", {"name": "br7", "ports": ["eth7.7"]}),
        "network_bridges[1].ports[0]",
        "neither",
    ),
]
BAD.append(
    (
        "dependency cycle through a vlan",
        dict(
            network_bridges=[{"name": "br7", "ports": ["br8.7"]}, {"name": "br8", "ports": ["br7.7"]}],
            network_vlans=[{"name": "br7.7"}, {"name": "br8.7"}],
        ),
        "network_",
        "dependency cycle",
    )
)


@pytest.mark.parametrize("case,config,path,words", BAD, ids=[c[0] for c in BAD])
def test_bad_input_names_the_field(case, config, path, words):
    with pytest.raises(InputError) as caught:
        build_desired(config, HOST)
    assert caught.value.message.startswith(path), caught.value.message
    assert words in caught.value.message


def test_enough_bad_input_cases():
    assert len(BAD) >= 30


# The shared input kit's rules (checks.py), the same as in every other module.
KIT_BAD = [
    (
        "colon in a name",
        _add("network_interfaces", {"name": "br:1"}),
        "network_interfaces[4].name",
        "not a valid interface name",
    ),
    (
        "YAML bool as a name",
        _add("network_interfaces", {"name": True}),
        "network_interfaces[4].name",
        "not a boolean: true (unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it)",
    ),
    (
        "YAML number as a bond member",
        _with("network_bonds", 0, slaves=["eth1", 2]),
        "network_bonds[0].slaves[1]",
        "quote it",
    ),
    ("OVS tag 0", _with("ovs_interfaces", 0, tag=0), "ovs_interfaces[0].tag", "VLAN id from 1 to 4094"),
    (
        "OVS tag 4095 in options",
        _with("ovs_interfaces", 0, tag=None, options=[{"opt": "tag", "val": 4095}]),
        "ovs_interfaces[0].options[0].val",
        "VLAN id from 1 to 4094",
    ),
    (
        "OVS lacp not a mode",
        _with("ovs_bonds", 0, options=[{"opt": "lacp", "val": "fast"}]),
        "ovs_bonds[0].options[0].val",
        "active, passive, off",
    ),
    (
        "multicast MAC",
        _with("network_interfaces", 0, hwaddress="01:00:5e:00:00:01"),
        "network_interfaces[0].hwaddress",
        "unicast",
    ),
    (
        "unknown bool word",
        _with("network_bridges", 0, vlan_aware="sometimes"),
        "network_bridges[0].vlan_aware",
        "true or false",
    ),
]


@pytest.mark.parametrize("case,config,path,words", KIT_BAD, ids=[c[0] for c in KIT_BAD])
def test_names_bools_and_vlans_follow_the_shared_kit(case, config, path, words):
    with pytest.raises(InputError) as caught:
        build_desired(config, HOST)
    assert caught.value.path == path
    assert words in caught.value.message, caught.value.message


def test_bools_take_the_kit_words_and_bond_modes_their_numbers():
    config = _with("network_bridges", 0, vlan_aware="yes", vids=["10"], enable="no")
    config["network_bonds"][0].update(parameters=[{"param": "miimon", "val": "100"}], mode=4, lacp_rate=1)
    config["network_interfaces"][0]["configure"] = "on"
    desired = build_desired(config, HOST)
    by_name = dict((i.name, i) for i in desired.items)
    assert by_name["br100"].vlan_aware is True and desired.frozen == ["br100"]
    assert (by_name["bond0"].mode, by_name["bond0"].lacp_rate, by_name["bond0"].miimon) == ("4", "1", 100)
    assert "eth0" in by_name
