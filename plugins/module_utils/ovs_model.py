# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired and current Open vSwitch state as dataclasses, and validation of the user's input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

STATES = ("present", "absent")
FAIL_MODES = ("standalone", "secure")
DATAPATH_TYPES = ("system", "netdev")
VLAN_MODES = ("access", "trunk", "native-tagged", "native-untagged")
PORT_TYPES = ("system", "internal", "patch", "vxlan", "geneve", "gre")
TUNNEL_TYPES = ("vxlan", "geneve", "gre")
BOND_MODES = ("active-backup", "balance-slb", "balance-tcp")
LACP_MODES = ("active", "passive", "off")
LACP_TIMES = ("fast", "slow")
# Linux interface names (bridges, internal and system ports, bond members) stop at IFNAMSIZ - 1.
KERNEL_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")
PORT_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,255}$")

BRIDGE_KEYS = ("name", "bridge", "state", "parent", "vlan", "fail_mode", "datapath_type", "stp", "rstp",
               "mcast_snooping", "other_config", "external_ids", "ports", "bonds", "mirrors")
FAKE_BRIDGE_KEYS = ("name", "bridge", "state", "parent", "vlan", "ports", "bonds")
VLAN_KEYS = ("tag", "trunks", "vlan_mode", "external_ids")
PORT_KEYS = ("name", "port", "state", "type", "peer", "remote_ip", "key") + VLAN_KEYS
BOND_KEYS = ("name", "state", "members", "bond_mode", "lacp", "lacp_time", "bond_updelay",
             "bond_downdelay") + VLAN_KEYS
# An entry of the older role's openvswitch_ports.
PORT_LIST_KEYS = ("bridge", "ports")
MIRROR_KEYS = ("name", "state", "select_all", "select_src_port", "select_dst_port", "select_vlan", "output_port",
               "output_vlan")


@dataclass
class Port:
    """A port with one interface of the same name."""

    name: str
    state: str = "present"
    type: str = "system"
    peer: Optional[str] = None
    remote_ip: Optional[str] = None
    key: Optional[str] = None
    tag: Optional[int] = None
    trunks: List[int] = field(default_factory=list)
    vlan_mode: Optional[str] = None
    external_ids: Dict[str, str] = field(default_factory=dict)


@dataclass
class Bond:
    """A port bonding several interfaces."""

    name: str
    members: List[str] = field(default_factory=list)
    state: str = "present"
    bond_mode: str = "active-backup"
    lacp: str = "off"
    lacp_time: str = "slow"
    bond_updelay: int = 0
    bond_downdelay: int = 0
    tag: Optional[int] = None
    trunks: List[int] = field(default_factory=list)
    vlan_mode: Optional[str] = None
    external_ids: Dict[str, str] = field(default_factory=dict)


@dataclass
class Mirror:
    """A port mirror of a real bridge; ports are named, OVSDB links them by UUID."""

    name: str
    state: str = "present"
    select_all: bool = False
    select_src_port: List[str] = field(default_factory=list)
    select_dst_port: List[str] = field(default_factory=list)
    select_vlan: List[int] = field(default_factory=list)
    output_port: Optional[str] = None
    output_vlan: Optional[int] = None
    # The row to remove when the mirror changes; unknown for desired mirrors.
    uuid: Optional[str] = field(default=None, compare=False)

    def ports(self):
        names = set(self.select_src_port) | set(self.select_dst_port)
        if self.output_port is not None:
            names.add(self.output_port)
        return names


@dataclass
class Bridge:
    """A bridge; with `parent` and `vlan` it is a fake bridge and has no switch-wide settings (None)."""

    name: str
    state: str = "present"
    parent: Optional[str] = None
    vlan: Optional[int] = None
    fail_mode: Optional[str] = "standalone"
    datapath_type: Optional[str] = "system"
    stp: Optional[bool] = False
    rstp: Optional[bool] = False
    mcast_snooping: Optional[bool] = False
    other_config: Dict[str, str] = field(default_factory=dict)
    external_ids: Dict[str, str] = field(default_factory=dict)
    ports: List[Port] = field(default_factory=list)
    bonds: List[Bond] = field(default_factory=list)
    mirrors: List[Mirror] = field(default_factory=list)

    @property
    def fake(self):
        return self.parent is not None

    def members(self):
        """Ports, then bonds."""
        return list(self.ports) + list(self.bonds)


