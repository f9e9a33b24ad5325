# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual machine input -> Domain objects, refused with the exact input path before anything changes.

Each section is a declaration of its keys and their checkers; the value rules (bools, whole numbers,
sizes, names, paths, MACs, VLAN ids) are the shared kit's (checks.py). The older ansible-kvm role's
names are aliases, so an error names the key as the user wrote it. What is checked here beyond single
values is what libvirt would refuse or silently ignore: options the disk or NIC type does not use,
pools and networks the host lacks, targets that do not fit their bus, clashes between VMs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks, cloudinit_validate
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import (
    BANDWIDTH_KEYS,
    BOOT_DEVICES,
    CACHES,
    CLONES,
    CPU_MODES,
    DIRECT_MODES,
    DISCARDS,
    DISK_BUSES,
    DISK_FORMATS,
    DISK_TYPES,
    DOMAIN_TYPES,
    FIRMWARES,
    GRAPHICS,
    IOS,
    NIC_MODELS,
    NIC_TYPES,
    STATES,
    CloudInit,
    Disk,
    Domain,
    Nic,
    derive_mac,
    machine_matches,
    next_target,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
TARGET_RE = re.compile(r"^(vd|sd)[a-z]{1,2}$")
# What a description or a metadata value may hold: any text XML 1.0 carries, several lines included.
XML_TEXT_RE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]+$")
MAX_VCPUS = 4096
# Below this no guest firmware and kernel boot (docs/inputs.md); a bare 10 is 10 MiB, a likely slip for 10G.
MIN_MEMORY_MIB = 16
UINT32 = 2**32 - 1

# The older ansible-kvm role's names, as aliases of ours.
VM_ALIASES = {"vcpu": "vcpus", "boot_devices": "boot", "network_interfaces": "nics"}
DISK_ALIASES = {"disk_driver": "bus", "name": "volume"}
NIC_ALIASES = {"network_driver": "model"}


def vm_name(value, path):
    checked = checks.text(what="a VM name")(value, path)
    if not NAME_RE.match(checked):
        fail(path, "must be a VM name of letters, digits, '.', '_', '+' or '-' (got %r)" % checked)
    return checked


def volume_name(value, path):
    checked = checks.text(what="a volume name")(value, path)
    if "/" in checked:
        fail(path, "must be a volume name, not a path (got %r)" % checked, "give the pool and the volume's name")
    return checked


def size_above_zero(value, path):
    size = checks.size(value, path)
    if size <= 0:
        fail(path, "must be more than zero (got %s)" % checks.describe(value))
    return size


def memory_kib(value, path):
    size = size_above_zero(value, path)
    if size < MIN_MEMORY_MIB * 1024 * 1024:
        fail(
            path,
            "must be at least %d MiB (got %s)" % (MIN_MEMORY_MIB, checks.describe(value)),
            "a bare number is MiB: write 10G for 10 GiB",
        )
    return size // 1024


def boot_devices(value, path):
    devices = checks.list_of(checks.choice(*BOOT_DEVICES))(value, path)
    if not devices:
        fail(path, "must list at least one boot device", "e.g. [hd] or [network, hd]")
    return devices


def free_text(value, path):
    """A description or metadata value: any text XML can carry, on several lines if need be; "" clears it."""
    return value if value == "" else checks.text(XML_TEXT_RE)(value, path)


def metadata(value, path):
    items = checks.mapping(value, path)
    for key in items:
        if not isinstance(key, str) or not NAME_RE.match(key):
            fail(
                at(path, str(key)),
                "is not a simple name of letters, digits, '.', '_', '+' or '-'",
                "metadata keys become XML attribute values of our metadata items",
            )
    return {key: free_text(item, at(path, key)) for key, item in items.items()}


def document(kind):
    """A cloud-init document: a YAML string as is, or a mapping written as JSON (valid YAML, so cloud-init
    reads it without a YAML library on this side)."""

    def check(value, path):
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            if kind == "user":
                value = cloudinit_validate.check_user_data(value, path)
            body = json.dumps(value, indent=2, sort_keys=True)
            return "#cloud-config\n" + body + "\n" if kind == "user" else body + "\n"
        fail(path, "must be a mapping or a YAML string (got %s)" % checks.describe(value))

    return check


pool_name = checks.text(what="a storage pool name")
network_name = checks.text(what="a network name")
vcpu_count = checks.integer(1, MAX_VCPUS)

