# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge libvirt storage pools, their volumes and secrets: read live state, plan, apply, verify."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from dataclasses import dataclass, field, replace

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, UnsupportedError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, converge, diff_entry, guarded
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_live import (
    lookup,
    no_support,
    read_live,
    supported_types,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import Permissions, adopt_unset
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_probe import (
    check_build_safe,
    check_mountable,
    probe_signatures,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_secret import (
    plan_own_secret_removal,
    plan_secret,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_volumes import (
    VOLUME_THREADS,
    delete_volume,
    plan_volumes,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import build_pool_xml
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size

BUILD_NO_OVERWRITE = 4
BUILD_OVERWRITE = 8


@dataclass
class Plan:
    name: str
    path: str
    actions: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    before: str = ""
    after: str = ""
    restart_required: bool = False
    warnings: list[str] = field(default_factory=list)
    # Actions whose effect cannot be read back (the value of a private secret): planning again finds them again.
    blind: list[str] = field(default_factory=list)

    def do(self, text, func, background=False):
        """Plan a call; a background call may run beside the calls planned after it."""
        self.actions.append(text)
        # Volume and secret steps name no pool of their own.
        done = text if text.endswith(" pool %s" % self.name) else "%s in pool %s" % (text, self.name)
        self.steps.append(Step(done, lambda: guarded(self.path, text, func), aside=background))


def _summary(state, autostart, volumes):
    lines = ["state: %s" % state, "autostart: %s" % {True: "yes", False: "no", None: "untouched"}[autostart]]
    for vol in volumes:
        extra = " %s" % vol.format if vol.format else ""
        lines.append("volume %s: %s%s" % (vol.name, format_size(vol.capacity or 0), extra))
    return "\n".join(lines) + "\n"


def plan_pool(conn, spec, live, restart_on_change, probe):
    """Everything one pool entry needs, as described actions plus the calls that do them."""
    name = spec.pool.name
    plan = Plan(name=name, path=spec.path)
    if live is None and spec.state == "absent":
        return plan
    if live is not None:
        plan.before = build_pool_xml(live.model) + _summary(
            "active" if live.active else "inactive",
            live.autostart,
            [live.volumes[v.name] for v in spec.volumes if v.name in live.volumes],
        )
    if spec.state == "absent":
        _plan_removal(conn, name, live, spec.delete_data, plan)
        return plan
    plan_secret(conn, spec, plan)
    desired = spec.pool
    if live is not None:
        # libvirt applies target permissions only when it creates the directory and afterwards reports the
        # directory's own, so they never count as a change of an existing pool; a difference is a warning.
        _warn_permissions(spec, live.running or live.model, plan)
        desired = replace(adopt_unset(spec.pool, live.model), permissions=live.model.permissions)
    xml = build_pool_xml(desired, live.uuid if live else None)
    plan.after = build_pool_xml(desired) + _summary(
        spec.state, spec.autostart, [v for v in spec.volumes if v.state == "present"]
    )
    if live is None:
        if spec.build:
            check_build_safe(spec, probe)
        elif spec.pool.type == "fs" and spec.state == "active":
            check_mountable(spec, probe)
        plan.do("define pool %s" % name, lambda: conn.storagePoolDefineXML(xml, 0))
        if spec.build:
            _plan_build(conn, spec, plan)
    active = live is not None and live.active
    want_active = active if spec.state == "present" else spec.state == "active"
    if live is not None and not active and want_active and _build_interrupted(spec):
        _plan_build(conn, spec, plan)
    running_stale = active and _needs_restart(spec, live)
    if running_stale and want_active and not restart_on_change:
        plan.restart_required = True
    # Stopping before redefining makes the new definition the one the pool starts with next.
    stop_first = active and (not want_active or (running_stale and restart_on_change))
    if stop_first:
        plan.do("stop pool %s" % name, lambda: lookup(conn, name).destroy())
    if live is not None and desired != live.model:
        plan.do("redefine pool %s" % name, lambda: conn.storagePoolDefineXML(xml, 0))
    if want_active and (not active or stop_first):
        plan.do("start pool %s" % name, lambda: lookup(conn, name).create(0))
    if spec.autostart is not None and (live.autostart if live else False) != spec.autostart:
        plan.do(
            "%s autostart of pool %s" % ("enable" if spec.autostart else "disable", name),
            lambda: lookup(conn, name).setAutostart(int(spec.autostart)),
        )
    if spec.state == "active":
        # A pool started by this run is read only once it runs: its free space is not known while planning.
        plan_volumes(conn, spec, live.volumes if live else {}, plan, active and not stop_first)
    return plan


def _plan_build(conn, spec, plan):
    writes = spec.pool.type in ("fs", "disk", "logical")
    flags = (BUILD_OVERWRITE if spec.overwrite else BUILD_NO_OVERWRITE) if writes else 0
    plan.do("build pool %s" % spec.pool.name, lambda: lookup(conn, spec.pool.name).build(flags))


def _build_interrupted(spec):
    """A dir pool to build with nothing at its path: a run was stopped between defining and building it, and
    building now (mkdir) is what that run would have done. Something else at the path (a file) is left to the
    start to report, as on the first run. A build that formats devices is never redone on a defined pool (the
    devices may hold its data); a missing mount point of an fs or netfs pool is left to the start to report."""
    return spec.build and spec.pool.type == "dir" and not os.path.lexists(spec.pool.target_path)


def _needs_restart(spec, live):
    """Whether the active pool runs with another definition than the desired one (permissions: see above)."""
    running = replace(adopt_unset(spec.pool, live.running), permissions=Permissions())
    return running != replace(live.running, permissions=Permissions())


def _warn_permissions(spec, current, plan):
    wanted = adopt_unset(spec.pool, current).permissions
    if wanted != current.permissions:
        plan.warnings.append(
            "%s: the target of pool %s has %s; libvirt applies target.permissions only when it "
            "creates the directory, so change them on the host"
            % (at(at(spec.path, "target"), "permissions"), spec.pool.name, _perm_text(current.permissions))
        )


def _perm_text(perms):
    return (
        ", ".join(
            "%s %s" % (key, getattr(perms, key))
            for key in ("mode", "owner", "group", "label")
            if getattr(perms, key) is not None
        )
        or "none"
    )


def _plan_removal(conn, name, live, delete_data, plan):
    if delete_data and live.active:
        for vol_name in sorted(live.volumes):
            plan.do(
                "delete volume %s" % vol_name,
                lambda v=vol_name: delete_volume(conn, name, v),
            )
    if live.active:
        plan.do("stop pool %s" % name, lambda: lookup(conn, name).destroy())
    if delete_data:
        plan.do("delete the storage of pool %s" % name, lambda: _delete_storage(conn, name))
    plan.do("undefine pool %s" % name, lambda: lookup(conn, name).undefine())
    plan_own_secret_removal(conn, name, live, plan)


def _delete_storage(conn, name):
    try:
        lookup(conn, name).delete(0)
    except LibvirtError as exc:
        if not no_support(exc):  # pool types without storage of their own have nothing to delete
            raise


def _check_supported(specs, supported):
    if supported is None:
        return
    for spec in specs:
        if spec.state != "absent" and spec.pool.type not in supported:
            raise UnsupportedError(
                "%s: pool %s has type %s, which this host's libvirt has no storage backend for; supported types: %s"
                % (spec.path, spec.pool.name, spec.pool.type, ", ".join(sorted(supported)))
            )


def _left(conn, specs, purge, restart_on_change, probe):
    """What planning again finds still to do, per pool."""
    # libvirt updates a pool's volume list itself when it starts the pool or creates a volume, so no refresh:
    # for some backends (gluster: ~10 s) a refresh costs more than the whole change.
    for plan in plan_all(conn, specs, read_live(conn), purge, restart_on_change, probe):
        left = [action for action in plan.actions if action not in plan.blind]
        if left:
            yield "pool %s still differs after the change (%s)" % (plan.name, ", ".join(left))


def plan_all(conn, specs, live, purge=False, restart_on_change=False, probe=probe_signatures):
    plans = [plan_pool(conn, spec, live.get(spec.pool.name), restart_on_change, probe) for spec in specs]
    if purge:
        listed = {spec.pool.name for spec in specs}
        for name in sorted(set(live) - listed):
            plan = Plan(name=name, path="purge", before=build_pool_xml(live[name].model))
            _plan_removal(conn, name, live[name], False, plan)
            plans.append(plan)
    return plans


def reconcile(conn, specs, purge=False, restart_on_change=False, check_mode=False, probe=probe_signatures):
    """Plan every pool (raising before any change), then apply and verify unless in check mode."""
    _check_supported(specs, supported_types(conn))
    try:
        live = read_live(conn, {spec.pool.name for spec in specs})
    except LibvirtError as exc:
        raise HostError("cannot read the storage pools of this host: %s" % exc)
    plans = plan_all(conn, specs, live, purge, restart_on_change, probe)
    converge(plans, lambda: _left(conn, specs, purge, restart_on_change, probe), check_mode, VOLUME_THREADS)
    changed = [plan for plan in plans if plan.actions]
    return {
        "changed": bool(changed),
        "pools": [
            {"name": p.name, "actions": p.actions, "restart_required": p.restart_required}
            for p in plans
            if p.actions or p.restart_required
        ],
        "restart_required": [p.name for p in plans if p.restart_required],
        "warnings": [w for p in plans for w in p.warnings],
        "diff": [diff_entry("pool %s" % p.name, p.before, p.after) for p in changed],
    }


# -------------------------------------------------------------------------------- one kind of several
# resources_reconcile converges every kind through these two, with the same arguments.


def validate_request(request, connect, present):
    """The request's pools validated (reads nothing), and the names of those that stay."""
    kind = request.pools
    specs = parse_pools(kind.items, kind.input_name)
    return specs, sorted(spec.pool.name for spec in specs if spec.state != "absent")


def converge_request(conn, specs, request, check_mode, diff):
    """read -> plan -> apply -> verify for the validated pools; the result's part for pools."""
    kind = request.pools
    return reconcile(conn, specs, kind.purge, kind.restart_on_change, check_mode)