def fake_bridge(name, parent, vlan):
    return Bridge(name=name, parent=parent, vlan=vlan, fail_mode=None, datapath_type=None, stp=None,
                  rstp=None, mcast_snooping=None)


def to_dict(bridges):
    """Plain data for module results, keyed by bridge name."""
    return dict((bridge.name, asdict(bridge)) for bridge in bridges)


def ovs_string(value):
    """OVSDB stores map values as strings; YAML gives booleans and numbers too."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- validation ---------------------------------------------------------------------------------


def _mapping(value, path, allowed):
    if not isinstance(value, dict):
        raise InputError(path, "must be a mapping (got %r)" % (value,))
    for key in value:
        if key not in allowed:
            raise InputError(at(path, key), "unknown option", "valid options: %s" % ", ".join(allowed))
    return value


def _list(value, path):
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(path, "must be a list (got %r)" % (value,))
    return value


def _choice(value, path, choices, default):
    if value is None:
        return default
    if value not in choices:
        raise InputError(path, "must be one of %s (got %r)" % (", ".join(choices), value))
    return value


def _bool(value, path):
    if value is None or isinstance(value, bool):
        return value
    raise InputError(path, "must be true or false (got %r)" % (value,))


def _int(value, path, low, high, what):
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(path, "%s must be %d-%d (got %r)" % (what, low, high, value))
    return value


def _vlan(value, path):
    return _int(value, path, 1, 4094, "VLAN")


def _name(value, path, pattern, what):
    if value is None:
        raise InputError(path, "is required", "give the %s a name" % what)
    if not isinstance(value, str) or not pattern.match(value):
        limit = 15 if pattern is KERNEL_NAME else 255
        raise InputError(path, "must be a %s name of 1-%d letters, digits or _.:- (got %r)" % (what, limit, value))
    return value


def _string_map(value, path):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(path, "must be a mapping of names to values (got %r)" % (value,))
    result = {}
    for key, item in value.items():
        if isinstance(item, (dict, list)) or item is None:
            raise InputError(at(path, str(key)), "must be a string, number or boolean (got %r)" % (item,))
        result[str(key)] = ovs_string(item)
    return result


def _entry_name(raw, path, alias, pattern, what):
    # Ansible keeps an alias next to the option it fills, so only a conflicting pair is an error.
    if raw.get("name") is not None and raw.get(alias) not in (None, raw["name"]):
        raise InputError(at(path, alias), "is an alias of name; give only one of them")
    key = _name_key(raw, alias)
    return _name(raw.get(key), at(path, key), pattern, what)


def _name_key(raw, alias):
    """The key an error about the name should point at: the alias when the user wrote it."""
    return alias if raw.get(alias) is not None else "name"


def _vlan_settings(raw, path, fake_vlan):
    """tag, trunks and vlan_mode, with OVS' rules on which go together."""
    if fake_vlan is not None:
        for key in ("tag", "trunks", "vlan_mode"):
            if raw.get(key) not in (None, []):
                raise InputError(at(path, key), "ports of a fake bridge carry its VLAN %d" % fake_vlan,
                                 "remove %s or move the port to the parent bridge" % key)
        return fake_vlan, [], None
    tag = None if raw.get("tag") is None else _vlan(raw["tag"], at(path, "tag"))
    trunks = []
    for index, trunk in enumerate(_list(raw.get("trunks"), at(path, "trunks"))):
        trunks.append(_vlan(trunk, at(at(path, "trunks"), index)))
    mode = _choice(raw.get("vlan_mode"), at(path, "vlan_mode"), VLAN_MODES, None)
    if mode == "access" and trunks:
        raise InputError(at(path, "trunks"), "an access port carries no trunks", "remove trunks or the vlan_mode")
    if mode == "trunk" and tag is not None:
        raise InputError(at(path, "tag"), "vlan_mode trunk ignores tag",
                         "use vlan_mode native-tagged or native-untagged to keep a native VLAN")
    if mode in ("native-tagged", "native-untagged") and tag is None:
        raise InputError(at(path, "tag"), "vlan_mode %s needs the native VLAN in tag" % mode)
    return tag, sorted(set(trunks)), mode


