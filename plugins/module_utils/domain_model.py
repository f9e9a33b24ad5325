# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual machine model: dataclasses, input validation and normalisation, comparison."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils import units
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

STATES = ("running", "shutdown", "paused", "destroyed", "absent")
DOMAIN_TYPES = ("auto", "kvm", "qemu")
CPU_MODES = ("host-passthrough", "host-model", "custom")
FIRMWARES = ("bios", "uefi")
BOOT_DEVICES = ("hd", "cdrom", "network", "fd")
GRAPHICS = ("none", "vnc", "spice")
DISK_TYPES = ("volume", "new", "copy", "overlay", "cdrom", "file")
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

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
_PCI = re.compile(r"^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$")
_TARGET = re.compile(r"^(vd|sd)[a-z]{1,2}$")


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
    kind: str = field(default="volume", metadata=NOT_IN_XML)
    size: Optional[int] = field(default=None, metadata=NOT_IN_XML)
    base: Optional[str] = field(default=None, metadata=NOT_IN_XML)
    base_pool: Optional[str] = field(default=None, metadata=NOT_IN_XML)


@dataclass
class Nic:
    type: str
    mac: str
    source: Optional[str] = None
    portgroup: Optional[str] = None
    ovs: bool = False
    vlan: Optional[int] = None
    trunk: List[int] = field(default_factory=list)
    mode: Optional[str] = None
    target_dev: Optional[str] = None
    model: Optional[str] = None
    mtu: Optional[int] = None
    bandwidth: Dict[str, Dict[str, int]] = field(default_factory=dict)


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
    cpu_mode: Optional[str] = None
    cpu_model: Optional[str] = None
    arch: Optional[str] = None
    machine: Optional[str] = None
    firmware: str = "bios"
    secure_boot: bool = False
    nvram: Optional[str] = None
    boot: List[str] = field(default_factory=lambda: ["hd"])
    kernel: Optional[str] = field(default=None, metadata=EXPLICIT)
    initrd: Optional[str] = field(default=None, metadata=EXPLICIT)
    cmdline: Optional[str] = field(default=None, metadata=EXPLICIT)
    serial_console: bool = True
    graphics: str = "none"
    graphics_listen: Optional[str] = None
    rng: bool = True
    guest_agent: bool = True
    description: str = ""
    metadata: Dict[str, str] = field(default_factory=dict)
    seed_digest: Optional[str] = None
    disks: List[Disk] = field(default_factory=list)
    nics: List[Nic] = field(default_factory=list)
    host: Optional[str] = field(default=None, metadata=NOT_IN_XML)
    state: str = field(default="running", metadata=NOT_IN_XML)
    autostart: bool = field(default=False, metadata=NOT_IN_XML)
    remove_volumes: bool = field(default=False, metadata=NOT_IN_XML)
    cloud_init: Optional[CloudInit] = field(default=None, metadata=NOT_IN_XML)


def parse_size(value, path):
    """Return bytes for '10G', '512MiB' or 2048; bare numbers are MiB, as in the older ansible-kvm role."""
    if not isinstance(value, bool) and re.match(r"^\s*\d+\s*$", str(value)):
        value = "%sMiB" % str(value).strip()
    try:
        size = units.parse_size(value)
    except ValueError as exc:
        raise InputError(path, str(exc), "bare numbers are MiB")
    if size <= 0:
        raise InputError(path, "must be more than zero (got %r)" % (value,))
    return size


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


class Context:
    """What validation needs to know about the host: its name and the pools and networks it has."""

    def __init__(self, host=None, networks=(), pools=(), kvm_usable=False):
        self.host = host
        self.networks = set(networks)
        self.pools = set(pools)
        self.kvm_usable = kvm_usable


def _get(raw, key, default=None):
    value = raw.get(key)
    return default if value is None else value


def _check_keys(raw, allowed, path):
    if not isinstance(raw, dict):
        raise InputError(path, "must be a mapping (got %s)" % type(raw).__name__)
    for key in raw:
        if key not in allowed:
            raise InputError(at(path, key), "unknown option", "valid options: %s" % ", ".join(sorted(allowed)))


def _choice(raw, key, choices, path, default=None):
    value = _get(raw, key, default)
    if value is not None and value not in choices:
        raise InputError(at(path, key), "must be one of %s (got %r)" % (", ".join(choices), value))
    return value


