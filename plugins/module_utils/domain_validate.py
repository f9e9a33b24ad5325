# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual machine input -> Domain objects, refused with the exact input path before anything changes.

Each section is a declaration of its keys and their checkers; the value rules (bools, whole numbers,
sizes, names, paths, MACs, VLAN ids) are the shared kit's (checks.py). The older ansible-kvm role's
names are aliases, so an error names the key as the user wrote it. What is checked here beyond single
values is what libvirt would refuse or silently ignore: CPU, firmware, boot and console options that do
not fit together, clashes between VMs. The disks are read by domain_validate_disks, the NICs by
domain_validate_nics.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks, cloudinit_validate
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import (
    BOOT_DEVICES,
    CPU_MODES,
    DOMAIN_TYPES,
    FIRMWARES,
    GRAPHICS,
    STATES,
    CloudInit,
    Disk,
    Domain,
    machine_matches,
)
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate_disks import (
    check_shared_volumes,
    known_pool,
    pool_name,
    read_disks,
    size_above_zero,
)
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate_nics import read_nics
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at

# At most 100 characters: the VM's volumes are named NAME-disk0.qcow2 and NAME-cidata.iso, within a volume
# name's 128.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
# What a description or a metadata value may hold: any text XML 1.0 carries, several lines included.
XML_TEXT_RE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]+$")
MAX_VCPUS = 4096
# Below this no guest firmware and kernel boot (docs/inputs.md); a bare 10 is 10 MiB, a likely slip for 10G.
MIN_MEMORY_MIB = 16

# The older ansible-kvm role's names, as aliases of ours.
VM_ALIASES = {"vcpu": "vcpus", "boot_devices": "boot", "network_interfaces": "nics"}


def vm_name(value, path):
    checked = checks.text(what="a VM name")(value, path)
    if not NAME_RE.match(checked):
        fail(path, "must be a VM name of at most 100 letters, digits, '.', '_', '+' or '-' (got %r)" % checked)
    return checked


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
# Sections, each read by its own reader (disks and nics: domain_validate_disks, domain_validate_nics).
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
CLOUD_INIT_FIELDS = {
    "user_data": document("user"),
    "meta_data": document("meta"),
    "network_config": document("net"),
    "pool": pool_name,
}


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
    check_shared_volumes(items, vms, path, ctx)
    return vms


def normalise_vm(raw, path, ctx):
    """One VM mapping -> a Domain, with what the host decides filled in: domain type, MACs, disk targets."""
    r = checks.Fields(raw, path, VM_KEYS, VM_ALIASES)
    r.get("name", vm_name, required=True)
    got = read_set(r, VM_FIELDS)
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
    vm.disks = read_disks(vm, r, pool, cdrom, ctx)
    if r.has("cloud_init"):
        _cloud_init(vm, r.raw("cloud_init"), pool, r.where("cloud_init"), ctx)
    vm.nics = read_nics(vm, r, ctx)
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
    for key, value in read_set(r, DIRECT_BOOT_FIELDS).items():
        setattr(vm, key, value)


def _graphics(vm, raw, path):
    if raw is None:
        return
    if isinstance(raw, bool):
        # The older role's graphics: true/false; its template drew a SPICE console for true.
        vm.graphics = "spice" if raw else "none"
    elif isinstance(raw, str):
        vm.graphics = GRAPHICS_FIELDS["type"](raw, path)
    else:
        r = checks.Fields(raw, path, GRAPHICS_FIELDS)
        got = read_set(r, GRAPHICS_FIELDS)
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


def _cloud_init(vm, raw, pool, path, ctx):
    r = checks.Fields(raw, path, CLOUD_INIT_FIELDS)
    got = read_set(r, CLOUD_INIT_FIELDS)
    meta = got.get("meta_data") or document("meta")({"instance-id": vm.name, "local-hostname": vm.name}, path)
    vm.cloud_init = CloudInit(
        user_data=got.get("user_data") or document("user")({}, path),
        meta_data=meta,
        network_config=got.get("network_config"),
    )
    seed_pool = got.get("pool", pool)
    known_pool(seed_pool, r.where("pool"), ctx, "the seed ISO is stored there; set cloud_init.pool")
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
