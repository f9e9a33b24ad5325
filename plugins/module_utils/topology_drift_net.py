# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift of the host's networking for the fleet report: the openvswitch role's and the config_interfaces role's
check-mode plans (ovs_validate + ovs_apply's read + ovs_plan + ovs_diff.predict; ifupdown_apply.plan_files +
ifupdown_plan.make_plan), each change mapped to the report node of the bridge, port or link it touches.

Only reads: no ovs-vsctl transaction, no ifquery run, no file written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
from dataclasses import replace

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import plan_files
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import OvsBond, OvsBridge, OvsIntPort
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_parse import parse
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import make_plan
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_diff import predict, to_text
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_plan import plan
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from ansible_collections.essentials.kvm.plugins.module_utils.topology_drift import drift_object, unified

OVS_LISTS = ("openvswitch_bridges", "openvswitch_ports")
IFUPDOWN_LISTS = (
    "network_interfaces",
    "network_bonds",
    "network_bridges",
    "network_vlans",
    "ovs_bonds",
    "ovs_bridges",
    "ovs_interfaces",
)


# -- Open vSwitch ---------------------------------------------------------------------------------------------


def _bare(bridge, members=()):
    """The bridge alone, or only these members of it: to_text then prints the lines of one object of the
    module's diff (a member's under its bridge's name, without the bridge's settings)."""
    if not members:
        return {bridge.name: replace(bridge, ports=[], bonds=[])}
    return {
        bridge.name: replace(
            bridge,
            fail_mode=None,
            datapath_type=None,
            stp=None,
            rstp=None,
            mcast_snooping=None,
            other_config={},
            external_ids={},
            mirrors=[],
            ports=[m for m in members if m in bridge.ports],
            bonds=[m for m in members if m in bridge.bonds],
        )
    }


def _text(bridges, name, member=None):
    bridge = bridges.get(name)
    if bridge is None:
        return ""
    if member is None:
        return to_text(_bare(bridge))
    found = [item for item in bridge.members() if item.name == member]
    return to_text(_bare(bridge, found)) if found else ""


def _status(before, after):
    return "missing" if not before else "extra" if not after else "different"


def ovs_objects(before, after, commands):
    """Objects whose part of the switch text differs between the read switch and the one the plan leaves;
    each with the sub-commands that name it (a bridge's: those naming none of its members)."""
    found = []
    for name in sorted(set(before) | set(after)):
        bridge = after.get(name) or before.get(name)
        real = bridge.parent or bridge.name
        node = "ovs:%s/%s" % (real, name) if bridge.parent else "ovs:" + name
        members = set(item.name for side in (before, after) if name in side for item in side[name].members())
        old, new = _text(before, name), _text(after, name)
        if old != new:
            mine = [" ".join(c) for c in commands if name in c and not members & set(c)]
            found.append(
                drift_object(
                    node,
                    "ovs-bridge" if not bridge.parent else "ovs-port",
                    name,
                    _status(old, new),
                    "openvswitch_bridges",
                    mine,
                    unified(old, new, "openvswitch %s" % name),
                )
            )
        for member in sorted(members):
            old, new = _text(before, name, member), _text(after, name, member)
            if old != new:
                found.append(
                    drift_object(
                        "ovs:%s/%s" % (real, member),
                        "ovs-port",
                        member,
                        _status(old, new),
                        "openvswitch_bridges",
                        [" ".join(c) for c in commands if member in c],
                        unified(old, new, "openvswitch %s/%s" % (name, member)),
                    )
                )
    return found


def ovs_drift(declared, run, vsctl="ovs-vsctl", db=None):
    """(objects, warnings, ovs-vsctl command) the openvswitch role's module would run, from its own plan."""
    purge = bool(declared.get("openvswitch_purge"))
    desired = parse_bridges(
        declared.get("openvswitch_bridges") or [],
        "openvswitch_bridges",
        declared.get("openvswitch_ports") or [],
        "openvswitch_ports",
    )
    switch = Vsctl(run, vsctl, db)
    try:
        before = switch.read()
    except OSError:
        raise HostError("Open vSwitch is not installed (no %s), but openvswitch_bridges declares bridges" % vsctl)
    commands = plan(before, desired, purge)
    if not commands:
        return [], [], []
    return ovs_objects(before, predict(before, desired, purge), commands), [], switch.argv(commands)


