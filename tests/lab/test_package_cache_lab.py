"""The lab's package cache: a bare Debian 13 host VM (no package beyond what reaching it takes) boots
on a lab network, and `apt-get install` of a small package works there through apt-cacher-ng,
whose log then names that package. Plain libvirt-python, direct kernel boot like the host VMs."""

import base64
import hashlib
import os
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import hostvm, paths
from tests.labkit.bare_image import BareImage
from tests.labkit.daemons import LIBVIRT_URI, tail
from tests.labkit.package_cache import AptCacherNg
from tests.labkit.proc import LabError, run, wait_for

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = paths.PREFIX + "b" + uuid.uuid4().hex[:4]
SUBNET = "10.254.249."
MAC = "52:54:00:eb:13:01"
BOOT_SECONDS = int(os.environ.get("EKVM_GUEST_BOOT_SECONDS", "300"))


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def _network_xml():
    net = ET.Element("network")
    _sub(net, "name", TAG + "net")
    _sub(net, "bridge", name=TAG + "br", stp="off", delay="0")
    ip = _sub(net, "ip", address=SUBNET + "1", netmask="255.255.255.0")
    _sub(_sub(ip, "dhcp"), "range", start=SUBNET + "100", end=SUBNET + "199")
    return ET.tostring(net, encoding="unicode")


def _domain_xml(image, overlay, console, pubkey):
    dom = ET.Element("domain", type="qemu")
    _sub(dom, "name", TAG + "vm")
    _sub(dom, "memory", 768, unit="MiB")
    _sub(dom, "vcpu", 1)
    cpu = _sub(dom, "cpu", mode="custom", match="exact", check="none")
    _sub(cpu, "model", "qemu64", fallback="forbid")
    os_ = _sub(dom, "os")
    _sub(os_, "type", "hvm", arch="x86_64", machine="pc")
    _sub(os_, "kernel", image.kernel)
    _sub(os_, "initrd", image.initrd)
    key = base64.b64encode(pubkey.strip().encode()).decode()
    _sub(
        os_,
        "cmdline",
        "root=/dev/vda rw console=ttyS0 net.ifnames=0 systemd.machine_id=%s ekvm.hostname=bare13 "
        "ekvm.sshkey=%s" % (hashlib.md5(TAG.encode()).hexdigest(), key),
    )
    _sub(_sub(dom, "features"), "acpi")
    devices = _sub(dom, "devices")
    disk = _sub(devices, "disk", type="file", device="disk")
    _sub(disk, "driver", name="qemu", type="qcow2", cache="unsafe")
    _sub(disk, "source", file=overlay)
    _sub(disk, "target", dev="vda", bus="virtio")
    iface = _sub(devices, "interface", type="network")
    _sub(iface, "mac", address=MAC)
    _sub(iface, "source", network=TAG + "net")
    _sub(iface, "model", type="virtio")
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "log", file=console, append="off")
    rng = _sub(devices, "rng", model="virtio")
    _sub(rng, "backend", "/dev/urandom", model="random")
    _sub(devices, "memballoon", model="none")
    return ET.tostring(dom, encoding="unicode")


def _ssh(address, command, timeout=60):
    return run(
        ["ssh", "-i", hostvm.SSH_KEY] + hostvm.ssh_options() + ["root@" + address, command],
        check=False,
        timeout=timeout,
    )


def _answers(address):
    try:
        return _ssh(address, "true", timeout=40).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_bare_debian_13_installs_a_package_through_the_cache(lab):
    times = {}
    started = time.monotonic()
    cache = AptCacherNg()
    assert cache.pid(), "Lab.up starts the package cache"
    image = BareImage("debian-13").ensure()
    times["image (0 when cached)"] = round(time.monotonic() - started, 1)
    overlay = os.path.join(paths.STATE, TAG + ".qcow2")
    console = os.path.join(paths.LOGS, "console-bare-debian-13.log")
    run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image.disk, overlay])
    conn = libvirt.open(LIBVIRT_URI)
    network = conn.networkDefineXML(_network_xml())
    dom = None
    try:
        network.create()
        dom = conn.defineXML(_domain_xml(image, overlay, console, hostvm.ensure_key()))
        started = time.monotonic()
        dom.create()
        try:
            address = wait_for(
                lambda: ([lease["ipaddr"] for lease in network.DHCPLeases() if lease["mac"] == MAC] or [None])[0],
                BOOT_SECONDS,
                interval=2,
                what="a DHCP lease",
            )
            wait_for(lambda: _answers(address), BOOT_SECONDS, interval=3, what="SSH")
        except LabError as exc:
            raise AssertionError("%s\nconsole:\n%s" % (exc, tail(console, 40))) from None
        times["boot to ssh"] = round(time.monotonic() - started, 1)
        assert _ssh(address, ". /etc/os-release; echo $VERSION_ID").stdout.strip() == "13"
        assert _ssh(address, "dpkg -s hello", timeout=30).returncode != 0
        started = time.monotonic()
        result = _ssh(
            address,
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
            "--no-install-recommends hello && hello",
            timeout=600,
        )
        times["apt-get update + install"] = round(time.monotonic() - started, 1)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Hello, world!" in result.stdout
        with open(os.path.join(paths.LOGS, "apt-cacher-ng", "apt-cacher.log"), errors="replace") as handle:
            assert "/hello_" in handle.read(), "the package came through the lab's cache"
    finally:
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        if network.isActive():
            network.destroy()
        network.undefine()
        conn.close()
        if os.path.exists(overlay):
            os.unlink(overlay)
        print("\npackage cache times (s): %s" % times)
