"""The lab's cloud image, end to end: built (or taken from the cache), served over HTTP inside the
lab namespace, downloaded and checked against SHA256SUMS, then booted under TCG from its own
bootloader, first with SeaBIOS and then with OVMF (UEFI), each time as a qcow2 overlay grown to
4G with a NoCloud seed: the guest takes a DHCP lease on a lab network, accepts SSH, and has the
hostname, user and grown root filesystem the seed declared.

Plain libvirt-python here: the collection's support for image disks is tested elsewhere.
"""
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import hostvm, paths
from tests.labkit.cloud_image import CURRENT, QCOW2, SUMS, CloudImage
from tests.labkit.daemons import LIBVIRT_URI, tail
from tests.labkit.image_server import URL, ImageServer, fetch
from tests.labkit.proc import LabError, run, wait_for

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = paths.PREFIX + "c" + uuid.uuid4().hex[:4]
NET, BRIDGE = TAG + "net", TAG + "br"
SUBNET = "10.254.251."
WORK = os.path.join(paths.STATE, TAG)
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOOT_SECONDS = int(os.environ.get("EKVM_GUEST_BOOT_SECONDS", "300"))
USER = "cloudy"
TIMES = {}


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def _sha256(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            sha.update(block)
    return sha.hexdigest()


@pytest.fixture(scope="module")
def base_image(lab):
    """The served image, downloaded from inside the lab namespace and checked against SHA256SUMS."""
    started = time.monotonic()
    image = CloudImage().ensure()
    TIMES["build (0 when cached)"] = image.timings
    TIMES["build or cache wall"] = round(time.monotonic() - started, 1)
    server = ImageServer()
    assert server.pid(), "Lab.up starts the image server"
    os.makedirs(WORK)
    os.chmod(WORK, 0o755)
    try:
        sums_path, qcow2_path = "/%s/%s" % (CURRENT, SUMS), "/%s/%s" % (CURRENT, QCOW2)
        before = server.requests(qcow2_path)
        started = time.monotonic()
        fetch(URL + sums_path, os.path.join(WORK, SUMS))
        local = fetch(URL + qcow2_path, os.path.join(WORK, QCOW2))
        TIMES["download"] = round(time.monotonic() - started, 1)
        assert server.requests(qcow2_path) == before + 1
        with open(os.path.join(WORK, SUMS)) as handle:
            sums = dict(reversed(line.split()) for line in handle if line.strip())
        assert set(sums) == {QCOW2, QCOW2.replace(".qcow2", ".raw.xz")}
        assert sums[QCOW2] == _sha256(local)
        os.chmod(local, 0o644)
        yield local
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
        print("\ncloud image times (s): %s" % json.dumps(TIMES))


@pytest.fixture(scope="module")
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    net = ET.Element("network")
    _sub(net, "name", NET)
    _sub(net, "bridge", name=BRIDGE, stp="off", delay="0")
    ip = _sub(net, "ip", address=SUBNET + "1", netmask="255.255.255.0")
    _sub(_sub(ip, "dhcp"), "range", start=SUBNET + "100", end=SUBNET + "199")
    network = connection.networkDefineXML(ET.tostring(net, encoding="unicode"))
    try:
        network.create()
        yield connection
    finally:
        if network.isActive():
            network.destroy()
        network.undefine()
        connection.close()


def _seed(path, name, pubkey):
    """A NoCloud seed ISO (label cidata). JSON is YAML, so json.dumps writes the cloud-config."""
    folder = path + ".d"
    os.makedirs(folder)
    user_data = {
        "hostname": name,
        # A minbase root has no locales package: C.UTF-8 is built into libc.
        "locale": "C.UTF-8",
        "users": [{"name": USER, "shell": "/bin/bash", "sudo": "ALL=(ALL) NOPASSWD:ALL",
                   "ssh_authorized_keys": [pubkey.strip()]}],
    }
    with open(os.path.join(folder, "user-data"), "w") as handle:
        handle.write("#cloud-config\n" + json.dumps(user_data, indent=1) + "\n")
    with open(os.path.join(folder, "meta-data"), "w") as handle:
        handle.write(json.dumps({"instance-id": name, "local-hostname": name}) + "\n")
    run(["xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", path, folder])
    shutil.rmtree(folder)
    os.chmod(path, 0o644)


def _domain_xml(name, firmware, overlay, seed, nvram, mac, console):
    dom = ET.Element("domain", type="qemu")
    _sub(dom, "name", name)
    _sub(dom, "memory", 768, unit="MiB")
    _sub(dom, "vcpu", 1)
    cpu = _sub(dom, "cpu", mode="custom", match="exact", check="none")
    _sub(cpu, "model", "qemu64", fallback="forbid")
    os_ = _sub(dom, "os")
    _sub(os_, "type", "hvm", arch="x86_64", machine="q35" if firmware == "uefi" else "pc")
    if firmware == "uefi":
        _sub(os_, "loader", OVMF_CODE, readonly="yes", type="pflash")
        _sub(os_, "nvram", nvram, template=OVMF_VARS)
    _sub(os_, "boot", dev="hd")
    features = _sub(dom, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    devices = _sub(dom, "devices")
    for source, target, kind in ((overlay, "vda", "qcow2"), (seed, "vdb", "raw")):
        disk = _sub(devices, "disk", type="file", device="disk")
        _sub(disk, "driver", name="qemu", type=kind, cache="unsafe")
        _sub(disk, "source", file=source)
        _sub(disk, "target", dev=target, bus="virtio")
        if kind == "raw":
            _sub(disk, "readonly")
    iface = _sub(devices, "interface", type="network")
    _sub(iface, "mac", address=mac)
    _sub(iface, "source", network=NET)
    _sub(iface, "model", type="virtio")
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "log", file=console, append="off")
    _sub(devices, "console", type="pty")
    rng = _sub(devices, "rng", model="virtio")
    _sub(rng, "backend", "/dev/urandom", model="random")
    _sub(devices, "memballoon", model="none")
    return ET.tostring(dom, encoding="unicode")


def _lease(network, mac):
    leases = [lease["ipaddr"] for lease in network.DHCPLeases() if lease["mac"] == mac]
    return leases[0] if leases else None


def _ssh(address, command, timeout=60):
    argv = ["ssh", "-i", hostvm.SSH_KEY] + hostvm.ssh_options() + ["%s@%s" % (USER, address), command]
    return run(argv, check=False, timeout=timeout)


@pytest.mark.parametrize("firmware", ["bios", "uefi"])
def test_cloud_image_boots_from_its_own_bootloader(base_image, conn, firmware):
    name = "%s%s" % (TAG, firmware)
    hostname = "cloud-" + firmware
    overlay, seed = os.path.join(WORK, name + ".qcow2"), os.path.join(WORK, name + "-seed.iso")
    nvram = os.path.join(WORK, name + "_VARS.fd")
    console = os.path.join(paths.LOGS, "console-cloud-%s.log" % firmware)
    mac = "52:54:00:ec:%02x:01" % (1 if firmware == "bios" else 2)
    run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base_image, overlay, "4G"])
    _seed(seed, hostname, hostvm.ensure_key())
    if firmware == "uefi":
        shutil.copy(OVMF_VARS, nvram)
    dom = conn.defineXML(_domain_xml(name, firmware, overlay, seed, nvram, mac, console))
    try:
        started = time.monotonic()
        dom.create()
        network = conn.networkLookupByName(NET)
        try:
            address = wait_for(lambda: _lease(network, mac), BOOT_SECONDS, interval=2, what="a DHCP lease")
            TIMES[firmware + " lease"] = round(time.monotonic() - started, 1)
            left = BOOT_SECONDS - (time.monotonic() - started)
            wait_for(lambda: _answers(address), max(left, 30), interval=3, what="SSH")
        except LabError as exc:
            raise AssertionError("%s\nconsole:\n%s" % (exc, tail(console, 40))) from None
        TIMES[firmware + " ssh"] = round(time.monotonic() - started, 1)
        facts = _ssh(address, "hostname; id -un; df -B1 --output=size / | tail -1; "
                              "test -d /sys/firmware/efi && echo uefi || echo bios").stdout.split()
        assert facts[0] == hostname
        assert facts[1] == USER
        assert int(facts[2]) > 3.5 * 1024 ** 3, "growpart and resize2fs filled the 4G overlay"
        assert facts[3] == firmware
        # The image shipped without any of these: each VM made its own on first boot.
        assert _ssh(address, "test -s /etc/machine-id && ls /etc/ssh/ssh_host_ed25519_key").returncode == 0
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM if firmware == "uefi" else 0)
        for path in (overlay, seed, nvram):
            if os.path.exists(path):
                os.unlink(path)


def _answers(address):
    try:
        return _ssh(address, "true", timeout=40).returncode == 0
    except subprocess.TimeoutExpired:
        return False
