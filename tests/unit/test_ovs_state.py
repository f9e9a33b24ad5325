"""Parsing `ovs-vsctl --format=json list Bridge/Port/Interface` into the model."""
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond, Mirror, Port
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state, read_args

# The input that was converged with ovs-vsctl 3.1.0 (an ovsdb-server of its own) before RECORDED was read.
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
    '{"data":[["br0",["set",[["uuid","134b8dbf-263d-49e1-be12-b14571302c6a"],["uuid","6da35248-22c2-417e-'
    '8c8b-8d40740bd954"],["uuid","7ee8fd17-0b6f-4cc2-8d28-84b3e8f1bdfa"],["uuid","a1d123e3-a589-4b47-9eca'
    '-11df0babee9c"],["uuid","ac98970d-88b0-4feb-9781-2c737a7c9c93"],["uuid","edf239e2-edff-4b78-ae87-907'
    '66ba9aff5"],["uuid","fce35c1a-60db-449e-abfa-58432b9aed3c"]]],"secure","netdev",false,false,false,["'
    'map",[]],["map",[["owner","ekvm"]]],["set",[]]]],"headings":["name","ports","fail_mode","datapath_ty'
    'pe","stp_enable","rstp_enable","mcast_snooping_enable","other_config","external_ids","mirrors"]}\n'
    '{"data":[[["uuid","6da35248-22c2-417e-8c8b-8d40740bd954"],"bond0",["set",[["uuid","6c64dbbd-9571-4f3'
    '3-b8d9-4049e890c2f4"],["uuid","918c7150-9557-4fd1-bc03-227d389e3bf1"]]],false,["set",[]],["set",[]],'
    '["set",[]],"balance-tcp","active",100,0,["map",[["lacp-time","fast"]]],["map",[]]],[["uuid","ac98970'
    'd-88b0-4feb-9781-2c737a7c9c93"],"v20",["uuid","346417c3-4d72-419f-9595-38915ed9fef1"],true,20,["set"'
    ',[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","fce35c1a-60db-449e-abfa-5'
    '8432b9aed3c"],"vm1",["uuid","7c5a822d-baca-42ae-9ce4-5395e3a746f3"],false,10,["set",[]],["set",[]],['
    '"set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","edf239e2-edff-4b78-ae87-90766ba9aff5"],"br'
    '0",["uuid","39b5bd3f-e4c1-4695-94eb-3ba003201b8d"],false,["set",[]],["set",[]],["set",[]],["set",[]]'
    ',["set",[]],0,0,["map",[]],["map",[]]],[["uuid","a1d123e3-a589-4b47-9eca-11df0babee9c"],"vm2",["uuid'
    '","72e3d2bd-13bb-45d4-bbce-4d3b9d059978"],false,20,["set",[]],["set",[]],["set",[]],["set",[]],0,0,['
    '"map",[]],["map",[]]],[["uuid","134b8dbf-263d-49e1-be12-b14571302c6a"],"up0",["uuid","4eee2c60-6eab-'
    '43da-9a00-4cf729bb1c34"],false,30,["set",[10,20]],"native-untagged",["set",[]],["set",[]],0,0,["map"'
    ',[]],["map",[]]],[["uuid","7ee8fd17-0b6f-4cc2-8d28-84b3e8f1bdfa"],"tun0",["uuid","b5044a45-e1e0-40cd'
    '-adb0-f737bd909503"],false,["set",[]],["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["m'
    'ap",[]]]],"headings":["_uuid","name","interfaces","fake_bridge","tag","trunks","vlan_mode","bond_mod'
    'e","lacp","bond_updelay","bond_downdelay","other_config","external_ids"]}\n'
    '{"data":[[["uuid","4eee2c60-6eab-43da-9a00-4cf729bb1c34"],"up0","internal",["map",[]]],[["uuid","918'
    'c7150-9557-4fd1-bc03-227d389e3bf1"],"eth2","",["map",[]]],[["uuid","346417c3-4d72-419f-9595-38915ed9'
    'fef1"],"v20","internal",["map",[]]],[["uuid","b5044a45-e1e0-40cd-adb0-f737bd909503"],"tun0","gre",["'
    'map",[["key","7"],["remote_ip","192.0.2.1"]]]],[["uuid","6c64dbbd-9571-4f33-b8d9-4049e890c2f4"],"eth'
    '1","",["map",[]]],[["uuid","7c5a822d-baca-42ae-9ce4-5395e3a746f3"],"vm1","internal",["map",[]]],[["u'
    'uid","72e3d2bd-13bb-45d4-bbce-4d3b9d059978"],"vm2","internal",["map",[]]],[["uuid","39b5bd3f-e4c1-46'
    '95-94eb-3ba003201b8d"],"br0","internal",["map",[]]]],"headings":["_uuid","name","type","options"]}\n'
    '{"data":[],"headings":["_uuid","name","select_all","select_src_port","select_dst_port","select_vlan"'
    ',"output_port","output_vlan"]}\n'
)

