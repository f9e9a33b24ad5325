"""libvirt XML of the scenario's objects for the raw floor, built with ElementTree."""

import xml.etree.ElementTree as ET


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = str(text)
    return node


def _doc(root):
    return ET.tostring(root, encoding="unicode")


def network(net):
    # No <forward> and no address: an isolated bridge, so libvirt starts no dnsmasq for it.
    root = ET.Element("network")
    _sub(root, "name", net["name"])
    _sub(root, "bridge", name=net["bridge"], stp="on", delay="0")
    return _doc(root)


def pool(spec):
    root = ET.Element("pool", type="dir")
    _sub(root, "name", spec["name"])
    target = _sub(root, "target")
    _sub(target, "path", spec["path"])
    return _doc(root)


def volume(name, capacity_bytes):
    root = ET.Element("volume")
    _sub(root, "name", name)
    _sub(root, "capacity", capacity_bytes, unit="bytes")
    target = _sub(root, "target")
    _sub(target, "format", type="qcow2")
    return _doc(root)


def domain(vm, uuid=None):
    root = ET.Element("domain", type="qemu")
    _sub(root, "name", vm["name"])
    if uuid:
        # Redefining keeps the domain's identity; without it libvirt refuses the known name.
        _sub(root, "uuid", uuid)
    _sub(root, "memory", vm["memory_mib"], unit="MiB")
    _sub(root, "vcpu", 1)
    os_node = _sub(root, "os")
    _sub(os_node, "type", "hvm", arch="x86_64", machine="pc")
    _sub(os_node, "boot", dev="hd")
    devices = _sub(root, "devices")
    disk = _sub(devices, "disk", type="volume", device="disk")
    _sub(disk, "driver", name="qemu", type="qcow2")
    _sub(disk, "source", pool=vm["pool"], volume=vm["volume"])
    _sub(disk, "target", dev="vda", bus="virtio")
    nic = _sub(devices, "interface", type="network")
    _sub(nic, "source", network=vm["network"])
    _sub(nic, "model", type="virtio")
    _sub(devices, "serial", type="pty")
    _sub(devices, "console", type="pty")
    return _doc(root)
