# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired and current Open vSwitch state as dataclasses; ovs_validate reads the user's input into them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import asdict, dataclass, field
from typing import Optional

STATES = ("present", "absent")
FAIL_MODES = ("standalone", "secure")
DATAPATH_TYPES = ("system", "netdev")
VLAN_MODES = ("access", "trunk", "native-tagged", "native-untagged")
PORT_TYPES = ("system", "internal", "patch", "vxlan", "geneve", "gre")
TUNNEL_TYPES = ("vxlan", "geneve", "gre")
LACP_TIMES = ("fast", "slow")


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
    trunks: list[int] = field(default_factory=list)
    vlan_mode: Optional[str] = None
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Bond:
    """A port bonding several interfaces."""

    name: str
    members: list[str] = field(default_factory=list)
    state: str = "present"
    bond_mode: str = "active-backup"
    lacp: str = "off"
    lacp_time: str = "slow"
    bond_updelay: int = 0
    bond_downdelay: int = 0
    tag: Optional[int] = None
    trunks: list[int] = field(default_factory=list)
    vlan_mode: Optional[str] = None
    external_ids: dict[str, str] = field(default_factory=dict)


# What a mirror selects and where it sends it: the input keys and the OVSDB Mirror columns of the same name.
MIRROR_SELECTION = ("select_all", "select_src_port", "select_dst_port", "select_vlan", "output_port", "output_vlan")


@dataclass
class Mirror:
    """A port mirror of a real bridge; ports are named, OVSDB links them by UUID."""

    name: str
    state: str = "present"
    select_all: bool = False
    select_src_port: list[str] = field(default_factory=list)
    select_dst_port: list[str] = field(default_factory=list)
    select_vlan: list[int] = field(default_factory=list)
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
    other_config: dict[str, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    ports: list[Port] = field(default_factory=list)
    bonds: list[Bond] = field(default_factory=list)
    mirrors: list[Mirror] = field(default_factory=list)

    @property
    def fake(self):
        return self.parent is not None

    def members(self):
        """Ports, then bonds."""
        return list(self.ports) + list(self.bonds)


def fake_bridge(name, parent, vlan):
    return Bridge(
        name=name,
        parent=parent,
        vlan=vlan,
        fail_mode=None,
        datapath_type=None,
        stp=None,
        rstp=None,
        mcast_snooping=None,
    )


def to_dict(bridges):
    """Plain data for module results, keyed by bridge name."""
    return dict((bridge.name, asdict(bridge)) for bridge in bridges)


def ovs_string(value):
    """OVSDB stores map values as strings; YAML gives booleans and numbers too."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
