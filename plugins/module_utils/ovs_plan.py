# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff the current switch against the desired one into ovs-vsctl sub-commands for one transaction.

Sub-commands come in three phases so that names are free before they are reused: removals
(del-br, del-port, del-bond-iface, mirrors leaving a bridge), additions (add-br, add-port, add-bond,
add-bond-iface), then settings (set, remove, mirrors created). ovs-vsctl applies the whole list atomically.

One exception splits the run into two transactions (removals first): a tunnel that takes the type, remote_ip and
key another tunnel gives up in the same run. Open vSwitch before 3.4 creates the new tunnel before it releases the
old one's identity and refuses it ("File exists"); see Planner.transactions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import (
    TUNNEL_TYPES,
    Bond,
    Bridge,
    Port,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import MANAGED_OPTIONS

BARE_ATOM = re.compile(r"^[A-Za-z0-9_./-]+$")


def quote(value):
    """ovs-vsctl parses keys and values itself: anything beyond a bare word goes in double quotes."""
    value = str(value)
    return value if BARE_ATOM.match(value) else json.dumps(value)


def vlan_set(values):
    return "[%s]" % ",".join(str(value) for value in values)


def transaction(commands):
    """Join sub-commands into the argument list of one ovs-vsctl call ([] when there is nothing to do)."""
    args = []
    for command in commands:
        args += ["--"] + list(command)
    return args


