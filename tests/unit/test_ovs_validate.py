"""Validation of the openvswitch input: good input becomes the model, bad input names its path."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond, Port
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.ovs_samples import BAD, PORT_LIST_BAD, bond, one_bridge


@pytest.mark.parametrize("raw, path, fragment", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_names_the_field(raw, path, fragment):
    with pytest.raises(InputError) as caught:
        parse_bridges(raw)
    assert caught.value.path == path
    assert caught.value.message.startswith(path + ": ")
    assert fragment in caught.value.message


def test_input_name_prefixes_every_path():
    with pytest.raises(InputError) as caught:
        parse_bridges([{"name": "br0", "ports": [{"name": "p1", "tag": 0}]}], "openvswitch_bridges")
    assert caught.value.path == "openvswitch_bridges[0].ports[0].tag"


def test_good_input_fills_ovs_defaults():
    bridges = parse_bridges(
        [
            {
                "bridge": "br0",
                "other_config": {"mac-aging-time": 300, "flag": True},
                "ports": [
                    {"port": "vm1", "type": "internal", "tag": "10"},
                    {"name": "up0", "trunks": [20, 10, 20]},
                    {"name": "t1", "type": "vxlan", "remote_ip": "192.0.2.1", "key": 5},
                ],
                "bonds": [bond(bond_mode="balance-tcp", lacp="active")],
            },
            {"name": "v30", "parent": "br0", "vlan": 30, "ports": [{"name": "vm3"}]},
        ]
    )
    br0, v30 = bridges
    assert (br0.fail_mode, br0.datapath_type, br0.stp, br0.fake) == ("standalone", "system", False, False)
    assert br0.other_config == {"mac-aging-time": "300", "flag": "true"}
    assert br0.ports[0] == Port(name="vm1", type="internal", tag=10)
    assert br0.ports[1].trunks == [10, 20]
    assert br0.ports[2].key == "5"
    assert br0.bonds[0] == Bond(name="bond0", members=["eth1", "eth2"], bond_mode="balance-tcp", lacp="active")
    assert v30.fake and v30.fail_mode is None
    assert v30.ports[0].tag == 30


def test_absent_entries_need_only_a_name():
    bridges = parse_bridges(
        [
            {
                "name": "br0",
                "ports": [{"name": "old", "state": "absent"}],
                "bonds": [{"name": "bond9", "state": "absent"}],
            },
            {"name": "br-old", "state": "absent"},
        ]
    )
    assert [b.state for b in bridges] == ["present", "absent"]
    assert bridges[0].ports[0].state == bridges[0].bonds[0].state == "absent"


def older(bridges, port_lists):
    """parse_bridges as the role calls it, with the older role's openvswitch_ports."""
    return parse_bridges(bridges, "openvswitch_bridges", port_lists, "openvswitch_ports")


def test_port_lists_join_their_bridge_or_make_one_as_the_role_did():
    bridges = older(
        [
            {"bridge": "br-int", "fail_mode": "secure", "ports": [{"name": "own0"}]},
            {"name": "v10", "parent": "br-int", "vlan": 10},
        ],
        [
            {"bridge": "br-new", "ports": [{"port": "n1"}]},
            {"bridge": "br-int", "ports": [{"port": "enp0s9", "state": "present"}]},
            {"bridge": "v10", "ports": [{"name": "vm10", "type": "internal"}]},
            {"bridge": "br-int", "ports": [{"name": "enp0s10", "trunks": [20]}]},
            {"bridge": "br-empty"},
        ],
    )
    assert [bridge.name for bridge in bridges] == ["br-int", "v10", "br-new", "br-empty"]
    br_int, v10, br_new, br_empty = bridges
    assert br_int.fail_mode == "secure"
    assert [port.name for port in br_int.ports] == ["own0", "enp0s9", "enp0s10"]
    assert br_int.ports[2].trunks == [20]
    assert v10.ports == [Port(name="vm10", type="internal", tag=10)]
    assert br_new == parse_bridges([{"name": "br-new", "ports": [{"name": "n1"}]}])[0]
    assert br_empty == parse_bridges([{"name": "br-empty"}])[0]


def test_no_port_lists_leaves_the_bridges_alone():
    raw = [{"name": "br0", "ports": [{"name": "p1"}]}]
    assert older(raw, None) == older(raw, []) == parse_bridges(raw)


def test_mirror_may_select_a_port_from_the_port_lists():
    bridges = older(
        [
            {
                "name": "br0",
                "ports": [{"name": "p1"}],
                "mirrors": [{"name": "m0", "select_src_port": ["p2"], "output_port": "p1"}],
            }
        ],
        [{"bridge": "br0", "ports": [{"port": "p2"}]}],
    )
    assert bridges[0].mirrors[0].select_src_port == ["p2"]


@pytest.mark.parametrize(
    "bridges, port_lists, path, fragment", [case[1:] for case in PORT_LIST_BAD], ids=[case[0] for case in PORT_LIST_BAD]
)
def test_bad_port_lists_name_their_own_path(bridges, port_lists, path, fragment):
    with pytest.raises(InputError) as caught:
        older(bridges, port_lists)
    assert caught.value.path == path
    assert caught.value.message.startswith(path + ": ")
    assert fragment in caught.value.message


