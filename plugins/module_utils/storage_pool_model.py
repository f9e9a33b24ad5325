# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool and volume model: per-type rules, input validation with exact paths, normalisation."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Dict, List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.units import parse_size

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$")
NAME_HINT = "use letters, digits and _ . + - only; no spaces, quotes, slashes or angle brackets"
DNS_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
IQN_RE = re.compile(r"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[A-Za-z0-9.-]+(:[^\s<>&\"']+)?$")
WWN_RE = re.compile(r"^(0x)?[0-9a-fA-F]{16}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
PCI_RE = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")
BASE64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
MODE_RE = re.compile(r"^0?[0-7]{3,4}$")
# Text that ends up in XML attributes or paths; control characters and markup never make sense there.
SAFE_TEXT_RE = re.compile(r"^[^\x00-\x1f<>\"'&]+$")

FS_FORMATS = ("auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
              "ocfs2", "vmfs")
FILE_VOLUME_FORMATS = ("raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi", "vhd", "cow", "dir", "bochs", "cloop",
                       "dmg", "iso", "fat", "ploop", "luks")
BACKING_FORMATS = ("qcow2", "qcow", "qed", "vmdk", "cow")
ISCSI_PORT = 3260
DISK_VOLUME_FORMATS = ("none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended")
# Names said with a leading vowel sound ("an iscsi pool", "an rbd pool", "an ext4 filesystem", "an fc_host adapter").
_VOWEL_SOUND = ("auto", "ext", "fc", "fs", "hfs", "iscsi", "iso", "mpath", "ocfs", "rbd", "xfs")


def article(word):
    """`word` with its indefinite article, for messages."""
    return "%s %s" % ("an" if word.startswith(_VOWEL_SOUND) else "a", word)


@dataclass(frozen=True)
class TypeRule:
    """What one pool type accepts: source fields, target, formats, volumes and build behaviour."""

    source: tuple = ()
    required: tuple = ()
    target: str = "required"  # required, optional or none
    formats: tuple = ()
    default_format: Optional[str] = None
    max_hosts: int = 1
    max_devices: int = 1
    device_kind: str = "path"  # path or iqn
    auth: Optional[str] = None
    volume_formats: Optional[tuple] = None  # None: the pool type cannot create volumes
    build: str = "none"  # none, mkdir (harmless) or format (writes to devices)
    extras: tuple = ()


TYPES = {
    "dir": TypeRule(source=("vendor", "product"), build="mkdir", volume_formats=FILE_VOLUME_FORMATS),
    "fs": TypeRule(source=("devices", "format", "vendor", "product"), required=("devices",), formats=FS_FORMATS,
                   default_format="auto", build="format", volume_formats=FILE_VOLUME_FORMATS,
                   extras=("mount_opts",)),
    "netfs": TypeRule(source=("hosts", "dir", "format", "protocol_version", "vendor", "product"),
                      required=("hosts", "dir"), formats=("auto", "nfs", "cifs", "glusterfs"), default_format="auto",
                      build="mkdir", volume_formats=FILE_VOLUME_FORMATS, extras=("mount_opts",)),
    "logical": TypeRule(source=("name", "devices", "format", "vendor", "product", "part_separator"), target="optional",
                        formats=("unknown", "lvm2"), default_format="lvm2", max_devices=64, build="format",
                        volume_formats=()),
    "disk": TypeRule(source=("devices", "format", "vendor", "product", "part_separator"), required=("devices",),
                     formats=("unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"),
                     default_format="unknown", build="format", volume_formats=DISK_VOLUME_FORMATS),
    "iscsi": TypeRule(source=("hosts", "devices", "initiator", "auth", "vendor", "product"),
                      required=("hosts", "devices"), device_kind="iqn", auth="chap"),
    "iscsi-direct": TypeRule(source=("hosts", "devices", "initiator", "auth"), target="none",
                             required=("hosts", "devices", "initiator"), device_kind="iqn", auth="chap"),
    "scsi": TypeRule(source=("adapter", "vendor", "product"), required=("adapter",)),
    "mpath": TypeRule(),
    "rbd": TypeRule(source=("name", "hosts", "auth"), required=("name", "hosts"), target="none", max_hosts=16,
                    auth="ceph", volume_formats=("raw",), extras=("config_opts", "refresh_allocation")),
    "sheepdog": TypeRule(source=("hosts", "name"), required=("hosts", "name"), target="none", volume_formats=("raw",)),
    # libvirt's gluster backend only lists and deletes files; a netfs pool with format glusterfs creates them.
    "gluster": TypeRule(source=("hosts", "name", "dir"), required=("hosts", "name"), target="none"),
    "zfs": TypeRule(source=("name", "devices"), required=("name",), target="optional",
                    build="format", volume_formats=()),
    "vstorage": TypeRule(source=("name",), required=("name",), build="mkdir", volume_formats=FILE_VOLUME_FORMATS),
}


@dataclass
class Host:
    name: str
    port: Optional[int] = None


@dataclass
class Permissions:
    mode: Optional[str] = None
    owner: Optional[int] = None
    group: Optional[int] = None
    label: Optional[str] = None


@dataclass
class Adapter:
    type: str = "scsi_host"
    name: Optional[str] = None
    parent: Optional[str] = None
    parent_wwnn: Optional[str] = None
    parent_wwpn: Optional[str] = None
    parent_fabric_wwn: Optional[str] = None
    managed: Optional[bool] = None
    wwnn: Optional[str] = None
    wwpn: Optional[str] = None
    parent_address: Optional[str] = None
    unique_id: Optional[int] = None


@dataclass
class Auth:
    type: str
    username: str
    secret_usage: Optional[str] = None
    secret_uuid: Optional[str] = None


@dataclass
class Source:
    hosts: List[Host] = field(default_factory=list)
    devices: List[str] = field(default_factory=list)
    part_separator: Optional[bool] = None
    dir: Optional[str] = None
    name: Optional[str] = None
    format: Optional[str] = None
    adapter: Optional[Adapter] = None
    initiator: Optional[str] = None
    auth: Optional[Auth] = None
    protocol_version: Optional[str] = None
    vendor: Optional[str] = None
    product: Optional[str] = None


@dataclass
class Pool:
    """Everything of a pool that lives in its libvirt XML definition."""

    name: str
    type: str = "dir"
    source: Source = field(default_factory=Source)
    target_path: Optional[str] = None
    permissions: Permissions = field(default_factory=Permissions)
    cow: Optional[bool] = None
    mount_opts: List[str] = field(default_factory=list)
    config_opts: Dict[str, str] = field(default_factory=dict)
    refresh_allocation: Optional[str] = None


@dataclass
class Volume:
    name: str
    state: str = "present"
    capacity: Optional[int] = None
    allocation: Optional[int] = None
    format: Optional[str] = None
    backing: Optional[str] = None
    backing_format: Optional[str] = None
    permissions: Permissions = field(default_factory=Permissions)
    upload: Optional[str] = None


@dataclass
class PoolSpec:
    """One entry of the user's list: the definition plus what to do with it."""

    pool: Pool
    path: str
    state: str = "active"  # active, inactive, present (defined, run state untouched) or absent
    autostart: Optional[bool] = True  # None: leave as it is
    build: bool = False
    overwrite: bool = False
    delete_data: bool = False
    volumes: List[Volume] = field(default_factory=list)
    secret: Optional[str] = field(default=None, repr=False)


def normalise(pool):
    """Fill the values libvirt fills itself, so a parsed live pool and a desired pool compare equal."""
    rule = TYPES.get(pool.type)
    source = replace(pool.source)
    if rule and rule.default_format and source.format is None:
        source.format = rule.default_format
    if pool.type == "logical" and source.name is None:
        source.name = pool.name
    if pool.type == "gluster" and source.dir is None:
        source.dir = "/"
    target_path = pool.target_path
    if target_path is None and pool.type == "logical":
        target_path = "/dev/%s" % source.name
    if target_path is None and pool.type == "zfs" and source.name:
        target_path = "/dev/zvol/%s" % source.name
    if target_path and target_path != "/":
        target_path = target_path.rstrip("/")
    return replace(pool, source=source, target_path=target_path)


def adopt_unset(desired, live):
    """Copy what the user left unset and libvirt reports anyway (permissions, partition separator, vHBA
    parent and managed flag) from the live pool, so they never count as a change."""
    perms = replace(desired.permissions, **{
        f.name: getattr(live.permissions, f.name) for f in fields(Permissions)
        if getattr(desired.permissions, f.name) is None})
    source = desired.source
    if source.part_separator is None:
        source = replace(source, part_separator=live.source.part_separator)
    if source.adapter and live.source.adapter and source.adapter.type == live.source.adapter.type:
        source = replace(source, adapter=replace(
            source.adapter, **{key: getattr(live.source.adapter, key) for key in ("managed", "parent")
                               if getattr(source.adapter, key) is None}))
    if desired.type in ("iscsi", "iscsi-direct") and len(source.hosts) == len(live.source.hosts):
        # libvirt writes the default iSCSI port into the definition when it first starts the pool.
        source = replace(source, hosts=[
            replace(mine, port=ISCSI_PORT)
            if mine.port is None and (theirs.name, theirs.port) == (mine.name, ISCSI_PORT) else mine
            for mine, theirs in zip(source.hosts, live.source.hosts)])
    cow = live.cow if desired.cow is None else desired.cow
    return replace(desired, permissions=perms, source=source, cow=cow)


# --- input reading -------------------------------------------------------------------------------------------

POOL_KEYS = ("name", "type", "state", "autostart", "build", "overwrite", "delete_data", "path", "target", "source",
             "cow", "mount_opts", "config_opts", "refresh_allocation", "volumes")
SOURCE_KEYS = ("host", "port", "hosts", "device", "devices", "part_separator", "dir", "name", "format", "adapter",
               "initiator", "auth", "protocol_version", "vendor", "product")
ADAPTER_KEYS = tuple(f.name for f in fields(Adapter))
AUTH_KEYS = ("type", "username", "secret_usage", "secret_uuid", "secret")
PERMISSION_KEYS = tuple(f.name for f in fields(Permissions))
VOLUME_KEYS = ("name", "state", "capacity", "allocation", "format", "backing", "backing_format", "permissions",
               "upload")
# Usage name of the libvirt secret made for a pool's key (given as auth.secret); it goes when the pool goes.
OWN_SECRET_USAGE = "essentials.kvm.pool.%s"
# The older ansible-kvm roles used virt_pool's state names.
LEGACY_STATES = {"undefined": "absent", "deleted": "absent"}


def _mapping(value, path, keys):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(path, "must be a mapping (got %s)" % type(value).__name__)
    for key in value:
        if key not in keys:
            raise InputError(at(path, str(key)), "unknown option", "valid options: %s" % ", ".join(keys))
    return {k: v for k, v in value.items() if v is not None}


def _text(value, path, pattern=SAFE_TEXT_RE, hint=None, what="text"):
    if not isinstance(value, str) or not value:
        raise InputError(path, "must be a non-empty string (got %r)" % (value,), hint)
    if not pattern.match(value):
        raise InputError(path, "is not a valid %s (got %r)" % (what, value), hint)
    return value


def _bool(value, path):
    if not isinstance(value, bool):
        raise InputError(path, "must be true or false (got %r)" % (value,))
    return value


def _int(value, path, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(path, "must be a whole number from %d to %d (got %r)" % (low, high, value))
    return value


def _choice(value, path, choices):
    if value not in choices:
        raise InputError(path, "must be one of %s (got %r)" % (", ".join(choices), value))
    return value


def _abs_path(value, path):
    _text(value, path)
    if not value.startswith("/") or "/../" in value + "/":
        raise InputError(path, "must be an absolute path (got %r)" % value, "start it with / and avoid '..'")
    return value


def _size(value, path):
    try:
        return parse_size(value)
    except ValueError as exc:
        raise InputError(path, str(exc))


def _host(value, path):
    _text(value, path, what="host name or IP address")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not DNS_RE.match(value):
            raise InputError(path, "is not a host name or IP address (got %r)" % value)
    return value


def _permissions(value, path):
    raw = _mapping(value, path, PERMISSION_KEYS)
    mode = raw.get("mode")
    if mode is not None:
        if not isinstance(mode, str) or not MODE_RE.match(mode):
            raise InputError(at(path, "mode"), "must be an octal mode string such as '0755' (got %r)" % (mode,),
                             "quote it in YAML, otherwise 0755 is read as the number 493")
        mode = "%04o" % int(mode, 8)
    ids = {k: _int(raw[k], at(path, k), -1, 2 ** 32 - 2) for k in ("owner", "group") if k in raw}
    label = _text(raw["label"], at(path, "label")) if "label" in raw else None
    return Permissions(mode=mode, label=label, **ids)


def _adapter(value, path):
    raw = _mapping(value, path, ADAPTER_KEYS)
    kind = _choice(raw.get("type", "scsi_host"), at(path, "type"), ("scsi_host", "fc_host"))
    adapter = Adapter(type=kind)
    for key in ("parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "wwnn", "wwpn"):
        if key in raw:
            setattr(adapter, key, _text(raw[key], at(path, key), WWN_RE, "16 hex digits", "WWN"))
    if "managed" in raw:
        adapter.managed = _bool(raw["managed"], at(path, "managed"))
    for key in ("name", "parent"):
        if key in raw:
            setattr(adapter, key, _text(raw[key], at(path, key), re.compile(r"^[A-Za-z0-9_:.-]+$"), what="name"))
    if "parent_address" in raw:
        adapter.parent_address = _text(raw["parent_address"], at(path, "parent_address"), PCI_RE,
                                       "write it as domain:bus:slot.function, e.g. 0000:00:1f.2",
                                       "PCI address").lower()
    if "unique_id" in raw:
        adapter.unique_id = _int(raw["unique_id"], at(path, "unique_id"), 1, 2 ** 31 - 1)
    fc_only = ("parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "wwnn", "wwpn", "managed")
    scsi_only = ("name", "parent_address", "unique_id")
    for key in (scsi_only if kind == "fc_host" else fc_only + ("parent",)):
        if key in raw:
            raise InputError(at(path, key), "does not apply to %s adapter" % article(kind))
    if kind == "fc_host":
        for key in ("wwnn", "wwpn"):
            if key not in raw:
                raise InputError(at(path, key), "is required for an fc_host adapter", "give the vHBA's WWN")
    elif ("name" in raw) == ("parent_address" in raw):
        raise InputError(at(path, "name"), "a scsi_host adapter needs exactly one of name or parent_address",
                         "e.g. name: host0")
    elif "unique_id" in raw and "parent_address" not in raw:
        raise InputError(at(path, "unique_id"), "only goes with parent_address")
    return adapter


def _auth(value, path, pool_name, rule):
    raw = _mapping(value, path, AUTH_KEYS)
    kind = _choice(raw.get("type", rule.auth), at(path, "type"), (rule.auth,))
    if "username" not in raw:
        raise InputError(at(path, "username"), "is required for %s auth" % kind)
    username = _text(raw["username"], at(path, "username"))
    uuid = raw.get("secret_uuid")
    if uuid is not None:
        _text(uuid, at(path, "secret_uuid"), UUID_RE, what="UUID")
    usage = raw.get("secret_usage")
    if usage is not None:
        _text(usage, at(path, "secret_usage"), re.compile(r"^[^/\x00-\x1f<>\"'&]+$"), what="secret usage name")
    if uuid and usage:
        raise InputError(at(path, "secret_usage"), "give either secret_usage or secret_uuid, not both")
    secret = raw.get("secret")
    if secret is not None:
        if not isinstance(secret, str) or not secret:
            raise InputError(at(path, "secret"), "must be a non-empty string")
        if kind == "ceph" and not BASE64_RE.match(secret):
            raise InputError(at(path, "secret"), "must be the base64 ceph key as in the keyring file",
                             "copy the value after 'key =' from ceph auth get-or-create")
        if not uuid and not usage:
            usage = OWN_SECRET_USAGE % pool_name
    elif not uuid and not usage:
        raise InputError(path, "needs secret (the key itself), secret_usage or secret_uuid",
                         "secret_usage/secret_uuid refer to a libvirt secret that already exists")
    return Auth(type=kind, username=username, secret_usage=usage, secret_uuid=uuid), secret


def _hosts(hosts, path, as_list, pool_type, rule):
    """Read source.hosts (a list of {name, port}) or the host/port shorthand, with matching error paths."""
    if not isinstance(hosts, list) or not hosts:
        raise InputError(at(path, "hosts"), "must be a non-empty list of {name, port}")
    if len(hosts) > rule.max_hosts:
        raise InputError(at(path, "hosts"), "%s pool takes at most %d host(s) (got %d)"
                         % (article(pool_type), rule.max_hosts, len(hosts)))
    result = []
    for index, item in enumerate(hosts):
        item = _mapping(item if isinstance(item, dict) else {"name": item}, at(at(path, "hosts"), index),
                        ("name", "port"))
        name_path = at(at(at(path, "hosts"), index), "name") if as_list else at(path, "host")
        port_path = at(at(at(path, "hosts"), index), "port") if as_list else at(path, "port")
        if "name" not in item:
            raise InputError(name_path, "is required")
        port = _int(item["port"], port_path, 1, 65535) if "port" in item else None
        result.append(Host(name=_host(item["name"], name_path), port=port))
    return result


def _source(value, path, pool, rule):
    raw = _mapping(value, path, SOURCE_KEYS)
    value = value or {}
    src = Source()
    given = set(raw)
    if "host" in raw or "port" in raw:
        if "hosts" in raw:
            raise InputError(at(path, "hosts"), "give either host/port or hosts, not both")
        if "host" not in raw:
            raise InputError(at(path, "host"), "is required when port is given")
        raw["hosts"] = [{"name": raw.pop("host"), "port": raw.pop("port", None)}]
        given |= {"hosts"}
    if "device" in raw:
        if "devices" in raw:
            raise InputError(at(path, "devices"), "give either device or devices, not both")
        raw["devices"] = [raw.pop("device")]
        given |= {"devices"}
    given -= {"host", "port", "device"}
    # Errors name the key the user wrote: host/device for the one-item shorthands.
    written = {"hosts": "hosts" if value.get("hosts") is not None else "host",
               "devices": "devices" if value.get("devices") is not None else "device"}
    for key in sorted(given):
        if key not in rule.source:
            raise InputError(at(path, written.get(key, key)), "does not apply to %s pool" % article(pool.type),
                             "%s pool takes: %s" % (article(pool.type), ", ".join(rule.source) or "no source options"))
    for key in rule.required:
        if key not in raw:
            name = {"hosts": "host", "devices": "device"}.get(key, key)  # ask for the simplest form
            raise InputError(at(path, name), "is required for %s pool" % article(pool.type), _REQUIRED_HINTS.get(key))
    if "hosts" in raw:
        src.hosts = _hosts(raw["hosts"], path, value.get("hosts") is not None, pool.type, rule)
    if "devices" in raw:
        devices = raw["devices"]
        single = value.get("device") is not None
        if not isinstance(devices, list) or not devices:
            raise InputError(at(path, "devices"), "must be a non-empty list of device paths")
        if len(devices) > rule.max_devices:
            raise InputError(at(path, "devices"), "%s pool takes one device; use device: /dev/..." % article(pool.type))
        for index, device in enumerate(devices):
            dev_path = at(path, "device") if single else at(at(path, "devices"), index)
            if rule.device_kind == "iqn":
                _text(device, dev_path, IQN_RE, "e.g. iqn.2026-01.com.example:storage.target1", "iSCSI target IQN")
            else:
                _abs_path(device, dev_path)
            src.devices.append(device)
        if len(set(src.devices)) != len(src.devices):
            raise InputError(at(path, "devices"), "lists a device twice")
    if "part_separator" in raw:
        src.part_separator = _bool(raw["part_separator"], at(path, "part_separator"))
    if "format" in raw:
        src.format = _choice(raw["format"], at(path, "format"), rule.formats)
    if "dir" in raw:
        relative_ok = pool.type == "netfs" and src.format in ("cifs", "glusterfs")
        src.dir = _text(raw["dir"], at(path, "dir")) if relative_ok else _abs_path(raw["dir"], at(path, "dir"))
    if "name" in raw:
        src.name = _text(raw["name"], at(path, "name"), re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+:@/-]*$"),
                         "letters, digits and _ . + : @ - /", "source name")
        if pool.type in ("logical", "vstorage", "sheepdog") and "/" in src.name:
            raise InputError(at(path, "name"), "must not contain a slash for %s pool" % article(pool.type))
    if "adapter" in raw:
        src.adapter = _adapter(raw["adapter"], at(path, "adapter"))
    if "initiator" in raw:
        src.initiator = _text(raw["initiator"], at(path, "initiator"), IQN_RE,
                              "e.g. iqn.2026-01.com.example:host1", "initiator IQN")
    if "protocol_version" in raw:
        if src.format not in (None, "auto", "nfs"):
            raise InputError(at(path, "protocol_version"), "only applies to NFS (format nfs or auto)")
        src.protocol_version = _text(str(raw["protocol_version"]), at(path, "protocol_version"),
                                     re.compile(r"^[0-9]+(\.[0-9]+)?$"), "e.g. 4 or 4.2", "NFS version")
    for key in ("vendor", "product"):
        if key in raw:
            setattr(src, key, _text(raw[key], at(path, key)))
    return src, raw


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


def _check_partition_name(name, path, pool):
    """libvirt names a disk pool's volumes after the partitions it makes: sdb1, loop1p1, nvme0n1p2."""
    if pool.type != "disk" or len(pool.source.devices) != 1 or os.path.dirname(pool.source.devices[0]) != "/dev":
        return
    base = os.path.basename(pool.source.devices[0])
    sep = "p" if base[-1].isdigit() else ""
    if not re.match(r"^%s%s[0-9]+$" % (re.escape(base), sep), name):
        raise InputError(path, "a volume of disk pool %s must be named after its partition, such as %s%s1 (got %r)"
                         % (pool.name, base, sep, name), "libvirt names partitions NAME%sN after the device" % sep)


def _volume(value, path, pool, rule, names):
    raw = _mapping(value, path, VOLUME_KEYS)
    if "name" not in raw:
        raise InputError(at(path, "name"), "is required")
    vol = Volume(name=_text(raw["name"], at(path, "name"), NAME_RE, NAME_HINT, "volume name"))
    if vol.name in names:
        raise InputError(at(path, "name"), "volume %r is listed twice in this pool" % vol.name)
    names.add(vol.name)
    _check_partition_name(vol.name, at(path, "name"), pool)
    vol.state = _choice(raw.get("state", "present"), at(path, "state"), ("present", "absent"))
    if rule.volume_formats is None:
        raise InputError(at(path, "name"), "%s pool cannot create volumes" % article(pool.type),
                         _NO_VOLUMES_HINTS.get(pool.type, "its volumes are the LUNs or devices the storage "
                                                          "already has; remove volumes"))
    if vol.state == "absent":
        return vol
    if "format" in raw:
        if not rule.volume_formats:
            raise InputError(at(path, "format"), "%s pool's volumes have no format; remove it" % article(pool.type))
        vol.format = _choice(raw["format"], at(path, "format"), rule.volume_formats)
    if "upload" in raw:
        vol.upload = _abs_path(raw["upload"], at(path, "upload"))
        if not os.path.isfile(vol.upload):
            raise InputError(at(path, "upload"), "no such image file on the host: %s" % vol.upload)
        if "capacity" not in raw:
            vol.capacity = os.path.getsize(vol.upload)
    if "capacity" in raw:
        vol.capacity = _size(raw["capacity"], at(path, "capacity"))
        if vol.upload and vol.capacity < os.path.getsize(vol.upload):
            raise InputError(at(path, "capacity"), "is smaller than the image in upload (%d bytes)"
                             % os.path.getsize(vol.upload))
    if vol.capacity is None:
        raise InputError(at(path, "capacity"), "is required for a new volume", "e.g. capacity: 10G")
    if vol.capacity == 0 and not vol.upload:
        raise InputError(at(path, "capacity"), "must be larger than 0")
    if "allocation" in raw:
        vol.allocation = _size(raw["allocation"], at(path, "allocation"))
        if vol.allocation > vol.capacity:
            raise InputError(at(path, "allocation"), "must not be larger than capacity")
    if "backing" in raw:
        if rule.volume_formats is not FILE_VOLUME_FORMATS or (vol.format or "raw") not in BACKING_FORMATS:
            raise InputError(at(path, "backing"), "needs a file-based pool and a format of %s"
                             % ", ".join(BACKING_FORMATS))
        backing = raw["backing"]
        if isinstance(backing, str) and not backing.startswith("/"):
            _text(backing, at(path, "backing"), NAME_RE, NAME_HINT, "volume name")
            if not pool.target_path:
                raise InputError(at(path, "backing"), "must be an absolute path for a pool without target path")
            backing = os.path.join(pool.target_path, backing)
        vol.backing = _abs_path(backing, at(path, "backing"))
        vol.backing_format = _choice(raw.get("backing_format", "qcow2"), at(path, "backing_format"),
                                     FILE_VOLUME_FORMATS)
    elif "backing_format" in raw:
        raise InputError(at(path, "backing_format"), "only goes with backing")
    if "permissions" in raw:
        vol.permissions = _permissions(raw["permissions"], at(path, "permissions"))
    return vol


def parse_pool(value, path):
    """Validate one pool entry and return its PoolSpec; raise InputError naming the first bad field."""
    raw = _mapping(value, path, POOL_KEYS)
    if "name" not in raw:
        raise InputError(at(path, "name"), "is required")
    name = _text(raw["name"], at(path, "name"), NAME_RE, NAME_HINT, "pool name")
    kind = _choice(raw.get("type", "dir"), at(path, "type"), tuple(TYPES))
    rule = TYPES[kind]
    state = raw.get("state", "active")
    state = _choice(LEGACY_STATES.get(state, state), at(path, "state"), ("active", "inactive", "present", "absent"))
    pool = Pool(name=name, type=kind)
    spec = PoolSpec(pool=pool, path=path, state=state, build=rule.build == "mkdir",
                    autostart={"active": True, "inactive": False}.get(state))
    for key in ("autostart", "build", "overwrite", "delete_data"):
        if key in raw:
            setattr(spec, key, _bool(raw[key], at(path, key)))
    if raw.get("build") and rule.build == "none":
        raise InputError(at(path, "build"), "%s pool has nothing to build; remove build" % article(kind))
    if state == "absent":
        return spec
    target = _mapping(raw.get("target"), at(path, "target"), ("path", "permissions"))
    if "path" in raw:
        if "path" in target:
            raise InputError(at(path, "path"), "give either path or target.path, not both")
        target["path"] = raw["path"]
        target_path = at(path, "path")
    else:
        target_path = at(at(path, "target"), "path")
    if rule.target == "none" and target:
        raise InputError(target_path if "path" in target else at(path, "target"),
                         "%s pool has no target; remove it" % article(kind))
    if rule.target == "required" and "path" not in target:
        raise InputError(target_path, "is required for %s pool" % article(kind), "e.g. /var/lib/libvirt/images")
    if "path" in target:
        pool.target_path = _abs_path(target["path"], target_path)
    if "permissions" in target:
        pool.permissions = _permissions(target["permissions"], at(at(path, "target"), "permissions"))
    pool.source, source_raw = _source(raw.get("source"), at(path, "source"), pool, rule)
    if spec.build and rule.build == "format" and kind in ("logical", "zfs") and not pool.source.devices:
        raise InputError(at(at(path, "source"), "devices"), "building %s pool needs its devices" % article(kind),
                         "list the disks to put in the pool, or set build: false for an existing one")
    if "auth" in source_raw:
        pool.source.auth, spec.secret = _auth(source_raw["auth"], at(at(path, "source"), "auth"), name, rule)
    if "cow" in raw:
        if kind not in ("dir", "fs", "netfs"):
            raise InputError(at(path, "cow"), "only applies to dir, fs and netfs pools")
        pool.cow = _bool(raw["cow"], at(path, "cow"))
    for key in ("mount_opts", "config_opts", "refresh_allocation"):
        if key in raw and key not in rule.extras:
            raise InputError(at(path, key), "does not apply to %s pool" % article(kind))
    if "mount_opts" in raw:
        opts = raw["mount_opts"]
        if not isinstance(opts, list):
            raise InputError(at(path, "mount_opts"), "must be a list of mount options such as [noatime]")
        pool.mount_opts = [_text(o, at(at(path, "mount_opts"), i), re.compile(r"^[A-Za-z0-9_.=:,+/-]+$"),
                                 what="mount option") for i, o in enumerate(opts)]
    if "config_opts" in raw:
        opts = raw["config_opts"]
        if not isinstance(opts, dict):
            raise InputError(at(path, "config_opts"), "must be a mapping of rbd option names to values")
        pool.config_opts = {_text(k, at(path, "config_opts"), what="option name"):
                            _text(str(v), at(at(path, "config_opts"), k)) for k, v in opts.items()}
    if "refresh_allocation" in raw:
        pool.refresh_allocation = _choice(raw["refresh_allocation"], at(path, "refresh_allocation"),
                                          ("default", "capacity"))
    if kind == "scsi" and pool.source.adapter is None:
        raise InputError(at(at(path, "source"), "adapter"), "is required for a scsi pool")
    volumes = raw.get("volumes") or []
    if not isinstance(volumes, list):
        raise InputError(at(path, "volumes"), "must be a list")
    if volumes and state != "active":
        raise InputError(at(path, "volumes"), "volumes are managed only in an active pool", "set state: active")
    names = set()
    spec.volumes = [_volume(v, at(at(path, "volumes"), i), pool, rule, names) for i, v in enumerate(volumes)]
    spec.pool = normalise(pool)
    return spec


def parse_pools(value, path="pools"):
    """Validate the whole list before anything changes; returns PoolSpecs in input order."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(path, "must be a list of pools")
    specs, seen = [], {}
    for index, item in enumerate(value):
        spec = parse_pool(item, at(path, index))
        if spec.pool.name in seen:
            raise InputError(at(at(path, index), "name"), "pool %r is already listed at %s"
                             % (spec.pool.name, seen[spec.pool.name]))
        seen[spec.pool.name] = at(path, index)
        specs.append(spec)
    targets = {}
    for spec in specs:
        target = spec.pool.target_path
        if spec.state != "absent" and target and spec.pool.type in ("dir", "fs", "netfs", "vstorage"):
            if target in targets:
                raise InputError(at(spec.path, "target"), "path %s is also the target of pool %r"
                                 % (target, targets[target]))
            targets[target] = spec.pool.name
    return specs