def _port(raw, path, fake_vlan):
    _mapping(raw, path, PORT_KEYS)
    port_type = _choice(raw.get("type"), at(path, "type"), PORT_TYPES, "system")
    pattern = KERNEL_NAME if port_type in ("system", "internal") else PORT_NAME
    name = _entry_name(raw, path, "port", pattern, "port")
    state = _choice(raw.get("state"), at(path, "state"), STATES, "present")
    peer, remote_ip, key = raw.get("peer"), raw.get("remote_ip"), raw.get("key")
    if port_type == "patch":
        peer = _name(peer, at(path, "peer"), PORT_NAME, "patch peer")
        if peer == name:
            raise InputError(at(path, "peer"), "a patch port cannot be its own peer", "name the other patch port")
    elif peer is not None:
        raise InputError(at(path, "peer"), "only a patch port has a peer (type is %s)" % port_type)
    if port_type in TUNNEL_TYPES:
        remote_ip = _remote_ip(remote_ip, at(path, "remote_ip"), port_type)
        key = None if key is None else _tunnel_key(key, at(path, "key"))
    else:
        for option, value in (("remote_ip", remote_ip), ("key", key)):
            if value is not None:
                raise InputError(at(path, option), "only a vxlan, geneve or gre port takes %s (type is %s)"
                                 % (option, port_type))
    tag, trunks, mode = _vlan_settings(raw, path, fake_vlan)
    external_ids = _string_map(raw.get("external_ids"), at(path, "external_ids"))
    return Port(name=name, state=state, type=port_type, peer=peer, remote_ip=remote_ip, key=key, tag=tag,
                trunks=trunks, vlan_mode=mode, external_ids=external_ids)


def _remote_ip(value, path, port_type):
    if value is None:
        raise InputError(path, "is required for a %s port" % port_type, "give the tunnel's remote address")
    if value != "flow":
        try:
            ipaddress.ip_address(str(value))
        except ValueError:
            raise InputError(path, "must be an IPv4 or IPv6 address or 'flow' (got %r)" % (value,))
    return str(value)


def _tunnel_key(value, path):
    if value == "flow":
        return value
    return str(_int(value, path, 0, 2 ** 32 - 1, "tunnel key"))


def _bond(raw, path, fake_vlan):
    _mapping(raw, path, BOND_KEYS)
    name = _name(raw.get("name"), at(path, "name"), KERNEL_NAME, "bond")
    state = _choice(raw.get("state"), at(path, "state"), STATES, "present")
    members = []
    for index, member in enumerate(_list(raw.get("members"), at(path, "members"))):
        member_path = at(at(path, "members"), index)
        member = _name(member, member_path, KERNEL_NAME, "member interface")
        if member in members or member == name:
            raise InputError(member_path, "interface %r is listed twice in this bond" % member)
        members.append(member)
    if state == "present" and len(members) < 2:
        raise InputError(at(path, "members"), "a bond needs at least 2 member interfaces (got %d)" % len(members),
                         "use a port for a single interface")
    mode = _choice(raw.get("bond_mode"), at(path, "bond_mode"), BOND_MODES, "active-backup")
    lacp = _choice(raw.get("lacp"), at(path, "lacp"), LACP_MODES, "off")
    if mode == "balance-tcp" and lacp == "off":
        raise InputError(at(path, "lacp"), "bond_mode balance-tcp needs LACP", "set lacp to active or passive")
    tag, trunks, vlan_mode = _vlan_settings(raw, path, fake_vlan)
    return Bond(name=name, members=members, state=state, bond_mode=mode, lacp=lacp,
                lacp_time=_choice(raw.get("lacp_time"), at(path, "lacp_time"), LACP_TIMES, "slow"),
                bond_updelay=_delay(raw, path, "bond_updelay"), bond_downdelay=_delay(raw, path, "bond_downdelay"),
                tag=tag, trunks=trunks, vlan_mode=vlan_mode,
                external_ids=_string_map(raw.get("external_ids"), at(path, "external_ids")))