# -- ifupdown (config_interfaces) ---------------------------------------------------------------------------


def node_of(item):
    """The report node of an ifupdown stanza: an OVS bridge or port, or a kernel link."""
    if isinstance(item, OvsBridge):
        return "ovs:" + item.name, "ovs-bridge"
    if isinstance(item, (OvsBond, OvsIntPort)) and item.bridge:
        return "ovs:%s/%s" % (item.bridge, item.name), "ovs-port"
    return "link:" + item.name, "link"


def stanza_text(text, name):
    """The lines of one interface's stanzas (with its start lines and comment) in an ifupdown file."""
    return "".join(
        line
        for block in parse(text or "").blocks
        if block.kind == "group" and block.name == name
        for line in block.lines
    )


def _addresses(addresses):
    return "".join("address %s\n" % address for address in addresses)


def address_objects(items, links, planned):
    """Declared addresses missing from their running link (removed by hand, or lost), for stanzas the file plan
    leaves alone (`planned` holds the nodes it already marks). The role compares files only, so its check run
    shows nothing and a converge does not put them back: such an object has no action, and a warning says what
    does. Addresses on the link that no stanza declares are left alone (DHCP, failover addresses)."""
    running = dict((link["name"], link.get("addresses") or []) for link in links)
    found, warnings = [], []
    for item in items:
        node, kind = node_of(item)
        if node in planned or item.name not in running or not item.addresses:
            continue
        have = set(ipaddress.ip_interface(address) for address in running[item.name])
        lost = [address for address in item.addresses if ipaddress.ip_interface(address) not in have]
        if not lost:
            continue
        header = "%s (running addresses)" % item.name
        found.append(
            drift_object(
                node,
                kind,
                item.name,
                "different",
                "config_interfaces",
                [],
                unified(_addresses(running[item.name]), _addresses(running[item.name] + lost), header),
            )
        )
        warnings.append(
            "%s lacks its declared address %s: config_interfaces changes only the interfaces files, which match, so "
            "it does not restore it; `ifdown %s; ifup %s` does" % (item.name, ", ".join(lost), item.name, item.name)
        )
    return found, warnings


def ifupdown_drift(declared, host_interfaces=None, links=()):
    """(objects, warnings, ifdown/ifup steps) of the config_interfaces role's check run: per stanza added, removed
    (purge) or changed, with its lines of the file diff; a main file that would gain its `source` line is an object
    of its own (`file:<path>`). With the running `links` (the facts' links), also the declared addresses missing
    from them (address_objects)."""
    dest = declared.get("config_interfaces_dest") or "/etc/network/interfaces.d/essentials-kvm"
    main = declared.get("config_interfaces_file") or "/etc/network/interfaces"
    if host_interfaces is None:
        host_interfaces = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    config = dict((key, declared.get(key) or []) for key in IFUPDOWN_LISTS)
    desired, changes, old_items, new_items = plan_files(
        config,
        host_interfaces,
        dest,
        main,
        bool(declared.get("config_interfaces_manage_main_file")),
        bool(declared.get("config_interfaces_purge")),
    )
    target = changes[0]
    steps = make_plan(old_items, new_items, desired.frozen)
    items = dict((item.name, item) for item in list(old_items) + list(new_items))
    found = []
    for status, names in (("missing", steps.added), ("extra", steps.removed), ("different", steps.changed)):
        for name in names:
            node, kind = node_of(items[name])
            found.append(
                drift_object(
                    node,
                    kind,
                    name,
                    status,
                    "config_interfaces",
                    ["%s %s" % step for step in steps.steps if step[1] == name],
                    unified(stanza_text(target.before, name), stanza_text(target.after, name), target.path),
                )
            )
    for change in changes[1:]:
        if change.changed:
            found.append(
                drift_object(
                    "file:" + change.path,
                    "file",
                    change.path,
                    "different",
                    "config_interfaces",
                    [],
                    unified(change.before, change.after, change.path),
                )
            )
    lost, warnings = address_objects(desired.items, links, set(item["id"] for item in found))
    return found + lost, warnings, ["%s %s" % step for step in steps.steps]