class Planner:
    """Builds the sub-command list; one instance per plan."""

    def __init__(self, current, desired, purge):
        self.current = current
        self.desired = desired
        self.purge = purge
        self.removals, self.additions, self.settings = [], [], []
        self.gone_bridges, self.gone_ports = set(), set()
        # ovs-vsctl record ids (@name) of the ports and mirrors this transaction refers to.
        self.port_ids, self.mirror_count = {}, 0
        # Tunnel identities ovs-vswitchd releases and creates in this run, and the tunnels changed in place that
        # release one (their Interface settings then go with the removals).
        self.released, self.claimed, self.releasing = set(), set(), set()
        # Where each port and each interface lives now: name -> (bridge, Port or Bond).
        self.where = {}
        self.holder = {}
        for bridge in current.values():
            for item in bridge.members():
                self.where[item.name] = (bridge, item)
                for member in getattr(item, "members", [item.name]):
                    self.holder[member] = item.name
        self.wanted = {}
        for bridge in desired:
            if bridge.state == "present":
                for item in bridge.members():
                    if item.state == "present":
                        self.wanted[item.name] = (bridge, item)

    def plan(self):
        for bridge in self.desired:
            self._remove_bridge(bridge)
        for bridge in self.desired:
            if bridge.state == "present":
                self._remove_ports(bridge)
        for bridge in sorted((b for b in self.desired if b.state == "present"), key=lambda b: b.fake):
            self._add_bridge(bridge)
        for bridge in self.desired:
            if bridge.state == "present":
                for item in bridge.members():
                    if item.state == "present":
                        self._converge_item(bridge, item)
        # Last, when every port that goes away is known: a mirror of such a port is rebuilt.
        for bridge in self.desired:
            if bridge.state == "present" and not bridge.fake:
                self._converge_mirrors(bridge)
        return self.removals + self.additions + self.settings

    def transactions(self):
        """The sub-commands as one transaction, or as two when a tunnel created in this run takes the identity of
        one this run deletes or changes: ovs-vswitchd of Open vSwitch 3.1 (fixed in 3.4) creates the new tunnel
        before it lets the old one go and refuses it with "File exists", so the removals (and the releasing
        tunnels' new settings) are applied first. Every other run stays one transaction."""
        commands = self.plan()
        for name in self.gone_ports:
            now = self.where.get(name, (None, None))[1]
            if isinstance(now, Port) and now.type in TUNNEL_TYPES:
                self.released.add(tunnel_identity(now))
        if not commands or not self.released & self.claimed:
            return [commands] if commands else []
        first = self.removals + [command for command in self.settings if _interface_of(command) in self.releasing]
        return [first, [command for command in commands if command not in first]]

    # -- removals -------------------------------------------------------------------------------

    def _exists(self, name):
        return name in self.current and name not in self.gone_bridges

    def _drop_bridge(self, name):
        """del-br also takes the bridge's ports and, for a real bridge, its fake bridges."""
        self.removals.append(["del-br", name])
        for bridge in self.current.values():
            if bridge.name == name or bridge.parent == name:
                self.gone_bridges.add(bridge.name)
                self.gone_ports.update(item.name for item in bridge.members())

    def _remove_bridge(self, bridge):
        if not self._exists(bridge.name):
            return
        now = self.current[bridge.name]
        if bridge.state == "absent" or (now.parent, now.vlan) != (bridge.parent, bridge.vlan):
            self._drop_bridge(bridge.name)

    def _drop_port(self, name):
        if name not in self.gone_ports:
            self.removals.append(["del-port", name])
            self.gone_ports.add(name)

    def _remove_ports(self, bridge):
        listed = set()
        for item in bridge.members():
            listed.add(item.name)
            if item.name not in self.where:
                continue
            now_bridge, now = self.where[item.name]
            if item.state == "absent" or now_bridge.name != bridge.name or type(now) is not type(item):
                self._drop_port(item.name)
            elif isinstance(item, Bond) and not set(now.members) & set(item.members):
                # ovs-vsctl refuses to empty a bond, so a bond that keeps no member is rebuilt.
                self._drop_port(item.name)
        if self.purge and self._exists(bridge.name):
            for item in self.current[bridge.name].members():
                if item.name not in listed:
                    self._drop_port(item.name)

    def _free(self, name, keeper):
        """Release an interface name held by a port other than `keeper`, so it can be added elsewhere."""
        owner = self.holder.get(name)
        if owner is None or owner == keeper or owner in self.gone_ports:
            return
        wanted = self.wanted.get(owner)
        if wanted and isinstance(wanted[1], Bond):
            # A bond that stays converges its own members; its del-bond-iface frees the name.
            return
        self._drop_port(owner)

    # -- additions and settings ------------------------------------------------------------------

    def _add_bridge(self, bridge):
        if self._exists(bridge.name):
            now = self.current[bridge.name]
        else:
            if bridge.fake:
                self.additions.append(["add-br", bridge.name, bridge.parent, str(bridge.vlan)])
            else:
                self.additions.append(["add-br", bridge.name])
            now = Bridge(name=bridge.name, parent=bridge.parent, vlan=bridge.vlan)
        if not bridge.fake:
            self._set("Bridge", bridge.name, bridge_changes(now, bridge))

    def _converge_item(self, bridge, item):
        now = None
        if item.name in self.where and item.name not in self.gone_ports:
            now = self.where[item.name][1]
        if isinstance(item, Bond):
            self._converge_bond(bridge, item, now)
        else:
            self._converge_port(bridge, item, now)

    def _converge_port(self, bridge, port, now):
        if now is None:
            self._free(port.name, port.name)
            self.additions.append(["add-port", bridge.name, port.name])
            now = Port(name=port.name, tag=bridge.vlan)
        self._note_tunnel(now, port)
        self._set("Interface", port.name, interface_changes(now, port))
        self._set("Port", port.name, vlan_changes(now, port))
        for option in MANAGED_OPTIONS:
            if getattr(now, option) is not None and getattr(port, option) is None:
                self.settings.append(["remove", "Interface", port.name, "options", option])

    def _note_tunnel(self, now, port):
        """A new tunnel or a changed type creates a tunnel in ovs-vswitchd; a tunnel whose identity changes in
        place releases its old one (ovs-vswitchd reconfigures it, but only after creating the new ones)."""
        if port.type in TUNNEL_TYPES and now.type != port.type:
            self.claimed.add(tunnel_identity(port))
        if now.type in TUNNEL_TYPES and tunnel_identity(now) != tunnel_identity(port):
            self.released.add(tunnel_identity(now))
            self.releasing.add(port.name)

    def _converge_bond(self, bridge, bond, now):
        if now is None:
            for member in [bond.name] + bond.members:
                self._free(member, bond.name)
            self.additions.append(["add-bond", bridge.name, bond.name] + bond.members)
            now = Bond(name=bond.name, members=list(bond.members), tag=bridge.vlan)
        for member in now.members:
            if member not in bond.members:
                self.removals.append(["del-bond-iface", bond.name, member])
        for member in bond.members:
            if member not in now.members:
                self._free(member, bond.name)
                self.additions.append(["add-bond-iface", bond.name, member])
        self._set("Port", bond.name, vlan_changes(now, bond) + bond_changes(now, bond))

    def _converge_mirrors(self, bridge):
        now = {}
        listed = set(mirror.name for mirror in bridge.mirrors)
        for mirror in self.current[bridge.name].mirrors if self._exists(bridge.name) else []:
            if mirror.name in now or (self.purge and mirror.name not in listed):
                self.removals.append(["remove", "Bridge", bridge.name, "mirrors", mirror.uuid])
            else:
                now[mirror.name] = mirror
        for mirror in bridge.mirrors:
            old = now.get(mirror.name)
            if old is not None and (mirror.state == "absent" or old != mirror or old.ports() & self.gone_ports):
                self.removals.append(["remove", "Bridge", bridge.name, "mirrors", old.uuid])
            elif old is not None:
                continue
            if mirror.state == "present":
                self._create_mirror(bridge, mirror)

    def _port_id(self, name):
        if name not in self.port_ids:
            self.port_ids[name] = "@p%d" % len(self.port_ids)
            self.settings.append(["--id=%s" % self.port_ids[name], "get", "Port", name])
        return self.port_ids[name]

    def _create_mirror(self, bridge, mirror):
        columns = ["name=%s" % quote(mirror.name)]
        if mirror.select_all:
            columns.append("select_all=true")
        for column in ("select_src_port", "select_dst_port"):
            if getattr(mirror, column):
                columns.append("%s=[%s]" % (column, ",".join(self._port_id(name) for name in getattr(mirror, column))))
        if mirror.select_vlan:
            columns.append("select_vlan=%s" % vlan_set(mirror.select_vlan))
        if mirror.output_port is not None:
            columns.append("output_port=%s" % self._port_id(mirror.output_port))
        else:
            columns.append("output_vlan=%d" % mirror.output_vlan)
        record = "@m%d" % self.mirror_count
        self.mirror_count += 1
        self.settings.append(["--id=%s" % record, "create", "Mirror"] + columns)
        self.settings.append(["add", "Bridge", bridge.name, "mirrors", record])

    def _set(self, table, name, assignments):
        if assignments:
            self.settings.append(["set", table, name] + assignments)


