# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge libvirt storage pools, their volumes and secrets: read live state, plan, apply, verify."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, UnsupportedError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, converge
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    OWN_SECRET_USAGE,
    TYPES,
    Permissions,
    adopt_unset,
    article,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_resize import grow_volume
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_space import check as check_space
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import (
    build_pool_xml,
    build_secret_xml,
    build_volume_xml,
    parse_pool_xml,
    parse_volume_xml,
)
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size

# Numeric values of libvirt constants, so planning works without the bindings' module attributes.
XML_INACTIVE = 1
BUILD_NO_OVERWRITE = 4
BUILD_OVERWRITE = 8
ERR_NO_SUPPORT = 3
ERR_INVALID_ARG = 8
ERR_OPERATION_INVALID = 55
ERR_NO_STORAGE_POOL = 49
ERR_NO_STORAGE_VOL = 50
ERR_NO_SECRET = 66
SECRET_USAGE = {"chap": 3, "ceph": 2}
# A volume of these pools is a file that libvirt writes with its own qemu-img run, independent of every
# other volume, so a few are created at once (a first converge's volumes take half the time on two
# cores). Other backends edit shared host metadata (partition tables, volume groups): one at a time.
FILE_POOL_TYPES = ("dir", "fs", "netfs")
VOLUME_THREADS = 4


def _no_support(exc):
    return isinstance(exc, LibvirtError) and exc.get_error_code() == ERR_NO_SUPPORT


def supported_types(conn):
    """Pool types this host's libvirt has a backend for, or None when the driver cannot tell."""
    try:
        caps = conn.getStoragePoolCapabilities(0)
    except LibvirtError as exc:
        if _no_support(exc):
            return None
        raise HostError("cannot read storage pool capabilities: %s" % exc)
    return {p.get("type") for p in ET.fromstring(caps).findall("pool") if p.get("supported") == "yes"}


