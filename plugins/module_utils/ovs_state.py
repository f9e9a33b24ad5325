# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the whole switch in one ovs-vsctl query and parse it into the model."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import (
    MIRROR_SELECTION,
    Bond,
    Bridge,
    Mirror,
    Port,
    fake_bridge,
)

COLUMNS = (
    (
        "Bridge",
        (
            "name",
            "ports",
            "fail_mode",
            "datapath_type",
            "stp_enable",
            "rstp_enable",
            "mcast_snooping_enable",
            "other_config",
            "external_ids",
            "mirrors",
        ),
    ),
    (
        "Port",
        (
            "_uuid",
            "name",
            "interfaces",
            "fake_bridge",
            "tag",
            "trunks",
            "vlan_mode",
            "bond_mode",
            "lacp",
            "bond_updelay",
            "bond_downdelay",
            "other_config",
            "external_ids",
        ),
    ),
    # error and ofport: what ovs-vswitchd made of the interface (ovs_refusals), read with the rest.
    ("Interface", ("_uuid", "name", "type", "options", "error", "ofport")),
    ("Mirror", ("_uuid", "name") + MIRROR_SELECTION),
)
MANAGED_OPTIONS = ("peer", "remote_ip", "key")


def read_args():
    """ovs-vsctl arguments listing the three tables in one read-only transaction."""
    args = ["--format=json"]
    for table, columns in COLUMNS:
        args += ["--", "--columns=%s" % ",".join(columns), "list", table]
    return args


def _value(datum):
    """OVSDB JSON: ["uuid", u], ["set", [...]], ["map", [[k, v]...]] or a bare atom."""
    if isinstance(datum, list) and len(datum) == 2 and datum[0] in ("uuid", "named-uuid"):
        return datum[1]
    if isinstance(datum, list) and datum[0] == "set":
        return [_value(item) for item in datum[1]]
    if isinstance(datum, list) and datum[0] == "map":
        return dict((_value(key), _value(item)) for key, item in datum[1])
    return datum


def _set(value):
    """A set column with one element is printed as that element."""
    return value if isinstance(value, list) else [value]


def _optional(value):
    """An optional column is a set of zero or one element."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _tables(stdout):
    """Split the concatenated JSON documents, one per listed table, into lists of row dicts."""
    decoder, position, tables = json.JSONDecoder(), 0, []
    text = stdout.strip()
    try:
        while position < len(text):
            document, position = decoder.raw_decode(text, position)
            while position < len(text) and text[position].isspace():
                position += 1
            tables.append([dict(zip(document["headings"], [_value(cell) for cell in row])) for row in document["data"]])
    except (ValueError, KeyError, TypeError) as exc:
        raise HostError("cannot parse ovs-vsctl output: %s" % exc)
    if len(tables) != len(COLUMNS):
        raise HostError("ovs-vsctl listed %d tables, expected %d" % (len(tables), len(COLUMNS)))
    return tables


def _port(row, interfaces):
    common = dict(
        tag=_optional(row["tag"]),
        trunks=sorted(_set(row["trunks"])),
        vlan_mode=_optional(row["vlan_mode"]),
        external_ids=dict(row["external_ids"]),
    )
    ifaces = [interfaces[uuid] for uuid in _set(row["interfaces"])]
    if len(ifaces) == 1 and ifaces[0]["name"] == row["name"]:
        options = ifaces[0]["options"]
        return Port(
            name=row["name"],
            type=ifaces[0]["type"] or "system",
            peer=options.get("peer"),
            remote_ip=options.get("remote_ip"),
            key=options.get("key"),
            **common,
        )
    return Bond(
        name=row["name"],
        members=sorted(iface["name"] for iface in ifaces),
        bond_mode=_optional(row["bond_mode"]) or "active-backup",
        lacp=_optional(row["lacp"]) or "off",
        lacp_time=row["other_config"].get("lacp-time", "slow"),
        bond_updelay=row["bond_updelay"],
        bond_downdelay=row["bond_downdelay"],
        **common,
    )


def _port_names(uuids, port_names):
    """Mirrors link ports by UUID; a deleted port's link is gone already (weak reference)."""
    return sorted(port_names[uuid] for uuid in _set(uuids) if uuid in port_names)


def _mirror(row, port_names):
    output = _port_names(row["output_port"], port_names)
    return Mirror(
        name=row["name"],
        select_all=row["select_all"],
        select_src_port=_port_names(row["select_src_port"], port_names),
        select_dst_port=_port_names(row["select_dst_port"], port_names),
        select_vlan=sorted(_set(row["select_vlan"])),
        output_port=output[0] if output else None,
        output_vlan=_optional(row["output_vlan"]),
        uuid=row["_uuid"],
    )


def parse_state(stdout):
    """Bridges by name; fake bridges and their ports are sorted out as ovs-vsctl itself does."""
    bridge_rows, port_rows, iface_rows, mirror_rows = _tables(stdout)
    ports = dict((row["_uuid"], row) for row in port_rows)
    interfaces = dict((row["_uuid"], row) for row in iface_rows)
    port_names = dict((uuid, row["name"]) for uuid, row in ports.items())
    mirrors = dict((row["_uuid"], _mirror(row, port_names)) for row in mirror_rows)
    bridges = {}
    for row in bridge_rows:
        bridge = Bridge(
            name=row["name"],
            fail_mode=_optional(row["fail_mode"]) or "standalone",
            datapath_type=row["datapath_type"] or "system",
            stp=row["stp_enable"],
            rstp=row["rstp_enable"],
            mcast_snooping=row["mcast_snooping_enable"],
            other_config=dict(row["other_config"]),
            external_ids=dict(row["external_ids"]),
        )
        bridge.mirrors = sorted(
            (mirrors[uuid] for uuid in _set(row["mirrors"]) if uuid in mirrors), key=lambda mirror: mirror.name
        )
        bridges[bridge.name] = bridge
        members = [ports[uuid] for uuid in _set(row["ports"]) if uuid in ports]
        fakes = {}
        for port_row in members:
            if port_row["fake_bridge"] and _optional(port_row["tag"]) is not None:
                fake = fake_bridge(port_row["name"], bridge.name, _optional(port_row["tag"]))
                fakes[fake.vlan] = bridges[fake.name] = fake
        for port_row in members:
            if port_row["name"] == bridge.name or port_row["fake_bridge"]:
                continue
            item = _port(port_row, interfaces)
            owner = fakes.get(item.tag, bridge)
            (owner.bonds if isinstance(item, Bond) else owner.ports).append(item)
    for bridge in bridges.values():
        bridge.ports.sort(key=lambda item: item.name)
        bridge.bonds.sort(key=lambda item: item.name)
    return bridges


def parse_status(stdout):
    """Interface name -> (type, error or None, ofport or None), from the same read as parse_state: ovs-vswitchd
    writes why it could not create an interface into `error`, with ofport -1. (Outputs recorded before these
    columns were read have neither: no error.)"""
    rows = _tables(stdout)[2]
    return dict(
        (row["name"], (row["type"] or "system", _optional(row.get("error")) or None, _optional(row.get("ofport"))))
        for row in rows
    )