def _delay(raw, path, key):
    if raw.get(key) is None:
        return 0
    return _int(raw[key], at(path, key), 0, 2 ** 31 - 1, "delay in milliseconds")


def _bridge(raw, path, fake_vlan):
    name = _entry_name(raw, path, "bridge", KERNEL_NAME, "bridge")
    state = _choice(raw.get("state"), at(path, "state"), STATES, "present")
    if fake_vlan is not None:
        bridge = fake_bridge(name, raw["parent"], fake_vlan)
    else:
        bridge = Bridge(
            name=name,
            fail_mode=_choice(raw.get("fail_mode"), at(path, "fail_mode"), FAIL_MODES, "standalone"),
            datapath_type=_choice(raw.get("datapath_type"), at(path, "datapath_type"), DATAPATH_TYPES, "system"),
            stp=bool(_bool(raw.get("stp"), at(path, "stp"))),
            rstp=bool(_bool(raw.get("rstp"), at(path, "rstp"))),
            mcast_snooping=bool(_bool(raw.get("mcast_snooping"), at(path, "mcast_snooping"))),
            other_config=_string_map(raw.get("other_config"), at(path, "other_config")),
            external_ids=_string_map(raw.get("external_ids"), at(path, "external_ids")))
        if bridge.stp and bridge.rstp:
            raise InputError(at(path, "rstp"), "stp and rstp cannot both be enabled", "choose one of them")
    bridge.state = state
    bridge.ports = [_port(item, at(at(path, "ports"), index), fake_vlan)
                    for index, item in enumerate(_list(raw.get("ports"), at(path, "ports")))]
    bridge.bonds = [_bond(item, at(at(path, "bonds"), index), fake_vlan)
                    for index, item in enumerate(_list(raw.get("bonds"), at(path, "bonds")))]
    bridge.mirrors = [_mirror(item, at(at(path, "mirrors"), index))
                      for index, item in enumerate(_list(raw.get("mirrors"), at(path, "mirrors")))]
    return bridge


def _mirror(raw, path):
    _mapping(raw, path, MIRROR_KEYS)
    name = _name(raw.get("name"), at(path, "name"), PORT_NAME, "mirror")
    state = _choice(raw.get("state"), at(path, "state"), STATES, "present")
    selected = {}
    for key in ("select_src_port", "select_dst_port"):
        # Input order until _check_mirrors has named positions in errors; sorted there.
        selected[key] = []
        for index, item in enumerate(_list(raw.get(key), at(path, key))):
            item = _name(item, at(at(path, key), index), PORT_NAME, "port")
            if item in selected[key]:
                raise InputError(at(at(path, key), index), "port %r is listed twice" % item)
            selected[key].append(item)
    vlans = [_vlan(item, at(at(path, "select_vlan"), index))
             for index, item in enumerate(_list(raw.get("select_vlan"), at(path, "select_vlan")))]
    output_port = raw.get("output_port")
    output_vlan = raw.get("output_vlan")
    mirror = Mirror(name=name, state=state, select_all=bool(_bool(raw.get("select_all"), at(path, "select_all"))),
                    select_vlan=sorted(set(vlans)), **selected)
    if state == "absent":
        return mirror
    if output_port is not None and output_vlan is not None:
        raise InputError(at(path, "output_vlan"), "a mirror has one output", "give output_port or output_vlan")
    if output_port is None and output_vlan is None:
        raise InputError(at(path, "output_port"), "is required (or output_vlan)",
                         "name the port that receives the mirrored packets")
    if output_port is not None:
        mirror.output_port = _name(output_port, at(path, "output_port"), PORT_NAME, "port")
        if mirror.output_port in mirror.select_src_port + mirror.select_dst_port:
            raise InputError(at(path, "output_port"), "port %r is also selected" % mirror.output_port,
                             "Open vSwitch ignores what arrives on the output port; select other ports")
    else:
        mirror.output_vlan = _vlan(output_vlan, at(path, "output_vlan"))
    if not (mirror.select_all or mirror.select_src_port or mirror.select_dst_port or mirror.select_vlan):
        raise InputError(at(path, "select_all"), "the mirror selects no packets",
                         "set select_all, select_src_port, select_dst_port or select_vlan")
    return mirror


