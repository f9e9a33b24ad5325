# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read Open vSwitch as report data: bridges, their ports (tag, trunks, bond mode, LACP) and each port's
interfaces, with `ovs-vsctl --format=json list <table>`, one read-only call per table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError

TABLES = {
    "Bridge": ("_uuid", "name", "ports"),
    "Port": ("_uuid", "name", "interfaces", "tag", "trunks", "vlan_mode", "bond_mode", "lacp"),
    "Interface": ("_uuid", "name", "type", "mac_in_use", "external_ids", "link_state"),
}


def atom(value):
    """An OVSDB JSON value as Python: sets become lists, maps dicts, uuids their text; an empty set None."""
    if isinstance(value, list) and len(value) == 2 and value[0] in ("uuid", "named-uuid"):
        return value[1]
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        items = [atom(item) for item in value[1]]
        return items or None
    if isinstance(value, list) and len(value) == 2 and value[0] == "map":
        return {atom(k): atom(v) for k, v in value[1]}
    return value


def as_list(value):
    """A column that may hold zero, one or many values (OVSDB prints one value as a bare atom)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_table(text):
    """Rows of one `ovs-vsctl --format=json list` answer, as dicts by column."""
    try:
        answer = json.loads(text)
        return [{h: atom(v) for h, v in zip(answer["headings"], row)} for row in answer["data"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise HostError("cannot parse ovs-vsctl JSON: %s" % exc)


def build_bridges(bridges, ports, interfaces):
    """Bridges by name, each port with its interfaces; a VM's interface names the MAC libvirt gave it."""
    ports_by_id = {row["_uuid"]: row for row in ports}
    ifaces_by_id = {row["_uuid"]: row for row in interfaces}
    found = []
    for bridge in bridges:
        found_ports = []
        for port_id in as_list(bridge["ports"]):
            port = ports_by_id.get(port_id)
            if port is None:
                continue
            ifaces = []
            for iface_id in as_list(port["interfaces"]):
                iface = ifaces_by_id.get(iface_id)
                if iface is None:
                    continue
                ids = iface.get("external_ids") or {}
                ifaces.append(
                    {
                        "name": iface["name"],
                        "type": iface.get("type") or "system",
                        "mac": iface.get("mac_in_use"),
                        "link_state": iface.get("link_state"),
                        "attached_mac": (ids.get("attached-mac") or "").lower() or None,
                    }
                )
            found_ports.append(
                {
                    "name": port["name"],
                    "tag": port.get("tag"),
                    "trunks": sorted(as_list(port.get("trunks"))),
                    "vlan_mode": port.get("vlan_mode"),
                    "bond_mode": port.get("bond_mode") if len(ifaces) > 1 else None,
                    "lacp": port.get("lacp"),
                    "interfaces": sorted(ifaces, key=lambda iface: iface["name"]),
                }
            )
        found.append({"name": bridge["name"], "ports": sorted(found_ports, key=lambda port: port["name"])})
    return sorted(found, key=lambda bridge: bridge["name"])


def read_ovs(run, vsctl="ovs-vsctl", db=None, timeout=10):
    """{'available', 'problem', 'bridges'}; a host without Open vSwitch (or with it stopped) is reported.
    `run(argv)` returns (rc, stdout, stderr), or raises OSError when the program is missing."""
    tables = {}
    for table, columns in TABLES.items():
        argv = [vsctl, "--timeout=%d" % timeout, "--format=json", "--columns=" + ",".join(columns)]
        if db:
            argv.append("--db=" + db)
        try:
            rc, out, err = run(argv + ["list", table])
        except OSError:
            return {"available": False, "problem": "Open vSwitch is not installed (no %s)" % vsctl, "bridges": []}
        if rc != 0:
            return {
                "available": False,
                "problem": "ovs-vsctl cannot read the database: %s" % (err or out).strip(),
                "bridges": [],
            }
        tables[table] = parse_table(out)
    return {
        "available": True,
        "problem": None,
        "bridges": build_bridges(tables["Bridge"], tables["Port"], tables["Interface"]),
    }
