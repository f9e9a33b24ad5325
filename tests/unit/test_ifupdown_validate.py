"""The whole configuration (ifupdown_validate): good input becomes ordered models; a wrong section, item or name
fails with the exact field path."""

import pytest

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
from tests.unit.ifupdown_bad_samples import ADDRESS_BAD, ITEM_BAD, MEMBER_BAD
from tests.unit.ifupdown_samples import GOOD, HOST, added, assert_refused, changed


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


BAD = [
    ("not a list", dict(GOOD, network_bonds={"name": "bond0"}), "network_bonds", "must be a list"),
    ("item not a dict", added("network_vlans", "eth0.5"), "network_vlans[2]", "must be a dict"),
    ("duplicate name", added("network_bridges", {"name": "bond0"}), "network_bridges[1].name", "network_bonds[0]"),
    (
        "configure not bool",
        changed("network_interfaces", 2, configure="maybe"),
        "network_interfaces[2].configure",
        "true or false",
    ),
    (
        "dependency cycle through a vlan",
        dict(
            network_bridges=[{"name": "br7", "ports": ["br8.7"]}, {"name": "br8", "ports": ["br7.7"]}],
            network_vlans=[{"name": "br7.7"}, {"name": "br8.7"}],
        ),
        "network_",
        "dependency cycle",
    ),
]


@pytest.mark.parametrize("case,config,path,words", BAD, ids=[c[0] for c in BAD])
def test_bad_input_names_the_field(case, config, path, words):
    assert_refused(config, path, words)


def test_enough_bad_input_cases():
    tables = (BAD, ADDRESS_BAD, ITEM_BAD, MEMBER_BAD)
    assert sum(len(table) for table in tables) >= 30