# Keys whose checked value lands on the Domain field of the same name (pool and cdrom feed the disks).
VM_FIELDS = {
    "name": vm_name,
    "host": checks.text(what="an inventory host name"),
    "state": checks.choice(*STATES),
    "autostart": checks.boolean,
    "remove_volumes": checks.boolean,
    "domain_type": checks.choice(*DOMAIN_TYPES),
    "memory": memory_kib,
    "current_memory": memory_kib,
    "vcpus": vcpu_count,
    "max_vcpus": vcpu_count,
    "iothreads": checks.integer(1, 64),
    "arch": checks.text(what="a CPU architecture"),
    "machine": checks.text(what="a machine type"),
    "firmware": checks.choice(*FIRMWARES),
    "secure_boot": checks.boolean,
    "nvram": checks.abs_path,
    "boot": boot_devices,
    "serial_console": checks.boolean,
    "rng": checks.boolean,
    "guest_agent": checks.boolean,
    "description": free_text,
    "metadata": metadata,
    "pool": pool_name,
    "cdrom": checks.abs_path,
}
# Sections, each read by its own reader below.
VM_SECTIONS = ("cpu", "direct_boot", "graphics", "disks", "cloud_init", "nics")
VM_KEYS = tuple(VM_FIELDS) + VM_SECTIONS
CPU_FIELDS = {"mode": checks.choice(*CPU_MODES), "model": checks.text(what="a CPU model")}
DIRECT_BOOT_FIELDS = {"kernel": checks.abs_path, "initrd": checks.abs_path, "cmdline": checks.plain_text}
# Without a listen address VNC and SPICE listen on the loopback only, whatever the host's qemu.conf says.
GRAPHICS_LISTEN = "127.0.0.1"
VNC_PASSWORD_MAX = 8  # the VNC protocol's DES key; libvirt refuses more


def graphics_password(value, path):
    """A console password; an error never quotes it."""
    if not isinstance(value, str) or not checks.SAFE_TEXT_RE.match(value):
        checks.fail(
            path,
            "must be a non-empty string without control characters (%s given; the value is not shown)"
            % type(value).__name__,
            "quote it, and keep it in a vault",
        )
    return value


GRAPHICS_FIELDS = {"type": checks.choice(*GRAPHICS), "listen": checks.ip(), "password": graphics_password}
DISK_FIELDS = {
    "type": checks.choice(*DISK_TYPES),
    "pool": pool_name,
    "volume": volume_name,
    "path": checks.abs_path,
    "size": size_above_zero,
    "format": checks.choice(*DISK_FORMATS),
    "base": volume_name,
    "base_pool": pool_name,
    "target": checks.text(what="a target device such as vdb"),
    "bus": checks.choice(*DISK_BUSES),
    "cache": checks.choice(*CACHES),
    "io": checks.choice(*IOS),
    "discard": checks.choice(*DISCARDS),
    "image": checks.text(what="an image name"),
    "clone": checks.choice(*CLONES),
}
NIC_FIELDS = {
    "type": checks.choice(*NIC_TYPES),
    "network": network_name,
    "bridge": checks.ifname,
    "dev": checks.ifname,
    "pci": checks.pci_address,
    "portgroup": checks.text(what="a portgroup name"),
    "ovs": checks.boolean,
    "vlan": checks.vlan_id,
    "trunk": checks.list_of(checks.vlan_id),
    "mode": checks.choice(*DIRECT_MODES),
    "target_dev": checks.ifname,
    "model": checks.choice(*NIC_MODELS),
    "mac": checks.mac,
    "mtu": checks.integer(68, 65535),
    "bandwidth": None,  # read by read_bandwidth
    "source": None,  # the older role's name of the network, bridge, dev or pci: read by the type's checker
}
# Which key names a NIC's source for each type; the other types have none.
NIC_SOURCE = {"network": "network", "bridge": "bridge", "direct": "dev", "hostdev": "pci"}
CLOUD_INIT_FIELDS = {
    "user_data": document("user"),
    "meta_data": document("meta"),
    "network_config": document("net"),
    "pool": pool_name,
}


def read(r, spec):
    """The keys of spec that the input sets, each read by its checker."""
    return {key: r.get(key, check) for key, check in spec.items() if check and r.has(key)}


