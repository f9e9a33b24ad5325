# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain XML: build it from the model, and read libvirt's dumpxml back into the model."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Disk, Domain, Nic

NS = "https://essentials.kvm/xmlns/domain/1.0"
NS_PREFIX = "essentials"
AGENT = "org.qemu.guest_agent.0"
ET.register_namespace(NS_PREFIX, NS)

_UNITS = {"b": 1, "bytes": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024 ** 2, "mib": 1024 ** 2,
          "mb": 1000 ** 2, "g": 1024 ** 3, "gib": 1024 ** 3, "gb": 1000 ** 3, "t": 1024 ** 4, "tib": 1024 ** 4}


def _sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        elem.text = str(text)
    return elem


def metadata_element(vm, qualified=True):
    """Our metadata: the user's items and the digest of the cloud-init seed.

    virDomainSetMetadata wants it without a namespace (libvirt adds it), the domain XML with it."""
    ns = "{%s}" % NS if qualified else ""
    root = ET.Element(ns + "vm")
    if vm.seed_digest:
        _sub(root, ns + "seed", vm.seed_digest)
    for key in sorted(vm.metadata):
        _sub(root, ns + "item", vm.metadata[key], key=key)
    return root


def build(vm, uuid=None):
    root = ET.Element("domain", type=vm.domain_type)
    _sub(root, "name", vm.name)
    if uuid:
        _sub(root, "uuid", uuid)
    if vm.description:
        _sub(root, "description", vm.description)
    if vm.metadata or vm.seed_digest:
        _sub(root, "metadata").append(metadata_element(vm))
    _sub(root, "memory", vm.memory, unit="KiB")
    _sub(root, "currentMemory", vm.current_memory, unit="KiB")
    _sub(root, "vcpu", vm.max_vcpus, placement="static",
         current=vm.vcpus if vm.vcpus != vm.max_vcpus else None)
    _os(root, vm)
    features = _sub(root, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if vm.secure_boot:
        _sub(features, "smm", state="on")
    if vm.cpu_mode:
        cpu = _sub(root, "cpu", mode=vm.cpu_mode, match="exact" if vm.cpu_mode == "custom" else None)
        if vm.cpu_model:
            _sub(cpu, "model", vm.cpu_model)
    devices = _sub(root, "devices")
    for disk in vm.disks:
        devices.append(disk_element(disk))
    for nic in vm.nics:
        devices.append(nic_element(nic))
    if vm.serial_console:
        _sub(_sub(devices, "serial", type="pty"), "target", port="0")
        _sub(_sub(devices, "console", type="pty"), "target", type="serial", port="0")
    if vm.guest_agent:
        _sub(_sub(devices, "channel", type="unix"), "target", type="virtio", name=AGENT)
    if vm.graphics != "none":
        graphics = _sub(devices, "graphics", type=vm.graphics, autoport="yes")
        if vm.graphics_listen:
            _sub(graphics, "listen", type="address", address=vm.graphics_listen)
    if vm.rng:
        _sub(_sub(devices, "rng", model="virtio"), "backend", "/dev/urandom", model="random")
    return root


def _os(root, vm):
    os_elem = _sub(root, "os", firmware="efi" if vm.firmware == "uefi" else None)
    _sub(os_elem, "type", "hvm", arch=vm.arch, machine=vm.machine)
    if vm.secure_boot:
        firmware = _sub(os_elem, "firmware")
        _sub(firmware, "feature", enabled="yes", name="enrolled-keys")
        _sub(firmware, "feature", enabled="yes", name="secure-boot")
        _sub(os_elem, "loader", secure="yes")
    if vm.nvram:
        _sub(os_elem, "nvram", vm.nvram)
    for dev in vm.boot:
        _sub(os_elem, "boot", dev=dev)
    for tag in ("kernel", "initrd", "cmdline"):
        if getattr(vm, tag) is not None:
            _sub(os_elem, tag, getattr(vm, tag))


def disk_element(disk):
    elem = ET.Element("disk", type="file" if disk.path else "volume", device=disk.device)
    _sub(elem, "driver", name="qemu", type=disk.format, cache=disk.cache, io=disk.io, discard=disk.discard)
    if disk.path:
        _sub(elem, "source", file=disk.path)
    else:
        _sub(elem, "source", pool=disk.pool, volume=disk.volume)
    _sub(elem, "target", dev=disk.target, bus=disk.bus)
    if disk.readonly:
        _sub(elem, "readonly")
    return elem


def nic_element(nic):
    elem = ET.Element("interface", type=nic.type)
    if nic.type == "hostdev":
        elem.set("managed", "yes")
    _sub(elem, "mac", address=nic.mac)
    if nic.type == "network":
        _sub(elem, "source", network=nic.source, portgroup=nic.portgroup)
    elif nic.type == "bridge":
        _sub(elem, "source", bridge=nic.source)
    elif nic.type == "direct":
        _sub(elem, "source", dev=nic.source, mode=nic.mode)
    elif nic.type == "hostdev":
        domain, bus, rest = nic.source.split(":")
        slot, function = rest.split(".")
        _sub(_sub(elem, "source"), "address", type="pci", domain="0x" + domain, bus="0x" + bus,
             slot="0x" + slot, function="0x" + function)
    if nic.ovs:
        _sub(elem, "virtualport", type="openvswitch")
    if nic.vlan or nic.trunk:
        vlan = _sub(elem, "vlan", trunk="yes" if nic.trunk else None)
        if nic.vlan:
            _sub(vlan, "tag", id=nic.vlan, nativeMode="untagged" if nic.trunk else None)
        for tag in nic.trunk:
            _sub(vlan, "tag", id=tag)
    if nic.target_dev:
        _sub(elem, "target", dev=nic.target_dev)
    if nic.model:
        _sub(elem, "model", type=nic.model)
    if nic.mtu:
        _sub(elem, "mtu", size=nic.mtu)
    if nic.bandwidth:
        bandwidth = _sub(elem, "bandwidth")
        for direction in sorted(nic.bandwidth):
            _sub(bandwidth, direction, **dict(sorted(nic.bandwidth[direction].items())))
    return elem


def to_string(elem):
    return ET.tostring(elem, encoding="unicode")


def _kib(elem, default=0):
    if elem is None or not (elem.text or "").strip():
        return default
    return int(elem.text) * _UNITS[elem.get("unit", "KiB").lower()] // 1024


def parse(text):
    """Read (inactive) dumpxml into a Domain; what libvirt adds on its own (uuid, addresses...) is ignored."""
    root = ET.fromstring(text)
    vm = Domain(name=root.findtext("name"), domain_type=root.get("type"))
    vm.description = root.findtext("description") or ""
    ours = root.find("metadata/{%s}vm" % NS)
    if ours is not None:
        vm.seed_digest = ours.findtext("{%s}seed" % NS)
        vm.metadata = {item.get("key"): item.text or "" for item in ours.findall("{%s}item" % NS)}
    vm.memory = _kib(root.find("memory"))
    vm.current_memory = _kib(root.find("currentMemory"), vm.memory)
    vcpu = root.find("vcpu")
    vm.max_vcpus = int(vcpu.text) if vcpu is not None else 1
    vm.vcpus = int(vcpu.get("current", vm.max_vcpus)) if vcpu is not None else 1
    _parse_os(root, vm)
    cpu = root.find("cpu")
    vm.cpu_mode = cpu.get("mode", "custom") if cpu is not None else None
    vm.cpu_model = cpu.findtext("model") if cpu is not None else None
    devices = root.find("devices")
    if devices is None:
        devices = ET.Element("devices")
    vm.disks = [d for d in (parse_disk(e) for e in devices.findall("disk")) if d is not None]
    vm.nics = [parse_nic(e) for e in devices.findall("interface")]
    vm.serial_console = devices.find("serial") is not None
    vm.guest_agent = any(t.get("name") == AGENT for t in devices.findall("channel/target"))
    vm.rng = any(r.get("model") == "virtio" for r in devices.findall("rng"))
    graphics = devices.find("graphics")
    vm.graphics = graphics.get("type") if graphics is not None else "none"
    if graphics is not None:
        listen = graphics.find("listen[@type='address']")
        vm.graphics_listen = listen.get("address") if listen is not None else graphics.get("listen")
    return vm


def _parse_os(root, vm):
    os_elem = root.find("os")
    if os_elem is None:
        os_elem = ET.Element("os")
    os_type = os_elem.find("type")
    if os_type is not None:
        vm.arch = os_type.get("arch")
        vm.machine = os_type.get("machine")
    loader = os_elem.find("loader")
    efi = os_elem.get("firmware") == "efi" or (loader is not None and loader.get("type") == "pflash")
    vm.firmware = "uefi" if efi else "bios"
    vm.secure_boot = (loader is not None and loader.get("secure") == "yes") or any(
        f.get("name") == "secure-boot" and f.get("enabled") == "yes" for f in os_elem.findall("firmware/feature"))
    vm.nvram = os_elem.findtext("nvram") or None
    vm.boot = [b.get("dev") for b in os_elem.findall("boot")]
    for tag in ("kernel", "initrd", "cmdline"):
        setattr(vm, tag, os_elem.findtext(tag) or None)


def parse_disk(elem):
    if elem.get("device", "disk") not in ("disk", "cdrom"):
        return None
    target = elem.find("target")
    source = elem.find("source")
    driver = elem.find("driver")
    disk = Disk(target=target.get("dev"), bus=target.get("bus"), device=elem.get("device", "disk"))
    disk.kind = "cdrom" if disk.device == "cdrom" else elem.get("type")
    if source is not None:
        disk.pool, disk.volume = source.get("pool"), source.get("volume")
        disk.path = source.get("file") or source.get("dev")
    if driver is not None:
        disk.format, disk.cache = driver.get("type"), driver.get("cache")
        disk.io, disk.discard = driver.get("io"), driver.get("discard")
    disk.readonly = elem.find("readonly") is not None
    return disk


def parse_nic(elem):
    kind = elem.get("type")
    nic = Nic(type=kind, mac=(elem.find("mac").get("address") or "").lower())
    source = elem.find("source")
    if source is not None:
        if kind == "hostdev":
            addr = source.find("address")
            nic.source = "%04x:%02x:%02x.%x" % tuple(int(addr.get(k), 16) for k in ("domain", "bus", "slot", "function"))
        else:
            nic.source = source.get({"network": "network", "bridge": "bridge", "direct": "dev"}.get(kind, ""))
        nic.portgroup = source.get("portgroup")
        nic.mode = source.get("mode") if kind == "direct" else None
    nic.ovs = kind == "bridge" and elem.find("virtualport[@type='openvswitch']") is not None
    vlan = elem.find("vlan")
    if vlan is not None:
        tags = vlan.findall("tag")
        if vlan.get("trunk") == "yes":
            nic.vlan = next((int(t.get("id")) for t in tags if t.get("nativeMode")), None)
            nic.trunk = [int(t.get("id")) for t in tags if not t.get("nativeMode")]
        elif tags:
            nic.vlan = int(tags[0].get("id"))
    if kind == "ethernet":
        nic.target_dev = elem.find("target").get("dev") if elem.find("target") is not None else None
    model = elem.find("model")
    nic.model = model.get("type") if model is not None else None
    mtu = elem.find("mtu")
    nic.mtu = int(mtu.get("size")) if mtu is not None else None
    for direction in elem.findall("bandwidth/*"):
        nic.bandwidth[direction.tag] = {k: int(v) for k, v in direction.attrib.items() if k in ("average", "peak", "burst")}
    return nic
