"""Nested Debian host VMs: libvirt domains under QEMU TCG on the lab libvirtd, reached over SSH
through the lab namespace, written into an Ansible inventory. A host VM boots a bare Debian image
(bare_image.py) of its release, on which the roles install everything through the lab's package cache
(host_install.py), as on a user's fresh server."""

import base64
import hashlib
import os
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import libvirt

from . import paths
from .bare_image import BareImage
from .daemons import LIBVIRT_URI, tail
from .proc import LabError, run

# The lab looks objects up to learn whether they exist; libvirt would print every miss.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

MGMT_NET = paths.PREFIX + "mgmt"
LAN_NET = paths.PREFIX + "lan"
MGMT_PREFIX = "10.254.254."
SSH_KEY = os.path.join(paths.HOSTS, "id_ed25519")
INVENTORY = os.path.join(paths.HOSTS, "inventory.ini")
HOST_NAMES = ("host1", "host2", "host3", "host4", "host5", "host6", "host7", "host8", "demo")
BOOT_TIMEOUT = 420


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def _network_xml(name, bridge, hosts=()):
    net = ET.Element("network")
    _sub(net, "name", name)
    _sub(net, "bridge", name=bridge, stp="off", delay="0")
    if hosts:
        ip = _sub(net, "ip", address=MGMT_PREFIX + "1", netmask="255.255.255.0")
        dhcp = _sub(ip, "dhcp")
        _sub(dhcp, "range", start=MGMT_PREFIX + "100", end=MGMT_PREFIX + "199")
        for host in hosts:
            _sub(dhcp, "host", mac=host.mac(0), name=host.name, ip=host.address)
    return ET.tostring(net, encoding="unicode")


class HostVM:
    """One lab host: a management NIC (DHCP, fixed address) plus `extra_nics` on the lab LAN,
    booting the bare image of `release` ("debian-12", "debian-13")."""

    def __init__(self, name, extra_nics=2, memory_mib=2048, vcpus=2, release="debian-13"):
        if name not in HOST_NAMES:
            raise LabError("lab host names are %s" % ", ".join(HOST_NAMES))
        self.name = name
        self.index = HOST_NAMES.index(name) + 1
        self.domain = paths.PREFIX + name
        self.extra_nics = extra_nics
        self.memory_mib = memory_mib
        self.vcpus = vcpus
        self.release = release
        self.address = MGMT_PREFIX + str(10 + self.index)
        self.disk = os.path.join(paths.HOSTS, name + ".qcow2")
        self.console_log = os.path.join(paths.LOGS, "console-%s.log" % name)

    def image(self):
        """The image this host boots, not yet built."""
        return BareImage(self.release)

    def mac(self, nic):
        return "52:54:00:ee:%02x:%02x" % (self.index, nic)

    def domain_xml(self, image, pubkey):
        dom = ET.Element("domain", type="qemu")
        _sub(dom, "name", self.domain)
        _sub(dom, "memory", self.memory_mib, unit="MiB")
        _sub(dom, "vcpu", self.vcpus)
        # TCG's default CPU offers svm, so the guest would think KVM usable and pick domain type kvm.
        cpu = _sub(dom, "cpu", mode="custom", match="exact", check="none")
        _sub(cpu, "model", "qemu64", fallback="forbid")
        _sub(cpu, "feature", policy="disable", name="svm")
        os_ = _sub(dom, "os")
        _sub(os_, "type", "hvm", arch="x86_64", machine="pc")
        _sub(os_, "kernel", image.kernel)
        _sub(os_, "initrd", image.initrd)
        key = base64.b64encode(pubkey.strip().encode()).decode()
        # Each VM gets a machine-id of its own (the image's is shared): udev derives bridge MACs from it.
        machine_id = hashlib.md5(self.domain.encode()).hexdigest()
        _sub(
            os_,
            "cmdline",
            "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet systemd.machine_id=%s "
            "ekvm.hostname=%s ekvm.sshkey=%s" % (machine_id, self.name, key),
        )
        features = _sub(dom, "features")
        _sub(features, "acpi")
        _sub(features, "apic")
        _sub(dom, "on_poweroff", "destroy")
        devices = _sub(dom, "devices")
        disk = _sub(devices, "disk", type="file", device="disk")
        _sub(disk, "driver", name="qemu", type="qcow2", cache="unsafe")
        _sub(disk, "source", file=self.disk)
        _sub(disk, "target", dev="vda", bus="virtio")
        for nic, network in enumerate([MGMT_NET] + [LAN_NET] * self.extra_nics):
            iface = _sub(devices, "interface", type="network")
            _sub(iface, "mac", address=self.mac(nic))
            _sub(iface, "source", network=network)
            _sub(iface, "model", type="virtio")
        serial = _sub(devices, "serial", type="pty")
        _sub(serial, "log", file=self.console_log, append="off")
        _sub(devices, "console", type="pty")
        rng = _sub(devices, "rng", model="virtio")
        _sub(rng, "backend", "/dev/urandom", model="random")
        _sub(devices, "memballoon", model="none")
        return ET.tostring(dom, encoding="unicode")

    def ssh_argv(self, command=None):
        argv = ["ssh", "-i", SSH_KEY] + ssh_options() + ["root@" + self.address]
        return argv + ([command] if command else [])

    def ssh(self, command, check=True, timeout=300):
        return run(self.ssh_argv(command), check=check, timeout=timeout)

    def inventory_line(self):
        # Ansible splits these arguments shell-style: the proxy command needs its own quotes.
        options = " ".join('"%s"' % o if " " in o else o for o in ssh_options())
        return (
            "%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s "
            "ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='%s'"
            % (self.name, self.address, SSH_KEY, options)
        )


