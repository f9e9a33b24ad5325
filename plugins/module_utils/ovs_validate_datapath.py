# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks across the bridges for what OVSDB stores but ovs-vswitchd refuses or dies on: two tunnels it cannot tell
apart, patch ports that never join, and RSTP at both ends of a patch pair. ovs_validate runs them on the parsed
switch, so such an input is refused before any change, naming both entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import TUNNEL_TYPES


def tunnel_identity(port_type, remote_ip, key):
    """What ovs-vswitchd tells the tunnels of one datapath apart by (ofproto/tunnel.c's tnl_match), as far as this
    module sets it: the type (one datapath port per type), the remote address as an address (10.0.0.1 is
    ::ffff:10.0.0.1), and the key, where no key is key 0."""
    if remote_ip != "flow":
        address = ipaddress.ip_address(remote_ip)
        remote_ip = str(getattr(address, "ipv4_mapped", None) or address)
    return port_type, remote_ip, "0" if key is None else key


def check_datapath(bridges, placed):
    """placed: ports and bonds with their bridge and input paths (ovs_validate's _Placed), in input order."""
    by_name = dict((bridge.name, bridge) for bridge in bridges)
    ports = [
        entry
        for entry in placed
        if entry.bridge.state == "present" and entry.item.state == "present" and not hasattr(entry.item, "members")
    ]

    def switch_of(entry):
        """The real bridge: a fake bridge's ports live on its parent."""
        return by_name.get(entry.bridge.parent, entry.bridge) if entry.bridge.fake else entry.bridge

    _check_tunnels(ports, switch_of)
    _check_patch_pairs(ports, switch_of)


def _check_tunnels(ports, switch_of):
    seen = {}
    for entry in ports:
        port = entry.item
        if port.type not in TUNNEL_TYPES:
            continue
        identity = (switch_of(entry).datapath_type,) + tunnel_identity(port.type, port.remote_ip, port.key)
        if identity in seen:
            fail(
                entry.path,
                "a %s tunnel to %s with key %s is already at %s"
                % (port.type, port.remote_ip, identity[3], seen[identity]),
                "Open vSwitch tells the tunnels of a datapath apart by type, remote_ip and key (no key is key 0) and "
                "refuses the second one: give it another remote_ip or key",
            )
        seen[identity] = entry.path


def _check_patch_pairs(ports, switch_of):
    """A patch port joins its peer only when the peer, if this input lists it, names it back from a bridge of the same
    datapath type; and ovs-vswitchd before 3.1.5 aborts when RSTP runs at both ends."""
    by_name = dict((entry.item.name, entry) for entry in ports)
    done = set()
    for entry in ports:
        port = entry.item
        done.add(port.name)
        other = by_name.get(port.peer)
        if port.type != "patch" or other is None:
            continue
        peer_path = at(entry.path, "peer")
        if other.item.type != "patch" or other.item.peer != port.name:
            fail(
                peer_path,
                "%r at %s is not a patch port with peer %r" % (port.peer, other.path, port.name),
                "Open vSwitch joins two patch ports only when each names the other as its peer",
            )
        if port.peer not in done:
            continue  # the pair is checked at its second port, naming the first
        here, there = switch_of(entry), switch_of(other)
        if here.datapath_type != there.datapath_type:
            fail(
                peer_path,
                "patch port %r at %s is on a bridge of datapath_type %s, this one on %s"
                % (port.peer, other.path, there.datapath_type, here.datapath_type),
                "Open vSwitch joins patch ports of one datapath type only: give both bridges the same datapath_type",
            )
        if here.rstp and there.rstp:
            fail(
                peer_path,
                "patch port %r at %s joins bridge %r to %r and both run rstp"
                % (port.peer, other.path, here.name, there.name),
                "ovs-vswitchd before 3.1.5 (Debian 12 has 3.1.0) aborts on RSTP at both ends of a patch pair: "
                "enable rstp on one bridge only, or use stp",
            )
