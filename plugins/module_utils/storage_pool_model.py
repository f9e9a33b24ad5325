# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool and volume model: the dataclasses, what each pool type accepts (TYPES), normalisation.
storage_pool_validate reads the user's input into these."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field, fields, replace
from typing import Optional

FS_FORMATS = (
    "auto",
    "ext2",
    "ext3",
    "ext4",
    "ufs",
    "iso9660",
    "udf",
    "gfs",
    "gfs2",
    "vfat",
    "hfs+",
    "xfs",
    "ocfs2",
    "vmfs",
)
FILE_VOLUME_FORMATS = (
    "raw",
    "qcow2",
    "qcow",
    "qed",
    "vmdk",
    "vpc",
    "vdi",
    "vhd",
    "cow",
    "dir",
    "bochs",
    "cloop",
    "dmg",
    "iso",
    "fat",
    "ploop",
)
BACKING_FORMATS = ("qcow2", "qcow", "qed", "vmdk", "cow")
ISCSI_PORT = 3260
# Usage name of the libvirt secret made for a pool's key (given as auth.secret); it goes when the pool goes.
OWN_SECRET_USAGE = "essentials.kvm.pool.%s"
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
    "fs": TypeRule(
        source=("devices", "format", "vendor", "product"),
        required=("devices",),
        formats=FS_FORMATS,
        default_format="auto",
        build="format",
        volume_formats=FILE_VOLUME_FORMATS,
        extras=("mount_opts",),
    ),
    "netfs": TypeRule(
        source=("hosts", "dir", "format", "protocol_version", "vendor", "product"),
        required=("hosts", "dir"),
        formats=("auto", "nfs", "cifs", "glusterfs"),
        default_format="auto",
        build="mkdir",
        volume_formats=FILE_VOLUME_FORMATS,
        extras=("mount_opts",),
    ),
    "logical": TypeRule(
        source=("name", "devices", "format", "vendor", "product", "part_separator"),
        target="optional",
        formats=("unknown", "lvm2"),
        default_format="lvm2",
        max_devices=64,
        build="format",
        volume_formats=(),
    ),
    "disk": TypeRule(
        source=("devices", "format", "vendor", "product", "part_separator"),
        required=("devices",),
        formats=("unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"),
        default_format="unknown",
        build="format",
        volume_formats=DISK_VOLUME_FORMATS,
    ),
    "iscsi": TypeRule(
        source=("hosts", "devices", "initiator", "auth", "vendor", "product"),
        required=("hosts", "devices"),
        device_kind="iqn",
        auth="chap",
    ),
    "iscsi-direct": TypeRule(
        source=("hosts", "devices", "initiator", "auth"),
        target="none",
        required=("hosts", "devices", "initiator"),
        device_kind="iqn",
        auth="chap",
    ),
    "scsi": TypeRule(source=("adapter", "vendor", "product"), required=("adapter",)),
    "mpath": TypeRule(),
    "rbd": TypeRule(
        source=("name", "hosts", "auth"),
        required=("name", "hosts"),
        target="none",
        max_hosts=16,
        auth="ceph",
        volume_formats=("raw",),
        extras=("config_opts", "refresh_allocation"),
    ),
    "sheepdog": TypeRule(source=("hosts", "name"), required=("hosts", "name"), target="none", volume_formats=("raw",)),
    # libvirt's gluster backend only lists and deletes files; a netfs pool with format glusterfs creates them.
    "gluster": TypeRule(source=("hosts", "name", "dir"), required=("hosts", "name"), target="none"),
    "zfs": TypeRule(
        source=("name", "devices"), required=("name",), target="optional", build="format", volume_formats=()
    ),
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
    hosts: list[Host] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
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
    mount_opts: list[str] = field(default_factory=list)
    config_opts: dict[str, str] = field(default_factory=dict)
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
    volumes: list[Volume] = field(default_factory=list)
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
    perms = replace(
        desired.permissions,
        **{
            f.name: getattr(live.permissions, f.name)
            for f in fields(Permissions)
            if getattr(desired.permissions, f.name) is None
        },
    )
    source = desired.source
    if source.part_separator is None:
        source = replace(source, part_separator=live.source.part_separator)
    if source.adapter and live.source.adapter and source.adapter.type == live.source.adapter.type:
        source = replace(
            source,
            adapter=replace(
                source.adapter,
                **{
                    key: getattr(live.source.adapter, key)
                    for key in ("managed", "parent")
                    if getattr(source.adapter, key) is None
                },
            ),
        )
    if desired.type in ("iscsi", "iscsi-direct") and len(source.hosts) == len(live.source.hosts):
        # libvirt writes the default iSCSI port into the definition when it first starts the pool.
        source = replace(
            source,
            hosts=[
                replace(mine, port=ISCSI_PORT)
                if mine.port is None and (theirs.name, theirs.port) == (mine.name, ISCSI_PORT)
                else mine
                for mine, theirs in zip(source.hosts, live.source.hosts)
            ],
        )
    cow = live.cow if desired.cow is None else desired.cow
    return replace(desired, permissions=perms, source=source, cow=cow)
