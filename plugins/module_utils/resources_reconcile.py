# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's virtual networks, storage pools and VMs in one call (libvirt_resources, the kvm role).

Every list is validated before anything changes; then networks and pools converge side by side
(they share nothing), and VMs after both, since VMs plug into the networks and keep their disks in
the pools. One process and one connection per URI instead of three module runs: Ansible's cost per
module run is most of a no-op's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils import (
    domain_reconcile, network_reconcile, storage_pool_reconcile)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import open_connection
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools


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
    """One libvirt connection per URI, opened on first use; `with Connections() as connect:` closes them all."""

    def __init__(self, opener=open_connection):
        self.opener = opener
        self.open = {}

    def __call__(self, uri):
        if uri not in self.open:
            self.open[uri] = self.opener(uri)
        return self.open[uri]

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def close(self):
        for conn in self.open.values():
            conn.close()
        self.open = {}


def _present(names_states):
    return sorted(name for name, state in names_states if state != "absent")


@dataclass
class Validated:
    """The three lists as the per-kind converge steps take them (None: that kind is left alone)."""

    networks: Optional[list] = None
    pools: Optional[list] = None
    vms: Optional[list] = None
    pending_pools: set = field(default_factory=set)


def validate(request, connect, sysfs="/sys"):
    """Check all three lists before anything changes (reads only). VMs may use the networks and pools
    listed here: they count as present."""
    found = Validated()
    networks, pools = [], []
    if request.networks is not None:
        found.networks = network_reconcile.validate(request.networks.items, request.networks.input_name,
                                                    request.declared_bridges, sysfs)
        networks = _present((want.network.name, want.state) for want in found.networks)
    if request.pools is not None:
        found.pools = parse_pools(request.pools.items, request.pools.input_name)
        pools = _present((spec.pool.name, spec.state) for spec in found.pools)
    if request.vms is not None:
        found.vms, found.pending_pools = domain_reconcile.validate(
            connect(request.vms.uri), request.vms.items, request.vms.input_name, request.inventory_hostname,
            networks, pools)
    return found


def _part(run):
    """One kind's converge step: (its result, None) or (None, the EssentialsError it raised)."""
    try:
        return run(), None
    except EssentialsError as exc:
        return None, exc


def converge(request, connect, check_mode=False, sysfs="/sys", diff=True):
    """validate -> (networks beside pools, then VMs: read, plan, apply, verify); returns the module's result.

    A failure raises a HostError whose `done` also lists what the other kinds changed. diff=False (no --diff)
    spares building the VMs' before and after documents."""
    found = validate(request, connect, sysfs)
    result = {"changed": False, "restart_required": {}, "diff": [], "warnings": []}
    done = []
    nets, pools = request.networks, request.pools
    # Both connections are opened here, before the thread starts: Connections is not shared between threads.
    nets_conn = connect(nets.uri) if nets is not None else None
    pools_conn = connect(pools.uri) if pools is not None else None
    # Networks and pools share nothing on the host (bridges and firewall rules; files, mounts and LUNs) and
    # libvirt serves them from separate drivers, so the networks converge on a thread beside the pools: a
    # first converge starts its networks while the pools create their volumes.
    nets_future = pools_part = None
    with ThreadPoolExecutor(1) as aside:
        if nets is not None:
            nets_future = aside.submit(_part, lambda: network_reconcile.result(network_reconcile.converge_desired(
                nets_conn, found.networks, nets.purge, nets.restart_on_change, check_mode)))
        if pools is not None:
            pools_part = _part(lambda: storage_pool_reconcile.reconcile(
                pools_conn, found.pools, pools.purge, pools.restart_on_change, check_mode))
    parts = {}  # networks first: the order of the diff and of `done`
    if nets_future is not None:
        parts["networks"] = nets_future.result()
    if pools_part is not None:
        parts["pools"] = pools_part
    for name, (part, error) in parts.items():
        if error is None:
            _merge(result, done, name, part, check_mode)
    errors = [error for _result, error in parts.values() if error is not None]
    if errors:
        raise HostError("; ".join(exc.message for exc in errors),
                        done + [entry for exc in errors for entry in exc.done])
    if "networks" in parts:
        result["live_updates"] = parts["networks"][0]["live_updates"]
    if request.vms is not None:
        kind = request.vms
        try:
            part = domain_reconcile.converge_vms(
                connect(kind.uri), found.vms, kind.input_name, request.inventory_hostname, kind.purge, check_mode,
                kind.restart_on_change, request.shutdown_timeout, found.pending_pools, diff)
        except EssentialsError as exc:
            raise HostError(exc.message, done + exc.done)
        _merge(result, done, "vms", part, check_mode)
        # A non-empty "skipped" would make Ansible report the whole task as skipped and hide its changes.
        result["other_hosts"] = part["skipped"]
    return result


def _merge(result, done, kind, part, check_mode):
    result["changed"] = result["changed"] or part["changed"]
    result[kind] = part[kind]
    result["restart_required"][kind] = part["restart_required"]
    result["diff"].extend(part.get("diff", []))
    result["warnings"].extend(part.get("warnings", []))
    done.extend("%s: %s" % (item["name"], ", ".join(item["actions"]))
                for item in part[kind] if item["actions"] and not check_mode)
