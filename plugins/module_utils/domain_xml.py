# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain XML: build it from the model, and read libvirt's dumpxml back into the model, both from the tables
below (DOMAIN, DISK, NIC); hand code is left for the devices list, metadata and firmware."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils import xml_shared
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Disk, Domain, Nic
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import Vlan
from ansible_collections.essentials.kvm.plugins.module_utils.xml_props import (
    FLAG,
    INT,
    KIB,
    LOWER,
    Const,
    Each,
    Hand,
    Pci,
    Prop,
    definition,
    element,
    read,
)

NS = "https://essentials.kvm/xmlns/domain/1.0"
NS_PREFIX = "essentials"
AGENT = "org.qemu.guest_agent.0"
ET.register_namespace(NS_PREFIX, NS)
_PCI = Pci()


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


def _build_metadata(place, vm):
    if vm.metadata or vm.seed_digest:
        place("metadata").append(metadata_element(vm))


def _parse_metadata(root):
    ours = root.find("metadata/{%s}vm" % NS)
    if ours is None:
        return {}
    return {
        "seed_digest": ours.findtext("{%s}seed" % NS),
        "metadata": {item.get("key"): item.text or "" for item in ours.findall("{%s}item" % NS)},
    }


def _build_firmware(place, vm):
    if vm.firmware == "uefi":
        place("os").set("firmware", "efi")


def _parse_firmware(root):
    # libvirt may expand firmware='efi' into a pflash loader (and the other way round).
    loader = root.find("os/loader")
    efi = root.find("os[@firmware='efi']") is not None or (loader is not None and loader.get("type") == "pflash")
    return {"firmware": "uefi" if efi else "bios"}


def _build_secure_boot(place, vm):
    if vm.secure_boot:
        firmware = _sub(place("os"), "firmware")
        _sub(firmware, "feature", enabled="yes", name="enrolled-keys")
        _sub(firmware, "feature", enabled="yes", name="secure-boot")
        _sub(place("os"), "loader", secure="yes")


def _parse_secure_boot(root):
    loader = root.find("os/loader")
    return {
        "secure_boot": (loader is not None and loader.get("secure") == "yes")
        or any(
            f.get("name") == "secure-boot" and f.get("enabled") == "yes" for f in root.findall("os/firmware/feature")
        )
    }


def _build_devices(place, vm):
    devices = place("devices")
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
        if vm.graphics_password:
            graphics.set("passwd", vm.graphics_password)
        if vm.graphics_listen:
            _sub(graphics, "listen", type="address", address=vm.graphics_listen)
    if vm.rng:
        _sub(_sub(devices, "rng", model="virtio"), "backend", "/dev/urandom", model="random")


def _parse_devices(root):
    devices = root.find("devices")
    if devices is None:
        devices = ET.Element("devices")
    graphics = devices.find("graphics")
    fields = {
        "disks": [d for d in (parse_disk(e) for e in devices.findall("disk")) if d is not None],
        "nics": [parse_nic(e) for e in devices.findall("interface")],
        "serial_console": devices.find("serial") is not None,
        "guest_agent": any(t.get("name") == AGENT for t in devices.findall("channel/target")),
        "rng": any(r.get("model") == "virtio" for r in devices.findall("rng")),
        "graphics": graphics.get("type") if graphics is not None else "none",
    }
    if graphics is not None:
        listen = graphics.find("listen[@type='address']")
        fields["graphics_listen"] = listen.get("address") if listen is not None else graphics.get("listen")
        # Only in XML read with VIR_DOMAIN_XML_SECURE.
        fields["graphics_password"] = graphics.get("passwd")
    return fields


DOMAIN = (
    Prop("domain_type", "@type"),
    Prop("name", "name"),
    Prop("description", "description", default="", skip=(None, "")),
    Hand(_build_metadata, _parse_metadata),
    Prop("memory", "memory", KIB, default=0),
    Prop("current_memory", "currentMemory", KIB),  # absent: the memory (parse)
    Prop("max_vcpus", "vcpu", INT, default=1),
    Const("vcpu/@placement", "static"),
    Prop("vcpus", "vcpu/@current", INT, when=lambda vm: vm.vcpus != vm.max_vcpus),  # absent: max_vcpus (parse)
    Prop("iothreads", "iothreads", INT),
    Hand(_build_firmware, _parse_firmware),
    Const("os/type", "hvm"),
    Prop("arch", "os/type/@arch"),
    Prop("machine", "os/type/@machine"),
    Hand(_build_secure_boot, _parse_secure_boot),
    Prop("nvram", "os/nvram"),
    Each("boot", "os/boot/@dev"),
    Prop("kernel", "os/kernel"),
    Prop("initrd", "os/initrd"),
    Prop("cmdline", "os/cmdline"),
    Const("features/acpi"),
    Const("features/apic"),
    Const("features/smm/@state", "on", when=lambda vm: vm.secure_boot),
    Prop("cpu_mode", "cpu/@mode", implied="custom"),
    Const("cpu/@match", "exact", when=lambda vm: vm.cpu_mode == "custom"),
    Prop("cpu_model", "cpu/model", when=lambda vm: vm.cpu_mode),
    Hand(_build_devices, _parse_devices),
)


def _disk_type(disk):
    return disk.source_type or ("file" if disk.path else "volume")


