"""converge(): one read, one transaction, one verifying read, through a fake ovs-vsctl."""
import json

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import COLUMNS, parse_state


def ovsdb_json(bridges):
    """What `ovs-vsctl --format=json` lists for these Bridge objects (fake bridges included)."""
    rows = dict((entry[0], []) for entry in COLUMNS)
    uuids = iter("uuid-%d" % number for number in range(1, 100000))
    port_uuids = {}

    def interface(name, type_="", options=None):
        uuid = next(uuids)
        rows["Interface"].append([["uuid", uuid], name, type_, ["map", sorted((options or {}).items())]])
        return ["uuid", uuid]

    def port(name, interfaces, tag=None, fake=False, item=None):
        uuid = next(uuids)
        bond = isinstance(item, Bond)
        rows["Port"].append([
            ["uuid", uuid], name, ["set", interfaces] if len(interfaces) > 1 else interfaces[0], fake,
            ["set", []] if tag is None else tag, ["set", getattr(item, "trunks", [])],
            getattr(item, "vlan_mode", None) or ["set", []], item.bond_mode if bond else ["set", []],
            item.lacp if bond else ["set", []], item.bond_updelay if bond else 0,
            item.bond_downdelay if bond else 0, ["map", [["lacp-time", item.lacp_time]] if bond else []],
            ["map", sorted(getattr(item, "external_ids", {}).items())]])
        port_uuids[name] = ["uuid", uuid]
        return ["uuid", uuid]

    def mirror(item):
        uuid = next(uuids)
        refs = lambda names: ["set", [port_uuids[name] for name in names]]  # noqa: E731
        rows["Mirror"].append([
            ["uuid", uuid], item.name, item.select_all, refs(item.select_src_port), refs(item.select_dst_port),
            ["set", item.select_vlan], refs([item.output_port] if item.output_port else []),
            ["set", [] if item.output_vlan is None else [item.output_vlan]]])
        return ["uuid", uuid]

    ports = dict((bridge.name, [port(bridge.name, [interface(bridge.name, "internal")])])
                 for bridge in bridges if not bridge.fake)
    for bridge in bridges:
        owner = bridge.parent or bridge.name
        if bridge.fake:
            ports[owner].append(port(bridge.name, [interface(bridge.name, "internal")], bridge.vlan, True))
        for item in bridge.ports:
            options = dict((key, getattr(item, key)) for key in ("peer", "remote_ip", "key") if getattr(item, key))
            iface = interface(item.name, "" if item.type == "system" else item.type, options)
            ports[owner].append(port(item.name, [iface], item.tag, item=item))
        for item in bridge.bonds:
            ports[owner].append(port(item.name, [interface(member) for member in item.members], item.tag, item=item))
    for bridge in bridges:
        if not bridge.fake:
            rows["Bridge"].append([
                bridge.name, ["set", ports[bridge.name]], bridge.fail_mode, bridge.datapath_type, bridge.stp,
                bridge.rstp, bridge.mcast_snooping, ["map", sorted(bridge.other_config.items())],
                ["map", sorted(bridge.external_ids.items())], ["set", [mirror(item) for item in bridge.mirrors]]])
    return "".join(json.dumps({"data": rows[table], "headings": list(columns)}) + "\n" for table, columns in COLUMNS)


class FakeOvs:
    """Answers reads with `state`; a transaction switches to `after` (the desired switch by default)."""

    def __init__(self, state, after=None):
        self.state, self.after = state, after
        self.transactions = []

    def __call__(self, argv):
        assert argv[:2] == ["ovs-vsctl", "--timeout=30"]
        if "--format=json" in argv:
            return 0, ovsdb_json(self.state), ""
        self.transactions.append(argv)
        self.state = self.after
        return 0, "", ""


def many_ports(count):
    return [{"name": "br0", "datapath_type": "netdev",
             "ports": [{"name": "p%d" % number, "type": "internal", "tag": number % 4094 + 1}
                       for number in range(count)],
             "bonds": [{"name": "bond0", "members": ["eth1", "eth2"], "bond_mode": "balance-tcp", "lacp": "active"}]}]


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
