"""Parsing `ovs-vsctl --format=json list Bridge/Port/Interface` into the model."""
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond, Port, parse_bridges
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state, read_args

# The input that was converged on a lab switch (ovs-vsctl 3.1.0) before RECORDED was read from it.
RECORDED_INPUT = [
    {"name": "br0", "datapath_type": "netdev", "fail_mode": "secure", "external_ids": {"owner": "ekvm"},
     "ports": [{"name": "vm1", "type": "internal", "tag": 10},
               {"name": "up0", "type": "internal", "trunks": [10, 20], "vlan_mode": "native-untagged", "tag": 30},
               {"name": "tun0", "type": "gre", "remote_ip": "192.0.2.1", "key": 7}],
     "bonds": [{"name": "bond0", "members": ["eth1", "eth2"], "bond_mode": "balance-tcp", "lacp": "active",
                "lacp_time": "fast", "bond_updelay": 100}]},
    {"name": "v20", "parent": "br0", "vlan": 20, "ports": [{"name": "vm2", "type": "internal"}]},
]

# Output of the query in read_args() on that switch.
RECORDED = (
    '{"data":[["br0",["set",[["uuid","0f0d1091-a7ec-42d9-8ff9-4bc19ec4c869"],["uuid","4a0b0d82-c6fa-4b72-'
    '88f3-3d5a38dd3ef5"],["uuid","7ab191e5-62bf-4230-95fc-577be6b1268d"],["uuid","ba37d893-5964-4b2a-acac'
    '-1e47ce0b16c4"],["uuid","de0352a1-e346-49fb-a8af-2edcca36be38"],["uuid","e2b1a331-8046-44fa-a256-f02'
    '9f9ec572f"],["uuid","e616d03b-a56e-4ef7-b755-990051cc0205"]]],"secure","netdev",false,false,false,["'
    'map",[]],["map",[["owner","ekvm"]]]]],"headings":["name","ports","fail_mode","datapath_type","stp_en'
    'able","rstp_enable","mcast_snooping_enable","other_config","external_ids"]}\n'
    '{"data":[[["uuid","e2b1a331-8046-44fa-a256-f029f9ec572f"],"vm2",["uuid","59c318cc-058a-4845-ae85-3e5'
    '2d54351da"],false,20,["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid"'
    ',"0f0d1091-a7ec-42d9-8ff9-4bc19ec4c869"],"v20",["uuid","630ff650-8e30-4915-a014-19da1365e458"],true,'
    '20,["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","7ab191e5-62bf-42'
    '30-95fc-577be6b1268d"],"tun0",["uuid","dcef7be5-e6ab-497e-811f-252e1df5bcd5"],false,["set",[]],["set'
    '",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","de0352a1-e346-49fb-a8af-'
    '2edcca36be38"],"br0",["uuid","23a6e70b-b22e-439c-bd5d-4a12f26ceec9"],false,["set",[]],["set",[]],["s'
    'et",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","4a0b0d82-c6fa-4b72-88f3-3d5a38dd3'
    'ef5"],"up0",["uuid","12adc223-8fae-4f55-825d-69cf7feb8569"],false,30,["set",[10,20]],"native-untagge'
    'd",["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","ba37d893-5964-4b2a-acac-1e47ce0b16c4"]'
    ',"bond0",["set",[["uuid","bcb7eb8f-cd69-4b9b-b0ae-4fe408396917"],["uuid","c1cc35aa-c3d1-45ca-94aa-d0'
    '06108e3b87"]]],false,["set",[]],["set",[]],["set",[]],"balance-tcp","active",100,0,["map",[["lacp-ti'
    'me","fast"]]],["map",[]]],[["uuid","e616d03b-a56e-4ef7-b755-990051cc0205"],"vm1",["uuid","dfbaa2c9-8'
    '26b-4e79-a783-9a3d240c5dde"],false,10,["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["m'
    'ap",[]]]],"headings":["_uuid","name","interfaces","fake_bridge","tag","trunks","vlan_mode","bond_mod'
    'e","lacp","bond_updelay","bond_downdelay","other_config","external_ids"]}\n'
    '{"data":[[["uuid","630ff650-8e30-4915-a014-19da1365e458"],"v20","internal",["map",[]]],[["uuid","dfb'
    'aa2c9-826b-4e79-a783-9a3d240c5dde"],"vm1","internal",["map",[]]],[["uuid","c1cc35aa-c3d1-45ca-94aa-d'
    '006108e3b87"],"eth2","",["map",[]]],[["uuid","23a6e70b-b22e-439c-bd5d-4a12f26ceec9"],"br0","internal'
    '",["map",[]]],[["uuid","12adc223-8fae-4f55-825d-69cf7feb8569"],"up0","internal",["map",[]]],[["uuid"'
    ',"59c318cc-058a-4845-ae85-3e52d54351da"],"vm2","internal",["map",[]]],[["uuid","dcef7be5-e6ab-497e-8'
    '11f-252e1df5bcd5"],"tun0","gre",["map",[["key","7"],["remote_ip","192.0.2.1"]]]],[["uuid","bcb7eb8f-'
    'cd69-4b9b-b0ae-4fe408396917"],"eth1","",["map",[]]]],"headings":["_uuid","name","type","options"]}\n'
)

EMPTY = (
    '{"data":[],"headings":["name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
)


def test_one_query_lists_the_three_tables():
    args = read_args()
    assert args[0] == "--format=json"
    assert [args[i + 1] for i, arg in enumerate(args) if arg == "list"] == ["Bridge", "Port", "Interface"]
    assert args.count("list") == 3


def test_recorded_state_parses_into_the_model():
    state = parse_state(RECORDED)
    assert sorted(state) == ["br0", "v20"]
    br0, v20 = state["br0"], state["v20"]
    assert (br0.fail_mode, br0.datapath_type, br0.external_ids) == ("secure", "netdev", {"owner": "ekvm"})
    assert [port.name for port in br0.ports] == ["tun0", "up0", "vm1"]
    assert br0.ports[0] == Port(name="tun0", type="gre", remote_ip="192.0.2.1", key="7")
    assert br0.ports[1] == Port(name="up0", type="internal", tag=30, trunks=[10, 20], vlan_mode="native-untagged")
    assert br0.bonds == [Bond(name="bond0", members=["eth1", "eth2"], bond_mode="balance-tcp", lacp="active",
                              lacp_time="fast", bond_updelay=100)]
    assert (v20.parent, v20.vlan, v20.fail_mode) == ("br0", 20, None)
    assert v20.ports == [Port(name="vm2", type="internal", tag=20)]


def test_recorded_state_equals_the_input_it_was_converged_from():
    desired = dict((bridge.name, bridge) for bridge in parse_bridges(RECORDED_INPUT))
    state = parse_state(RECORDED)
    for name, bridge in desired.items():
        bridge.ports.sort(key=lambda port: port.name)
        assert state[name] == bridge


def test_empty_switch():
    assert parse_state(EMPTY) == {}


@pytest.mark.parametrize("stdout", ["", "not json", EMPTY.split("\n", 1)[1], '{"data": 1}\n' * 3])
def test_unreadable_output_is_a_host_error(stdout):
    with pytest.raises(HostError):
        parse_state(stdout)
