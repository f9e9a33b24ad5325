# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge virtual machines on one libvirt connection: plan every VM first (reads only, domain_plan), then apply
each VM's plan (domain_apply) as one step of the shared contract (reconcile), then verify by planning again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ansible_collections.essentials.kvm.plugins.module_utils import reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.domain_firmware import check_firmware
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Domain
from ansible_collections.essentials.kvm.plugins.module_utils.domain_plan import Reconciler
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate import Context, normalise_vms
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import Volume
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_space import check as check_space


def host_context(conn, host):
    """Names of the host's networks and pools, whether KVM acceleration is offered, and the vCPU limit."""
    try:
        domcaps = ET.fromstring(conn.getDomainCapabilities(None, None, None, "kvm", 0))
        kvm = domcaps.findtext("domain") == "kvm"
        max_vcpus = int(domcaps.find("vcpu").get("max")) if domcaps.find("vcpu") is not None else None
    except libvirt.libvirtError:
        # Drivers without domain capabilities (or without KVM) still list their guest types and a vCPU limit.
        caps = ET.fromstring(conn.getCapabilities())
        kvm = any(d.get("type") == "kvm" for d in caps.findall("guest/arch/domain"))
        try:
            max_vcpus = conn.getMaxVcpus(None)
        except libvirt.libvirtError:
            max_vcpus = None
    return Context(
        host=host,
        networks=[n.name() for n in conn.listAllNetworks()],
        pools=[p.name() for p in conn.listAllStoragePools()],
        kvm_usable=kvm,
        max_vcpus=max_vcpus,
    )


def converge(
    conn,
    items,
    input_name="vms",
    host=None,
    purge=False,
    check_mode=False,
    restart_on_change=False,
    shutdown_timeout=120,
    declared_networks=(),
    declared_pools=(),
    diff=True,
):
    """Validate all VMs, plan all, then apply and verify; return the module's result fields.

    declared_networks/declared_pools: what the same play creates before the VMs. They count as present
    in check mode only; a real run needs them on the host. diff=False leaves the result's diff empty."""
    if not check_mode:
        declared_networks = declared_pools = ()
    vms, pending_pools = validate(conn, items, input_name, host, declared_networks, declared_pools)
    return converge_vms(
        conn,
        vms,
        input_name,
        host,
        pending_pools,
        purge=purge,
        check_mode=check_mode,
        restart_on_change=restart_on_change,
        shutdown_timeout=shutdown_timeout,
        diff=diff,
    )


def validate(conn, items, input_name="vms", host=None, declared_networks=(), declared_pools=(), images=None):
    """The input as Domains, with the declared networks and pools counted as present; reads only.
    Also returns the declared pools the host lacks: volumes in them can only be planned.
    images: name -> (pool, volume) of the base images the same request caches."""
    ctx = host_context(conn, host)
    ctx.images = dict(images or {})
    pending_pools = set(declared_pools) - ctx.pools
    ctx.networks |= set(declared_networks)
    ctx.pools |= set(declared_pools)
    vms = normalise_vms(items, input_name, ctx)
    check_firmware(conn, vms, input_name)
    return vms, pending_pools


@dataclass
class Options:
    """How converge_vms runs, as the module's options say."""

    purge: bool = False
    check_mode: bool = False
    restart_on_change: bool = False
    shutdown_timeout: float = 120
    diff: bool = True


