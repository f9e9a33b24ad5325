# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool input: every section of a pool entry is read against a declaration of its keys (checks.Fields),
and a pool type's rules (TYPES) decide which keys apply. The value rules are the shared kit's (checks.py); the
checkers below are only the pool-specific ones: IQN, WWN, octal mode, partition names, secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    BACKING_FORMATS,
    FILE_VOLUME_FORMATS,
    OWN_SECRET_USAGE,
    TYPES,
    Adapter,
    Auth,
    Host,
    Permissions,
    Pool,
    PoolSpec,
    Source,
    Volume,
    article,
    normalise,
)

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$")
NAME_HINT = "use letters, digits and _ . + - only; no spaces, quotes, slashes or angle brackets"
IQN_RE = re.compile(r"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[A-Za-z0-9.-]+(:[^\s<>&\"'\x00-\x1f\x7f]+)?$")
WWN_RE = re.compile(r"^(0x)?[0-9a-fA-F]{16}$")
BASE64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
MODE_RE = re.compile(r"^0?[0-7]{3,4}$")
# The older ansible-kvm roles used virt_pool's state names.
LEGACY_STATES = {"undefined": "absent", "deleted": "absent"}
POOL_STATES = ("active", "inactive", "present", "absent")

# --- pool-specific checkers, built on the kit -------------------------------------------------------------------

pool_name = checks.text(NAME_RE, "a pool name", NAME_HINT)
volume_name = checks.text(NAME_RE, "a volume name", NAME_HINT)
target_iqn = checks.text(IQN_RE, "an iSCSI target IQN", "e.g. iqn.2026-01.com.example:storage.target1")
initiator_iqn = checks.text(IQN_RE, "an initiator IQN", "e.g. iqn.2026-01.com.example:host1")
wwn = checks.text(WWN_RE, "a WWN", "16 hex digits")
adapter_name = checks.text(re.compile(r"^[A-Za-z0-9_:.-]+$"), "an adapter name")
source_name = checks.text(
    re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+:@/-]*$"), "a source name", "letters, digits and _ . + : @ - /"
)
secret_usage = checks.text(re.compile(r"^[^/\x00-\x1f<>\"'&]+$"), "a secret usage name")
mount_option = checks.text(re.compile(r"^[A-Za-z0-9_.=:,+/-]+$"), "a mount option")
port = checks.integer(1, 65535)
unix_id = checks.integer(-1, 2**32 - 2)
_nfs_version = checks.text(re.compile(r"^[0-9]+(\.[0-9]+)?$"), "an NFS version", "e.g. 4 or 4.2")
_octal_mode = checks.text(
    MODE_RE, "an octal mode string such as '0755'", "quote it in YAML, otherwise 0755 is read as the number 493"
)


def mode(value, path):
    """A permissions mode as libvirt writes it, four octal digits."""
    return "%04o" % int(_octal_mode(value, path), 8)


def nfs_version(value, path):
    """A version is a number by nature, so protocol_version: 4 is taken as well as "4.2"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return _nfs_version(value, path)


def rbd_option_value(value, path):
    """A ceph client option value; ceph reads booleans as true/false (not on/off) and numbers as digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return checks.plain_text(value, path)


def pool_state(value, path):
    return checks.choice(*POOL_STATES)(LEGACY_STATES.get(value, value) if isinstance(value, str) else value, path)


def secret(value, path):
    """The key itself. Messages never show it."""
    if not isinstance(value, str) or not value.strip():
        fail(path, "must be a non-empty string (the value is not shown)")
    if not checks.SAFE_TEXT_RE.match(value):
        fail(path, "must be one line of UTF-8 text (the value is not shown)")
    return value


def ceph_key(value, path):
    if not BASE64_RE.match(secret(value, path)):
        fail(
            path,
            "must be the base64 ceph key as in the keyring file",
            "copy the value after 'key =' from ceph auth get-or-create",
        )
    return value


def partition_name(pool):
    """libvirt names a disk pool's volumes after the partitions it makes: sdb1, loop1p1, nvme0n1p2."""
    devices = pool.source.devices
    if pool.type != "disk" or len(devices) != 1 or os.path.dirname(devices[0]) != "/dev":
        return volume_name
    base = os.path.basename(devices[0])
    sep = "p" if base[-1].isdigit() else ""

    def check(value, path):
        name = volume_name(value, path)
        if not re.match(r"^%s%s[0-9]+$" % (re.escape(base), sep), name):
            fail(
                path,
                "a volume of disk pool %s must be named after its partition, such as %s%s1 (got %r)"
                % (pool.name, base, sep, name),
                "libvirt names partitions NAME%sN after the device" % sep,
            )
        return name

    return check