def probe_signatures(device):
    """Signatures (filesystem, partition table, LVM...) on a device, as wipefs reports them without writing."""
    try:
        proc = subprocess.run(
            ["wipefs", "--no-act", "--noheadings", "--output", "TYPE,OFFSET", device],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise HostError("cannot probe %s for existing data: %s" % (device, exc))
    if proc.returncode != 0:
        raise HostError("cannot probe %s for existing data: %s" % (device, proc.stderr.strip()))
    return [" ".join(line.split()) for line in proc.stdout.splitlines() if line.strip()]


@dataclass
class LivePool:
    uuid: str
    model: object  # persistent definition
    running: Optional[object]  # definition the active pool runs with
    active: bool
    autostart: bool
    volumes: dict = field(default_factory=dict)  # name -> Volume


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
        self.steps.append(Step(done, lambda: _guarded(self.path, text, func), aside=background))


def _guarded(path, text, func):
    """Make one planned call; its failure becomes a HostError naming the pool's input path and the step."""
    try:
        return func()
    except (LibvirtError, OSError) as exc:
        raise HostError("%s: %s failed: %s" % (path, text, exc))
    except HostError as exc:
        raise HostError("%s: %s failed: %s" % (path, text, exc.message))


def read_live(conn, refresh=()):
    """Every pool of the host; only the pools named in `refresh` are refreshed, because libvirt
    stops a pool whose refresh fails and a read must not stop pools this call does not manage."""
    pools = {}
    for obj in conn.listAllStoragePools(0):
        try:
            pools[obj.name()] = _read_pool(obj, obj.name() in refresh)
        except LibvirtError as exc:
            # Another client removed the pool while this one was listing them.
            if exc.get_error_code() != ERR_NO_STORAGE_POOL:
                raise
    return pools


def _read_pool(obj, refresh):
    try:
        persistent = obj.XMLDesc(XML_INACTIVE)
    except LibvirtError as exc:
        # Drivers without separate persistent definitions (the test driver) reject the flag.
        if exc.get_error_code() not in (ERR_NO_SUPPORT, ERR_INVALID_ARG):
            raise
        persistent = obj.XMLDesc(0)
    if refresh and obj.isActive():
        try:
            obj.refresh(0)
        except LibvirtError:
            pass  # libvirt has stopped the pool (its source is unreachable); it is read as inactive
    active = bool(obj.isActive())
    live = LivePool(
        uuid=obj.UUIDString(),
        model=parse_pool_xml(persistent),
        running=parse_pool_xml(obj.XMLDesc(0)) if active else None,
        active=active,
        autostart=bool(obj.autostart()),
    )
    if active:
        try:
            volumes = obj.listAllVolumes(0)
        except LibvirtError as exc:
            # The pool stopped between the two calls (another client, or a failing source).
            if exc.get_error_code() != ERR_OPERATION_INVALID:
                raise
            live.active, live.running, volumes = False, None, []
        for vol in volumes:
            try:
                volume = parse_volume_xml(vol.XMLDesc(0))[0]
            except LibvirtError as exc:
                if exc.get_error_code() != ERR_NO_STORAGE_VOL:
                    raise
                continue
            live.volumes[volume.name] = volume
    return live


def _summary(state, autostart, volumes):
    lines = ["state: %s" % state, "autostart: %s" % {True: "yes", False: "no", None: "untouched"}[autostart]]
    for vol in volumes:
        extra = " %s" % vol.format if vol.format else ""
        lines.append("volume %s: %s%s" % (vol.name, format_size(vol.capacity or 0), extra))
    return "\n".join(lines) + "\n"


def _lookup(conn, name):
    return conn.storagePoolLookupByName(name)


def _lookup_secret(conn, auth, path):
    try:
        if auth.secret_uuid:
            return conn.secretLookupByUUIDString(auth.secret_uuid)
        return conn.secretLookupByUsage(SECRET_USAGE[auth.type], auth.secret_usage)
    except LibvirtError as exc:
        if exc.get_error_code() == ERR_NO_SECRET:
            return None
        if _no_support(exc):
            raise HostError("%s: this libvirt connection has no secret driver, needed for %s auth" % (path, auth.type))
        raise HostError("%s: cannot look up the libvirt secret: %s" % (path, exc))


def _plan_secret(conn, spec, plan):
    auth = spec.pool.source.auth
    if auth is None:
        return
    path = at(at(spec.path, "source"), "auth")
    secret = _lookup_secret(conn, auth, path)
    if spec.secret is None:
        if secret is None:
            key = "secret_uuid" if auth.secret_uuid else "secret_usage"
            raise InputError(
                at(path, key),
                "no libvirt secret %s exists on this host" % (auth.secret_uuid or auth.secret_usage),
                "give secret: to create it",
            )
        return
    value = base64.b64decode(spec.secret) if auth.type == "ceph" else spec.secret.encode("utf-8")
    label = "secret %s" % (auth.secret_uuid or auth.secret_usage)
    if secret is None:
        xml = build_secret_xml(auth, spec.pool.name)
        plan.do("define %s" % label, lambda: conn.secretDefineXML(xml, 0).setValue(value, 0))
    else:
        try:
            same = secret.value(0) == value
        except LibvirtError:
            same = False  # a private secret cannot be read back; set it again
            plan.blind.append("set the value of %s" % label)
        if not same:
            plan.do("set the value of %s" % label, lambda: secret.setValue(value, 0))


def _probed(probe, device, path):
    """What probe finds on device; a device this host cannot probe (missing, unreadable) is named by its input
    path, like any other refusal before a change."""
    try:
        return probe(device)
    except HostError as exc:
        raise InputError(path, exc.message)


def _check_build_safe(spec, probe):
    if TYPES[spec.pool.type].build != "format" or spec.overwrite:
        return
    for index, device in enumerate(spec.pool.source.devices):
        found = _probed(probe, device, at(at(spec.path, "source"), "devices") + "[%d]" % index)
        if found:
            raise InputError(
                at(at(spec.path, "source"), "devices") + "[%d]" % index,
                "%s already holds data (%s); building pool %s would destroy it"
                % (device, ", ".join(found), spec.pool.name),
                "wipe it yourself or set overwrite: true if its contents may be lost",
            )


def _check_mountable(spec, probe):
    """A new fs pool that is not built mounts its device as it is: refuse an empty one before defining anything."""
    device = spec.pool.source.devices[0]
    if not _probed(probe, device, at(at(spec.path, "source"), "device")):
        raise InputError(
            at(at(spec.path, "source"), "device"),
            "%s holds no filesystem, so pool %s cannot mount it" % (device, spec.pool.name),
            "set build: true to make %s filesystem on it"
            % ("a" if spec.pool.source.format == "auto" else article(spec.pool.source.format)),
        )


def _plan_volumes(conn, spec, live_volumes, plan, plan_active=False):
    name = spec.pool.name
    volume_group = spec.pool.source.name if spec.pool.type == "logical" else None
    new = [
        (index, vol) for index, vol in enumerate(spec.volumes) if vol.state != "absent" and vol.name not in live_volumes
    ]
    if new and plan_active:
        check_space(
            name,
            spec.pool.type,
            _lookup(conn, name).info()[3],
            [(at(at(spec.path, "volumes"), index), vol) for index, vol in new],
        )
    for index, vol in enumerate(spec.volumes):
        current = live_volumes.get(vol.name)
        vol_path = at(at(spec.path, "volumes"), index)
        if vol.state == "absent":
            if current:
                plan.do(
                    "delete volume %s" % vol.name,
                    lambda v=vol: _lookup(conn, name).storageVolLookupByName(v.name).delete(0),
                )
            continue
        if current is None:
            plan.do(
                "create volume %s (%s)" % (vol.name, format_size(vol.capacity)),
                lambda v=vol: _create_volume(conn, name, v),
                background=spec.pool.type in FILE_POOL_TYPES,
            )
            continue
        partition = spec.pool.type == "disk"
        if vol.capacity > current.capacity:
            if partition:
                plan.warnings.append(
                    "%s: volume %s is a partition of %s; partitions are never grown"
                    % (vol_path, vol.name, format_size(current.capacity))
                )
            else:
                plan.do(
                    "grow volume %s from %s to %s"
                    % (vol.name, format_size(current.capacity), format_size(vol.capacity)),
                    lambda v=vol: grow_volume(_lookup(conn, name), v.name, v.capacity, volume_group),
                )
        elif vol.capacity < current.capacity and not partition:
            # libvirt rounds partitions up to the disk's alignment, so only files and LVs are reported.
            plan.warnings.append(
                "%s: volume %s is %s, larger than asked; volumes are never shrunk"
                % (vol_path, vol.name, format_size(current.capacity))
            )
        # libvirt reads no partition type back (always none), so a partition's format cannot be compared.
        if vol.format and current.format and vol.format != current.format and not partition:
            plan.warnings.append(
                "%s: volume %s has format %s, not %s; volumes are never recreated"
                % (vol_path, vol.name, current.format, vol.format)
            )


def _create_volume(conn, pool_name, vol):
    pool = _lookup(conn, pool_name)
    if vol.name in pool.listVolumes():
        return  # the pool was inactive when planned, so its volumes were unknown then
    created = pool.createXML(build_volume_xml(vol), 0)
    if vol.upload:
        stream = conn.newStream(0)
        try:
            with open(vol.upload, "rb") as image:
                created.upload(stream, 0, 0, 0)
                stream.sendAll(lambda _stream, nbytes, handle: handle.read(nbytes), image)
            stream.finish()
        except (LibvirtError, OSError):
            stream.abort()
            raise


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
    _plan_secret(conn, spec, plan)
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
            _check_build_safe(spec, probe)
        elif spec.pool.type == "fs" and spec.state == "active":
            _check_mountable(spec, probe)
        plan.do("define pool %s" % name, lambda: conn.storagePoolDefineXML(xml, 0))
        if spec.build:
            writes = spec.pool.type in ("fs", "disk", "logical")
            flags = (BUILD_OVERWRITE if spec.overwrite else BUILD_NO_OVERWRITE) if writes else 0
            plan.do("build pool %s" % name, lambda: _lookup(conn, name).build(flags))
    active = live is not None and live.active
    want_active = active if spec.state == "present" else spec.state == "active"
    running_stale = active and _needs_restart(spec, live)
    if running_stale and want_active and not restart_on_change:
        plan.restart_required = True
    # Stopping before redefining makes the new definition the one the pool starts with next.
    stop_first = active and (not want_active or (running_stale and restart_on_change))
    if stop_first:
        plan.do("stop pool %s" % name, lambda: _lookup(conn, name).destroy())
    if live is not None and desired != live.model:
        plan.do("redefine pool %s" % name, lambda: conn.storagePoolDefineXML(xml, 0))
    if want_active and (not active or stop_first):
        plan.do("start pool %s" % name, lambda: _lookup(conn, name).create(0))
    if spec.autostart is not None and (live.autostart if live else False) != spec.autostart:
        plan.do(
            "%s autostart of pool %s" % ("enable" if spec.autostart else "disable", name),
            lambda: _lookup(conn, name).setAutostart(int(spec.autostart)),
        )
    if spec.state == "active":
        # A pool started by this run is read only once it runs: its free space is not known while planning.
        _plan_volumes(conn, spec, live.volumes if live else {}, plan, active and not stop_first)
    return plan


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
                lambda v=vol_name: _lookup(conn, name).storageVolLookupByName(v).delete(0),
            )
    if live.active:
        plan.do("stop pool %s" % name, lambda: _lookup(conn, name).destroy())
    if delete_data:
        plan.do("delete the storage of pool %s" % name, lambda: _delete_storage(conn, name))
    plan.do("undefine pool %s" % name, lambda: _lookup(conn, name).undefine())
    _plan_own_secret_removal(conn, name, live, plan)


def _plan_own_secret_removal(conn, name, live, plan):
    """The secret made from the pool's auth.secret holds a key nothing else uses; a secret the user referred to
    by secret_usage or secret_uuid is theirs and stays."""
    auth = live.model.source.auth
    if auth is None or auth.secret_usage != OWN_SECRET_USAGE % name:
        return
    secret = _lookup_secret(conn, auth, at(at(plan.path, "source"), "auth"))
    if secret is not None:
        plan.do("undefine secret %s" % auth.secret_usage, secret.undefine)


def _delete_storage(conn, name):
    try:
        _lookup(conn, name).delete(0)
    except LibvirtError as exc:
        if not _no_support(exc):  # pool types without storage of their own have nothing to delete
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
        "diff": [
            {
                "before_header": "pool %s" % p.name,
                "after_header": "pool %s" % p.name,
                "before": p.before,
                "after": p.after,
            }
            for p in changed
        ],
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
