# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks the whole desired network configuration (in the shape of the older
ansible-config-interfaces role) and turns it into model objects. Nothing on the host is
read or changed here: the host's interface names are passed in.

Each item is read by ifupdown_item.py (on the keys of ifupdown_fields.py); what holds across items is checked by
ifupdown_members.py and, for default gateways, ifupdown_addresses.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_addresses import check_gateways
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_fields import SECTIONS, setting
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_item import read_item
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_members import check_members, primary_on_members
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import Interface
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import (
    dependency_map,
    find_cycle,
    lower_first,
)


@dataclass
class Desired:
    """Validated items in dependency order, the names never to bounce, and where each came from."""

    items: list[Interface] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)
    paths: dict = field(default_factory=dict)


def build_desired(config, host_interfaces):
    """Validate every section of `config` and return a Desired. Raises InputError naming the
    first wrong field; no partial result is ever returned."""
    desired = Desired()
    host = set(host_interfaces)
    for section, cls, extra in SECTIONS:
        entries = checks.listing(config.get(section), section)
        for index, spec in enumerate(entries):
            if not isinstance(spec, dict):
                raise InputError(at(section, index), "must be a dict with at least a name (got %r)" % (spec,))
            if not checks.boolean(setting(spec, "configure", True), at(at(section, index), "configure")):
                continue
            item = read_item(section, index, spec, cls, extra)
            path = at(section, index)
            if item.name in desired.paths:
                raise InputError(
                    at(path, "name"), "%r is already declared at %s" % (item.name, desired.paths[item.name])
                )
            desired.paths[item.name] = path
            desired.items.append(item)
            if not checks.boolean(setting(spec, "enable", True), at(path, "enable")):
                desired.frozen.append(item.name)
    check_members(desired, host)
    check_gateways(desired.items, desired.paths)
    primary_on_members(desired)
    deps = dependency_map(desired.items)
    cycle = find_cycle(deps)
    if cycle:
        raise InputError(
            desired.paths[cycle[0]],
            "dependency cycle: %s" % " -> ".join(reversed(cycle)),
            "a device cannot sit on top of itself",
        )
    order = lower_first([i.name for i in desired.items], deps)
    by_name = dict((i.name, i) for i in desired.items)
    desired.items = [by_name[n] for n in order]
    return desired
