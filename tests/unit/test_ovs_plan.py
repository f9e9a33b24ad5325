"""Planning ovs-vsctl sub-commands from the recorded lab state (see ovs_samples.RECORDED)."""

import copy

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_plan import plan, plan_transactions, quote, transaction
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.fakes import ovsdb_json
from tests.unit.ovs_samples import EMPTY, MIRRORED, MIRRORED_INPUT, RECORDED, RECORDED_INPUT


@pytest.fixture
def wanted():
    """A private copy of the recorded input for each test to edit."""
    return copy.deepcopy(RECORDED_INPUT)


def plan_from_recorded(raw, purge=False):
    return plan(parse_state(RECORDED), parse_bridges(raw), purge)


def test_second_run_plans_no_command(wanted):
    assert plan_from_recorded(wanted) == []
    assert plan_from_recorded(wanted, purge=True) == []


def test_first_run_builds_everything_removals_then_additions_then_settings():
    assert plan(parse_state(EMPTY), parse_bridges(RECORDED_INPUT)) == [
        ["add-br", "br0"],
        ["add-br", "v20", "br0", "20"],
        ["add-port", "br0", "vm1"],
        ["add-port", "br0", "up0"],
        ["add-port", "br0", "tun0"],
        ["add-bond", "br0", "bond0", "eth1", "eth2"],
        ["add-port", "v20", "vm2"],
        ["set", "Bridge", "br0", "fail_mode=secure", "datapath_type=netdev", "external_ids:owner=ekvm"],
        ["set", "Interface", "vm1", "type=internal"],
        ["set", "Port", "vm1", "tag=10"],
        ["set", "Interface", "up0", "type=internal"],
        ["set", "Port", "up0", "tag=30", "trunks=[10,20]", "vlan_mode=native-untagged"],
        ["set", "Interface", "tun0", "type=gre", "options:remote_ip=192.0.2.1", "options:key=7"],
        [
            "set",
            "Port",
            "bond0",
            "bond_mode=balance-tcp",
            "lacp=active",
            "bond_updelay=100",
            "other_config:lacp-time=fast",
        ],
        ["set", "Interface", "vm2", "type=internal"],
    ]


def test_bond_mode_and_lacp_change_converge_in_place(wanted):
    wanted[0]["bonds"][0].update(bond_mode="active-backup", lacp="off", lacp_time="slow", bond_updelay=0)
    assert plan_from_recorded(wanted) == [
        ["set", "Port", "bond0", "bond_mode=active-backup", "lacp=off", "bond_updelay=0", "other_config:lacp-time=slow"]
    ]


def test_bond_members_converge_with_bond_iface_commands(wanted):
    wanted[0]["bonds"][0]["members"] = ["eth3", "eth1"]
    assert plan_from_recorded(wanted) == [["del-bond-iface", "bond0", "eth2"], ["add-bond-iface", "bond0", "eth3"]]


def test_bond_keeping_no_member_is_rebuilt(wanted):
    wanted[0]["bonds"][0]["members"] = ["eth3", "eth4"]
    assert plan_from_recorded(wanted)[:2] == [["del-port", "bond0"], ["add-bond", "br0", "bond0", "eth3", "eth4"]]


def test_member_leaving_a_bond_can_become_a_port(wanted):
    wanted[0]["bonds"][0]["members"] = ["eth1", "eth3"]
    wanted[0]["ports"].append({"name": "eth2"})
    assert plan_from_recorded(wanted) == [
        ["del-bond-iface", "bond0", "eth2"],
        ["add-port", "br0", "eth2"],
        ["add-bond-iface", "bond0", "eth3"],
    ]


def test_port_becoming_a_bond_member_is_removed_first(wanted):
    del wanted[0]["ports"][0]
    wanted[0]["bonds"][0]["members"] = ["eth1", "vm1"]
    assert plan_from_recorded(wanted) == [
        ["del-bond-iface", "bond0", "eth2"],
        ["del-port", "vm1"],
        ["add-bond-iface", "bond0", "vm1"],
    ]