# Mirrors (select_all, port and VLAN selections, output port or VLAN), converged and read the same way.
MIRRORED_INPUT = [
    {"name": "br1", "datapath_type": "netdev",
     "ports": [{"name": "vm1", "type": "internal"}, {"name": "vm2", "type": "internal", "tag": 20},
               {"name": "tap0", "type": "internal"}],
     "mirrors": [{"name": "vm-spy", "select_src_port": ["vm1"], "select_dst_port": ["vm2", "vm1"],
                  "output_port": "tap0"},
                 {"name": "all", "select_all": True, "select_vlan": [20, 10], "output_vlan": 30}]},
]

MIRRORED = (
    '{"data":[["br1",["set",[["uuid","08e945af-d9a5-4ad0-b145-61911f216569"],["uuid","74661bad-bdd3-4f12-'
    '99c4-1c454d86299a"],["uuid","b99dfc54-0a9e-490b-a656-6749a6a840d8"],["uuid","c4d46230-e8c4-42d1-a719'
    '-5c0e59fd6ac5"]]],["set",[]],"netdev",false,false,false,["map",[]],["map",[]],["set",[["uuid","9a0e3'
    '163-26bf-4062-98e2-392ecdf6551b"],["uuid","bb718c16-9c7a-4b2c-9f5d-def263da2a11"]]]]],"headings":["n'
    'ame","ports","fail_mode","datapath_type","stp_enable","rstp_enable","mcast_snooping_enable","other_c'
    'onfig","external_ids","mirrors"]}\n'
    '{"data":[[["uuid","b99dfc54-0a9e-490b-a656-6749a6a840d8"],"tap0",["uuid","f1c8ebd2-c82d-41fb-b3cb-17'
    'bf88d69a76"],false,["set",[]],["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]]'
    ',[["uuid","c4d46230-e8c4-42d1-a719-5c0e59fd6ac5"],"vm2",["uuid","be15d1d6-3069-4077-87f6-1a15918a843'
    '6"],false,20,["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","74661b'
    'ad-bdd3-4f12-99c4-1c454d86299a"],"vm1",["uuid","1528cc72-3bdf-411b-b171-da8dbff8e3bc"],false,["set",'
    '[]],["set",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]],[["uuid","08e945af-d9a5-4'
    'ad0-b145-61911f216569"],"br1",["uuid","739a88ba-d589-4b16-b7ab-8363c5a4596a"],false,["set",[]],["set'
    '",[]],["set",[]],["set",[]],["set",[]],0,0,["map",[]],["map",[]]]],"headings":["_uuid","name","inter'
    'faces","fake_bridge","tag","trunks","vlan_mode","bond_mode","lacp","bond_updelay","bond_downdelay","'
    'other_config","external_ids"]}\n'
    '{"data":[[["uuid","739a88ba-d589-4b16-b7ab-8363c5a4596a"],"br1","internal",["map",[]]],[["uuid","f1c'
    '8ebd2-c82d-41fb-b3cb-17bf88d69a76"],"tap0","internal",["map",[]]],[["uuid","1528cc72-3bdf-411b-b171-'
    'da8dbff8e3bc"],"vm1","internal",["map",[]]],[["uuid","be15d1d6-3069-4077-87f6-1a15918a8436"],"vm2","'
    'internal",["map",[]]]],"headings":["_uuid","name","type","options"]}\n'
    '{"data":[[["uuid","bb718c16-9c7a-4b2c-9f5d-def263da2a11"],"all",true,["set",[]],["set",[]],["set",[1'
    '0,20]],["set",[]],30],[["uuid","9a0e3163-26bf-4062-98e2-392ecdf6551b"],"vm-spy",false,["uuid","74661'
    'bad-bdd3-4f12-99c4-1c454d86299a"],["set",[["uuid","74661bad-bdd3-4f12-99c4-1c454d86299a"],["uuid","c'
    '4d46230-e8c4-42d1-a719-5c0e59fd6ac5"]]],["set",[]],["uuid","b99dfc54-0a9e-490b-a656-6749a6a840d8"],['
    '"set",[]]]],"headings":["_uuid","name","select_all","select_src_port","select_dst_port","select_vlan'
    '","output_port","output_vlan"]}\n'
)

EMPTY = (
    '{"data":[],"headings":["name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
)


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


def test_recorded_mirrors_parse_into_the_model():
    desired = parse_bridges(MIRRORED_INPUT)[0]
    br1 = parse_state(MIRRORED)["br1"]
    assert br1.mirrors == sorted(desired.mirrors, key=lambda mirror: mirror.name)
    assert br1.mirrors[1] == Mirror(name="vm-spy", select_src_port=["vm1"], select_dst_port=["vm1", "vm2"],
                                    output_port="tap0")
    assert br1.mirrors[0].uuid == "bb718c16-9c7a-4b2c-9f5d-def263da2a11"


def test_empty_switch():
    assert parse_state(EMPTY) == {}


@pytest.mark.parametrize("stdout", ["", "not json", EMPTY.split("\n", 1)[1], '{"data": 1}\n' * 3])
def test_unreadable_output_is_a_host_error(stdout):
    with pytest.raises(HostError):
        parse_state(stdout)