def tunnel_identity(port):
    """What ovs-vswitchd tells tunnels apart by, of what this module manages: no key is key 0."""
    if port.type not in TUNNEL_TYPES:
        return None
    return (port.type, port.remote_ip, port.key or "0")


def _interface_of(command):
    """The interface a set or remove of the Interface table is about, else None."""
    return command[2] if command[0] in ("set", "remove") and command[1] == "Interface" else None


def _map_changes(column, now, want):
    """Only the keys the user lists are managed; OVS and other tools keep their own keys."""
    return [
        "%s:%s=%s" % (column, quote(key), quote(value)) for key, value in sorted(want.items()) if now.get(key) != value
    ]


def _flag(value):
    return "true" if value else "false"


def bridge_changes(now, want):
    changes = []
    for column, attr in (("fail_mode", "fail_mode"), ("datapath_type", "datapath_type")):
        if getattr(now, attr) != getattr(want, attr):
            changes.append("%s=%s" % (column, getattr(want, attr)))
    for column, attr in (("stp_enable", "stp"), ("rstp_enable", "rstp"), ("mcast_snooping_enable", "mcast_snooping")):
        if bool(getattr(now, attr)) != getattr(want, attr):
            changes.append("%s=%s" % (column, _flag(getattr(want, attr))))
    return (
        changes
        + _map_changes("other_config", now.other_config, want.other_config)
        + _map_changes("external_ids", now.external_ids, want.external_ids)
    )


def vlan_changes(now, want):
    changes = []
    if now.tag != want.tag:
        changes.append("tag=%s" % ("[]" if want.tag is None else want.tag))
    if now.trunks != want.trunks:
        changes.append("trunks=%s" % vlan_set(want.trunks))
    if now.vlan_mode != want.vlan_mode:
        changes.append("vlan_mode=%s" % (want.vlan_mode or "[]"))
    return changes + _map_changes("external_ids", now.external_ids, want.external_ids)


def interface_changes(now, want):
    changes = []
    if now.type != want.type:
        changes.append("type=%s" % ('""' if want.type == "system" else want.type))
    if want.type == "patch" or want.type in TUNNEL_TYPES:
        for option in MANAGED_OPTIONS:
            value = getattr(want, option)
            if value is not None and getattr(now, option) != value:
                changes.append("options:%s=%s" % (option, quote(value)))
    return changes


def bond_changes(now, want):
    changes = []
    for column in ("bond_mode", "lacp", "bond_updelay", "bond_downdelay"):
        if getattr(now, column) != getattr(want, column):
            changes.append("%s=%s" % (column, getattr(want, column)))
    if now.lacp_time != want.lacp_time:
        changes.append("other_config:lacp-time=%s" % want.lacp_time)
    return changes


def plan(current, desired, purge=False):
    """Sub-commands turning `current` (bridges by name) into `desired` (list of Bridge); [] if converged."""
    return Planner(current, desired, purge).plan()


def plan_transactions(current, desired, purge=False):
    """The same sub-commands as plan(), as the list of transactions to run in order: [] if converged, one
    transaction but for the tunnel exception (Planner.transactions)."""
    return Planner(current, desired, purge).transactions()