def _build_disk_source(place, disk):
    kind = _disk_type(disk)
    if kind == "volume":
        _sub(place(""), "source", pool=disk.pool, volume=disk.volume)
    elif kind == "block":
        _sub(place(""), "source", dev=disk.path)
    else:
        _sub(place(""), "source", file=disk.path)


def _parse_disk_source(elem):
    source = elem.find("source")
    if source is None:
        return {}
    return {"pool": source.get("pool"), "volume": source.get("volume"), "path": source.get("file") or source.get("dev")}


DISK = (
    Hand(
        lambda place, disk: place("").set("type", _disk_type(disk)),
        lambda elem: {
            "kind": "cdrom" if elem.get("device", "disk") == "cdrom" else elem.get("type"),
            "source_type": elem.get("type"),
        },
    ),
    Prop("device", "@device", implied="disk"),
    Const("driver/@name", "qemu"),
    Prop("format", "driver/@type"),
    Prop("cache", "driver/@cache"),
    Prop("io", "driver/@io"),
    Prop("discard", "driver/@discard"),
    Hand(_build_disk_source, _parse_disk_source),
    Prop("target", "target/@dev"),
    Prop("bus", "target/@bus"),
    Prop("readonly", "readonly", FLAG, default=False, skip=(None, False)),
)


def _build_nic_source(place, nic):
    if nic.type == "network":
        _sub(place(""), "source", network=nic.source, portgroup=nic.portgroup)
    elif nic.type == "bridge":
        _sub(place(""), "source", bridge=nic.source)
    elif nic.type == "direct":
        _sub(place(""), "source", dev=nic.source, mode=nic.mode)
    elif nic.type == "hostdev":
        _PCI.put(_sub(_sub(place(""), "source"), "address"), None, nic.source)


def _parse_nic_source(elem):
    kind, source = elem.get("type"), elem.find("source")
    if source is None:
        return {}
    if kind == "hostdev":
        value = _PCI.get(source.find("address"), None)
    else:
        value = source.get({"network": "network", "bridge": "bridge", "direct": "dev"}.get(kind, ""))
    return {
        "source": value,
        "portgroup": source.get("portgroup"),
        "mode": source.get("mode") if kind == "direct" else None,
    }


def _build_vlan(place, nic):
    # The model's access VLAN is a trunk's native (untagged) one.
    if nic.vlan or nic.trunk:
        xml_shared.build_vlan(
            place(""),
            Vlan(
                tags=([nic.vlan] if nic.vlan else []) + nic.trunk,
                trunk=bool(nic.trunk),
                native_tag=nic.vlan if nic.trunk else None,
                native_mode="untagged",
            ),
        )


def _parse_vlan(elem):
    vlan = xml_shared.parse_vlan(elem.find("vlan"))
    if vlan is None:
        return {}
    if not vlan.trunk:
        return {"vlan": vlan.tags[0] if vlan.tags else None}
    trunk = list(vlan.tags)
    if vlan.native_tag is not None:
        trunk.remove(vlan.native_tag)
    return {"vlan": vlan.native_tag, "trunk": trunk}


def _build_target(place, nic):
    if nic.target_dev:
        _sub(place(""), "target", dev=nic.target_dev)


def _parse_target(elem):
    # libvirt names the tap device of every running NIC; only an ethernet NIC's is the user's.
    target = elem.find("target")
    return {"target_dev": target.get("dev") if elem.get("type") == "ethernet" and target is not None else None}


def _build_bandwidth(place, nic):
    # Rate attributes in alphabetical order, as this module has always written them.
    if nic.bandwidth:
        xml_shared.build_bandwidth(
            place(""), {direction: dict(sorted(rate.items())) for direction, rate in sorted(nic.bandwidth.items())}
        )


def _parse_ovs(elem):
    vtype, _parameters = xml_shared.parse_virtualport(elem.find("virtualport"))
    return {"ovs": elem.get("type") == "bridge" and vtype == "openvswitch"}


NIC = (
    Prop("type", "@type"),
    Const("@managed", "yes", when=lambda nic: nic.type == "hostdev"),
    Prop("mac", "mac/@address", LOWER, default=""),
    Hand(_build_nic_source, _parse_nic_source),
    Hand(
        lambda place, nic: xml_shared.build_virtualport(place(""), "openvswitch" if nic.ovs else None),
        _parse_ovs,
    ),
    Hand(_build_vlan, _parse_vlan),
    Hand(_build_target, _parse_target),
    Prop("model", "model/@type"),
    Prop("mtu", "mtu/@size", INT),
    Hand(_build_bandwidth, lambda elem: {"bandwidth": xml_shared.parse_bandwidth(elem.find("bandwidth")) or {}}),
)


def build(vm, uuid=None):
    return definition("domain", vm, DOMAIN, uuid)


def disk_element(disk):
    return element("disk", disk, DISK)


def nic_element(nic):
    return element("interface", nic, NIC)


def to_string(elem):
    return ET.tostring(elem, encoding="unicode")


def parse(text):
    """Read (inactive) dumpxml into a Domain; what libvirt adds on its own (uuid, addresses...) is ignored."""
    vm = Domain(**read(ET.fromstring(text), DOMAIN))
    vm.current_memory = vm.memory if vm.current_memory is None else vm.current_memory
    vm.vcpus = vm.max_vcpus if vm.vcpus is None else vm.vcpus
    return vm


def parse_disk(elem):
    if elem.get("device", "disk") not in ("disk", "cdrom"):
        return None
    return Disk(**read(elem, DISK))


def parse_nic(elem):
    return Nic(**read(elem, NIC))
