# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual machine model: dataclasses, the derived defaults (MACs, disk targets), comparison.

domain_validate.py reads the input into these objects; domain_xml.py reads them from libvirt."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

STATES = ("running", "shutdown", "paused", "destroyed", "absent")
DOMAIN_TYPES = ("auto", "kvm", "qemu")
CPU_MODES = ("host-passthrough", "host-model", "custom")
FIRMWARES = ("bios", "uefi")
BOOT_DEVICES = ("hd", "cdrom", "network", "fd")
GRAPHICS = ("none", "vnc", "spice")
DISK_TYPES = ("volume", "new", "copy", "overlay", "cdrom", "file", "image")
CLONES = ("linked", "full")
DISK_BUSES = ("virtio", "scsi", "sata")
DISK_FORMATS = ("qcow2", "raw")
CACHES = ("default", "none", "writethrough", "writeback", "directsync", "unsafe")
IOS = ("native", "threads", "io_uring")
DISCARDS = ("ignore", "unmap")
NIC_TYPES = ("network", "bridge", "direct", "user", "ethernet", "hostdev")
DIRECT_MODES = ("bridge", "private", "vepa", "passthrough")
NIC_MODELS = ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3")
BANDWIDTH_KEYS = ("average", "peak", "burst")

# Fields that never appear in domain XML: they drive actions, not the definition.
NOT_IN_XML = {"xml": False}
# Fields where unset means "not there" rather than "libvirt's choice", so removing them is a change.
EXPLICIT = {"explicit": True}


@dataclass
class Disk:
    target: str
    bus: str = "virtio"
    device: str = "disk"
    pool: Optional[str] = None
    volume: Optional[str] = None
    path: Optional[str] = None
    format: Optional[str] = None
    cache: Optional[str] = None
    io: Optional[str] = None
    discard: Optional[str] = None
    readonly: bool = False
    # The disk type of the XML: file or block for a volume reached by its path (domain_disk_source), volume for
    # one libvirt resolves (a network volume); unset, a pool disk is written as volume and a path as file.
    source_type: Optional[str] = None
    kind: str = field(default="volume", metadata=NOT_IN_XML)
    size: Optional[int] = field(default=None, metadata=NOT_IN_XML)
    base: Optional[str] = field(default=None, metadata=NOT_IN_XML)
    base_pool: Optional[str] = field(default=None, metadata=NOT_IN_XML)
    # A disk from a cached base image: an overlay (linked clone) or a copy (full clone) of its volume.
    image: Optional[str] = field(default=None, metadata=NOT_IN_XML)


@dataclass
class Nic:
    type: str
    mac: str
    source: Optional[str] = None
    portgroup: Optional[str] = None
    ovs: bool = False
    vlan: Optional[int] = None
    trunk: list[int] = field(default_factory=list)
    mode: Optional[str] = None
    target_dev: Optional[str] = None
    model: Optional[str] = None
    mtu: Optional[int] = None
    bandwidth: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class CloudInit:
    user_data: str
    meta_data: str
    network_config: Optional[str] = None

    def digest(self):
        text = json.dumps([self.user_data, self.meta_data, self.network_config])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Domain:
    name: str
    domain_type: str = "qemu"
    memory: int = 1048576
    current_memory: int = 1048576
    vcpus: int = 1
    max_vcpus: int = 1
    iothreads: Optional[int] = None
    cpu_mode: Optional[str] = None
    cpu_model: Optional[str] = None
    arch: Optional[str] = None
    machine: Optional[str] = None
    firmware: str = "bios"
    secure_boot: bool = False
    nvram: Optional[str] = None
    boot: list[str] = field(default_factory=lambda: ["hd"])
    kernel: Optional[str] = field(default=None, metadata=EXPLICIT)
    initrd: Optional[str] = field(default=None, metadata=EXPLICIT)
    cmdline: Optional[str] = field(default=None, metadata=EXPLICIT)
    serial_console: bool = True
    graphics: str = "none"
    graphics_listen: Optional[str] = None
    # explicit: a password dropped from the input is removed from the VM.
    graphics_password: Optional[str] = field(default=None, metadata={"explicit": True})
    rng: bool = True
    guest_agent: bool = True
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    seed_digest: Optional[str] = None
    disks: list[Disk] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    host: Optional[str] = field(default=None, metadata=NOT_IN_XML)
    state: str = field(default="running", metadata=NOT_IN_XML)
    autostart: bool = field(default=False, metadata=NOT_IN_XML)
    remove_volumes: bool = field(default=False, metadata=NOT_IN_XML)
    cloud_init: Optional[CloudInit] = field(default=None, metadata=NOT_IN_XML)


def derive_mac(host, vm, index):
    """Stable locally administered MAC, so reruns never invent a new address."""
    digest = hashlib.sha256(("%s\0%s\0%d" % (host or "", vm, index)).encode("utf-8")).digest()
    return "52:54:00:%02x:%02x:%02x" % tuple(bytearray(digest[:3]))


def machine_matches(want, have):
    """'q35' and 'pc' are aliases that libvirt expands to a versioned machine type."""
    if want == have:
        return True
    prefix = {"q35": "pc-q35-", "pc": "pc-i440fx-"}.get(want, want + "-")
    return bool(have) and have.startswith(prefix)


def differences(want, have, path=""):
    """List (path, current, desired) for XML-visible fields; unset (None) desired fields are libvirt's to choose."""
    out = []
    for spec in fields(want):
        if not spec.metadata.get("xml", True):
            continue
        name = spec.name
        wval, hval = getattr(want, name), getattr(have, name)
        where = at(path, name)
        if wval is None and not spec.metadata.get("explicit"):
            continue
        if name == "machine" and machine_matches(wval, hval):
            continue
        if name in ("disks", "nics"):
            out.extend(_list_differences(name, wval, hval, path))
        elif wval != hval:
            out.append((where, hval, wval))
    return out


def _list_differences(name, wanted, current, path):
    key = "target" if name == "disks" else "mac"
    have = {getattr(item, key): item for item in current}
    out = []
    for item in wanted:
        where = "%s[%s=%s]" % (at(path, name), key, getattr(item, key))
        if getattr(item, key) not in have:
            out.append((where, None, "added"))
        else:
            out.extend(differences(item, have[getattr(item, key)], where))
    wanted_keys = set(getattr(item, key) for item in wanted)
    for item in current:
        if getattr(item, key) not in wanted_keys:
            out.append(("%s[%s=%s]" % (at(path, name), key, getattr(item, key)), "present", None))
    return out


def next_target(bus, taken):
    """The first target device name of bus that taken lacks: vda, vdb... for virtio, sda, sdb... else."""
    prefix = "vd" if bus == "virtio" else "sd"
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if prefix + letter not in taken:
            return prefix + letter
    raise InputError(None, "too many %s disks" % bus)