# --- sections: each a declaration of its keys and a checker per key; None marks a key read below with the
# pool type's rule or another key's value.


def _checked(fields, declared):
    """The keys given in fields that declared has a checker for, checked."""
    return {key: fields.get(key, check) for key, check in declared.items() if check and fields.has(key)}


PERMISSIONS = {"mode": mode, "owner": unix_id, "group": unix_id, "label": checks.plain_text}


def _permissions(value, path):
    return Permissions(**_checked(checks.Fields(value, path, tuple(PERMISSIONS)), PERMISSIONS))


ADAPTER = {
    "type": checks.choice("scsi_host", "fc_host"),
    "name": adapter_name,
    "parent": adapter_name,
    "parent_wwnn": wwn,
    "parent_wwpn": wwn,
    "parent_fabric_wwn": wwn,
    "managed": checks.boolean,
    "wwnn": wwn,
    "wwpn": wwn,
    "parent_address": checks.pci_address,
    "unique_id": checks.integer(1, 2**31 - 1),
}


def _adapter(value, path):
    fields = checks.Fields(value, path, tuple(ADAPTER))
    adapter = Adapter(**_checked(fields, ADAPTER))
    fc_only = ("parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "wwnn", "wwpn", "managed")
    scsi_only = ("name", "parent_address", "unique_id")
    for key in scsi_only if adapter.type == "fc_host" else fc_only + ("parent",):
        if fields.has(key):
            fail(fields.where(key), "does not apply to %s adapter" % article(adapter.type))
    if adapter.type == "fc_host":
        for key in ("wwnn", "wwpn"):
            if not fields.has(key):
                fail(at(path, key), "is required for an fc_host adapter", "give the vHBA's WWN")
    elif fields.has("name") == fields.has("parent_address"):
        fail(at(path, "name"), "a scsi_host adapter needs exactly one of name or parent_address", "e.g. name: host0")
    elif fields.has("unique_id") and not fields.has("parent_address"):
        fail(fields.where("unique_id"), "only goes with parent_address")
    return adapter


def _config_opts(value, path):
    return {
        checks.text(what="an option name")(name, path): rbd_option_value(option, at(path, str(name)))
        for name, option in checks.mapping(value, path).items()
    }


AUTH = {
    "type": None,
    "username": checks.plain_text,
    "secret_usage": secret_usage,
    "secret_uuid": checks.uuid,
    "secret": None,
}
HOST = {"name": checks.host, "port": port}
# host and device are the one-item spellings of hosts and devices (a name, a path), as the older roles wrote them.
SOURCE_ALIASES = {"host": "hosts", "device": "devices"}
SOURCE = {
    "hosts": None,
    "port": None,
    "devices": None,
    "part_separator": checks.boolean,
    "dir": None,
    "name": source_name,
    "format": None,
    "adapter": _adapter,
    "initiator": initiator_iqn,
    "auth": None,
    "protocol_version": nfs_version,
    "vendor": checks.plain_text,
    "product": checks.plain_text,
}
VOLUME = {
    "name": None,
    "state": checks.choice("present", "absent"),
    "capacity": checks.size,
    "allocation": checks.size,
    "format": None,
    "backing": None,
    "backing_format": checks.choice(*FILE_VOLUME_FORMATS),
    "permissions": _permissions,
    "upload": checks.abs_path,
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

_REQUIRED_HINTS = {
    "hosts": "give the server as host: NAME (and port: N if not the default)",
    "devices": "give the block device or target, e.g. device: /dev/sdb",
    "dir": "give the exported directory, e.g. dir: /export/vms",
    "name": "give the source name (volume group, ceph pool, gluster volume, zpool or cluster)",
    "initiator": "give this host's initiator IQN",
    "adapter": "give the SCSI host adapter, e.g. adapter: {name: host0}",
}
_NO_VOLUMES_HINTS = {
    "gluster": "its volumes are the files already in the gluster volume; remove volumes, or create them through "
    "a netfs pool with format glusterfs",
}


def _auth(value, path, pool_name, rule):
    """The Auth of the pool definition, and the key itself kept apart (it goes to a libvirt secret)."""
    fields = checks.Fields(value, path, tuple(AUTH))
    kind = fields.get("type", checks.choice(rule.auth), default=rule.auth)
    given = _checked(fields, AUTH)
    if "username" not in given:
        fail(at(path, "username"), "is required for %s auth" % kind)
    if "secret_usage" in given and "secret_uuid" in given:
        fail(fields.where("secret_usage"), "give either secret_usage or secret_uuid, not both")
    key = fields.get("secret", ceph_key if kind == "ceph" else secret)
    if key is None and "secret_usage" not in given and "secret_uuid" not in given:
        fail(
            path,
            "needs secret (the key itself), secret_usage or secret_uuid",
            "secret_usage/secret_uuid refer to a libvirt secret that already exists",
        )
    if key is not None and "secret_usage" not in given and "secret_uuid" not in given:
        given["secret_usage"] = OWN_SECRET_USAGE % pool_name
    return Auth(type=kind, **given), key


def _host_item(item, path):
    if isinstance(item, str):
        return Host(name=checks.host(item, path))
    fields = checks.Fields(item, path, tuple(HOST))
    if not fields.has("name"):
        fail(at(path, "name"), "is required")
    return Host(**_checked(fields, HOST))


def _hosts(fields, rule, kind):
    """source.hosts, a list of {name, port}, or its one-item form host (and port)."""
    where = fields.where("hosts")
    if fields.written.get("hosts") == "host":
        return [Host(name=checks.host(fields.raw("hosts"), where), port=fields.get("port", port))]
    if fields.has("port"):
        fail(fields.where("port"), "only goes with host; give each item of hosts its port")
    items = checks.listing(fields.raw("hosts"), where)
    if not items:
        fail(where, "must be a non-empty list of {name, port}")
    if len(items) > rule.max_hosts:
        fail(where, "%s pool takes at most %d host(s) (got %d)" % (article(kind), rule.max_hosts, len(items)))
    return [_host_item(item, at(where, index)) for index, item in enumerate(items)]


def _devices(fields, rule, kind):
    """source.devices, a list of paths (or IQNs for iSCSI), or its one-item form device."""
    where = fields.where("devices")
    check = target_iqn if rule.device_kind == "iqn" else checks.abs_path
    if fields.written.get("devices") == "device":
        return [check(fields.raw("devices"), where)]
    items = checks.listing(fields.raw("devices"), where)
    if not items:
        fail(where, "must be a non-empty list of device paths")
    if len(items) > rule.max_devices:
        fail(
            where,
            "%s pool takes one device; use device: /dev/..." % article(kind)
            if rule.max_devices == 1
            else "%s pool takes at most %d devices" % (article(kind), rule.max_devices),
        )
    devices = [check(item, at(where, index)) for index, item in enumerate(items)]
    if len(set(devices)) != len(devices):
        fail(where, "lists a device twice")
    return devices


def _source(value, path, pool, rule):
    """The pool's Source and the auth key given with it (None if none)."""
    fields = checks.Fields(value, path, tuple(SOURCE), SOURCE_ALIASES)
    kind = pool.type
    if fields.has("port") and not fields.has("hosts"):
        fail(at(path, "host"), "is required when port is given")
    for key in sorted(fields.data):
        if key != "port" and key not in rule.source:
            fail(
                fields.where(key),
                "does not apply to %s pool" % article(kind),
                "%s pool takes: %s" % (article(kind), ", ".join(rule.source) or "no source options"),
            )
    for key in rule.required:
        if not fields.has(key):
            # Ask for the simplest form: host rather than hosts, device rather than devices.
            name = {"hosts": "host", "devices": "device"}.get(key, key)
            fail(at(path, name), "is required for %s pool" % article(kind), _REQUIRED_HINTS.get(key))
    src = Source(**_checked(fields, SOURCE))
    if fields.has("hosts"):
        src.hosts = _hosts(fields, rule, kind)
    if fields.has("devices"):
        src.devices = _devices(fields, rule, kind)
    src.format = fields.get("format", checks.choice(*rule.formats))
    if fields.has("dir"):
        relative_ok = kind == "netfs" and src.format in ("cifs", "glusterfs")
        src.dir = fields.get("dir", checks.plain_text if relative_ok else checks.abs_path)
    if src.name and kind in ("logical", "vstorage", "sheepdog") and "/" in src.name:
        fail(fields.where("name"), "must not contain a slash for %s pool" % article(kind))
    if src.protocol_version and src.format not in (None, "auto", "nfs"):
        fail(fields.where("protocol_version"), "only applies to NFS (format nfs or auto)")
    key = None
    if fields.has("auth"):
        src.auth, key = _auth(fields.raw("auth"), fields.where("auth"), pool.name, rule)
    return src, key


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
    pool.permissions = target.one("permissions", _permissions, Permissions())


def _volume(value, path, pool, rule, names):
    fields = checks.Fields(value, path, tuple(VOLUME))
    vol = Volume(name=fields.get("name", partition_name(pool), required=True))
    if vol.name in names:
        fail(fields.where("name"), "volume %r is listed twice in this pool" % vol.name)
    names.add(vol.name)
    vol.state = fields.get("state", VOLUME["state"], default="present")
    if rule.volume_formats is None:
        fail(
            fields.where("name"),
            "%s pool cannot create volumes" % article(pool.type),
            _NO_VOLUMES_HINTS.get(
                pool.type, "its volumes are the LUNs or devices the storage already has; remove volumes"
            ),
        )
    if vol.state == "absent":
        return vol
    given = _checked(fields, VOLUME)
    if fields.has("format"):
        if not rule.volume_formats:
            fail(fields.where("format"), "%s pool's volumes have no format; remove it" % article(pool.type))
        vol.format = fields.get("format", checks.choice(*rule.volume_formats))
    vol.upload = given.get("upload")
    if vol.upload and not os.path.isfile(vol.upload):
        fail(fields.where("upload"), "no such image file on the host: %s" % vol.upload)
    image_size = os.path.getsize(vol.upload) if vol.upload else None
    vol.capacity = given.get("capacity", image_size)
    if vol.capacity is None:
        fail(fields.where("capacity"), "is required for a new volume", "e.g. capacity: 10G")
    if image_size is not None and vol.capacity < image_size:
        fail(fields.where("capacity"), "is smaller than the image in upload (%s bytes)" % image_size)
    if vol.capacity == 0 and not vol.upload:
        fail(fields.where("capacity"), "must be larger than 0")
    vol.allocation = given.get("allocation")
    if vol.allocation is not None and vol.allocation > vol.capacity:
        fail(fields.where("allocation"), "must not be larger than capacity")
    if fields.has("backing"):
        vol.backing, vol.backing_format = _backing(fields, pool, rule, vol)
    elif fields.has("backing_format"):
        fail(fields.where("backing_format"), "only goes with backing")
    vol.permissions = given.get("permissions", Permissions())
    return vol


def _backing(fields, pool, rule, vol):
    """The backing volume's path (a name means a volume of the same pool) and format."""
    where = fields.where("backing")
    if rule.volume_formats is not FILE_VOLUME_FORMATS or (vol.format or "raw") not in BACKING_FORMATS:
        fail(where, "needs a file-based pool and a format of %s" % ", ".join(BACKING_FORMATS))
    backing = fields.raw("backing")
    if isinstance(backing, str) and not backing.startswith("/"):
        volume_name(backing, where)
        if not pool.target_path:
            fail(where, "must be an absolute path for a pool without target path")
        backing = os.path.join(pool.target_path, backing)
    return checks.abs_path(backing, where), fields.get("backing_format", VOLUME["backing_format"], default="qcow2")


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
    given = _checked(fields, POOL)
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
    pool.source, spec.secret = _source(fields.raw("source", {}), fields.where("source"), pool, rule)
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
        _volume(item, at(fields.where("volumes"), index), pool, rule, names) for index, item in enumerate(volumes)
    ]
    spec.pool = normalise(pool)
    return spec


def parse_pools(value, path="pools"):
    """Validate the whole list before anything changes; returns PoolSpecs in input order."""
    specs, seen = [], {}
    for index, item in enumerate(checks.listing(value, path)):
        spec = parse_pool(item, at(path, index))
        if spec.pool.name in seen:
            fail(
                at(at(path, index), "name"), "pool %r is already listed at %s" % (spec.pool.name, seen[spec.pool.name])
            )
        seen[spec.pool.name] = at(path, index)
        specs.append(spec)
    targets = {}
    for spec in specs:
        target = spec.pool.target_path
        if spec.state != "absent" and target and spec.pool.type in ("dir", "fs", "netfs", "vstorage"):
            if target in targets:
                fail(at(spec.path, "target"), "path %s is also the target of pool %r" % (target, targets[target]))
            targets[target] = spec.pool.name
    return specs
