"""Interfaces ovs-vswitchd refused (its Interface error column), through converge with a fake ovs-vsctl."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import SPLIT_HEADER, Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_refusals import interface_paths
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.fakes import FakeOvs

CLASH = "could not add network device t1 to ofproto (File exists)"
RAW = [
    {
        "name": "br0",
        "ports": [{"name": "e1"}, {"port": "t1", "type": "vxlan", "remote_ip": "192.0.2.9"}],
        "bonds": [{"name": "bond0", "members": ["eth1", "eth2"]}],
    }
]
PATHS = interface_paths(RAW, "openvswitch_bridges")


def run(errors, state=None, check_mode=False):
    desired = parse_bridges(RAW)
    switch = FakeOvs(desired if state is None else state, desired, errors)
    return switch, converge(Vsctl(switch), desired, check_mode=check_mode, paths=PATHS)


def test_paths_name_ports_bond_members_and_the_older_port_lists():
    older = interface_paths(RAW, "b", [{"bridge": "br0", "ports": [{"port": "x1"}]}], "p")
    assert older == {
        "e1": "b[0].ports[0]",
        "t1": "b[0].ports[1]",
        "eth1": "b[0].bonds[0].members[0]",
        "eth2": "b[0].bonds[0].members[1]",
        "x1": "p[0].ports[0]",
    }


def test_refused_tunnel_fails_after_the_transaction_naming_its_path_and_ovs_message():
    with pytest.raises(HostError) as caught:
        run({"t1": CLASH}, state=[])
    message = caught.value.message
    assert message.startswith("openvswitch_bridges[0].ports[1]: ovs-vswitchd refused interface t1: " + CLASH)
    assert "same type, remote_ip and key" in message
    assert message.endswith("this run's transaction was applied, the database holds these interfaces")
    assert len(caught.value.done) == 1 and caught.value.done[0].startswith("ovs-vsctl --timeout=30 -- add-br br0")


def test_a_second_run_without_change_still_fails_on_the_refused_port():
    with pytest.raises(HostError, match=r"ports\[1\]: .*File exists.*this run changed nothing") as caught:
        run({"t1": CLASH})
    assert caught.value.done == []


def test_missing_system_devices_and_undeclared_refusals_are_warnings():
    gone = "could not open network device %s (No such device)"
    switch, result = run({"e1": gone % "e1", "eth2": gone % "eth2"}, state=[])
    assert result["changed"] is True and len(switch.transactions) == 1
    assert result["warnings"] == [
        "openvswitch_bridges[0].ports[0]: interface e1 has no device on this host yet; Open vSwitch attaches it "
        "when it appears",
        "openvswitch_bridges[0].bonds[0].members[1]: interface eth2 has no device on this host yet; Open vSwitch "
        "attaches it when it appears",
    ]
    other = parse_bridges([{"name": "br9", "ports": [{"name": "old0", "type": "internal"}]}])
    switch = FakeOvs(other + parse_bridges(RAW), errors={"old0": "could not open network device old0 (No such device)"})
    result = converge(Vsctl(switch), parse_bridges(RAW), paths=PATHS)
    assert result["warnings"] == [
        "interfaces the input does not declare that ovs-vswitchd refused: old0 (could not open network device old0 "
        "(No such device))"
    ]


def test_declared_system_port_refused_for_another_reason_fails():
    with pytest.raises(HostError, match=r"ports\[0\]: ovs-vswitchd refused interface e1: .*Device or resource busy"):
        run({"e1": "could not add network device e1 to ofproto (Device or resource busy)"})


def test_check_mode_reads_no_status():
    switch, result = run({"t1": CLASH}, state=[], check_mode=True)
    assert result["changed"] is True and "warnings" not in result and switch.transactions == []


def test_renamed_tunnel_runs_two_transactions_and_says_so():
    before = parse_bridges([{"name": "br0", "ports": [{"name": "t0", "type": "vxlan", "remote_ip": "192.0.2.9"}]}])
    desired = parse_bridges([{"name": "br0", "ports": [{"name": "t1", "type": "vxlan", "remote_ip": "192.0.2.9"}]}])
    switch = FakeOvs(before, desired)
    result = converge(Vsctl(switch), desired, purge=True, diff=True)
    assert switch.transactions == result["transactions"]
    assert [argv[2:] for argv in switch.transactions] == [
        ["--", "del-port", "t0"],
        ["--", "add-port", "br0", "t1", "--", "set", "Interface", "t1", "type=vxlan", "options:remote_ip=192.0.2.9"],
    ]
    assert result["commands"] == switch.transactions[0] + switch.transactions[1]
    assert result["diff"]["after_header"] == SPLIT_HEADER


def test_second_transaction_refused_reports_the_first_as_done():
    before = parse_bridges([{"name": "br0", "ports": [{"name": "t0", "type": "gre", "remote_ip": "192.0.2.9"}]}])
    desired = parse_bridges([{"name": "br0", "ports": [{"name": "t1", "type": "gre", "remote_ip": "192.0.2.9"}]}])
    switch = FakeOvs(before, desired)

    def runner(argv):
        if "add-port" in argv:
            return 1, "", "ovs-vsctl: no bridge named br0\n"
        return switch(argv)

    with pytest.raises(HostError, match="no bridge named br0") as caught:
        converge(Vsctl(runner), desired, purge=True)
    assert caught.value.done == ["ovs-vsctl --timeout=30 -- del-port t0"]