def test_bools_take_the_words_of_the_shared_kit():
    bridges = parse_bridges(
        [
            {
                "name": "br0",
                "stp": "yes",
                "mcast_snooping": "on",
                "rstp": "no",
                "ports": [{"name": "p1"}, {"name": "p2"}],
                "mirrors": [{"name": "m0", "select_all": "true", "output_port": "p2"}],
            }
        ]
    )
    assert (bridges[0].stp, bridges[0].mcast_snooping, bridges[0].rstp) == (True, True, False)
    assert bridges[0].mirrors[0].select_all is True


def test_patch_and_tunnel_ports_may_have_names_longer_than_a_kernel_interface():
    name = "patch-br-int-to-provnet-0123456789"
    bridges = parse_bridges(
        [
            {
                "name": "br0",
                "ports": [
                    {"name": name, "type": "patch", "peer": name + "-back"},
                    {"name": "vxlan-to-rack-b-01", "type": "vxlan", "remote_ip": "fd00::1"},
                ],
            }
        ]
    )
    assert [port.name for port in bridges[0].ports] == [name, "vxlan-to-rack-b-01"]


def test_name_and_its_older_spelling_together_are_refused_even_when_equal():
    """Ansible no longer reads the items, so no alias is copied next to name: both keys are the user's."""
    for bridges, path in (
        ([{"name": "br0", "bridge": "br0"}], "bridges[0].bridge"),
        ([{"name": "br0", "ports": [{"port": "p1", "name": "p1"}]}], "bridges[0].ports[0].port"),
    ):
        with pytest.raises(InputError) as caught:
            parse_bridges(bridges)
        assert caught.value.path == path and "another spelling of name" in caught.value.message


# The shared input kit's rules (checks.py).
KIT_BAD = [
    (
        "newline in an other_config key",
        one_bridge(other_config={"a\nb": "v"}),
        "bridges[0].other_config.a\nb",
        "is not a valid text",
    ),
    (
        "non-UTF-8 in an external_ids key",
        one_bridge(external_ids={"a\udcffb": "v"}),
        "bridges[0].external_ids.a\udcffb",
        "is not a valid text",
    ),
    ("colon in a bridge name", [{"name": "br:1"}], "bridges[0].name", "not a valid interface name"),
    (
        "colon in a port name",
        one_bridge(ports=[{"name": "eth0:1"}]),
        "bridges[0].ports[0].name",
        "not a valid interface name",
    ),
    (
        "colon in a patch port name",
        one_bridge(ports=[{"name": "p:1", "type": "patch", "peer": "p2"}]),
        "bridges[0].ports[0].name",
        "not a valid port or mirror name",
    ),
    (
        "long system port name",
        one_bridge(ports=[{"name": "patch-br-int-to-x"}]),
        "bridges[0].ports[0].name",
        "at most 15 characters",
    ),
    (
        "YAML bool as a port name",
        one_bridge(ports=[{"port": True}]),
        "bridges[0].ports[0].port",
        "must be an interface name, not a boolean: true (unquoted yes/no/on/off/true/false becomes a boolean",
    ),
    (
        "YAML bool as a patch peer",
        one_bridge(ports=[{"name": "p1", "type": "patch", "peer": False}]),
        "bridges[0].ports[0].peer",
        "quote it",
    ),
    (
        "YAML number as a bond member",
        one_bridge(bonds=[bond(members=["eth1", 2])]),
        "bridges[0].bonds[0].members[1]",
        "not a number: 2 (YAML reads an unquoted number as a number: quote it)",
    ),
    ("bool word not known", one_bridge(stp="maybe"), "bridges[0].stp", "must be true or false (got 'maybe')"),
    ("VLAN 0 as text", one_bridge(ports=[{"name": "p1", "tag": "0"}]), "bridges[0].ports[0].tag", "from 1 to 4094"),
    (
        "VLAN 4095 in trunks",
        one_bridge(ports=[{"name": "p1", "trunks": ["4095"]}]),
        "bridges[0].ports[0].trunks[0]",
        "from 1 to 4094",
    ),
    (
        "VLAN as a bool",
        one_bridge(ports=[{"name": "p1", "tag": True}]),
        "bridges[0].ports[0].tag",
        "got a boolean: true",
    ),
    (
        "newline in other_config",
        one_bridge(other_config={"k": "a\nb"}),
        "bridges[0].other_config.k",
        "not a valid text",
    ),
    (
        "tunnel key too big",
        one_bridge(ports=[{"name": "t1", "type": "gre", "remote_ip": "192.0.2.1", "key": 2**32}]),
        "bridges[0].ports[0].key",
        "tunnel key from 0 to 4294967295 or 'flow'",
    ),
]


@pytest.mark.parametrize("raw, path, fragment", [case[1:] for case in KIT_BAD], ids=[case[0] for case in KIT_BAD])
def test_names_bools_and_vlans_follow_the_shared_kit(raw, path, fragment):
    with pytest.raises(InputError) as caught:
        parse_bridges(raw)
    assert caught.value.path == path
    assert fragment in caught.value.message, caught.value.message