def test_unlisted_ports_stay_without_purge(wanted):
    wanted[0]["ports"] = wanted[0]["ports"][:1]
    wanted[0]["bonds"] = []
    assert plan_from_recorded(wanted) == []


def test_purge_removes_unlisted_ports_of_listed_bridges_only(wanted):
    wanted[0]["ports"] = wanted[0]["ports"][:1]
    wanted[0]["bonds"] = []
    del wanted[1]
    assert plan_from_recorded(wanted, purge=True) == [["del-port", "tun0"], ["del-port", "up0"], ["del-port", "bond0"]]


def test_port_moving_to_the_fake_bridge_takes_its_vlan(wanted):
    port = wanted[0]["ports"].pop(0)
    del port["tag"]
    wanted[1]["ports"].append(port)
    assert plan_from_recorded(wanted) == [
        ["del-port", "vm1"],
        ["add-port", "v20", "vm1"],
        ["set", "Interface", "vm1", "type=internal"],
    ]


def test_fake_bridge_changing_vlan_is_rebuilt_with_its_ports(wanted):
    wanted[1]["vlan"] = 40
    assert plan_from_recorded(wanted) == [
        ["del-br", "v20"],
        ["add-br", "v20", "br0", "40"],
        ["add-port", "v20", "vm2"],
        ["set", "Interface", "vm2", "type=internal"],
    ]


def test_absent_bridge_is_deleted_once_with_its_fake_bridges():
    assert plan_from_recorded([{"name": "br0", "state": "absent"}, {"name": "v20", "state": "absent"}]) == [
        ["del-br", "br0"]
    ]
    assert plan_from_recorded([{"name": "br9", "state": "absent"}]) == []


def test_absent_port_is_deleted(wanted):
    wanted[0]["ports"][1] = {"name": "up0", "state": "absent"}
    assert plan_from_recorded(wanted) == [["del-port", "up0"]]


def test_port_settings_converge(wanted):
    vm1, up0, tun0 = wanted[0]["ports"]
    vm1.update(type="patch", peer="peer0", tag=None, external_ids={"vm id": "a:b"})
    up0.update(trunks=[], vlan_mode=None, tag=None)
    del tun0["key"]
    assert plan_from_recorded(wanted) == [
        ["set", "Interface", "vm1", "type=patch", "options:peer=peer0"],
        ["set", "Port", "vm1", "tag=[]", 'external_ids:"vm id"="a:b"'],
        ["set", "Port", "up0", "tag=[]", "trunks=[]", "vlan_mode=[]"],
        ["remove", "Interface", "tun0", "options", "key"],
    ]


def test_bridge_settings_converge_and_only_listed_keys_are_managed(wanted):
    wanted[0].update(
        fail_mode=None, stp=True, mcast_snooping=True, other_config={"mac-table-size": 4096}, external_ids={}
    )
    assert plan_from_recorded(wanted) == [
        [
            "set",
            "Bridge",
            "br0",
            "fail_mode=standalone",
            "stp_enable=true",
            "mcast_snooping_enable=true",
            "other_config:mac-table-size=4096",
        ]
    ]


def test_new_bridge_beside_existing_ones(wanted):
    wanted.append(
        {"name": "br1", "datapath_type": "netdev", "ports": [{"name": "patch1", "type": "patch", "peer": "patch0"}]}
    )
    assert plan_from_recorded(wanted) == [
        ["add-br", "br1"],
        ["add-port", "br1", "patch1"],
        ["set", "Bridge", "br1", "datapath_type=netdev"],
        ["set", "Interface", "patch1", "type=patch", "options:peer=patch0"],
    ]


