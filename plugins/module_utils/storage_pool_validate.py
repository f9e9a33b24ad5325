# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool input: every section of a pool entry is read against a declaration of its keys (checks.Fields),
and a pool type's rules (TYPES) decide which keys apply. The value rules are the shared kit's (checks.py), the
pool-specific checkers storage_pool_checks'. This file reads a pool's own keys and its target, and the clashes
between pools; the source section is storage_pool_validate_source's, the volumes storage_pool_validate_volume's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_checks import (
    mount_option,
    pool_name,
    pool_state,
    rbd_option_value,
    read_permissions,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    TYPES,
    Permissions,
    Pool,
    PoolSpec,
    article,
    normalise,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate_source import (
    SOURCE,
    SOURCE_ALIASES,
    read_source,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate_volume import read_volume


def _config_opts(value, path):
    return {
        checks.text(what="an option name")(name, path): rbd_option_value(option, at(path, str(name)))
        for name, option in checks.mapping(value, path).items()
    }


POOL = {
    "name": pool_name,
    "type": checks.choice(*TYPES),
    "state": pool_state,
    "autostart": checks.boolean,
    "build": checks.boolean,
    "overwrite": checks.boolean,
    "delete_data": checks.boolean,
    "path": None,
    "target": None,
    "source": None,
    "cow": checks.boolean,
    "mount_opts": checks.list_of(mount_option),
    "config_opts": _config_opts,
    "refresh_allocation": checks.choice("default", "capacity"),
    "volumes": None,
}


def _target(fields, pool, rule):
    """target.path (or path, as the older roles wrote it) and target.permissions."""
    target = checks.Fields(fields.raw("target", {}), fields.where("target"), ("path", "permissions"))
    if fields.has("path") and target.has("path"):
        fail(fields.where("path"), "give either path or target.path, not both")
    given, where = (
        (fields.raw("path"), fields.where("path")) if fields.has("path") else (target.raw("path"), target.where("path"))
    )
    if rule.target == "none" and (given is not None or target.has("permissions")):
        fail(
            where if given is not None else fields.where("target"),
            "%s pool has no target; remove it" % article(pool.type),
        )
    if rule.target == "required" and given is None:
        fail(where, "is required for %s pool" % article(pool.type), "e.g. /var/lib/libvirt/images")
    if given is not None:
        pool.target_path = checks.abs_path(given, where)
    pool.permissions = target.one("permissions", read_permissions, Permissions())


# Where libvirt puts the target of the pools whose target it sets itself, whatever the XML says.
FIXED_TARGETS = {"logical": ("/dev/%s", "its volume group's directory"), "zfs": ("/dev/zvol/%s", "its zvol directory")}


def _fixed_target(fields, pool):
    """libvirt sets a logical pool's target to /dev/<volume group> and a zfs pool's to /dev/zvol/<zpool>
    whatever is given: another path would differ on every run."""
    if pool.type not in FIXED_TARGETS or not pool.target_path:
        return
    form, what = FIXED_TARGETS[pool.type]
    expected = form % (pool.source.name or pool.name)
    if pool.target_path != expected:
        where = fields.where("path") if fields.has("path") else at(fields.where("target"), "path")
        fail(
            where,
            "%s pool's target is %s, %s (got %s)" % (article(pool.type), what, expected, pool.target_path),
            "libvirt sets it; leave the path out",
        )


def parse_pool(value, path):
    """Validate one pool entry and return its PoolSpec; raise InputError naming the first bad field."""
    fields = checks.Fields(value, path, tuple(POOL))
    name = fields.get("name", POOL["name"], required=True)
    kind = fields.get("type", POOL["type"], default="dir")
    rule = TYPES[kind]
    state = fields.get("state", pool_state, default="active")
    given = read_set(fields, POOL)
    pool = Pool(name=name, type=kind)
    spec = PoolSpec(
        pool=pool,
        path=path,
        state=state,
        build=given.get("build", rule.build == "mkdir"),
        autostart=given.get("autostart", {"active": True, "inactive": False}.get(state)),
        overwrite=given.get("overwrite", False),
        delete_data=given.get("delete_data", False),
    )
    if spec.build and rule.build == "none":
        fail(fields.where("build"), "%s pool has nothing to build; remove build" % article(kind))
    if state == "absent":
        return spec
    _target(fields, pool, rule)
    pool.source, spec.secret = read_source(fields.raw("source", {}), fields.where("source"), pool, rule)
    _fixed_target(fields, pool)
    if spec.build and rule.build == "format" and kind in ("logical", "zfs") and not pool.source.devices:
        fail(
            at(fields.where("source"), "devices"),
            "building %s pool needs its devices" % article(kind),
            "list the disks to put in the pool, or set build: false for an existing one",
        )
    if fields.has("cow"):
        # libvirt itself refuses cow on any other type, netfs included.
        if kind not in ("dir", "fs"):
            fail(fields.where("cow"), "only applies to dir and fs pools")
        pool.cow = given["cow"]
    for key in ("mount_opts", "config_opts", "refresh_allocation"):
        if fields.has(key) and key not in rule.extras:
            fail(fields.where(key), "does not apply to %s pool" % article(kind))
    pool.mount_opts = given.get("mount_opts", [])
    pool.config_opts = given.get("config_opts", {})
    pool.refresh_allocation = given.get("refresh_allocation")
    if kind == "scsi" and pool.source.adapter is None:
        fail(at(fields.where("source"), "adapter"), "is required for a scsi pool")
    volumes = checks.listing(fields.raw("volumes"), fields.where("volumes"))
    if volumes and state != "active":
        fail(fields.where("volumes"), "volumes are managed only in an active pool", "set state: active")
    names = set()
    spec.volumes = [
        read_volume(item, at(fields.where("volumes"), index), pool, rule, names) for index, item in enumerate(volumes)
    ]
    spec.pool = normalise(pool)
    return spec


# Pool types whose volumes are in their target directory: a directory holds one of them.
DIRECTORY_POOLS = ("dir", "fs", "netfs", "vstorage")
# Pool types whose devices libvirt compares with each other's when it defines a pool: a device serves one of them.
DEVICE_POOLS = ("fs", "logical", "disk", "zfs")
SHARED_SOURCE_HINT = "give each pool its own: libvirt refuses a second pool on a source, or both would manage one"


def _wwn(value):
    return value.lower()[2:] if value.lower().startswith("0x") else value.lower()


def _claims(spec, item):
    """What on the host the pool takes for itself, each as (claim, input path as written, what it is): the
    sources libvirt compares when it defines a pool, and the target directory, volume group or zpool that two
    pools would each change under the other."""
    pool, src = spec.pool, spec.pool.source
    fields = checks.Fields(item, spec.path, tuple(POOL))
    source = checks.Fields(fields.raw("source", {}), fields.where("source"), tuple(SOURCE), SOURCE_ALIASES)

    def device_path(index):
        where = source.where("devices")
        return at(where, index) if source.written.get("devices") == "devices" else where

    name_path = source.where("name") if source.has("name") else at(spec.path, "name")
    host = src.hosts[0].name if len(src.hosts) == 1 else None
    if pool.type in DIRECTORY_POOLS and pool.target_path:
        where = fields.where("path") if fields.has("path") else at(fields.where("target"), "path")
        yield ("directory", pool.target_path), where, "directory %s" % pool.target_path
    for index, device in enumerate(src.devices):
        if pool.type in DEVICE_POOLS:
            yield ("device", device), device_path(index), "device %s" % device
        elif pool.type == "iscsi":
            # As libvirt, the target and the initiator, whichever portal leads to it.
            yield ("iscsi", device, src.initiator), device_path(index), "iSCSI target %s" % device
    if pool.type in ("logical", "zfs"):
        what = "volume group" if pool.type == "logical" else "zpool"
        yield (what, src.name), name_path, "%s %s" % (what, src.name)
    elif pool.type == "netfs" and host and src.dir:
        yield ("export", host, src.dir), source.where("dir"), "export %s:%s" % (host, src.dir)
    elif pool.type == "gluster" and host:
        yield ("gluster", host, src.name, src.dir), name_path, "gluster volume %s on %s" % (src.name, host)
    elif pool.type == "sheepdog" and host:
        yield ("sheepdog", host), source.where("hosts"), "sheepdog cluster %s" % host
    elif pool.type == "vstorage":
        yield ("vstorage", src.name), name_path, "vstorage cluster %s" % src.name
    elif pool.type == "scsi" and src.adapter:
        adapter = src.adapter
        if adapter.type == "fc_host":
            claim, what = ("fc_host", _wwn(adapter.wwnn), _wwn(adapter.wwpn)), "vHBA %s" % adapter.wwpn
        elif adapter.name:
            claim, what = ("scsi_host", adapter.name), "SCSI host %s" % adapter.name
        else:
            claim = ("scsi_host", adapter.parent_address, adapter.unique_id)
            what = "SCSI host at %s" % adapter.parent_address
        yield claim, source.where("adapter"), what
    elif pool.type == "mpath":
        yield ("mpath",), at(spec.path, "type"), "type mpath (one pool per host)"


def check_sources_apart(specs, items):
    """No source is used by two pools of the list."""
    claimed = {}
    for spec, item in zip(specs, items):
        if spec.state == "absent":
            continue
        for claim, where, what in _claims(spec, item):
            if claim in claimed:
                fail(where, "%s is already used by %s" % (what, claimed[claim]), SHARED_SOURCE_HINT)
            claimed[claim] = "%s (pool %s)" % (spec.path, spec.pool.name)


def parse_pools(value, path="pools"):
    """Validate the whole list before anything changes; returns PoolSpecs in input order."""
    specs, seen, items = [], {}, checks.listing(value, path)
    for index, item in enumerate(items):
        spec = parse_pool(item, at(path, index))
        if spec.pool.name in seen:
            fail(
                at(at(path, index), "name"), "pool %r is already listed at %s" % (spec.pool.name, seen[spec.pool.name])
            )
        seen[spec.pool.name] = at(path, index)
        specs.append(spec)
    check_sources_apart(specs, items)
    return specs