class Context:
    """What validation needs to know about the host: its name and the pools and networks it has."""

    def __init__(self, host=None, networks=(), pools=(), kvm_usable=False, images=None, max_vcpus=None):
        self.host = host
        self.images = dict(images or {})  # image name -> (pool, volume) of its cached copy
        self.max_vcpus = max_vcpus
        self.networks = set(networks)
        self.pools = set(pools)
        self.kvm_usable = kvm_usable


def normalise_vms(items, path, ctx):
    """Validate the whole list before anything changes; return Domain objects."""
    items = checks.listing(items, path)
    vms = [normalise_vm(item, at(path, i), ctx) for i, item in enumerate(items)]
    seen = {}
    for i, vm in enumerate(vms):
        if vm.name in seen and (vm.host or None) == (vms[seen[vm.name]].host or None):
            fail(at(at(path, i), "name"), "duplicate VM name %r (also %s)" % (vm.name, at(path, seen[vm.name])))
        seen[vm.name] = i
    _check_shared_volumes(items, vms, path, ctx)
    return vms


def _check_shared_volumes(items, vms, path, ctx):
    created = {}
    for i, vm in enumerate(vms):
        if vm.host and ctx.host and vm.host != ctx.host:
            continue
        for j, disk in enumerate(vm.disks):
            if disk.kind in ("new", "copy", "overlay"):
                key = (disk.pool, disk.volume)
                where = at(at(at(path, i), "disks"), j)
                if key in created:
                    # Re-read the item only to name its volume as written (volume, or the older role's name).
                    written = checks.Fields(items[i]["disks"][j], where, DISK_FIELDS, DISK_ALIASES).where("volume")
                    fail(
                        written,
                        "volume %r in pool %r is also created by %s" % (disk.volume, disk.pool, created[key]),
                        "give each disk its own volume name",
                    )
                created[key] = where