def converge_vms(conn, vms, input_name="vms", host=None, pending_pools=(), pending_images=(), **options):
    """Plan every VM that validate() returned, then apply and verify; return the module's result fields.
    options: the fields of Options. pending_pools/pending_images: what check mode counts as present."""
    options = Options(**options)
    check_mode, restart_on_change = options.check_mode, options.restart_on_change
    rec = Reconciler(conn, restart_on_change, options.shutdown_timeout)
    if check_mode:
        rec.pending_pools = set(pending_pools)
        rec.pending_images = set(pending_images)
    plans, other_hosts = [], []
    for i, vm in enumerate(vms):
        if vm.host and host and vm.host != host:
            other_hosts.append(vm.name)
        else:
            plans.append(rec.plan(vm, at(input_name, i)))
    if options.purge:
        wanted = set(p.vm.name for p in plans)
        for name in rec.host().domains:
            if name not in wanted:
                plans.append(rec.plan(Domain(name=name, state="absent"), "purge"))
    _check_disk_space(conn, plans)
    # Building both documents of every changed VM costs as much as defining it: only when --diff asks.
    diffs = [rec.diff(p) for p in plans if p.actions] if options.diff else []
    for plan in plans:
        # One step per VM: `done` lists the VMs converged, with their actions.
        plan.steps = (
            [reconcile.Step("%s: %s" % (plan.vm.name, ", ".join(plan.actions)), lambda plan=plan: _apply(rec, plan))]
            if plan.actions
            else []
        )
    reconcile.converge(plans, lambda: _left(rec, plans), check_mode)
    results = [
        {
            "name": p.vm.name,
            "changed": bool(p.actions),
            "actions": p.actions,
            "restart_required": p.restart_required and not restart_on_change,
        }
        for p in plans
    ]
    return {
        "changed": any(r["changed"] for r in results),
        "vms": results,
        # Not "skipped": a non-empty one would make Ansible report the whole task as skipped, hiding its changes.
        "other_hosts": other_hosts,
        "restart_required": [r["name"] for r in results if r["restart_required"]],
        "diff": diffs,
    }


def _apply(rec, plan):
    """A refused VM's failure lists what apply() changed of it before the refusal, if anything."""
    try:
        rec.apply(plan)
    except libvirt.libvirtError as exc:
        raise HostError("VM %s: libvirt refused: %s" % (plan.vm.name, exc), _part_way(plan, rec.steps))
    except HostError as exc:
        raise HostError("VM %s: %s" % (plan.vm.name, exc.message), _part_way(plan, rec.steps))


def _part_way(plan, steps):
    """The failed VM's entry in `done`: what apply() changed of it before the failure, if anything."""
    return ["%s: %s, then failed" % (plan.vm.name, ", ".join(steps))] if steps else []


def _left(rec, plans):
    """What planning again finds still to do, per VM that changed; one with nothing to do was just read, and
    reading it again proves nothing."""
    rec.forget()
    for plan in plans:
        if plan.actions:
            left = [a for a in rec.plan(plan.vm, plan.path).actions if a != "restart required"]
            if left:
                yield "VM %s did not converge; still to do: %s" % (plan.vm.name, "; ".join(left))


# -------------------------------------------------------------------------------- one kind of several
# resources_reconcile converges every kind through these two, with the same arguments.


def validate_request(request, connect, present):
    """The request's VMs validated (reads only), the networks and pools the request lists counting as present;
    no VM stays for a later kind to use."""
    kind = request.vms
    images = present.get("images", {})
    vms, pending_pools = validate(
        connect(kind.uri),
        kind.items,
        kind.input_name,
        request.inventory_hostname,
        present.get("networks", ()),
        present.get("pools", ()),
        images,
    )
    return (vms, pending_pools, set(images.values())), []


def converge_request(conn, validated, request, check_mode, diff):
    """plan -> apply -> verify for the validated VMs; the result's part for VMs."""
    kind, (vms, pending_pools, images) = request.vms, validated
    return converge_vms(
        conn,
        vms,
        kind.input_name,
        request.inventory_hostname,
        pending_pools,
        images,
        purge=kind.purge,
        check_mode=check_mode,
        restart_on_change=kind.restart_on_change,
        shutdown_timeout=request.shutdown_timeout,
        diff=diff,
    )


def _check_disk_space(conn, plans):
    """The new disk volumes of all VMs, per running pool, against its free space (storage_pool_space): a full pool
    fails the run before the first volume is made. A copy takes what its base holds; overlays are thin qcow2."""
    wanted = {}
    for plan in plans:
        for i in plan.volumes:
            disk = plan.vm.disks[i]
            vol = Volume(name=disk.volume, capacity=disk.size or 0, format=disk.format)
            if disk.kind == "copy":
                base = conn.storagePoolLookupByName(disk.base_pool).storageVolLookupByName(disk.base)
                vol = Volume(name=disk.volume, capacity=vol.capacity, allocation=base.info()[2])
            wanted.setdefault(disk.pool, []).append((at(at(plan.path, "disks"), i), vol))
    for name, new in wanted.items():
        try:
            pool = conn.storagePoolLookupByName(name)
        except libvirt.libvirtError:
            continue  # removed meanwhile: creating the volume fails and says so
        if pool.isActive():
            check_space(name, ET.fromstring(pool.XMLDesc(0)).get("type"), pool.info()[3], new)
