# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What --diff shows: the switch as sorted YAML-like lines, and for a check run the switch the plan would
leave (a real run shows what it read back instead)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from dataclasses import asdict, replace

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bond, Bridge, fake_bridge, ovs_string

BRIDGE_SETTINGS = ("fail_mode", "datapath_type", "stp", "rstp", "mcast_snooping")
# Not part of the configuration: a read switch has only present rows, and a mirror's row id changes when it is
# replaced.
HIDDEN = ("name", "state", "uuid")


def to_text(bridges):
    """Bridges by name as text: one setting a line, keys and named entries sorted, unset settings left out."""
    lines = []
    for name in sorted(bridges):
        lines.append("%s:" % name)
        _lines(asdict(bridges[name]), "  ", lines)
    return "".join(line + "\n" for line in lines)


def _lines(data, pad, lines):
    for key in sorted(data):
        value = data[key]
        if key in HIDDEN or value is None or value == [] or value == {}:
            continue
        if isinstance(value, dict):
            lines.append("%s%s:" % (pad, key))
            lines += ["%s  %s: %s" % (pad, item, ovs_string(value[item])) for item in sorted(value)]
        elif isinstance(value[0] if isinstance(value, list) else None, dict):
            lines.append("%s%s:" % (pad, key))
            for entry in sorted(value, key=lambda entry: entry["name"]):
                lines.append("%s  - name: %s" % (pad, entry["name"]))
                _lines(entry, pad + "    ", lines)
        elif isinstance(value, list):
            lines.append("%s%s: [%s]" % (pad, key, ", ".join(ovs_string(item) for item in value)))
        else:
            lines.append("%s%s: %s" % (pad, key, ovs_string(value)))


def predict(current, desired, purge=False):
    """The bridges by name that plan(current, desired, purge) leaves: the same rules, applied to the model."""
    after = copy.deepcopy(current)
    present = [bridge for bridge in desired if bridge.state == "present"]
    stays = set(item.name for bridge in present for item in bridge.bonds if item.state == "present")
    for bridge in desired:
        now = after.get(bridge.name)
        if now is not None and (bridge.state == "absent" or (now.parent, now.vlan) != (bridge.parent, bridge.vlan)):
            # del-br also takes the ports and, for a real bridge, its fake bridges.
            for other in list(after.values()):
                if bridge.name in (other.name, other.parent):
                    del after[other.name]
    for bridge in present:
        for item in bridge.members():
            if item.state == "absent":
                _take(after, item.name)
        if purge and bridge.name in after:
            listed = set(item.name for item in bridge.members())
            now = after[bridge.name]
            now.ports = [item for item in now.ports if item.name in listed]
            now.bonds = [item for item in now.bonds if item.name in listed]
    for bridge in sorted(present, key=lambda bridge: bridge.fake):
        if bridge.name not in after:
            after[bridge.name] = (
                fake_bridge(bridge.name, bridge.parent, bridge.vlan) if bridge.fake else Bridge(name=bridge.name)
            )
        now = after[bridge.name]
        if not bridge.fake:
            for setting in BRIDGE_SETTINGS:
                setattr(now, setting, getattr(bridge, setting))
            # Only the listed keys are managed; the others stay.
            now.other_config = dict(now.other_config, **bridge.other_config)
            now.external_ids = dict(now.external_ids, **bridge.external_ids)
    for bridge in present:
        for item in bridge.members():
            if item.state == "present":
                _place(after, after[bridge.name], item, stays)
    for bridge in present:
        if not bridge.fake:
            _mirrors(after[bridge.name], bridge, purge)
    for bridge in after.values():
        bridge.ports.sort(key=lambda item: item.name)
        bridge.bonds.sort(key=lambda item: item.name)
    return after


def _take(after, name):
    """Remove the port or bond `name` wherever it is; returns it with its bridge, or (None, None)."""
    for bridge in after.values():
        for item in bridge.members():
            if item.name == name:
                if isinstance(item, Bond):
                    bridge.bonds.remove(item)
                else:
                    bridge.ports.remove(item)
                return item, bridge
    return None, None


def _place(after, bridge, item, stays):
    old, old_bridge = _take(after, item.name)
    # The interfaces it takes from other ports: a port's own, a bond's members (and a port named like the bond).
    for name in [item.name] + list(getattr(item, "members", [])):
        for other in [other for where in after.values() for other in where.members()]:
            if name in getattr(other, "members", [other.name]):
                if other.name in stays:
                    # A bond that stays gives the interface up and keeps the rest of its members.
                    other.members = [member for member in other.members if member != name]
                else:
                    _take(after, other.name)
    external_ids = dict(item.external_ids)
    # The same row stays when the item keeps its bridge and kind (and a bond keeps a member); else it is new.
    if (
        old is not None
        and old_bridge is bridge
        and type(old) is type(item)
        and (not isinstance(item, Bond) or set(old.members) & set(item.members))
    ):
        external_ids = dict(old.external_ids, **item.external_ids)
    placed = replace(item, external_ids=external_ids)
    (bridge.bonds if isinstance(item, Bond) else bridge.ports).append(placed)


def _mirrors(now, bridge, purge):
    listed = set(mirror.name for mirror in bridge.mirrors)
    kept = [mirror for mirror in now.mirrors if mirror.name not in listed and not purge]
    now.mirrors = sorted(
        kept + [mirror for mirror in bridge.mirrors if mirror.state == "present"], key=lambda mirror: mirror.name
    )
