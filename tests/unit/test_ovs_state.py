"""Parsing `ovs-vsctl --format=json list Bridge/Port/Interface` into the model."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond, Mirror, Port
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state, read_args
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.ovs_samples import EMPTY, MIRRORED, MIRRORED_INPUT, RECORDED, RECORDED_INPUT


def test_one_query_lists_the_four_tables():
    args = read_args()
    assert args[0] == "--format=json"
    assert [args[i + 1] for i, arg in enumerate(args) if arg == "list"] == ["Bridge", "Port", "Interface", "Mirror"]
    assert args.count("list") == 4


def test_recorded_state_parses_into_the_model():
    state = parse_state(RECORDED)
    assert sorted(state) == ["br0", "v20"]
    br0, v20 = state["br0"], state["v20"]
    assert (br0.fail_mode, br0.datapath_type, br0.external_ids) == ("secure", "netdev", {"owner": "ekvm"})
    assert [port.name for port in br0.ports] == ["tun0", "up0", "vm1"]
    assert br0.ports[0] == Port(name="tun0", type="gre", remote_ip="192.0.2.1", key="7")
    assert br0.ports[1] == Port(name="up0", type="internal", tag=30, trunks=[10, 20], vlan_mode="native-untagged")
    assert br0.bonds == [
        Bond(
            name="bond0",
            members=["eth1", "eth2"],
            bond_mode="balance-tcp",
            lacp="active",
            lacp_time="fast",
            bond_updelay=100,
        )
    ]
    assert (v20.parent, v20.vlan, v20.fail_mode) == ("br0", 20, None)
    assert v20.ports == [Port(name="vm2", type="internal", tag=20)]


def test_recorded_state_equals_the_input_it_was_converged_from():
    desired = dict((bridge.name, bridge) for bridge in parse_bridges(RECORDED_INPUT))
    state = parse_state(RECORDED)
    for name, bridge in desired.items():
        bridge.ports.sort(key=lambda port: port.name)
        assert state[name] == bridge


def test_recorded_mirrors_parse_into_the_model():
    desired = parse_bridges(MIRRORED_INPUT)[0]
    br1 = parse_state(MIRRORED)["br1"]
    assert br1.mirrors == sorted(desired.mirrors, key=lambda mirror: mirror.name)
    assert br1.mirrors[1] == Mirror(
        name="vm-spy", select_src_port=["vm1"], select_dst_port=["vm1", "vm2"], output_port="tap0"
    )
    assert br1.mirrors[0].uuid == "bb718c16-9c7a-4b2c-9f5d-def263da2a11"


def test_empty_switch():
    assert parse_state(EMPTY) == {}


@pytest.mark.parametrize("stdout", ["", "not json", EMPTY.split("\n", 1)[1], '{"data": 1}\n' * 3])
def test_unreadable_output_is_a_host_error(stdout):
    with pytest.raises(HostError):
        parse_state(stdout)
