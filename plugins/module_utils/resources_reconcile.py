# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's virtual networks, storage pools and VMs in one call (libvirt_resources, the kvm role).

Every list is validated before anything changes; then networks, pools and VMs converge in that
order, since VMs plug into the networks and keep their disks in the pools. One process and one
connection per URI instead of three module runs: Ansible's cost per module run is most of a no-op's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field
from typing import List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils import (
    domain_reconcile, network_reconcile, storage_pool_reconcile)
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import normalise_vms
from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import read_networks
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import parse_pools

KINDS = ("networks", "pools", "vms")


@dataclass
class Kind:
    """One kind's list and settings, as the module options give them."""

    items: list
    uri: str = "qemu:///system"
    input_name: str = ""
    purge: bool = False
    restart_on_change: bool = False


@dataclass
class Request:
    networks: Optional[Kind] = None
    pools: Optional[Kind] = None
    vms: Optional[Kind] = None
    declared_bridges: List[str] = field(default_factory=list)
    inventory_hostname: Optional[str] = None
    shutdown_timeout: int = 120


class Connections:
    """One libvirt connection per URI, opened on first use."""

    def __init__(self, opener=network_reconcile.open_connection):
        self.opener = opener
        self.open = {}

    def __call__(self, uri):
        if uri not in self.open:
            self.open[uri] = self.opener(uri)
        return self.open[uri]

    def close(self):
        for conn in self.open.values():
            conn.close()
        self.open = {}


def _present(names_states):
    return sorted(name for name, state in names_states if state != "absent")


def validate(request, connect, sysfs="/sys"):
    """Check all three lists (reads only); returns the network and pool names the VMs may use."""
    networks, pools = [], []
    if request.networks is not None:
        desired = read_networks(request.networks.items, request.networks.input_name, request.declared_bridges,
                                lambda name: network_reconcile.interface_exists(name, sysfs))
        network_reconcile.check_sriov(desired, sysfs)
        networks = _present((want.network.name, want.state) for want in desired)
    if request.pools is not None:
        specs = parse_pools(request.pools.items, request.pools.input_name)
        pools = _present((spec.pool.name, spec.state) for spec in specs)
    if request.vms is not None:
        ctx = domain_reconcile.host_context(connect(request.vms.uri), request.inventory_hostname)
        ctx.networks |= set(networks)
        ctx.pools |= set(pools)
        normalise_vms(request.vms.items, request.vms.input_name, ctx)
    return networks, pools


def converge(request, connect, check_mode=False, sysfs="/sys"):
    """validate -> (networks, pools, VMs: read, plan, apply, verify); returns the module's result.

    A failure in a later kind raises a HostError whose `done` also lists what the earlier kinds changed."""
    networks, pools = validate(request, connect, sysfs)
    result = {"changed": False, "restart_required": {}, "diff": [], "warnings": []}
    done = []

    def step(kind, run):
        try:
            part = run(getattr(request, kind))
        except EssentialsError as exc:
            raise HostError(exc.message, done + list(getattr(exc, "done", [])))
        result["changed"] = result["changed"] or part["changed"]
        result[kind] = part[kind]
        result["restart_required"][kind] = part["restart_required"]
        result["diff"].extend(part.get("diff", []))
        result["warnings"].extend(part.get("warnings", []))
        done.extend("%s: %s" % (item["name"], ", ".join(item["actions"]))
                    for item in part[kind] if item["actions"] and not check_mode)
        return part

    if request.networks is not None:
        part = step("networks", lambda kind: network_reconcile.result(network_reconcile.converge(
            connect(kind.uri), kind.items, kind.input_name, kind.purge, kind.restart_on_change,
            request.declared_bridges, check_mode, sysfs)))
        result["live_updates"] = part["live_updates"]
    if request.pools is not None:
        step("pools", lambda kind: storage_pool_reconcile.reconcile(
            connect(kind.uri), parse_pools(kind.items, kind.input_name), kind.purge, kind.restart_on_change,
            check_mode))
    if request.vms is not None:
        part = step("vms", lambda kind: domain_reconcile.converge(
            connect(kind.uri), kind.items, kind.input_name, request.inventory_hostname, kind.purge, check_mode,
            kind.restart_on_change, request.shutdown_timeout, networks, pools))
        # A non-empty "skipped" would make Ansible report the whole task as skipped and hide its changes.
        result["other_hosts"] = part["skipped"]
    return result