def _int(raw, key, path, default=None, low=None, high=None):
    value = _get(raw, key, default)
    if value is None:
        return None
    try:
        number = int(str(value), 10)
    except ValueError:
        number = None
    if isinstance(value, bool) or number is None or (low is not None and number < low) or \
            (high is not None and number > high):
        raise InputError(at(path, key), "must be a whole number between %s and %s (got %r)" % (low, high, value))
    return number


def _str(raw, key, path, default=None):
    value = _get(raw, key, default)
    if value is not None and not isinstance(value, str):
        raise InputError(at(path, key), "must be a string (got %r)" % (value,))
    return value


def _bool(raw, key, path, default=False):
    value = _get(raw, key, default)
    if not isinstance(value, bool):
        raise InputError(at(path, key), "must be true or false (got %r)" % (value,))
    return value


VM_KEYS = ("name", "host", "state", "autostart", "domain_type", "memory", "current_memory", "vcpus", "max_vcpus",
           "cpu", "arch", "machine", "firmware", "secure_boot", "nvram", "boot", "direct_boot", "serial_console", "graphics",
           "rng", "guest_agent", "description", "metadata", "pool", "cdrom", "disks", "nics", "cloud_init",
           "remove_volumes")
# The older ansible-kvm role's names, mapped to ours.
LEGACY_VM = {"vcpu": "vcpus", "boot_devices": "boot", "network_interfaces": "nics"}
DISK_KEYS = ("type", "pool", "volume", "path", "size", "format", "base", "base_pool", "target", "bus",
             "cache", "io", "discard")
LEGACY_DISK = {"disk_driver": "bus", "name": "volume"}
NIC_KEYS = ("type", "network", "portgroup", "bridge", "ovs", "vlan", "trunk", "dev", "mode", "pci",
            "target_dev", "model", "mac", "mtu", "bandwidth")
LEGACY_NIC = {"network_driver": "model"}
CLOUD_INIT_KEYS = ("user_data", "meta_data", "network_config")


def _legacy(raw, mapping, path):
    """Rename older role keys; an item giving both spellings is ambiguous."""
    if not isinstance(raw, dict):
        raise InputError(path, "must be a mapping (got %s)" % type(raw).__name__)
    out = {k: v for k, v in raw.items() if v is not None}
    for old, new in mapping.items():
        if old in out:
            if new in out:
                raise InputError(at(path, old), "conflicts with '%s'" % new, "give only one of them")
            out[new] = out.pop(old)
    return out


def normalise_vms(items, path, ctx):
    """Validate the whole list before anything changes; return Domain objects."""
    if not isinstance(items, list):
        raise InputError(path, "must be a list of virtual machines")
    vms = [normalise_vm(item, at(path, i), ctx) for i, item in enumerate(items)]
    seen = {}
    for i, vm in enumerate(vms):
        if vm.name in seen and (vm.host or None) == (vms[seen[vm.name]].host or None):
            raise InputError(at(at(path, i), "name"), "duplicate VM name %r (also %s)" % (vm.name, at(path, seen[vm.name])))
        seen[vm.name] = i
    _check_shared_volumes(vms, path, ctx)
    return vms


def _check_shared_volumes(vms, path, ctx):
    created = {}
    for i, vm in enumerate(vms):
        if vm.host and ctx.host and vm.host != ctx.host:
            continue
        for j, disk in enumerate(vm.disks):
            if disk.kind in ("new", "copy", "overlay"):
                key = (disk.pool, disk.volume)
                where = at(at(at(path, i), "disks"), j)
                if key in created:
                    raise InputError(at(where, "volume"), "volume %r in pool %r is also created by %s" %
                                     (disk.volume, disk.pool, created[key]), "give each disk its own volume name")
                created[key] = where