@pytest.mark.parametrize(
    "value, quoted",
    [
        ("fast", "fast"),
        ("10.0.0.1", "10.0.0.1"),
        ("fe80::1", '"fe80::1"'),
        ("a b", '"a b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("", '""'),
    ],
)
def test_values_beyond_a_bare_word_are_quoted(value, quoted):
    assert quote(value) == quoted


def test_transaction_joins_sub_commands():
    assert transaction([]) == []
    assert transaction([["add-br", "br0"], ["set", "Bridge", "br0", "stp_enable=true"]]) == [
        "--",
        "add-br",
        "br0",
        "--",
        "set",
        "Bridge",
        "br0",
        "stp_enable=true",
    ]


def test_rstp_tunnels_and_bond_delays_converge(wanted):
    wanted[0].update(rstp=True)
    wanted[0]["ports"][2].update(type="vxlan", key=9)
    wanted[0]["ports"].append({"name": "gnv0", "type": "geneve", "remote_ip": "2001:db8::7", "key": "flow"})
    wanted[0]["bonds"][0].update(lacp="passive", bond_downdelay=250)
    assert plan_from_recorded(wanted) == [
        ["add-port", "br0", "gnv0"],
        ["set", "Bridge", "br0", "rstp_enable=true"],
        ["set", "Interface", "tun0", "type=vxlan", "options:key=9"],
        ["set", "Interface", "gnv0", "type=geneve", 'options:remote_ip="2001:db8::7"', "options:key=flow"],
        ["set", "Port", "bond0", "lacp=passive", "bond_downdelay=250"],
    ]


@pytest.fixture
def mirrored():
    return copy.deepcopy(MIRRORED_INPUT)


def plan_from_mirrored(raw, purge=False):
    return plan(parse_state(MIRRORED), parse_bridges(raw), purge)


SPY, ALL = "9a0e3163-26bf-4062-98e2-392ecdf6551b", "bb718c16-9c7a-4b2c-9f5d-def263da2a11"


def test_mirrors_are_created_after_their_ports_and_then_stay(mirrored):
    assert plan(parse_state(EMPTY), parse_bridges(mirrored))[-7:] == [
        ["--id=@p0", "get", "Port", "vm1"],
        ["--id=@p1", "get", "Port", "vm2"],
        ["--id=@p2", "get", "Port", "tap0"],
        [
            "--id=@m0",
            "create",
            "Mirror",
            "name=vm-spy",
            "select_src_port=[@p0]",
            "select_dst_port=[@p0,@p1]",
            "output_port=@p2",
        ],
        ["add", "Bridge", "br1", "mirrors", "@m0"],
        ["--id=@m1", "create", "Mirror", "name=all", "select_all=true", "select_vlan=[10,20]", "output_vlan=30"],
        ["add", "Bridge", "br1", "mirrors", "@m1"],
    ]
    assert plan_from_mirrored(mirrored) == []
    assert plan_from_mirrored(mirrored, purge=True) == []


def test_changed_mirror_is_replaced_in_the_same_transaction(mirrored):
    mirrored[0]["mirrors"][1].update(select_all=False, output_vlan=31)
    assert plan_from_mirrored(mirrored) == [
        ["remove", "Bridge", "br1", "mirrors", ALL],
        ["--id=@m0", "create", "Mirror", "name=all", "select_vlan=[10,20]", "output_vlan=31"],
        ["add", "Bridge", "br1", "mirrors", "@m0"],
    ]


def test_mirror_of_a_port_that_is_rebuilt_is_rebuilt_too(mirrored):
    mirrored[0]["ports"][2]["state"] = "absent"
    mirrored[0]["ports"].append({"name": "tap1", "type": "patch", "peer": "tap9"})
    mirrored[0]["mirrors"][0]["output_port"] = "tap1"
    commands = plan_from_mirrored(mirrored)
    assert commands[:2] == [["del-port", "tap0"], ["remove", "Bridge", "br1", "mirrors", SPY]]
    assert [
        "--id=@m0",
        "create",
        "Mirror",
        "name=vm-spy",
        "select_src_port=[@p0]",
        "select_dst_port=[@p0,@p1]",
        "output_port=@p2",
    ] in commands
    # A port that changes bridges is deleted and added again: its mirrors lose it, so they are rebuilt.
    mirrored = copy.deepcopy(MIRRORED_INPUT)
    mirrored[0]["ports"].pop(0)
    mirrored.append({"name": "v5", "parent": "br1", "vlan": 5, "ports": [{"name": "vm1", "type": "internal"}]})
    assert ["remove", "Bridge", "br1", "mirrors", SPY] in plan_from_mirrored(mirrored)


def test_absent_and_unlisted_mirrors(mirrored):
    mirrored[0]["mirrors"] = [{"name": "all", "state": "absent"}]
    assert plan_from_mirrored(mirrored) == [["remove", "Bridge", "br1", "mirrors", ALL]]
    mirrored[0]["mirrors"] = []
    assert plan_from_mirrored(mirrored) == []
    assert plan_from_mirrored(mirrored, purge=True) == [
        ["remove", "Bridge", "br1", "mirrors", ALL],
        ["remove", "Bridge", "br1", "mirrors", SPY],
    ]


# -- the tunnel exception: two transactions when a new tunnel takes an identity this run gives up -------------------


def tunnels(*ports):
    return [{"name": "br0", "datapath_type": "netdev", "ports": list(ports)}]


def vxlan(name, remote="192.0.2.9", **more):
    return dict(name=name, type="vxlan", remote_ip=remote, **more)


def transactions_between(now, want, purge=False):
    return plan_transactions(parse_state(ovsdb_json(parse_bridges(now))), parse_bridges(want), purge)


def test_renamed_tunnel_with_the_same_settings_is_removed_in_a_first_transaction():
    first, second = transactions_between(tunnels(vxlan("t0", key=5)), tunnels(vxlan("t1", key="5")), purge=True)
    assert first == [["del-port", "t0"]]
    assert second == [
        ["add-port", "br0", "t1"],
        ["set", "Interface", "t1", "type=vxlan", "options:remote_ip=192.0.2.9", "options:key=5"],
    ]


def test_no_key_is_key_0_and_a_moved_tunnel_is_split_too():
    assert len(transactions_between(tunnels(vxlan("t0")), tunnels(vxlan("t1", key=0)), purge=True)) == 2
    moved = tunnels() + [{"name": "br1", "datapath_type": "netdev", "ports": [vxlan("t0")]}]
    first, second = transactions_between(tunnels(vxlan("t0")), moved)
    assert first == [["del-port", "t0"]] and ["add-port", "br1", "t0"] in second


def test_tunnel_giving_up_its_settings_in_place_goes_first_with_the_removals():
    first, second = transactions_between(
        tunnels(vxlan("t0"), {"name": "e1"}), tunnels(vxlan("t0", "192.0.2.8"), vxlan("t1"), {"name": "e1"})
    )
    assert first == [["set", "Interface", "t0", "options:remote_ip=192.0.2.8"]]
    assert second[0] == ["add-port", "br0", "t1"]


@pytest.mark.parametrize(
    "want",
    [
        tunnels(vxlan("t1", key=6)),  # another key
        tunnels(dict(vxlan("t1"), type="geneve")),  # another type
        tunnels(vxlan("t0", key=6), vxlan("t1", "192.0.2.8")),  # a new tunnel beside one changed in place
    ],
)
def test_every_other_run_stays_one_transaction(want):
    batches = transactions_between(tunnels(vxlan("t0")), want, purge=True)
    assert len(batches) == 1
    assert batches[0] == plan(parse_state(ovsdb_json(parse_bridges(tunnels(vxlan("t0"))))), parse_bridges(want), True)


def test_converged_switch_has_no_transaction():
    assert transactions_between(tunnels(vxlan("t0")), tunnels(vxlan("t0"))) == []