def _fake_vlan(raw, path, raws):
    """The VLAN of a fake bridge, None for a real one; the parent must be a real bridge of the input."""
    parent, vlan = raw.get("parent"), raw.get("vlan")
    if parent is None and vlan is None:
        return None
    if parent is None:
        raise InputError(at(path, "parent"), "a bridge with a vlan is a fake bridge and needs its parent bridge")
    if vlan is None:
        raise InputError(at(path, "vlan"), "a fake bridge needs the VLAN 1-4094 it carries")
    vlan = _vlan(vlan, at(path, "vlan"))
    real = dict((item.get("name") or item.get("bridge"), item) for item in raws if isinstance(item, dict))
    if parent not in real:
        raise InputError(at(path, "parent"), "bridge %r is not in this list" % (parent,), "list the parent bridge too")
    if real[parent].get("parent") is not None:
        raise InputError(at(path, "parent"), "%r is itself a fake bridge" % (parent,), "use a real bridge as parent")
    for key in BRIDGE_KEYS:
        if key not in FAKE_BRIDGE_KEYS and raw.get(key) not in (None, {}, []):
            raise InputError(at(path, key), "a fake bridge takes no %s" % key, "set it on the parent bridge")
    return vlan


def parse_bridges(raws, path="bridges", port_lists=None, port_lists_path="ports"):
    """Validate the whole input and return Bridge objects; raises InputError before anything changes.

    port_lists is the older role's shape, per bridge a list of ports; see _join_port_lists."""
    if not isinstance(raws, list):
        raise InputError(path, "must be a list of bridges (got %s)" % type(raws).__name__)
    bridges, seen, owners, placed = [], {}, {}, []
    for index, raw in enumerate(raws):
        bridge_path = at(path, index)
        _mapping(raw, bridge_path, BRIDGE_KEYS)
        bridge = _bridge(raw, bridge_path, _fake_vlan(raw, bridge_path, raws))
        name_path = at(bridge_path, _name_key(raw, "bridge"))
        if bridge.name in seen:
            raise InputError(name_path, "bridge %r is already at %s" % (bridge.name, seen[bridge.name]),
                             "list each bridge once")
        seen[bridge.name] = bridge_path
        owners[bridge.name] = name_path
        bridges.append(bridge)
        placed += _placed(bridge, bridge.ports, raw.get("ports"), at(bridge_path, "ports"), "port")
        placed += _placed(bridge, bridge.bonds, raw.get("bonds"), at(bridge_path, "bonds"), "name")
    placed += _join_port_lists(port_lists, port_lists_path, bridges, owners)
    _check_names(owners, placed)
    _check_fake_vlans(bridges, placed)
    _check_mirrors(bridges, path)
    return bridges


# A parsed port or bond with the input paths of its entry and of its name, for checks across bridges.
_Placed = namedtuple("_Placed", "bridge item path name_path")


