"""Fakes shared by the unit tests (no tests here): an ovs-vsctl that answers from a model."""

import json

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import COLUMNS


def ovsdb_json(bridges, errors=None):
    """What `ovs-vsctl --format=json` lists for these Bridge objects (fake bridges included); errors maps an
    interface name to the error ovs-vswitchd wrote (its ofport is then -1)."""
    errors = errors or {}
    rows = dict((entry[0], []) for entry in COLUMNS)
    uuids = iter("uuid-%d" % number for number in range(1, 100000))
    port_uuids = {}

    def interface(name, type_="", options=None):
        uuid = next(uuids)
        status = [errors[name], -1] if name in errors else [["set", []], len(rows["Interface"]) + 1]
        rows["Interface"].append([["uuid", uuid], name, type_, ["map", sorted((options or {}).items())]] + status)
        return ["uuid", uuid]

    def port(name, interfaces, tag=None, fake=False, item=None):
        uuid = next(uuids)
        bond = isinstance(item, Bond)
        rows["Port"].append(
            [
                ["uuid", uuid],
                name,
                ["set", interfaces] if len(interfaces) > 1 else interfaces[0],
                fake,
                ["set", []] if tag is None else tag,
                ["set", getattr(item, "trunks", [])],
                getattr(item, "vlan_mode", None) or ["set", []],
                item.bond_mode if bond else ["set", []],
                item.lacp if bond else ["set", []],
                item.bond_updelay if bond else 0,
                item.bond_downdelay if bond else 0,
                ["map", [["lacp-time", item.lacp_time]] if bond else []],
                ["map", sorted(getattr(item, "external_ids", {}).items())],
            ]
        )
        port_uuids[name] = ["uuid", uuid]
        return ["uuid", uuid]

    def mirror(item):
        uuid = next(uuids)
        refs = lambda names: ["set", [port_uuids[name] for name in names]]  # noqa: E731
        rows["Mirror"].append(
            [
                ["uuid", uuid],
                item.name,
                item.select_all,
                refs(item.select_src_port),
                refs(item.select_dst_port),
                ["set", item.select_vlan],
                refs([item.output_port] if item.output_port else []),
                ["set", [] if item.output_vlan is None else [item.output_vlan]],
            ]
        )
        return ["uuid", uuid]

    ports = dict(
        (bridge.name, [port(bridge.name, [interface(bridge.name, "internal")])])
        for bridge in bridges
        if not bridge.fake
    )
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
            rows["Bridge"].append(
                [
                    bridge.name,
                    ["set", ports[bridge.name]],
                    bridge.fail_mode,
                    bridge.datapath_type,
                    bridge.stp,
                    bridge.rstp,
                    bridge.mcast_snooping,
                    ["map", sorted(bridge.other_config.items())],
                    ["map", sorted(bridge.external_ids.items())],
                    ["set", [mirror(item) for item in bridge.mirrors]],
                ]
            )
    return "".join(json.dumps({"data": rows[table], "headings": list(columns)}) + "\n" for table, columns in COLUMNS)


class FakeOvs:
    """Answers reads with `state`; a transaction switches to `after` (the desired switch by default).
    `errors` are the interfaces ovs-vswitchd refused, by name."""

    def __init__(self, state, after=None, errors=None):
        self.state, self.after, self.errors = state, after, errors
        self.transactions = []

    def __call__(self, argv):
        assert argv[:2] == ["ovs-vsctl", "--timeout=30"]
        if "--format=json" in argv:
            return 0, ovsdb_json(self.state, self.errors), ""
        self.transactions.append(argv)
        self.state = self.after
        return 0, "", ""