def normalise_vm(raw, path, ctx):
    raw = _legacy(raw, LEGACY_VM, path)
    _check_keys(raw, VM_KEYS, path)
    name = _str(raw, "name", path)
    if not name or not _NAME.match(name):
        raise InputError(at(path, "name"), "must be a VM name of letters, digits, '.', '_', '+' or '-' (got %r)" % (name,))
    vm = Domain(name=name)
    vm.host = _str(raw, "host", path)
    vm.state = _choice(raw, "state", STATES, path, "running")
    vm.autostart = _bool(raw, "autostart", path, False)
    vm.remove_volumes = _bool(raw, "remove_volumes", path, False)
    wanted_type = _choice(raw, "domain_type", DOMAIN_TYPES, path, "auto")
    vm.domain_type = ("kvm" if ctx.kvm_usable else "qemu") if wanted_type == "auto" else wanted_type
    vm.memory = parse_size(_get(raw, "memory", "1G"), at(path, "memory")) // 1024
    current = raw.get("current_memory")
    vm.current_memory = vm.memory if current is None else parse_size(current, at(path, "current_memory")) // 1024
    if vm.memory < vm.current_memory:
        raise InputError(at(path, "memory"), "%d MiB is below current_memory (%d MiB)" %
                         (vm.memory // 1024, vm.current_memory // 1024), "memory is the maximum; raise it")
    vm.vcpus = _int(raw, "vcpus", path, 1, 1, 4096)
    vm.max_vcpus = _int(raw, "max_vcpus", path, vm.vcpus, 1, 4096)
    if vm.max_vcpus < vm.vcpus:
        raise InputError(at(path, "max_vcpus"), "%d is below vcpus (%d)" % (vm.max_vcpus, vm.vcpus))
    _cpu(vm, raw.get("cpu"), at(path, "cpu"))
    vm.arch = _str(raw, "arch", path)
    vm.machine = _str(raw, "machine", path)
    _firmware(vm, raw, path)
    boot = _get(raw, "boot", ["hd"])
    if not isinstance(boot, list) or not boot:
        raise InputError(at(path, "boot"), "must be a list of boot devices such as [hd, cdrom]")
    for i, dev in enumerate(boot):
        if dev not in BOOT_DEVICES:
            raise InputError(at(at(path, "boot"), i), "must be one of %s (got %r)" % (", ".join(BOOT_DEVICES), dev))
    vm.boot = list(boot)
    _direct_boot(vm, raw.get("direct_boot"), at(path, "direct_boot"))
    vm.serial_console = _bool(raw, "serial_console", path, True)
    _graphics(vm, raw.get("graphics"), at(path, "graphics"))
    vm.rng = _bool(raw, "rng", path, True)
    vm.guest_agent = _bool(raw, "guest_agent", path, True)
    vm.description = _str(raw, "description", path, "")
    meta = _get(raw, "metadata", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) and _NAME.match(str(k)) for k, v in meta.items()):
        raise InputError(at(path, "metadata"), "must map simple names to strings", "quote numbers")
    vm.metadata = dict(meta)
    pool = _str(raw, "pool", path, "default")
    disks = _get(raw, "disks", [])
    if not isinstance(disks, list):
        raise InputError(at(path, "disks"), "must be a list of disks")
    disks = list(disks)
    if raw.get("cdrom"):
        disks.append({"type": "cdrom", "path": _str(raw, "cdrom", path)})
    vm.disks = _disks(vm, disks, pool, at(path, "disks"), ctx)
    if raw.get("cloud_init") is not None:
        _cloud_init(vm, raw["cloud_init"], pool, at(path, "cloud_init"), ctx)
    nics = _get(raw, "nics", [])
    if not isinstance(nics, list):
        raise InputError(at(path, "nics"), "must be a list of network interfaces")
    vm.nics = [_nic(vm, item, i, at(at(path, "nics"), i), ctx) for i, item in enumerate(nics)]
    macs = {}
    for i, nic in enumerate(vm.nics):
        if nic.mac in macs:
            raise InputError(at(at(at(path, "nics"), i), "mac"), "duplicate MAC %s (also nics[%d])" % (nic.mac, macs[nic.mac]))
        macs[nic.mac] = i
    return vm


def _cpu(vm, raw, path):
    if raw is None:
        vm.cpu_mode = "host-passthrough" if vm.domain_type == "kvm" else None
        return
    _check_keys(raw, ("mode", "model"), path)
    vm.cpu_mode = _choice(raw, "mode", CPU_MODES, path, "host-passthrough")
    vm.cpu_model = _str(raw, "model", path)
    if vm.cpu_mode == "custom" and not vm.cpu_model:
        raise InputError(at(path, "model"), "is required when mode is custom", "e.g. model: Skylake-Server")
    if vm.cpu_mode != "custom" and vm.cpu_model:
        raise InputError(at(path, "model"), "only applies to mode custom (mode is %s)" % vm.cpu_mode)
    if vm.cpu_mode == "host-passthrough" and vm.domain_type == "qemu":
        raise InputError(at(path, "mode"), "host-passthrough needs domain_type kvm",
                         "use host-model or custom under TCG emulation")


def _firmware(vm, raw, path):
    vm.firmware = _choice(raw, "firmware", FIRMWARES, path, "bios")
    vm.secure_boot = _bool(raw, "secure_boot", path, False)
    vm.nvram = _str(raw, "nvram", path)
    if vm.secure_boot and vm.firmware != "uefi":
        raise InputError(at(path, "secure_boot"), "needs firmware: uefi")
    if vm.nvram and vm.firmware != "uefi":
        raise InputError(at(path, "nvram"), "only applies to firmware: uefi")
    if vm.secure_boot and vm.machine and not machine_matches("q35", vm.machine):
        raise InputError(at(path, "machine"), "secure boot needs a q35 machine (got %r)" % vm.machine)


def _direct_boot(vm, raw, path):
    """Direct kernel boot: QEMU loads the kernel and initrd from host files, no bootloader needed."""
    if raw is None:
        return
    _check_keys(raw, ("kernel", "initrd", "cmdline"), path)
    for key in ("kernel", "initrd"):
        value = _str(raw, key, path)
        if value is not None and not value.startswith("/"):
            raise InputError(at(path, key), "must be an absolute host path (got %r)" % value,
                             "e.g. /var/lib/libvirt/boot/vmlinuz")
        setattr(vm, key, value)
    vm.cmdline = _str(raw, "cmdline", path) or None
    if not vm.kernel:
        raise InputError(at(path, "kernel"), "is required for direct kernel boot",
                         "give the host path of the kernel, or drop direct_boot to boot from disk")


def _graphics(vm, raw, path):
    if raw is None or isinstance(raw, str):
        raw = {"type": raw or "none"}
    _check_keys(raw, ("type", "listen"), path)
    vm.graphics = _choice(raw, "type", GRAPHICS, path, "none")
    listen = _str(raw, "listen", path)
    if listen is not None:
        if vm.graphics == "none":
            raise InputError(at(path, "listen"), "needs graphics type vnc or spice")
        try:
            ipaddress.ip_address(listen)
        except ValueError:
            raise InputError(at(path, "listen"), "must be an IP address such as 127.0.0.1 (got %r)" % listen)
    vm.graphics_listen = listen


def _disks(vm, items, pool, path, ctx):
    disks = [_disk(vm, item, i, pool, at(path, i), ctx) for i, item in enumerate(items)]
    taken = {}
    for i, disk in enumerate(disks):
        if disk.target:
            if disk.target in taken:
                raise InputError(at(at(path, i), "target"), "duplicate target device %s (also %s)" %
                                 (disk.target, at(path, taken[disk.target])))
            taken[disk.target] = i
    for disk in disks:
        if not disk.target:
            disk.target = next_target(disk.bus, taken)
            taken[disk.target] = len(taken)
    return disks


def next_target(bus, taken):
    prefix = "vd" if bus == "virtio" else "sd"
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if prefix + letter not in taken:
            return prefix + letter
    raise InputError(None, "too many %s disks" % bus)


def _disk(vm, raw, index, pool, path, ctx):
    raw = _legacy(raw, LEGACY_DISK, path)
    _check_keys(raw, DISK_KEYS, path)
    kind = _choice(raw, "type", DISK_TYPES, path)
    if kind is None:
        kind = "overlay" if raw.get("base") else "new" if raw.get("size") else "volume"
    device = "cdrom" if kind == "cdrom" else "disk"
    disk = Disk(target=_str(raw, "target", path), kind=kind, device=device)
    disk.bus = _choice(raw, "bus", DISK_BUSES, path, "sata" if kind == "cdrom" else "virtio")
    if disk.target and (not _TARGET.match(disk.target) or disk.target[:2] != ("vd" if disk.bus == "virtio" else "sd")):
        raise InputError(at(path, "target"), "%r does not fit bus %s" % (disk.target, disk.bus),
                         "use vdX for virtio, sdX for scsi and sata")
    disk.cache = _choice(raw, "cache", CACHES, path)
    disk.io = _choice(raw, "io", IOS, path)
    disk.discard = _choice(raw, "discard", DISCARDS, path)
    disk.format = _choice(raw, "format", DISK_FORMATS, path)
    disk.path = _str(raw, "path", path)
    disk.readonly = device == "cdrom"
    if kind in ("file", "cdrom") and disk.path:
        if raw.get("pool") or raw.get("volume"):
            raise InputError(at(path, "path"), "conflicts with pool/volume", "give a host path or a pool volume")
        if not disk.path.startswith("/"):
            raise InputError(at(path, "path"), "must be an absolute path (got %r)" % disk.path)
        disk.format = disk.format or "raw"
        return disk
    if kind == "file":
        raise InputError(at(path, "path"), "is required for type file")
    if disk.path:
        raise InputError(at(path, "path"), "only applies to type file or cdrom", "use pool and volume")
    disk.pool = _str(raw, "pool", path, pool)
    if disk.pool not in ctx.pools:
        raise InputError(at(path, "pool"), "storage pool %r is not defined on this host" % disk.pool,
                         "declare it in the storage pools or pick one of: %s" % ", ".join(sorted(ctx.pools)))
    if kind in ("new", "copy", "overlay"):
        disk.format = disk.format or "qcow2"
    disk.volume = _str(raw, "volume", path)
    if disk.volume and "/" in disk.volume:
        raise InputError(at(path, "volume"), "must be a volume name, not a path (got %r)" % disk.volume)
    if not disk.volume:
        if kind in ("volume", "cdrom"):
            raise InputError(at(path, "volume"), "is required for type %s" % kind)
        disk.volume = "%s-disk%d.%s" % (vm.name, index, disk.format)
    if raw.get("size") is not None:
        if kind not in ("new", "copy", "overlay"):
            raise InputError(at(path, "size"), "only applies to type new, copy or overlay")
        disk.size = parse_size(raw["size"], at(path, "size"))
    elif kind == "new":
        raise InputError(at(path, "size"), "is required for type new", "e.g. size: 20G")
    disk.base = _str(raw, "base", path)
    if kind in ("copy", "overlay"):
        if not disk.base:
            raise InputError(at(path, "base"), "is required for type %s" % kind, "name the base image volume")
        disk.base_pool = _str(raw, "base_pool", path, disk.pool)
        if disk.base_pool not in ctx.pools:
            raise InputError(at(path, "base_pool"), "storage pool %r is not defined on this host" % disk.base_pool)
    elif disk.base or raw.get("base_pool"):
        raise InputError(at(path, "base"), "only applies to type copy or overlay")
    if kind == "overlay" and disk.format != "qcow2":
        raise InputError(at(path, "format"), "an overlay must be qcow2 (got %r)" % disk.format)
    return disk


def _text(value, path, kind):
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        # JSON is valid YAML, so cloud-init reads it without a YAML library on the controller side.
        body = json.dumps(value, indent=2, sort_keys=True)
        return "#cloud-config\n" + body + "\n" if kind == "user" else body + "\n"
    raise InputError(path, "must be a mapping or a YAML string (got %s)" % type(value).__name__)


def _cloud_init(vm, raw, pool, path, ctx):
    _check_keys(raw, CLOUD_INIT_KEYS + ("pool",), path)
    meta = raw.get("meta_data") or {"instance-id": vm.name, "local-hostname": vm.name}
    net = raw.get("network_config")
    vm.cloud_init = CloudInit(
        user_data=_text(raw.get("user_data") or {}, at(path, "user_data"), "user"),
        meta_data=_text(meta, at(path, "meta_data"), "meta"),
        network_config=None if net is None else _text(net, at(path, "network_config"), "net"))
    seed_pool = _str(raw, "pool", path, pool)
    if seed_pool not in ctx.pools:
        raise InputError(at(path, "pool"), "storage pool %r is not defined on this host" % seed_pool,
                         "the seed ISO is stored there; set cloud_init.pool")
    taken = {d.target: 1 for d in vm.disks}
    vm.disks.append(Disk(target=next_target("sata", taken), bus="sata", device="cdrom", pool=seed_pool,
                         volume="%s-cidata.iso" % vm.name, format="raw", readonly=True, kind="seed"))
    vm.seed_digest = vm.cloud_init.digest()


def _nic(vm, raw, index, path, ctx):
    raw = _legacy(raw, LEGACY_NIC, path)
    _check_keys(raw, NIC_KEYS + ("source",), path)
    kind = _choice(raw, "type", NIC_TYPES, path, "network")
    source_key = {"network": "network", "bridge": "bridge", "direct": "dev", "hostdev": "pci"}.get(kind)
    if "source" in raw:
        # The older role names the network or bridge 'source'.
        if not source_key or source_key in raw:
            raise InputError(at(path, "source"), "is ambiguous here", "use %s" % (source_key or "no source"))
        raw[source_key] = raw.pop("source")
    for key in ("network", "bridge", "dev", "pci"):
        if key in raw and key != source_key:
            raise InputError(at(path, key), "does not apply to type %s" % kind)
    nic = Nic(type=kind, mac="")
    if source_key:
        nic.source = _str(raw, source_key, path)
        if not nic.source:
            raise InputError(at(path, source_key), "is required for type %s" % kind)
    if kind == "network" and nic.source not in ctx.networks:
        raise InputError(at(path, "network"), "network %r is not defined on this host" % nic.source,
                         "declare it in the networks or pick one of: %s" % ", ".join(sorted(ctx.networks)))
    if kind == "hostdev":
        match = _PCI.match(nic.source.lower())
        if not match:
            raise InputError(at(path, "pci"), "must be a PCI address such as 0000:03:00.1 (got %r)" % nic.source)
        nic.source = "%s:%s:%s.%s" % (match.group(1) or "0000", match.group(2), match.group(3), match.group(4))
    nic.portgroup = _str(raw, "portgroup", path)
    if nic.portgroup and kind != "network":
        raise InputError(at(path, "portgroup"), "only applies to type network")
    nic.ovs = _bool(raw, "ovs", path, False)
    if nic.ovs and kind != "bridge":
        raise InputError(at(path, "ovs"), "only applies to type bridge")
    nic.vlan = _int(raw, "vlan", path, None, 1, 4094)
    trunk = _get(raw, "trunk", [])
    if not isinstance(trunk, list):
        raise InputError(at(path, "trunk"), "must be a list of VLAN ids")
    nic.trunk = [_int({"v": v}, "v", at(at(path, "trunk"), i), None, 1, 4094) for i, v in enumerate(trunk)]
    if (nic.vlan or nic.trunk) and not (nic.ovs or kind in ("network", "hostdev")):
        raise InputError(at(path, "vlan" if nic.vlan else "trunk"),
                         "VLANs need an Open vSwitch bridge (ovs: true), a network or hostdev",
                         "a Linux bridge carries VLANs through separate bridges")
    nic.mode = _choice(raw, "mode", DIRECT_MODES, path, "bridge" if kind == "direct" else None)
    if nic.mode and kind != "direct":
        raise InputError(at(path, "mode"), "only applies to type direct")
    nic.target_dev = _str(raw, "target_dev", path)
    if nic.target_dev and kind != "ethernet":
        raise InputError(at(path, "target_dev"), "only applies to type ethernet")
    nic.model = _choice(raw, "model", NIC_MODELS, path, None if kind == "hostdev" else "virtio")
    if nic.model and kind == "hostdev":
        raise InputError(at(path, "model"), "does not apply to type hostdev (the device is the host's)")
    nic.mtu = _int(raw, "mtu", path, None, 68, 65535)
    nic.bandwidth = _bandwidth(_get(raw, "bandwidth", {}), at(path, "bandwidth"))
    mac = _str(raw, "mac", path)
    if mac is None:
        nic.mac = derive_mac(vm.host or ctx.host, vm.name, index)
    else:
        nic.mac = mac.lower()
        if not _MAC.match(nic.mac) or int(nic.mac[:2], 16) & 1:
            raise InputError(at(path, "mac"), "must be a unicast MAC such as 52:54:00:12:34:56 (got %r)" % mac)
    return nic


def _bandwidth(raw, path):
    _check_keys(raw, ("inbound", "outbound"), path)
    out = {}
    for direction, spec in sorted(raw.items()):
        _check_keys(spec, BANDWIDTH_KEYS, at(path, direction))
        values = {k: _int(spec, k, at(path, direction), None, 1, 2 ** 32 - 1) for k in spec}
        if "average" not in values:
            raise InputError(at(at(path, direction), "average"), "is required (KiB/s)")
        out[direction] = values
    return out