def _placed(bridge, items, raws, path, alias):
    return [_Placed(bridge, item, at(path, position), at(at(path, position), _name_key(raw, alias)))
            for position, (item, raw) in enumerate(zip(items, raws or []))]


def _join_port_lists(raws, path, bridges, owners):
    """Append each port list to the bridge it names, as the older role did: after that bridge's own
    ports, or to a new bridge with default settings (added to bridges and owners) when no bridge has
    that name. Returns the added ports with their paths."""
    by_name = dict((bridge.name, bridge) for bridge in bridges)
    placed = []
    for index, raw in enumerate(_list(raws, path)):
        entry_path = at(path, index)
        _mapping(raw, entry_path, PORT_LIST_KEYS)
        if raw.get("bridge") is None:
            raise InputError(at(entry_path, "bridge"), "is required", "name the bridge these ports belong to")
        name = _name(raw["bridge"], at(entry_path, "bridge"), KERNEL_NAME, "bridge")
        bridge = by_name.get(name)
        if bridge is None:
            bridge = by_name[name] = Bridge(name=name)
            bridges.append(bridge)
            owners[name] = at(entry_path, "bridge")
        ports_path = at(entry_path, "ports")
        raw_ports = _list(raw.get("ports"), ports_path)
        ports = [_port(item, at(ports_path, position), bridge.vlan if bridge.fake else None)
                 for position, item in enumerate(raw_ports)]
        bridge.ports += ports
        placed += _placed(bridge, ports, raw_ports, ports_path, "port")
    return placed


def _check_names(owners, placed):
    """Every port, bond and bond member name is used once across the whole switch; owners holds the
    bridge names with their paths."""
    owners = dict(owners)
    for entry in placed:
        names = [(entry.item.name, entry.name_path)]
        names += [(member, at(at(entry.path, "members"), number))
                  for number, member in enumerate(getattr(entry.item, "members", []))]
        for name, name_path in names:
            if name in owners:
                raise InputError(name_path, "%r is already used at %s" % (name, owners[name]),
                                 "a port or interface belongs to one bridge and one port only")
            owners[name] = name_path


def _check_fake_vlans(bridges, placed):
    """A tagged port on a parent with a fake bridge on the same VLAN would belong to that fake bridge."""
    fakes = dict(((bridge.parent, bridge.vlan), bridge.name) for bridge in bridges if bridge.fake)
    for entry in placed:
        fake = fakes.get((entry.bridge.name, entry.item.tag))
        if not entry.bridge.fake and fake is not None:
            raise InputError(at(entry.path, "tag"), "VLAN %d is the VLAN of fake bridge %r" % (entry.item.tag, fake),
                             "list the port under the fake bridge instead")


def _check_mirrors(bridges, path):
    """A mirror names each mirror once per bridge and only ports of its bridge or of that bridge's fake bridges."""
    for index, bridge in enumerate(bridges):
        mirrors_path = at(at(path, index), "mirrors")
        ports = set(item.name for other in bridges if bridge.name in (other.name, other.parent)
                    and other.state == "present" for item in other.members() if item.state == "present")
        seen = {}
        for position, mirror in enumerate(bridge.mirrors):
            mirror_path = at(mirrors_path, position)
            if mirror.name in seen:
                raise InputError(at(mirror_path, "name"), "mirror %r is already at %s"
                                 % (mirror.name, seen[mirror.name]), "list each mirror once")
            seen[mirror.name] = mirror_path
            if mirror.state == "absent":
                continue
            named = [(name, at(at(mirror_path, key), number)) for key in ("select_src_port", "select_dst_port")
                     for number, name in enumerate(getattr(mirror, key))]
            if mirror.output_port is not None:
                named.append((mirror.output_port, at(mirror_path, "output_port")))
            for name, name_path in named:
                if name not in ports:
                    raise InputError(name_path, "%r is not a present port or bond of bridge %r" % (name, bridge.name),
                                     "list the port under this bridge (or one of its fake bridges)")
            mirror.select_src_port.sort()
            mirror.select_dst_port.sort()
