# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the openvswitch input into the model: each kind's keys declared once, each value checked by
the shared input kit (checks.py), then the checks across bridges (names used once, fake bridge VLANs,
mirrored ports, and in ovs_validate_datapath what ovs-vswitchd refuses: twin tunnels, unjoined patch pairs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import (
    DATAPATH_TYPES,
    FAIL_MODES,
    LACP_TIMES,
    MIRROR_SELECTION,
    PORT_TYPES,
    STATES,
    TUNNEL_TYPES,
    VLAN_MODES,
    Bond,
    Bridge,
    Mirror,
    Port,
    fake_bridge,
    ovs_string,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate_datapath import check_datapath

BRIDGE_KEYS = (
    "name",
    "state",
    "parent",
    "vlan",
    "fail_mode",
    "datapath_type",
    "stp",
    "rstp",
    "mcast_snooping",
    "other_config",
    "external_ids",
    "ports",
    "bonds",
    "mirrors",
)
FAKE_BRIDGE_KEYS = ("name", "state", "parent", "vlan", "ports", "bonds")
VLAN_KEYS = ("tag", "trunks", "vlan_mode", "external_ids")
PORT_KEYS = ("name", "state", "type", "peer", "remote_ip", "key") + VLAN_KEYS
BOND_KEYS = ("name", "state", "members", "bond_mode", "lacp", "lacp_time", "bond_updelay", "bond_downdelay") + VLAN_KEYS
# An entry of the older role's openvswitch_ports.
PORT_LIST_KEYS = ("bridge", "ports")
MIRROR_KEYS = ("name", "state") + MIRROR_SELECTION
# The older role's spellings of name.
BRIDGE_ALIAS, PORT_ALIAS = "bridge", "port"
# Port types that are a Linux network device, so their name is an interface name (checks.ifname).
KERNEL_PORT_TYPES = ("system", "internal")
TUNNEL_KEY_HIGH = 2**32 - 1
DELAY_HIGH = 2**31 - 1

# Patch and tunnel ports and mirrors live only in OVSDB and never become a kernel interface, so IFNAMSIZ does not
# bind them: OVN, for one, names its patch ports patch-<bridge>-to-<logical port>, far past 15 characters.
# The characters are those of an interface name, so such a name also survives ovs-vsctl and interfaces(5).
OVSDB_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,254}$")


def ovsdb_name(value, path):
    checked = checks.text(what="a port or mirror name")(value, path)
    if not OVSDB_NAME_RE.match(checked):
        fail(
            path,
            "%r is not a valid port or mirror name" % checked,
            "use at most 255 letters, digits and _ . + @ -, starting with a letter, digit or _",
        )
    return checked


def _ovs_map(value, path):
    """other_config or external_ids: OVSDB keeps strings, and Open vSwitch reads true/false (not the
    kit's on/off) for a YAML boolean."""
    result = {}
    for key, item in checks.mapping(value, path).items():
        # The key reaches ovs-vsctl as text too (quoted there): one line, UTF-8, no NUL.
        key = checks.word(key, at(path, str(key)))
        result[key] = ovs_string(item) if isinstance(item, bool) else checks.word(item, at(path, key))
    return result


def _remote_ip(value, path):
    """A tunnel's remote address, kept as written (OVSDB stores it so), or 'flow'."""
    checked = checks.plain_text(value, path)
    if checked != "flow":
        try:
            checks.ip()(checked, path)
        except InputError:
            fail(path, "must be an IPv4 or IPv6 address or 'flow' (got %r)" % (checked,))
    return checked


def _tunnel_key(value, path):
    if value == "flow":
        return value
    try:
        return str(checks.integer(0, TUNNEL_KEY_HIGH)(value, path))
    except InputError:
        fail(path, "must be a tunnel key from 0 to %d or 'flow' (got %s)" % (TUNNEL_KEY_HIGH, checks.describe(value)))


def _fields(raw, path, keys, alias=None):
    """One entry read against its keys; alias is the older role's spelling of name, and errors name it as written."""
    return checks.Fields(raw, path, keys, {alias: "name"} if alias else None)


# A parsed port, bond or mirror with the input paths of its entry and of its name.
_Entry = namedtuple("_Entry", "item path name_path")
# A port or bond with its bridge, for the checks across bridges.
_Placed = namedtuple("_Placed", "bridge item path name_path")


def _port_row(fields, fake_vlan):
    """What a port and a bond share, the settings of their OVSDB Port row: tag, trunks and vlan_mode, with OVS' rules
    on which go together, and external_ids."""
    if fake_vlan is not None:
        for key in ("tag", "trunks", "vlan_mode"):
            if fields.raw(key) not in (None, []):
                fail(
                    fields.where(key),
                    "ports of a fake bridge carry its VLAN %d" % fake_vlan,
                    "remove %s or move the port to the parent bridge" % key,
                )
        tag, trunks, mode = fake_vlan, [], None
    else:
        tag, trunks, mode = _vlan_settings(fields)
    return dict(tag=tag, trunks=trunks, vlan_mode=mode, external_ids=fields.get("external_ids", _ovs_map, default={}))


def _vlan_settings(fields):
    """tag, trunks and vlan_mode of a port of a real bridge."""
    tag = fields.get("tag", checks.vlan_id)
    trunks = fields.get("trunks", checks.list_of(checks.vlan_id), default=[])
    mode = fields.get("vlan_mode", checks.choice(*VLAN_MODES))
    if mode == "access" and trunks:
        fail(fields.where("trunks"), "an access port carries no trunks", "remove trunks or the vlan_mode")
    if mode == "trunk" and tag is not None:
        fail(
            fields.where("tag"),
            "vlan_mode trunk ignores tag",
            "use vlan_mode native-tagged or native-untagged to keep a native VLAN",
        )
    if mode in ("native-tagged", "native-untagged") and tag is None:
        fail(fields.where("tag"), "vlan_mode %s needs the native VLAN in tag" % mode)
    return tag, sorted(set(trunks)), mode


def _port(raw, path, fake_vlan):
    fields = _fields(raw, path, PORT_KEYS, PORT_ALIAS)
    port_type = fields.get("type", checks.choice(*PORT_TYPES), default="system")
    name = fields.get("name", checks.ifname if port_type in KERNEL_PORT_TYPES else ovsdb_name, required=True)
    state = fields.get("state", checks.choice(*STATES), default="present")
    peer = fields.get("peer", ovsdb_name)
    if port_type == "patch":
        if peer is None:
            fail(fields.where("peer"), "is required", "name the other patch port")
        if peer == name:
            fail(fields.where("peer"), "a patch port cannot be its own peer", "name the other patch port")
    elif peer is not None:
        fail(fields.where("peer"), "only a patch port has a peer (type is %s)" % port_type)
    remote_ip = key = None
    if port_type in TUNNEL_TYPES:
        if not fields.has("remote_ip"):
            fail(fields.where("remote_ip"), "is required for a %s port" % port_type, "give the tunnel's remote address")
        remote_ip = fields.get("remote_ip", _remote_ip)
        key = fields.get("key", _tunnel_key)
    else:
        for option in ("remote_ip", "key"):
            if fields.has(option):
                fail(
                    fields.where(option), "only a vxlan, geneve or gre port takes %s (type is %s)" % (option, port_type)
                )
    row = _port_row(fields, fake_vlan)
    port = Port(name=name, state=state, type=port_type, peer=peer, remote_ip=remote_ip, key=key, **row)
    return _Entry(port, path, fields.where("name"))


def _bond(raw, path, fake_vlan):
    fields = _fields(raw, path, BOND_KEYS)
    name = fields.get("name", checks.ifname, required=True)
    state = fields.get("state", checks.choice(*STATES), default="present")
    members = []
    for index, member in enumerate(fields.get("members", checks.list_of(checks.ifname), default=[])):
        if member in members or member == name:
            fail(at(fields.where("members"), index), "interface %r is listed twice in this bond" % member)
        members.append(member)
    if state == "present" and len(members) < 2:
        fail(
            fields.where("members"),
            "a bond needs at least 2 member interfaces (got %d)" % len(members),
            "use a port for a single interface",
        )
    mode = fields.get("bond_mode", checks.choice(*checks.BOND_MODES_OVS), default="active-backup")
    lacp = fields.get("lacp", checks.choice(*checks.LACP_MODES_OVS), default="off")
    if mode == "balance-tcp" and lacp == "off":
        fail(fields.where("lacp"), "bond_mode balance-tcp needs LACP", "set lacp to active or passive")
    row = _port_row(fields, fake_vlan)
    delay = checks.integer(0, DELAY_HIGH)
    bond = Bond(
        name=name,
        members=members,
        state=state,
        bond_mode=mode,
        lacp=lacp,
        lacp_time=fields.get("lacp_time", checks.choice(*LACP_TIMES), default="slow"),
        bond_updelay=fields.get("bond_updelay", delay, default=0),
        bond_downdelay=fields.get("bond_downdelay", delay, default=0),
        **row,
    )
    return _Entry(bond, path, fields.where("name"))


def _bridge(fields, fake_vlan):
    """The bridge with its ports, bonds and mirrors, and its ports and bonds placed for the checks across bridges."""
    name = fields.get("name", checks.ifname, required=True)
    state = fields.get("state", checks.choice(*STATES), default="present")
    if fake_vlan is not None:
        bridge = fake_bridge(name, fields.raw("parent"), fake_vlan)
    else:
        bridge = Bridge(
            name=name,
            fail_mode=fields.get("fail_mode", checks.choice(*FAIL_MODES), default="standalone"),
            datapath_type=fields.get("datapath_type", checks.choice(*DATAPATH_TYPES), default="system"),
            stp=fields.get("stp", checks.boolean, default=False),
            rstp=fields.get("rstp", checks.boolean, default=False),
            mcast_snooping=fields.get("mcast_snooping", checks.boolean, default=False),
            other_config=fields.get("other_config", _ovs_map, default={}),
            external_ids=fields.get("external_ids", _ovs_map, default={}),
        )
        if bridge.stp and bridge.rstp:
            fail(fields.where("rstp"), "stp and rstp cannot both be enabled", "choose one of them")
    bridge.state = state
    ports = fields.each("ports", lambda raw, path: _port(raw, path, fake_vlan))
    bonds = fields.each("bonds", lambda raw, path: _bond(raw, path, fake_vlan))
    bridge.ports = [entry.item for entry in ports]
    bridge.bonds = [entry.item for entry in bonds]
    bridge.mirrors = [entry.item for entry in fields.each("mirrors", _mirror)]
    return bridge, [_Placed(bridge, *entry) for entry in ports + bonds]


def _mirror(raw, path):
    fields = _fields(raw, path, MIRROR_KEYS)
    name = fields.get("name", ovsdb_name, required=True)
    state = fields.get("state", checks.choice(*STATES), default="present")
    selected = {}
    for key in ("select_src_port", "select_dst_port"):
        # Input order until _check_mirrors has named positions in errors; sorted there.
        selected[key] = []
        for index, item in enumerate(fields.get(key, checks.list_of(ovsdb_name), default=[])):
            if item in selected[key]:
                fail(at(fields.where(key), index), "port %r is listed twice" % item)
            selected[key].append(item)
    vlans = fields.get("select_vlan", checks.list_of(checks.vlan_id), default=[])
    mirror = Mirror(
        name=name,
        state=state,
        select_all=fields.get("select_all", checks.boolean, default=False),
        select_vlan=sorted(set(vlans)),
        **selected,
    )
    if state == "absent":
        return _Entry(mirror, path, fields.where("name"))
    if fields.has("output_port") and fields.has("output_vlan"):
        fail(fields.where("output_vlan"), "a mirror has one output", "give output_port or output_vlan")
    if not fields.has("output_port") and not fields.has("output_vlan"):
        fail(
            fields.where("output_port"),
            "is required (or output_vlan)",
            "name the port that receives the mirrored packets",
        )
    mirror.output_port = fields.get("output_port", ovsdb_name)
    mirror.output_vlan = fields.get("output_vlan", checks.vlan_id)
    if mirror.output_port in mirror.select_src_port + mirror.select_dst_port:
        fail(
            fields.where("output_port"),
            "port %r is also selected" % mirror.output_port,
            "Open vSwitch ignores what arrives on the output port; select other ports",
        )
    if not (mirror.select_all or mirror.select_src_port or mirror.select_dst_port or mirror.select_vlan):
        fail(
            fields.where("select_all"),
            "the mirror selects no packets",
            "set select_all, select_src_port, select_dst_port or select_vlan",
        )
    return _Entry(mirror, path, fields.where("name"))


def _fake_vlan(fields, raws):
    """The VLAN of a fake bridge, None for a real one; the parent must be a real bridge of the input."""
    if not fields.has("parent") and not fields.has("vlan"):
        return None
    if not fields.has("parent"):
        fail(fields.where("parent"), "a bridge with a vlan is a fake bridge and needs its parent bridge")
    if not fields.has("vlan"):
        fail(
            fields.where("vlan"), "a fake bridge needs the VLAN %d-%d it carries" % (checks.VLAN_LOW, checks.VLAN_HIGH)
        )
    parent = fields.get("parent", checks.ifname)
    vlan = fields.get("vlan", checks.vlan_id)
    real = dict((item.get("name") or item.get(BRIDGE_ALIAS), item) for item in raws if isinstance(item, dict))
    if parent not in real:
        fail(fields.where("parent"), "bridge %r is not in this list" % (parent,), "list the parent bridge too")
    if real[parent].get("parent") is not None:
        fail(fields.where("parent"), "%r is itself a fake bridge" % (parent,), "use a real bridge as parent")
    for key in BRIDGE_KEYS:
        if key not in FAKE_BRIDGE_KEYS and fields.raw(key) not in (None, {}, []):
            fail(fields.where(key), "a fake bridge takes no %s" % key, "set it on the parent bridge")
    return vlan


def parse_bridges(raws, path="bridges", port_lists=None, port_lists_path="ports"):
    """Validate the whole input and return Bridge objects; raises InputError before anything changes.

    port_lists is the older role's shape, per bridge a list of ports; see _join_port_lists."""
    raws = checks.listing(raws, path)
    bridges, seen, owners, placed = [], {}, {}, []
    for index, raw in enumerate(raws):
        bridge_path = at(path, index)
        fields = _fields(raw, bridge_path, BRIDGE_KEYS, BRIDGE_ALIAS)
        bridge, bridge_placed = _bridge(fields, _fake_vlan(fields, raws))
        name_path = fields.where("name")
        if bridge.name in seen:
            fail(name_path, "bridge %r is already at %s" % (bridge.name, seen[bridge.name]), "list each bridge once")
        seen[bridge.name] = bridge_path
        owners[bridge.name] = name_path
        bridges.append(bridge)
        placed += bridge_placed
    placed += _join_port_lists(port_lists, port_lists_path, bridges, owners)
    _check_names(owners, placed)
    _check_fake_vlans(bridges, placed)
    _check_mirrors(bridges, path)
    check_datapath(bridges, placed)
    return bridges


def _join_port_lists(raws, path, bridges, owners):
    """Append each port list to the bridge it names, as the older role did: after that bridge's own
    ports, or to a new bridge with default settings (added to bridges and owners) when no bridge has
    that name. Returns the added ports placed for the checks across bridges."""
    by_name = dict((bridge.name, bridge) for bridge in bridges)
    placed = []
    for index, raw in enumerate(checks.listing(raws, path)):
        fields = checks.Fields(raw, at(path, index), PORT_LIST_KEYS)
        if not fields.has("bridge"):
            fail(fields.where("bridge"), "is required", "name the bridge these ports belong to")
        name = fields.get("bridge", checks.ifname)
        bridge = by_name.get(name)
        if bridge is None:
            bridge = by_name[name] = Bridge(name=name)
            bridges.append(bridge)
            owners[name] = fields.where("bridge")
        vlan = bridge.vlan if bridge.fake else None
        ports = fields.each("ports", lambda item, item_path, vlan=vlan: _port(item, item_path, vlan))
        bridge.ports += [entry.item for entry in ports]
        placed += [_Placed(bridge, *entry) for entry in ports]
    return placed


def _check_names(owners, placed):
    """Every port, bond and bond member name is used once across the whole switch; owners holds the
    bridge names with their paths."""
    owners = dict(owners)
    for entry in placed:
        names = [(entry.item.name, entry.name_path)]
        names += [
            (member, at(at(entry.path, "members"), number))
            for number, member in enumerate(getattr(entry.item, "members", []))
        ]
        for name, name_path in names:
            if name in owners:
                fail(
                    name_path,
                    "%r is already used at %s" % (name, owners[name]),
                    "a port or interface belongs to one bridge and one port only",
                )
            owners[name] = name_path


def _check_fake_vlans(bridges, placed):
    """A tagged port on a parent with a fake bridge on the same VLAN would belong to that fake bridge."""
    fakes = dict(((bridge.parent, bridge.vlan), bridge.name) for bridge in bridges if bridge.fake)
    for entry in placed:
        fake = fakes.get((entry.bridge.name, entry.item.tag))
        if not entry.bridge.fake and fake is not None:
            fail(
                at(entry.path, "tag"),
                "VLAN %d is the VLAN of fake bridge %r" % (entry.item.tag, fake),
                "list the port under the fake bridge instead",
            )


def _check_mirrors(bridges, path):
    """A mirror names each mirror once per bridge and only ports of its bridge or of that bridge's fake bridges."""
    for index, bridge in enumerate(bridges):
        mirrors_path = at(at(path, index), "mirrors")
        ports = set(
            item.name
            for other in bridges
            if bridge.name in (other.name, other.parent) and other.state == "present"
            for item in other.members()
            if item.state == "present"
        )
        seen = {}
        for position, mirror in enumerate(bridge.mirrors):
            mirror_path = at(mirrors_path, position)
            if mirror.name in seen:
                fail(
                    at(mirror_path, "name"),
                    "mirror %r is already at %s" % (mirror.name, seen[mirror.name]),
                    "list each mirror once",
                )
            seen[mirror.name] = mirror_path
            if mirror.state == "absent":
                continue
            named = [
                (name, at(at(mirror_path, key), number))
                for key in ("select_src_port", "select_dst_port")
                for number, name in enumerate(getattr(mirror, key))
            ]
            if mirror.output_port is not None:
                named.append((mirror.output_port, at(mirror_path, "output_port")))
            for name, name_path in named:
                if name not in ports:
                    fail(
                        name_path,
                        "%r is not a present port or bond of bridge %r" % (name, bridge.name),
                        "list the port under this bridge (or one of its fake bridges)",
                    )
            mirror.select_src_port.sort()
            mirror.select_dst_port.sort()
