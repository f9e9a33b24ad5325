# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interfaces ovs-vswitchd refused: OVSDB takes any row, ovs-vswitchd then fails to create some (a tunnel with the
settings of another, a bad option) and says why in the Interface's `error` column, with ofport -1.

What the run does with them:
- a declared interface refused fails the run, naming its input path and OVS's message, whether or not this run
  changed it (a second run must not report a refused port as converged);
- a declared system interface (port or bond member) whose device does not exist is a warning: Open vSwitch keeps
  the port and attaches the device when it appears (a NIC whose driver loads later, a veth made by another service);
- an interface the input does not declare that is refused is a warning: this run did not ask for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, at

# ovs-vswitchd's words for a system device that is not there (ENODEV).
MISSING_DEVICE = "No such device"


def interface_paths(raws, path, port_lists=None, port_lists_path="ports"):
    """Interface name -> input path of its port entry or bond member, from the input parse_bridges accepted."""
    found = {}

    def note(items, items_path, name_keys):
        for index, item in enumerate(items or []):
            name = next((item[key] for key in name_keys if key in item), None)
            found.setdefault(str(name), at(items_path, index))

    for index, raw in enumerate(raws or []):
        bridge_path = at(path, index)
        note(raw.get("ports"), at(bridge_path, "ports"), ("name", "port"))
        for bond_index, bond in enumerate(raw.get("bonds") or []):
            note(
                [{"name": member} for member in bond.get("members") or []],
                at(at(at(bridge_path, "bonds"), bond_index), "members"),
                ("name",),
            )
    for index, raw in enumerate(port_lists or []):
        note(raw.get("ports"), at(at(port_lists_path, index), "ports"), ("name", "port"))
    return found


def declared(desired):
    """Interface name -> 'system' for ports of type system and bond members, else the port's type; absent ones
    and those of absent bridges are left out."""
    found = {}
    for bridge in desired:
        if bridge.state != "present":
            continue
        for port in bridge.ports:
            if port.state == "present":
                found[port.name] = port.type
        for bond in bridge.bonds:
            if bond.state == "present":
                found.update((member, "system") for member in bond.members)
    return found


def _reason(error, ofport):
    return error or "ovs-vswitchd gave it no OpenFlow port (ofport %s)" % ofport


def _hint(kind, error):
    if "File exists" in (error or "") and kind in ("vxlan", "geneve", "gre"):
        return (
            "another tunnel on this host has the same type, remote_ip and key: give this one another key or "
            "remote_ip, or delete the other one (purge, or state: absent)"
        )
    return "fix the entry and run again; ovs-vswitchd's log has the details"


def judge(status, desired, paths, applied):
    """Raise HostError for the declared interfaces ovs-vswitchd refused; return warnings for the rest.

    status is ovs_state.parse_status's answer, paths interface_paths's; applied lists the transactions this run
    applied (argv lists), reported as done."""
    kinds = declared(desired)
    refused, warnings, strangers = [], [], []
    for name, (_type, error, ofport) in sorted(status.items()):
        if not error and ofport != -1:
            continue
        kind = kinds.get(name)
        if kind is None:
            strangers.append("%s (%s)" % (name, _reason(error, ofport)))
        elif kind == "system" and MISSING_DEVICE in (error or ""):
            warnings.append(
                "%s: interface %s has no device on this host yet; Open vSwitch attaches it when it appears"
                % (paths.get(name, name), name)
            )
        else:
            refused.append(
                "%s: ovs-vswitchd refused interface %s: %s (%s)"
                % (paths.get(name, name), name, _reason(error, ofport), _hint(kind, error))
            )
    if strangers:
        warnings.append("interfaces the input does not declare that ovs-vswitchd refused: %s" % "; ".join(strangers))
    if refused:
        if applied:
            done = "this run's %s applied, the database holds these interfaces" % (
                "transaction was" if len(applied) == 1 else "%d transactions were" % len(applied)
            )
        else:
            done = "this run changed nothing, the database already held these interfaces"
        raise HostError("; ".join(refused) + "; " + done, done=[" ".join(argv) for argv in applied])
    return warnings
