# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dataclass model of Debian ifupdown stanzas (interfaces(5) plus the bonding, bridge, vlan
and openvswitch-switch extensions). Plain Python: no Ansible imports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Optional

HOOK_KEYWORDS = ("pre-up", "up", "post-up", "pre-down", "down", "post-down")
START_MODES = ("auto", "hotplug", "none")


@dataclass
class Route:
    to: str
    via: str
    metric: Optional[int] = None

    @property
    def family(self):
        return "inet6" if ipaddress.ip_address(self.via).version == 6 else "inet"


@dataclass
class Interface:
    """A plain interface; also the base of every other kind."""

    name: str
    method: Optional[str] = "manual"  # None: no inet stanza (an inet6-only interface)
    method6: Optional[str] = None
    start: str = "auto"
    addresses: list[str] = field(default_factory=list)
    gateway: Optional[str] = None
    gateway6: Optional[str] = None
    routes: list[Route] = field(default_factory=list)
    mtu: Optional[int] = None
    hwaddress: Optional[str] = None
    dns_nameservers: list[str] = field(default_factory=list)
    dns_search: list[str] = field(default_factory=list)
    hooks: list[tuple[str, str]] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    comment: Optional[str] = None
    bond_master: Optional[str] = None

    def lowers(self):
        """Names this stanza needs up before it can come up itself."""
        return []

    def same_config(self, other):
        """Equality that ignores the comment: a comment change never needs a bounce."""
        return type(self) is type(other) and replace(self, comment=None) == replace(other, comment=None)


@dataclass
class Bond(Interface):
    slaves: list[str] = field(default_factory=list)
    mode: Optional[str] = None
    miimon: Optional[int] = None
    lacp_rate: Optional[str] = None
    xmit_hash_policy: Optional[str] = None
    primary: Optional[str] = None
    updelay: Optional[int] = None
    downdelay: Optional[int] = None

    def lowers(self):
        return list(self.slaves)


@dataclass
class Bridge(Interface):
    ports: list[str] = field(default_factory=list)
    stp: Optional[bool] = None
    fd: Optional[int] = None
    maxwait: Optional[int] = None
    vlan_aware: Optional[bool] = None
    vids: list[str] = field(default_factory=list)

    def lowers(self):
        return list(self.ports)


@dataclass
class Vlan(Interface):
    raw_device: Optional[str] = None

    def lowers(self):
        return [self.raw_device] if self.raw_device else []


@dataclass
class OvsBridge(Interface):
    ports: list[str] = field(default_factory=list)
    ovs_options: list[str] = field(default_factory=list)
    ovs_extra: list[str] = field(default_factory=list)

    ovs_type = "OVSBridge"


@dataclass
class OvsBond(Interface):
    bridge: Optional[str] = None
    slaves: list[str] = field(default_factory=list)
    bond_mode: Optional[str] = None
    lacp: Optional[str] = None
    ovs_options: list[str] = field(default_factory=list)
    ovs_extra: list[str] = field(default_factory=list)

    ovs_type = "OVSBond"

    def lowers(self):
        # The openvswitch ifupdown scripts add a port to an existing bridge, so the bridge
        # counts as a lower device of its ports, as do the bond's physical members.
        return ([self.bridge] if self.bridge else []) + list(self.slaves)


@dataclass
class OvsIntPort(Interface):
    bridge: Optional[str] = None
    tag: Optional[int] = None
    ovs_options: list[str] = field(default_factory=list)
    ovs_extra: list[str] = field(default_factory=list)

    ovs_type = "OVSIntPort"

    def lowers(self):
        return [self.bridge] if self.bridge else []


@dataclass
class OvsPort(OvsIntPort):
    ovs_type = "OVSPort"


OVS_KINDS = (OvsBridge, OvsBond, OvsIntPort, OvsPort)


# Typed attributes per kind, in rendering order: (attribute, option keyword, codec).
KIND_OPTIONS = {
    Interface: (("bond_master", "bond-master", "str"),),
    Bond: (
        ("slaves", "bond-slaves", "list-none"),
        ("mode", "bond-mode", "str"),
        ("miimon", "bond-miimon", "int"),
        ("lacp_rate", "bond-lacp-rate", "str"),
        ("xmit_hash_policy", "bond-xmit-hash-policy", "str"),
        ("primary", "bond-primary", "str"),
        ("updelay", "bond-updelay", "int"),
        ("downdelay", "bond-downdelay", "int"),
    ),
    Bridge: (
        ("ports", "bridge-ports", "list-none"),
        ("stp", "bridge-stp", "onoff"),
        ("fd", "bridge-fd", "int"),
        ("maxwait", "bridge-maxwait", "int"),
        ("vlan_aware", "bridge-vlan-aware", "yesno"),
        ("vids", "bridge-vids", "list"),
    ),
    Vlan: (("raw_device", "vlan-raw-device", "str"),),
    OvsBridge: (("ports", "ovs_ports", "list"),),
    OvsBond: (("bridge", "ovs_bridge", "str"), ("slaves", "ovs_bonds", "list")),
    OvsIntPort: (("bridge", "ovs_bridge", "str"),),
    OvsPort: (("bridge", "ovs_bridge", "str"),),
}

# ovs_options tokens that map to typed attributes: (attribute, token key, codec).
OVS_OPTION_FIELDS = {
    OvsBond: (("bond_mode", "bond_mode", "str"), ("lacp", "lacp", "str")),
    OvsIntPort: (("tag", "tag", "int"),),
    OvsPort: (("tag", "tag", "int"),),
    OvsBridge: (),
}


def vlan_id_from_name(name):
    """VLAN id encoded in a name the vlan package understands ('eth0.100', 'vlan100'), else None."""
    if "." in name:
        tail = name.rsplit(".", 1)[1]
    elif name.startswith("vlan"):
        tail = name[4:]
    else:
        return None
    return int(tail) if tail.isdigit() else None


def raw_device_from_name(name):
    """Raw device encoded in a dotted VLAN name ('bond0.10' -> 'bond0'), else None."""
    if "." in name and vlan_id_from_name(name) is not None:
        return name.rsplit(".", 1)[0]
    return None


def address_family(cidr):
    return "inet6" if ipaddress.ip_interface(cidr).version == 6 else "inet"
