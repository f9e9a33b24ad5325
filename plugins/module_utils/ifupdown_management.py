# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The management connection guard of ifupdown_interfaces.

It finds the interfaces that carry the connection Ansible runs over (the address sshd answers on, from
SSH_CONNECTION, and the device of the route back to the controller), adds the devices under them down to the
NICs (bond members, bridge ports, a VLAN's raw device, an OVS internal port's bridge and its uplinks), and
refuses, before anything changes, a change that would remove, enslave, re-address or bounce one of them. The
rollback timer stays behind it as the safety net for what the guard cannot see.

Pure functions over the plan and the host's state (`ip -j addr`, `ip -j route get`), and one reader of that
state (`management_refusal`'s caller passes the runner)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
from dataclasses import fields

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import plan_files
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_fields import SECTIONS
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    Bond,
    Bridge,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    OvsPort,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_paths import check_paths
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import make_plan

SWITCH = "set config_interfaces_allow_management_change: true (allow_management_change of the module) to allow it"
LISTED = "listed in management_interfaces"
# Model attributes -> the item keys a user writes them with, most likely first.
KEYS = {
    "addresses": ("address", "addresses", "netmask", "netmask_cidr"),
    "hooks": ("pre_up", "up", "post_up", "pre_down", "down", "post_down"),
    "options": ("parameters",),
    "raw_device": ("vlan_device",),
    "slaves": ("slaves", "ports"),
    "ovs_options": ("options",),
    "bond_mode": ("bond_mode", "options"),
    "lacp": ("lacp", "options"),
    "tag": ("tag", "options"),
}
# What re-addresses an interface; the addresses come first, as the key most likely written.
ADDRESSING = ("addresses", "method", "method6", "gateway", "gateway6")


# ------------------------------------------------------------------------------------------- the host's state


def parse_ssh_connection(value):
    """(controller address, local address) from SSH_CONNECTION ("client port local port"), or None."""
    words = (value or "").split()
    if len(words) != 4:
        return None
    try:
        return tuple(str(ipaddress.ip_address(word.split("%")[0])) for word in (words[0], words[2]))
    except ValueError:
        return None


def _proc_environ(proc, pid):
    try:
        with open(os.path.join(proc, str(pid), "environ"), "rb") as handle:
            entries = handle.read().split(b"\0")
    except OSError:
        return {}
    return dict(e.decode("utf-8", "replace").split("=", 1) for e in entries if b"=" in e)


def _parent(proc, pid):
    try:
        with open(os.path.join(proc, str(pid), "status")) as handle:
            for line in handle:
                if line.startswith("PPid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def ssh_connection(environ, proc="/proc", pid=None):
    """The SSH connection this module runs under, from its own SSH_CONNECTION or its nearest ancestor's: become
    (sudo, su) starts the module with a clean environment, but the shell sshd started above it keeps it."""
    value = environ.get("SSH_CONNECTION")
    pid = os.getpid() if pid is None else pid
    for _depth in range(64):
        if value:
            return parse_ssh_connection(value)
        pid = _parent(proc, pid)
        if pid <= 1:
            return None
        value = _proc_environ(proc, pid).get("SSH_CONNECTION")
    return None


def connection_interfaces(local, links, route):
    """Names holding the local address of the connection, and the device of the route back to the controller.
    None when no interface here holds that address: the connection ends in another network namespace or host
    (a jump host, a container), so nothing here carries it."""
    holders = [
        link.get("ifname") for link in links if any(info.get("local") == local for info in link.get("addr_info") or ())
    ]
    if not holders:
        return None
    devices = [entry.get("dev") for entry in route if entry.get("dev")]
    return list(dict.fromkeys(holders + devices))


def lower_map(links, items):
    """name -> the devices whose loss cuts it: from the kernel (a bond's members and a bridge's ports name it
    as their master, a VLAN names its raw device as its link) and from the stanzas on the host, which also
    say what the kernel hides: Open vSwitch ports all name ovs-system as their master."""
    lowers = {}

    def add(upper, lower):
        if upper and lower and upper != lower:
            lowers.setdefault(upper, set()).add(lower)

    for link in links:
        if link.get("master") != "ovs-system":
            add(link.get("master"), link.get("ifname"))
        add(link.get("ifname"), link.get("link"))
    kinds = dict((item.name, type(item)) for item in items)
    for item in items:
        if isinstance(item, OvsBridge):
            # The uplinks carry the bridge's traffic; a sibling internal port does not.
            for port in item.ports:
                if kinds.get(port) is not OvsIntPort:
                    add(item.name, port)
        elif isinstance(item, OvsBond):
            for member in item.slaves:
                add(item.name, member)
        elif isinstance(item, OvsIntPort) and not isinstance(item, OvsPort):  # OvsPort is an OvsIntPort too
            add(item.name, item.bridge)
        elif not isinstance(item, OvsPort):
            for lower in item.lowers():
                add(item.name, lower)
            add(item.bond_master, item.name)
    return lowers


def protected_interfaces(roots, lowers):
    """name -> the root it carries the connection of, for every root and every device under it."""
    found = {}
    for root in roots:
        frontier = [root]
        while frontier:
            name = frontier.pop()
            if name not in found:
                found[name] = root
                frontier.extend(sorted(lowers.get(name, ())))
    return found


# ------------------------------------------------------------------------------------------------ the refusal


def memberships(items, paths):
    """(member, master, input path) of every member an item takes: bond slaves, bridge and OVS bridge ports,
    bond_master, an OVS port's bridge. The path is None for stanzas not declared in this run."""
    for item in items:
        path = paths.get(item.name)
        if isinstance(item, (Bond, OvsBond, Bridge, OvsBridge)):
            key = "slaves" if isinstance(item, Bond) else "ports"
            members = item.slaves if isinstance(item, (Bond, OvsBond)) else item.ports
            for index, member in enumerate(members):
                yield member, item.name, path and at(at(path, key), index)
        if item.bond_master:
            yield item.name, item.bond_master, path and at(path, "bond_master")
        if isinstance(item, (OvsIntPort, OvsBond)) and item.bridge:
            yield item.name, item.bridge, path and at(path, "bridge")


def _key(path, spec, attr):
    for key in KEYS.get(attr, (attr,)) + ("parameters",):
        if key in (spec or {}):
            return at(path, key)
    return path


def _addressing(item):
    words = [item.method or "no inet"] + (["+ inet6 " + item.method6] if item.method6 else [])
    return " ".join(words + list(item.addresses))


def _changed(old, new):
    if type(old) is not type(new):
        return ["kind"]
    return [f.name for f in fields(new) if f.name != "comment" and getattr(old, f.name) != getattr(new, f.name)]


class Guard:
    """The protected names, why each one is, and the refusal of a planned change that touches one."""

    def __init__(self, protected, why, links):
        self.protected = protected
        self.why = why
        self.kernel_masters = dict((link.get("ifname"), link.get("master")) for link in links)

    def _carries(self, name):
        root = self.protected[name]
        reason = self.why[root]
        return "%s carries the management connection (%s)" % (name, reason if root == name else reason + " on " + root)

    def _refuse(self, path, name, what):
        return InputError(path, "%s: %s; %s" % (self._carries(name), what, SWITCH))

    def check(self, plan, old_items, new_items, desired, specs, bounce=True):
        """Raise InputError naming the path the user wrote for the first change that touches a protected
        interface: its stanza removed, it taken as a member, its stanza changed, or it bounced."""
        old = dict((item.name, item) for item in old_items)
        new = dict((item.name, item) for item in new_items)
        for name in plan.removed:
            if name in self.protected:
                off = [path for path, spec in specs.items() if isinstance(spec, dict) and spec.get("name") == name]
                where = at(off[0], "configure") if off else "purge"
                raise self._refuse(where, name, "the change removes its stanza and takes it down")
        current = set((m, master) for m, master, _path in memberships(old_items, {}))
        for member, master, path in memberships(desired.items, desired.paths):
            if member in self.protected and self.kernel_masters.get(member) != master:
                if (member, master) not in current:
                    raise self._refuse(path, member, "making it a member of %s takes its link and addresses" % master)
        for name in new:
            if name not in self.protected or name not in desired.paths:
                continue
            path, spec = desired.paths[name], specs.get(desired.paths[name])
            if name not in old:
                raise self._refuse(path, name, "a new stanza for it brings it down and up")
            changed = _changed(old[name], new[name])
            readdressed = [attr for attr in ADDRESSING if attr in changed]
            if readdressed:
                what = "the change re-addresses it (%s -> %s)" % (_addressing(old[name]), _addressing(new[name]))
                raise self._refuse(_key(path, spec, readdressed[0]), name, what)
            if changed:
                what = "changing its %s brings it down and up" % ", ".join(changed)
                raise self._refuse(_key(path, spec, changed[0]), name, what)
        for name in plan.downs + plan.ups if bounce else ():
            if name in self.protected:
                touched = [n for n in plan.added + plan.changed + plan.removed if n in desired.paths]
                path = desired.paths.get(name) or (desired.paths[touched[0]] if touched else None)
                raise self._refuse(path, name, "the change brings it down and up with %s" % ", ".join(touched))


def section_specs(params, sections):
    """input path -> the item as written, for the sections of the module's input."""
    specs = {}
    for section in sections:
        for index, spec in enumerate(params.get(section) or []):
            specs[at(section, index)] = spec
    return specs


def read_links(runner):
    """The host's links with their addresses (`ip -j addr`), or None when ip cannot tell."""
    rc, out, _err = runner(["ip", "-j", "addr", "show"])
    try:
        links = json.loads(out) if rc == 0 else None
    except ValueError:
        return None
    return links if isinstance(links, list) else None


def route_to(runner, address):
    rc, out, _err = runner(["ip", "-j", "route", "get", address])
    try:
        route = json.loads(out) if rc == 0 else []
    except ValueError:
        return []
    return route if isinstance(route, list) else []


def management_guard(listed, old_items, runner, environ, proc="/proc"):
    """The Guard for this run and the warnings about what it could not see; None when nothing is protected.
    The listed names (management_interfaces) are protected whatever the connection is."""
    why = dict((name, LISTED) for name in listed)
    warnings = []
    connection = ssh_connection(environ, proc)
    links = read_links(runner) if connection or listed else []
    if links is None:
        warnings.append("`ip -j addr` gave no answer: the management connection is not guarded")
        links = []
    if connection and links:
        client, local = connection
        for name in connection_interfaces(local, links, route_to(runner, client)) or ():
            why.setdefault(name, "SSH from %s" % client)
    if not why:
        return None, warnings
    protected = protected_interfaces(list(why), lower_map(links, old_items))
    return Guard(protected, why, links), warnings


def check_management(params, host_interfaces, runner, warn, environ=None, proc="/proc"):
    """The module's one call before it converges: refuse a change to the management interfaces unless
    allow_management_change is set. Plans the change as converge will, without touching anything."""
    listed = checks.list_of(checks.ifname)(params.get("management_interfaces"), "management_interfaces")
    if params.get("allow_management_change") or params.get("confirm") or params.get("report"):
        return
    # Planning reads dest and interfaces_file: a directory there is refused first, naming the option (the read-side
    # checks; converge checks the write side).
    check_paths(params, True)
    files = [params["dest"], params["interfaces_file"]] + [params.get(k, False) for k in ("manage_main_file", "purge")]
    desired, _changes, old_items, new_items = plan_files(params, host_interfaces, *files)
    guard, warnings = management_guard(listed, old_items, runner, os.environ if environ is None else environ, proc)
    for warning in warnings:
        warn(warning)
    if guard:
        plan = make_plan(old_items, new_items, desired.frozen)
        specs = section_specs(params, [section for section, _kind, _keys in SECTIONS])
        guard.check(plan, old_items, new_items, desired, specs, params.get("bounce", True))