def ssh_options():
    proxy = "ip netns exec %s socat STDIO TCP:%%h:%%p" % paths.NETNS
    return [
        "-o",
        "ProxyCommand=%s" % proxy,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=30",
        "-o",
        "BatchMode=yes",
    ]


def ensure_key():
    if not os.path.exists(SSH_KEY):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ekvm-lab", "-f", SSH_KEY])
    with open(SSH_KEY + ".pub") as handle:
        return handle.read()


def ensure_networks(conn):
    """The management network lists every known host so addresses never depend on boot order."""
    known = [HostVM(name) for name in HOST_NAMES]
    for name, bridge, members in ((MGMT_NET, paths.PREFIX + "mgmt0", known), (LAN_NET, paths.PREFIX + "lan0", ())):
        try:
            net = conn.networkLookupByName(name)
        except libvirt.libvirtError:
            net = conn.networkDefineXML(_network_xml(name, bridge, members))
        if not net.isActive():
            net.create()
        # A lab started by an older checkout may have other hosts: fix their leases live.
        flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        entries = ET.fromstring(net.XMLDesc(0)).findall("./ip/dhcp/host")
        for host in members:
            wanted = {"mac": host.mac(0), "name": host.name, "ip": host.address}
            if any(e.attrib == wanted for e in entries):
                continue
            for entry in entries:
                if any(entry.get(k) == v for k, v in wanted.items()):
                    net.update(
                        libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                        libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                        0,
                        ET.tostring(entry, encoding="unicode"),
                        flags,
                    )
            net.update(
                libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                0,
                ET.tostring(ET.Element("host", wanted), encoding="unicode"),
                flags,
            )
            entries = ET.fromstring(net.XMLDesc(0)).findall("./ip/dhcp/host")


def boot(hosts, log=print):
    """Boot the given HostVMs (reusing running ones), wait for SSH, write the inventory. Their QEMU runs at the
    calling thread's niceness (see renice): tests started with `nice`, or a thread that lowered its own, get
    VMs at theirs."""
    niceness = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux, of the calling thread
    paths.ensure_dirs()
    # One build per image, before any VM boots: a bare image needs the lab's package cache.
    images = {}
    for host in hosts:
        image = host.image()
        images.setdefault(image.dir, image).ensure(log)
    pubkey = ensure_key()
    conn = libvirt.open(LIBVIRT_URI)
    try:
        ensure_networks(conn)
        for host in hosts:
            try:
                dom = conn.lookupByName(host.domain)
            except libvirt.libvirtError:
                dom = None
            if dom is not None and dom.isActive():
                continue
            if dom is not None:
                dom.undefine()
            if os.path.exists(host.disk):
                os.unlink(host.disk)
            image = images[host.image().dir]
            run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image.disk, host.disk])
            conn.defineXML(host.domain_xml(image, pubkey)).create()
            renice([host], niceness)
            log("host VM %s booting %s (%s)" % (host.name, host.release, host.address))
    finally:
        conn.close()
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        list(pool.map(wait_ssh, hosts))
    write_inventory(hosts)
    return INVENTORY


def renice(hosts, niceness):
    """Set the scheduling niceness of the hosts' QEMU processes (the lab's libvirtd started them, so they are
    not our children): of each thread, and of the process's autogroup. QEMU starts a session of its own, and
    where the kernel groups sessions (sched_autogroup, on in these machines) the group's niceness is what
    weighs against other processes. Booted in the background while other tests run, the VMs take mostly the
    CPU those leave idle, and get their full share back once their tests start."""
    wanted = {("guest=%s," % host.domain).encode() for host in hosts}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                argv = handle.read().split(b"\0")
            if not any(arg.startswith(name) for arg in argv for name in wanted):
                continue
            for tid in os.listdir("/proc/%s/task" % pid):
                os.setpriority(os.PRIO_PROCESS, int(tid), niceness)
            if os.path.exists("/proc/%s/autogroup" % pid):
                with open("/proc/%s/autogroup" % pid, "w") as handle:
                    handle.write(str(niceness))
        except (FileNotFoundError, ProcessLookupError):
            continue  # a process or thread that ended while we looked


def wait_ssh(host, timeout=BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if host.ssh("true", check=False, timeout=30).returncode == 0:
                return host
        except subprocess.TimeoutExpired:
            pass
        time.sleep(3)
    raise LabError(
        "host VM %s did not answer SSH within %ss; console:\n%s"
        % (host.name, timeout, tail(host.console_log, 40) or "(no console log)")
    )


def running_hosts():
    conn = libvirt.open(LIBVIRT_URI)
    try:
        names = [d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)]
    finally:
        conn.close()
    return [
        HostVM(n[len(paths.PREFIX) :])
        for n in names
        if n.startswith(paths.PREFIX) and n[len(paths.PREFIX) :] in HOST_NAMES
    ]


def write_inventory(hosts):
    hosts = sorted({h.name: h for h in list(running_hosts()) + list(hosts)}.values(), key=lambda h: h.index)
    lines = ["# Written by the lab: how to reach its host VMs.", "[lab_hosts]"]
    lines += [h.inventory_line() for h in hosts]
    tmp = INVENTORY + ".tmp"
    with open(tmp, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.rename(tmp, INVENTORY)


def destroy(hosts):
    conn = libvirt.open(LIBVIRT_URI)
    try:
        for host in hosts:
            try:
                dom = conn.lookupByName(host.domain)
            except libvirt.libvirtError:
                continue
            if dom.isActive():
                dom.destroy()
            dom.undefine()
            if os.path.exists(host.disk):
                os.unlink(host.disk)
    finally:
        conn.close()
    if os.path.exists(INVENTORY):
        write_inventory([])