def normalise_vm(raw, path, ctx):
    """One VM mapping -> a Domain, with what the host decides filled in: domain type, MACs, disk targets."""
    r = checks.Fields(raw, path, VM_KEYS, VM_ALIASES)
    r.get("name", vm_name, required=True)
    got = read(r, VM_FIELDS)
    pool = got.pop("pool", "default")
    cdrom = got.pop("cdrom", None)
    wanted_type = got.pop("domain_type", "auto")
    vm = Domain(**got)
    vm.domain_type = ("kvm" if ctx.kvm_usable else "qemu") if wanted_type == "auto" else wanted_type
    vm.current_memory = got.get("current_memory", vm.memory)
    if vm.memory < vm.current_memory:
        fail(
            r.where("memory"),
            "%d MiB is below current_memory (%d MiB)" % (vm.memory // 1024, vm.current_memory // 1024),
            "memory is the maximum; raise it",
        )
    vm.max_vcpus = got.get("max_vcpus", vm.vcpus)
    if vm.max_vcpus < vm.vcpus:
        fail(r.where("max_vcpus"), "%d is below vcpus (%d)" % (vm.max_vcpus, vm.vcpus))
    _within_host_vcpus(vm, r, ctx)
    _cpu(vm, r.raw("cpu"), r.where("cpu"))
    _firmware(vm, r)
    _direct_boot(vm, r.raw("direct_boot"), r.where("direct_boot"))
    _graphics(vm, r.raw("graphics"), r.where("graphics"))
    vm.disks = _disks(vm, r, pool, cdrom, ctx)
    if r.has("cloud_init"):
        _cloud_init(vm, r.raw("cloud_init"), pool, r.where("cloud_init"), ctx)
    where = r.where("nics")
    vm.nics = [_nic(vm, item, i, at(where, i), ctx) for i, item in enumerate(checks.listing(r.raw("nics"), where))]
    macs, devices = {}, {}
    for i, nic in enumerate(vm.nics):
        if nic.mac in macs:
            fail(at(at(where, i), "mac"), "duplicate MAC %s (also %s)" % (nic.mac, at(where, macs[nic.mac])))
        macs[nic.mac] = i
        # libvirt refuses one PCI device given to a guest twice.
        if nic.type == "hostdev" and nic.source in devices:
            fail(at(where, i), "PCI device %s is also %s" % (nic.source, at(where, devices[nic.source])))
        devices.setdefault(nic.source, i)
    return vm


def _within_host_vcpus(vm, r, ctx):
    if ctx.max_vcpus and vm.max_vcpus > ctx.max_vcpus:
        key = "max_vcpus" if r.has("max_vcpus") else "vcpus"
        fail(
            r.where(key),
            "%d is above this host's limit of %d vCPUs" % (vm.max_vcpus, ctx.max_vcpus),
            "the limit is libvirt's for this host and domain type",
        )


def _cpu(vm, raw, path):
    if raw is None:
        vm.cpu_mode = "host-passthrough" if vm.domain_type == "kvm" else None
        return
    r = checks.Fields(raw, path, CPU_FIELDS)
    vm.cpu_mode = r.get("mode", CPU_FIELDS["mode"], default="host-passthrough")
    vm.cpu_model = r.get("model", CPU_FIELDS["model"])
    if vm.cpu_mode == "custom" and not vm.cpu_model:
        fail(r.where("model"), "is required when mode is custom", "e.g. model: Skylake-Server")
    if vm.cpu_mode != "custom" and vm.cpu_model:
        fail(r.where("model"), "only applies to mode custom (mode is %s)" % vm.cpu_mode)
    if vm.cpu_mode == "host-passthrough" and vm.domain_type == "qemu":
        fail(r.where("mode"), "host-passthrough needs domain_type kvm", "use host-model or custom under TCG emulation")


def _firmware(vm, r):
    if vm.secure_boot and vm.firmware != "uefi":
        fail(r.where("secure_boot"), "needs firmware: uefi")
    if vm.nvram and vm.firmware != "uefi":
        fail(r.where("nvram"), "only applies to firmware: uefi")
    if vm.secure_boot and vm.machine and not machine_matches("q35", vm.machine):
        fail(r.where("machine"), "secure boot needs a q35 machine (got %r)" % vm.machine)


def _direct_boot(vm, raw, path):
    """Direct kernel boot: QEMU loads the kernel and initrd from host files, no bootloader needed."""
    if raw is None:
        return
    r = checks.Fields(raw, path, DIRECT_BOOT_FIELDS)
    if not r.has("kernel"):
        fail(
            r.where("kernel"),
            "is required for direct kernel boot",
            "give the host path of the kernel, or drop direct_boot to boot from disk",
        )
    for key, value in read(r, DIRECT_BOOT_FIELDS).items():
        setattr(vm, key, value)


def _graphics(vm, raw, path):
    if raw is None:
        return
    if isinstance(raw, bool):
        # The older role's graphics: true/false; true meant its VNC console.
        vm.graphics = "vnc" if raw else "none"
    elif isinstance(raw, str):
        vm.graphics = GRAPHICS_FIELDS["type"](raw, path)
    else:
        r = checks.Fields(raw, path, GRAPHICS_FIELDS)
        got = read(r, GRAPHICS_FIELDS)
        vm.graphics = got.get("type", "none")
        vm.graphics_listen = got.get("listen")
        vm.graphics_password = got.get("password")
        for key in ("listen", "password"):
            if got.get(key) and vm.graphics == "none":
                fail(r.where(key), "needs graphics type vnc or spice")
        if vm.graphics == "vnc" and len(vm.graphics_password or "") > VNC_PASSWORD_MAX:
            fail(
                r.where("password"),
                "VNC takes at most %d characters (got %d; the value is not shown)"
                % (VNC_PASSWORD_MAX, len(vm.graphics_password)),
                "use SPICE for a longer password",
            )
    if vm.graphics != "none" and not vm.graphics_listen:
        vm.graphics_listen = GRAPHICS_LISTEN


def _disks(vm, r, pool, cdrom, ctx):
    path = r.where("disks")
    disks = [_disk(vm, item, i, pool, at(path, i), ctx) for i, item in enumerate(checks.listing(r.raw("disks"), path))]
    if cdrom:
        disks.append(
            Disk(target=None, kind="cdrom", device="cdrom", bus="sata", path=cdrom, format="raw", readonly=True)
        )
    taken = {}
    for i, disk in enumerate(disks):
        if disk.target:
            if disk.target in taken:
                fail(
                    at(at(path, i), "target"),
                    "duplicate target device %s (also %s)" % (disk.target, at(path, taken[disk.target])),
                )
            taken[disk.target] = i
    for disk in disks:
        if not disk.target:
            disk.target = next_target(disk.bus, taken)
            taken[disk.target] = len(taken)
    return disks


def _disk(vm, raw, index, pool, path, ctx):
    r = checks.Fields(raw, path, DISK_FIELDS, DISK_ALIASES)
    got = read(r, DISK_FIELDS)
    kind = got.get("type") or (
        "image" if "image" in got else "overlay" if "base" in got else "new" if "size" in got else "volume"
    )
    device = "cdrom" if kind == "cdrom" else "disk"
    disk = Disk(
        target=got.get("target"),
        kind=kind,
        device=device,
        readonly=device == "cdrom",
        bus=got.get("bus", "sata" if kind == "cdrom" else "virtio"),
        cache=_cache(got.get("cache")),
        io=got.get("io"),
        discard=got.get("discard"),
        format=got.get("format"),
        path=got.get("path"),
    )
    if disk.target and (
        not TARGET_RE.match(disk.target) or disk.target[:2] != ("vd" if disk.bus == "virtio" else "sd")
    ):
        fail(
            r.where("target"),
            "%r does not fit bus %s" % (disk.target, disk.bus),
            "use vdX for virtio, sdX for scsi and sata",
        )
    if kind in ("file", "cdrom") and disk.path:
        if r.has("pool") or r.has("volume"):
            fail(r.where("path"), "conflicts with pool/volume", "give a host path or a pool volume")
        disk.format = disk.format or "raw"
        return disk
    if kind == "file":
        fail(r.where("path"), "is required for type file")
    if disk.path:
        fail(r.where("path"), "only applies to type file or cdrom", "use pool and volume")
    disk.pool = got.get("pool", pool)
    _known_pool(
        disk.pool,
        r.where("pool"),
        ctx,
        "declare it in the storage pools or pick one of: %s" % ", ".join(sorted(ctx.pools)),
    )
    if kind == "image":
        kind = disk.kind = _from_image(disk, r, got, ctx)
    elif "image" in got or "clone" in got:
        fail(r.where("image" if "image" in got else "clone"), "only applies to type image")
    if kind in ("new", "copy", "overlay"):
        disk.format = disk.format or "qcow2"
    disk.volume = got.get("volume")
    if not disk.volume:
        if kind in ("volume", "cdrom"):
            fail(r.where("volume"), "is required for type %s" % kind)
        disk.volume = "%s-disk%d.%s" % (vm.name, index, disk.format)
    if "size" in got:
        if kind not in ("new", "copy", "overlay"):
            fail(r.where("size"), "only applies to type new, copy or overlay")
        disk.size = got["size"]
    elif kind == "new":
        fail(r.where("size"), "is required for type new", "e.g. size: 20G")
    disk.base = got.get("base")
    if kind in ("copy", "overlay"):
        if not disk.base:
            fail(r.where("base"), "is required for type %s" % kind, "name the base image volume")
        disk.base_pool = got.get("base_pool", disk.pool)
        _known_pool(disk.base_pool, r.where("base_pool"), ctx)
    elif disk.base or "base_pool" in got:
        fail(r.where("base" if disk.base else "base_pool"), "only applies to type copy or overlay")
    if kind == "overlay" and disk.format != "qcow2":
        fail(r.where("format"), "an overlay must be qcow2 (got %r)" % disk.format)
    return disk


def _from_image(disk, r, got, ctx):
    """A disk from a cached base image: a linked clone is an overlay of the image's volume, a full one a copy."""
    if "image" not in got:
        fail(r.where("image"), "is required for type image", "name one of the images (kvm_images)")
    if got["image"] not in ctx.images:
        fail(
            r.where("image"),
            "image %r is not declared" % got["image"],
            "list it in the images (kvm_images); declared: %s" % (", ".join(sorted(ctx.images)) or "none"),
        )
    for key in ("base", "base_pool"):
        if key in got:
            fail(r.where(key), "does not apply to type image", "the image names its cached volume")
    disk.image = got["image"]
    got["base_pool"], got["base"] = ctx.images[disk.image]
    return "copy" if got.get("clone") == "full" else "overlay"


def _cache(cache):
    """cache: default is the hypervisor's own choice, which libvirt writes as no cache attribute at all."""
    return None if cache == "default" else cache


def _known_pool(pool, path, ctx, hint=None):
    if pool not in ctx.pools:
        fail(path, "storage pool %r is not defined on this host" % pool, hint)


def _cloud_init(vm, raw, pool, path, ctx):
    r = checks.Fields(raw, path, CLOUD_INIT_FIELDS)
    got = read(r, CLOUD_INIT_FIELDS)
    meta = got.get("meta_data") or document("meta")({"instance-id": vm.name, "local-hostname": vm.name}, path)
    vm.cloud_init = CloudInit(
        user_data=got.get("user_data") or document("user")({}, path),
        meta_data=meta,
        network_config=got.get("network_config"),
    )
    seed_pool = got.get("pool", pool)
    _known_pool(seed_pool, r.where("pool"), ctx, "the seed ISO is stored there; set cloud_init.pool")
    # A read-only virtio disk, not a SATA CD-ROM: Debian's cloud kernel has no AHCI driver and never saw that
    # seed; every cloud kernel has virtio. The last free name, so disks added to the input later keep theirs.
    taken = {d.target for d in vm.disks}
    target = next(t for t in ("vd" + c for c in reversed("abcdefghijklmnopqrstuvwxyz")) if t not in taken)
    vm.disks.append(
        Disk(
            target=target,
            bus="virtio",
            device="disk",
            pool=seed_pool,
            volume="%s-cidata.iso" % vm.name,
            format="raw",
            readonly=True,
            kind="seed",
        )
    )
    vm.seed_digest = vm.cloud_init.digest()


def _nic(vm, raw, index, path, ctx):
    r = checks.Fields(raw, path, NIC_FIELDS, NIC_ALIASES)
    kind = r.get("type", NIC_FIELDS["type"], default="network")
    source_key = NIC_SOURCE.get(kind)
    for key in NIC_SOURCE.values():
        if r.has(key) and key != source_key:
            fail(r.where(key), "does not apply to type %s" % kind)
    got = read(r, NIC_FIELDS)
    nic = Nic(type=kind, mac="")
    if r.has("source"):
        if not source_key or r.has(source_key):
            fail(r.where("source"), "is ambiguous here", "use %s" % (source_key or "no source"))
        nic.source = r.get("source", NIC_FIELDS[source_key])
    elif source_key:
        if not r.has(source_key):
            fail(r.where(source_key), "is required for type %s" % kind)
        nic.source = got[source_key]
    if kind == "network" and nic.source not in ctx.networks:
        fail(
            r.where("source" if r.has("source") else "network"),
            "network %r is not defined on this host" % nic.source,
            "declare it in the networks or pick one of: %s" % ", ".join(sorted(ctx.networks)),
        )
    nic.portgroup = got.get("portgroup")
    if nic.portgroup and kind != "network":
        fail(r.where("portgroup"), "only applies to type network")
    nic.ovs = got.get("ovs", False)
    if nic.ovs and kind != "bridge":
        fail(r.where("ovs"), "only applies to type bridge")
    nic.vlan = got.get("vlan")
    nic.trunk = got.get("trunk", [])
    if (nic.vlan or nic.trunk) and not (nic.ovs or kind in ("network", "hostdev")):
        fail(
            r.where("vlan" if nic.vlan else "trunk"),
            "VLANs need an Open vSwitch bridge (ovs: true), a network or hostdev",
            "a Linux bridge carries VLANs through separate bridges",
        )
    nic.mode = got.get("mode", "bridge" if kind == "direct" else None)
    if nic.mode and kind != "direct":
        fail(r.where("mode"), "only applies to type direct")
    nic.target_dev = got.get("target_dev")
    if nic.target_dev and kind != "ethernet":
        fail(r.where("target_dev"), "only applies to type ethernet")
    nic.model = got.get("model", None if kind == "hostdev" else "virtio")
    if nic.model and kind == "hostdev":
        fail(r.where("model"), "does not apply to type hostdev (the device is the host's)")
    nic.mtu = got.get("mtu")
    nic.bandwidth = r.one("bandwidth", _bandwidth, {})
    nic.mac = got.get("mac") or derive_mac(vm.host or ctx.host, vm.name, index)
    return nic


def _bandwidth(raw, path):
    r = checks.Fields(raw, path, ("inbound", "outbound"))
    return {direction: r.one(direction, _rate) for direction in ("inbound", "outbound") if r.has(direction)}


def _rate(raw, path):
    r = checks.Fields(raw, path, BANDWIDTH_KEYS)
    if not r.has("average"):
        fail(r.where("average"), "is required", "in KiB/s")
    return {key: r.get(key, checks.integer(1, UINT32)) for key in BANDWIDTH_KEYS if r.has(key)}
