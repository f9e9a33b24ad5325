# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What holds across ifupdown_interfaces items: every member or port is on the host or declared and belongs to one
master, each bond has members and its primary among them, a VLAN's raw device exists, an OVS port sits on a
declared OVS bridge that lists it, and bond members repeat their bond's primary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_model
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at


def primary_on_members(desired):
    """ifenslave applies bond-primary when a member is enslaved, reading the member's own stanza:
    members declared with bond_master repeat their bond's primary."""
    primaries = dict((i.name, i.primary) for i in desired.items if isinstance(i, ifupdown_model.Bond) and i.primary)
    for item in desired.items:
        primary = primaries.get(item.bond_master)
        if primary and ("bond-primary", primary) not in item.options:
            item.options.append(("bond-primary", primary))


def _member_refs(desired):
    """(member name, master name, input path, whether it must be an OVS port stanza)."""
    for item in desired.items:
        path = desired.paths[item.name]
        if isinstance(item, (ifupdown_model.Bond, ifupdown_model.OvsBond)):
            key = "slaves" if isinstance(item, ifupdown_model.Bond) else "ports"
            for i, member in enumerate(item.slaves):
                yield member, item.name, at(at(path, key), i), False
        if isinstance(item, (ifupdown_model.Bridge, ifupdown_model.OvsBridge)):
            for i, member in enumerate(item.ports):
                yield member, item.name, at(at(path, "ports"), i), isinstance(item, ifupdown_model.OvsBridge)
        if item.bond_master:
            yield item.name, item.bond_master, at(path, "bond_master"), False


def check_members(desired, host):
    by_name = dict((i.name, i) for i in desired.items)
    for item in desired.items:
        if item.bond_master and not isinstance(by_name.get(item.bond_master), ifupdown_model.Bond):
            raise InputError(
                at(desired.paths[item.name], "bond_master"), "%r is not declared in network_bonds" % item.bond_master
            )
    owners = {}
    for member, master, path, ovs_port in _member_refs(desired):
        if member not in host and member not in by_name:
            raise InputError(
                path,
                "%r is neither an interface on the host nor declared" % member,
                "host interfaces: %s" % (", ".join(sorted(host)) or "none"),
            )
        if ovs_port and not isinstance(by_name.get(member), (ifupdown_model.OvsBond, ifupdown_model.OvsIntPort)):
            raise InputError(
                path,
                "%r must be declared in ovs_bonds or ovs_interfaces" % member,
                "declare a physical NIC in ovs_interfaces with type OVSPort",
            )
        if owners.get(member, (master,))[0] != master:
            raise InputError(
                path,
                "%r is already a member of %s (%s)" % (member, owners[member][0], owners[member][1]),
                "an interface can belong to one bond or bridge only",
            )
        owners.setdefault(member, (master, path))
    _check_masters(desired, by_name, owners, host)


def _check_masters(desired, by_name, owners, host):
    for item in desired.items:
        path = desired.paths[item.name]
        if isinstance(item, ifupdown_model.Bond):
            members = [m for m, (master, _path) in owners.items() if master == item.name]
            if not members:
                raise InputError(
                    at(path, "slaves"),
                    "bond %r has no members" % item.name,
                    "list slaves, or set bond_master on its interfaces",
                )
            if item.primary and item.primary not in members:
                raise InputError(at(path, "primary"), "%r is not a member of %s" % (item.primary, item.name))
        if isinstance(item, ifupdown_model.Bridge) and item.vids and not item.vlan_aware:
            raise InputError(at(path, "vids"), "needs vlan_aware: true")
        if isinstance(item, ifupdown_model.OvsBond) and len(item.slaves) < 2:
            raise InputError(at(path, "ports"), "an OVS bond needs at least two member interfaces")
        if isinstance(item, ifupdown_model.Vlan) and item.raw_device not in by_name and item.raw_device not in host:
            raise InputError(
                at(path, "vlan_device"),
                "%r is neither an interface on the host nor declared" % item.raw_device,
                "host interfaces: %s" % (", ".join(sorted(host)) or "none"),
            )
        if isinstance(item, (ifupdown_model.OvsBond, ifupdown_model.OvsIntPort)):
            bridge = by_name.get(item.bridge)
            if not isinstance(bridge, ifupdown_model.OvsBridge):
                raise InputError(at(path, "bridge"), "%r is not declared in ovs_bridges" % item.bridge)
            if item.name not in bridge.ports:
                raise InputError(
                    at(path, "bridge"),
                    "%s does not list %r in its ports" % (item.bridge, item.name),
                    "add it to %s.ports" % desired.paths[item.bridge],
                )
