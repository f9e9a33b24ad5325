"""converge(): one read, one transaction, one verifying read, through a fake ovs-vsctl."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.fakes import FakeOvs, ovsdb_json


def many_ports(count):
    return [
        {
            "name": "br0",
            "datapath_type": "netdev",
            "ports": [
                {"name": "p%d" % number, "type": "internal", "tag": number % 4094 + 1} for number in range(count)
            ],
            "bonds": [{"name": "bond0", "members": ["eth1", "eth2"], "bond_mode": "balance-tcp", "lacp": "active"}],
        }
    ]


def test_encoder_round_trips_through_the_parser():
    desired = parse_bridges(many_ports(3) + [{"name": "v9", "parent": "br0", "vlan": 9, "ports": [{"name": "x"}]}])
    state = parse_state(ovsdb_json(desired))
    assert state["br0"].bonds == desired[0].bonds
    assert sorted(port.name for port in state["br0"].ports) == ["p0", "p1", "p2"]
    assert state["v9"].ports == desired[1].ports


def test_200_ports_are_one_transaction_and_the_second_run_none():
    desired = parse_bridges(many_ports(200))
    switch = FakeOvs([], desired)
    result = converge(Vsctl(switch), desired)
    assert result["changed"] is True
    assert len(switch.transactions) == 1
    assert result["commands"] == switch.transactions[0]
    assert result["commands"].count("add-port") == 200
    assert len(result["after"]["br0"]["ports"]) == 200
    result = converge(Vsctl(switch), desired)
    assert (result["changed"], result["commands"], len(switch.transactions)) == (False, [], 1)


def test_check_mode_plans_and_touches_nothing():
    desired = parse_bridges(many_ports(2))
    switch = FakeOvs([], desired)
    result = converge(Vsctl(switch), desired, check_mode=True)
    assert result["changed"] is True
    assert result["commands"][:4] == ["ovs-vsctl", "--timeout=30", "--", "add-br"]
    assert result["after"] == result["before"] == {}
    assert switch.transactions == []


def test_db_option_reaches_every_call():
    seen = []

    def runner(argv):
        seen.append(argv)
        return 0, ovsdb_json([]), ""

    converge(Vsctl(runner, "/usr/bin/ovs-vsctl", "unix:/tmp/x.sock", 5), [])
    assert seen[0][:3] == ["/usr/bin/ovs-vsctl", "--timeout=5", "--db=unix:/tmp/x.sock"]


def test_verification_failure_is_a_host_error():
    desired = parse_bridges(many_ports(1))
    switch = FakeOvs([], [])
    with pytest.raises(HostError, match="still differs.*add-br br0"):
        converge(Vsctl(switch), desired)


def test_refused_transaction_is_a_host_error():
    def runner(argv):
        if "--format=json" in argv:
            return 0, ovsdb_json([]), ""
        return 1, "", "ovs-vsctl: cannot create a port named p0 because a port named p0 already exists\n"

    with pytest.raises(HostError, match="rc=1.*already exists"):
        converge(Vsctl(runner), parse_bridges(many_ports(1)))
