"""playbooks/site.yml on a host VM whose host_vars file is written in the older roles' shapes (issue 20):
tests/unit/fixtures/older/host_vars.yml, as ansible-config-interfaces, ansible-openvswitch and ansible-kvm
read it. The first run converges, the second changes nothing, and the host holds what the older roles made:
the bond with its bond_master members and parameters, the VLANs on it, the Linux bridge with bridge_stp and
bridge_fd, the OVS bridge with its OVS bond and tagged internal port, the dir pool at its path, the two
networks, and the VM running with its NIC on the portgroup's VLAN.

It runs on the first shared host VM and puts it back as it found it (cheaper in CI than a VM of its own, whose
boot under TCG costs minutes): the two NICs of the OVS bond are hot-plugged on the lab LAN and unplugged
afterwards, everything the roles made is removed, and /etc is restored from a copy taken before the run."""

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import ansible, demo, hostvm
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import run, wait_for

pytestmark = pytest.mark.host

FIXTURE = os.path.join(ansible.ROOT, "tests", "unit", "fixtures", "older", "host_vars.yml")
# The OVS bond's members (eth3, eth4 in the fixture) as NIC numbers of the host VM (eth1, eth2 are booted with it).
NICS = (3, 4)
RUN_TIMEOUT = 900
DEST = "/etc/network/interfaces.d/essentials-kvm"
SAVED = "/var/tmp/ekvm-older"
LINKS = "br10 bond0.20 bond0.10 bond0 vlan30 ovsbond0 vmbr0 eth1 eth2 eth3 eth4"

# Copies /etc aside (save), or puts it back as saved, prints what it put back and fails if anything still
# differs (restore). Open vSwitch's database changes with every transaction (the bridge is removed with
# ovs-vsctl), and libvirt's own definitions go with virsh: neither is copied back.
ETC = r"""
import filecmp, os, shutil, sys
SAVED, SKIP = sys.argv[2], ("/etc/openvswitch/", "/etc/libvirt/qemu/", "/etc/libvirt/storage/")
def walk(root):
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = path[len(root):]
            if not ("/etc" + rel + "/").startswith(SKIP):
                out[rel] = path
    return out
if sys.argv[1] == "save":
    shutil.rmtree(SAVED, ignore_errors=True)
    shutil.copytree("/etc", SAVED + "/etc", symlinks=True)
    sys.exit(0)
saved, now = walk(SAVED + "/etc"), walk("/etc")
def same(a, b):
    if os.path.islink(a) or os.path.islink(b):
        return os.path.islink(a) and os.path.islink(b) and os.readlink(a) == os.readlink(b)
    if os.path.isdir(a) or os.path.isdir(b):
        return os.path.isdir(a) and os.path.isdir(b)
    return os.stat(a).st_mode == os.stat(b).st_mode and filecmp.cmp(a, b, shallow=False)
for rel in sorted(set(now) - set(saved), reverse=True):
    path = "/etc" + rel
    print("removed /etc" + rel)
    shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
for rel in sorted(saved):
    src, dest = saved[rel], "/etc" + rel
    if rel in now and os.path.lexists(dest) and same(src, dest):
        continue
    print("restored /etc" + rel)
    if os.path.lexists(dest) and not os.path.isdir(dest) or os.path.islink(dest):
        os.unlink(dest)
    if os.path.islink(src):
        os.symlink(os.readlink(src), dest)
    elif os.path.isdir(src):
        os.makedirs(dest, exist_ok=True)
    else:
        shutil.copy2(src, dest)
left = [rel for rel in set(saved) | set(walk("/etc")) if not (rel in saved and os.path.lexists("/etc" + rel)
        and same(saved[rel], "/etc" + rel))]
if left:
    sys.exit("still different: " + " ".join(sorted(left)))
shutil.rmtree(SAVED)
"""

# The VM's disk as an operator of the older roles has it: the file <kvm_images_path>/<disk name>.qcow2, 64 MiB,
# which the role adopts. It boots to a halt (cli; hlt), so the nested guest idles instead of spinning under TCG.
DISK = f"""set -e
python3 -c "import sys; b = bytearray(512); b[:4] = bytes([0xfa, 0xf4, 0xeb, 0xfd]); b[510:] = b'\\x55\\xaa'
sys.stdout.buffer.write(b)" > {SAVED}/boot.raw
truncate -s 64M {SAVED}/boot.raw
qemu-img convert -O qcow2 {SAVED}/boot.raw /var/lib/libvirt/images/oldvm.1.qcow2
"""

# Removes what the roles made, in any state a run may have left; every step may find nothing to do.
CLEANUP = f"""
systemctl stop essentials-kvm-ifupdown-rollback.timer essentials-kvm-ifupdown-apply.service 2>/dev/null
virsh -q destroy oldvm; virsh -q undefine oldvm
for pool in vmstore default; do virsh -q pool-destroy $pool; virsh -q pool-undefine $pool; done
rm -rf /srv/kvm /var/lib/libvirt/images/oldvm.1.qcow2
for net in ovs-network br10-net; do virsh -q net-destroy $net; virsh -q net-undefine $net; done
ovs-vsctl --timeout=10 --if-exists del-br vmbr0
for dev in {LINKS}; do
    case $dev in eth*) ip link set $dev down;; *) ip link delete $dev;; esac
    # ifupdown still counts the removed stanzas as up (and would skip them next time); forget them as at boot.
    [ -e /run/network/ifstate.$dev ] && : > /run/network/ifstate.$dev
    sed -i "/^$dev=/d" /run/network/ifstate
done
rm -rf /var/lib/essentials-kvm
true
"""

# The far end of VLAN 30: a VLAN device on the Linux bond0 (eth1, eth2, on the same lab LAN as the OVS bond's
# members) in a network namespace of its own, so the ping leaves the host VM by one bond and comes back by the
# other through the lab's LAN bridge (this machine's kernel has no 8021q for a VLAN device in the lab namespace).
FAR_NS = "ekvm-old30"
FAR_ADDRESS = "10.216.30.254"
FAR_END = f"""ip netns del {FAR_NS} 2>/dev/null; ip netns add {FAR_NS}
ip link add link bond0 name bond0.30 type vlan id 30; ip link set bond0.30 netns {FAR_NS}
ip -n {FAR_NS} addr add {FAR_ADDRESS}/24 dev bond0.30; ip -n {FAR_NS} link set bond0.30 up
"""
PING = "ping -n -q -c 3 -i 0.2 -W 2 -I vlan30 %s >/dev/null && echo reached || echo lost" % FAR_ADDRESS
# Traffic through the OVS bond and the tag on the kernel datapath, over one member and then the other; then the
# two stanzas taken down and brought up again from the interfaces file by ifupdown, and traffic once more.
OVS_TRAFFIC = rf"""
ovs-dpctl show | sed -n 's/^  port [0-9]*: //p' | sort | tr '\n' ' '; echo
active() {{ ovs-appctl bond/show ovsbond0 | sed -n 's/^active member mac: .*(\(.*\))$/\1/p'; }}
echo "active $(active)"; {PING}
other=eth3; [ "$(active)" != eth3 ] || other=eth4; ovs-appctl bond/set-active-member ovsbond0 $other >/dev/null
echo "active $(active)"; {PING}
ifdown vlan30 ovsbond0 >/dev/null 2>&1; echo "down $(ovs-vsctl list-ports vmbr0 | grep -c -x -e ovsbond0 -e vlan30)"
ifup ovsbond0 vlan30 >/dev/null 2>&1; echo "up $(ovs-vsctl list-ports vmbr0 | grep -c -x -e ovsbond0 -e vlan30)"
echo "tag $(ovs-vsctl get port vlan30 tag)"; {PING}
"""

# What the test must leave as it found it (after the NICs are unplugged again).
STATE = (
    "ip -br link; ip -br addr; virsh list --all --name; virsh net-list --all; virsh pool-list --all; "
    "ovs-vsctl show; ls /srv /var/lib/libvirt/images /etc/network/interfaces.d; cat /run/network/ifstate"
)
# What the roles made, one section per command (see facts()).
FACTS = {
    "bonding": "cat /proc/net/bonding/bond0",
    "links": "ip -d -j addr",
    "stp": "cat /sys/class/net/br10/bridge/stp_state /sys/class/net/br10/bridge/forward_delay",
    "brif": "ls /sys/class/net/br10/brif",
    "ovs_ports": "ovs-vsctl list-ports vmbr0",
    "ovs_bond": "ovs-appctl bond/show ovsbond0",
    "ovs_vlan30": "ovs-vsctl get port vlan30 tag; ovs-vsctl get interface vlan30 type",
    "dns": "grep -A3 '^iface br10 ' %s" % DEST,
    "pools": "virsh pool-info vmstore; virsh pool-dumpxml vmstore; virsh vol-list default",
    "networks": "virsh net-info ovs-network; virsh net-info br10-net; virsh net-dumpxml ovs-network",
    "vm": "virsh domstate oldvm; virsh dominfo oldvm | grep -i autostart; virsh domblkinfo oldvm vda",
    "iflist": "virsh -q domiflist oldvm",
    "xml": "virsh dumpxml --inactive oldvm",
    "ifindex": "cat /sys/class/net/bond0/ifindex /sys/class/net/br10/ifindex; virsh domid oldvm",
}


def nic_xml(host, nic):
    iface = ET.Element("interface", type="network")
    ET.SubElement(iface, "mac", address=host.mac(nic))
    ET.SubElement(iface, "source", network=hostvm.LAN_NET)
    ET.SubElement(iface, "model", type="virtio")
    return ET.tostring(iface, encoding="unicode")


def plugged(dom, mac):
    return mac in [m.get("address") for m in ET.fromstring(dom.XMLDesc(0)).findall("./devices/interface/mac")]


def guest_nics(host):
    """{MAC: name} of the guest's NICs."""
    out = host.ssh("grep -H . /sys/class/net/eth*/address", check=False).stdout
    return dict((line.split(":", 1)[1].strip(), line.split("/")[4]) for line in out.splitlines())


def write_inventory(host, folder):
    """The group site.yml converges, with the fixture as the host's host_vars file beside the inventory."""
    connection = demo.connection_inventory({host.name: host}, os.path.join(folder, "connection.json"))
    os.makedirs(os.path.join(folder, "host_vars"))
    shutil.copy(FIXTURE, os.path.join(folder, "host_vars", host.name + ".yml"))
    inventory = os.path.join(folder, "hosts.yml")
    with open(inventory, "w") as handle:
        handle.write("hypervisors:\n  hosts:\n    %s:\n" % host.name)
    return [inventory, connection]


@pytest.fixture(scope="module")
def older_host(host_vms, tmp_path_factory):
    """The first shared host VM with two more NICs and the VM's older disk file; afterwards as it was found."""
    hosts, _ = host_vms
    host = hosts[0]
    inventories = write_inventory(host, str(tmp_path_factory.mktemp("older")))
    conn = libvirt.open(LIBVIRT_URI)
    dom = conn.lookupByName(host.domain)
    before = host.ssh(STATE).stdout
    restored = None
    try:
        run(host.ssh_argv("python3 - save " + SAVED), input=ETC)
        host.ssh(DISK)
        for nic in NICS:
            dom.attachDeviceFlags(nic_xml(host, nic), libvirt.VIR_DOMAIN_AFFECT_LIVE)
        wait_for(
            lambda: all(host.mac(n) in guest_nics(host) for n in NICS), 60, interval=1, what="the hot-plugged NICs"
        )
        names = guest_nics(host)
        assert [names[host.mac(n)] for n in NICS] == ["eth3", "eth4"], names
        yield {"host": host, "inventories": inventories, "runs": {}}
    finally:
        host.ssh(CLEANUP, check=False)
        for nic in NICS:
            if plugged(dom, host.mac(nic)):
                dom.detachDeviceFlags(nic_xml(host, nic), libvirt.VIR_DOMAIN_AFFECT_LIVE)
        wait_for(lambda: not any(plugged(dom, host.mac(n)) for n in NICS), 60, interval=1, what="the NICs unplugged")
        conn.close()
        restored = run(host.ssh_argv("python3 - restore " + SAVED), input=ETC, check=False)
        # The role's libvirtd.conf and socket drop-ins are gone again: libvirtd and its sockets start as before.
        host.ssh(
            "systemctl daemon-reload; systemctl stop libvirtd.service; "
            "systemctl restart libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket",
            check=False,
        )
    assert restored.returncode == 0, restored.stderr
    assert host.ssh(STATE).stdout == before, restored.stdout


def converge(older, label):
    if label != "first" and "first" not in older["runs"]:
        pytest.fail("the first run did not converge the host")
    result = ansible.playbook(
        demo.PLAYBOOK,
        older["inventories"],
        timeout=RUN_TIMEOUT,
        args=["--limit", older["host"].name, "-e", json.dumps(demo.LAB_VARS)],
    )
    assert result.rc == 0, result
    older["runs"][label] = result
    return result


def facts(host):
    """{FACTS key: output}, from one SSH login (each costs seconds under TCG)."""
    script = "".join("echo '@@ %s'; %s 2>&1; " % (key, command) for key, command in FACTS.items())
    parts = re.split(r"^@@ (\w+)\n", host.ssh(script, check=False).stdout, flags=re.M)[1:]
    return dict(zip(parts[::2], parts[1::2]))


def test_first_run_makes_what_the_older_roles_made(older_host):
    host = older_host["host"]
    first = converge(older_host, "first")
    assert first.changed(host.name) > 0, first
    words = " ".join(first.output.split())
    for warning in (
        "dns_nameservers is the older roles' spelling",
        "kvm_vms[0].disks[0]: a disk without a pool is the file /var/lib/libvirt/images/oldvm.1.qcow2 as the older "
        "role wrote it, read as pool: default, volume: oldvm.1.qcow2",
    ):
        assert warning in words, first
    got = facts(host)
    older_host["facts"] = got

    # bond0 of eth1 and eth2 with the bond_master parameters; VLANs 10 and 20 on it, 20 with its address.
    bonding = got["bonding"]
    assert "Bonding Mode: fault-tolerance (active-backup)" in bonding, bonding
    assert "Primary Slave: eth1" in bonding and "MII Polling Interval (ms): 100" in bonding, bonding
    assert sorted(re.findall(r"Slave Interface: (\S+)", bonding)) == ["eth1", "eth2"], bonding
    assert bonding.count("MII Status: up") == 3, bonding
    links = dict((link["ifname"], link) for link in json.loads(got["links"]))
    for name in ("eth1", "eth2", "eth3", "eth4", "bond0", "bond0.10", "bond0.20", "br10", "vmbr0", "vlan30"):
        assert "UP" in links[name]["flags"], (name, links[name])
    for vid in (10, 20):
        vlan = links["bond0.%d" % vid]
        assert vlan["link"] == "bond0" and vlan["linkinfo"]["info_data"]["id"] == vid, vlan
    addresses = dict(
        (name, ["%s/%s" % (a["local"], a["prefixlen"]) for a in links[name]["addr_info"] if a["family"] == "inet"])
        for name in ("bond0.20", "br10", "vlan30")
    )
    assert addresses == {"bond0.20": ["10.216.20.5/24"], "br10": ["10.216.10.5/24"], "vlan30": ["10.216.30.5/24"]}

    # br10 on bond0.10 with bridge_stp off and bridge_fd 0, the global DNS settings on its stanza.
    assert got["stp"].split() == ["0", "0"], got["stp"]
    assert "dns-nameservers 10.216.20.1" in got["dns"] and "dns-search lab.example" in got["dns"], got["dns"]

    # vmbr0 with the OVS bond of eth3 and eth4 (its options) and the internal port vlan30 tagged 30.
    bond = got["ovs_bond"]
    assert "bond_mode: active-backup" in bond and "lacp_status: off" in bond, bond
    assert sorted(re.findall(r"^member (\S+):", bond, re.M)) == ["eth3", "eth4"], bond
    assert got["ovs_vlan30"].split() == ["30", "internal"], got["ovs_vlan30"]

    # The dir pool at its path, the older images directory as the pool default holding the adopted disk.
    pools = got["pools"]
    assert re.search(r"^State:\s+running", pools, re.M) and re.search(r"^Autostart:\s+yes", pools, re.M), pools
    assert "<path>/srv/kvm</path>" in pools and "oldvm.1.qcow2" in pools, pools
    networks = got["networks"]
    assert len(re.findall(r"^Active:\s+yes", networks, re.M)) == 2, networks
    assert len(re.findall(r"^Autostart:\s+yes", networks, re.M)) == 2, networks
    net = ET.fromstring(networks[networks.index("<network") :])
    assert net.find("virtualport").get("type") == "openvswitch" and net.find("bridge").get("name") == "vmbr0"
    portgroups = dict(
        (pg.get("name"), (pg.find("vlan").get("trunk"), [t.get("id") for t in pg.findall("vlan/tag")]))
        for pg in net.findall("portgroup")
    )
    assert portgroups == {"vlan-30": (None, ["30"]), "vlan-all": ("yes", ["30", "40"])}, portgroups

    # The VM: running, its 64 MiB disk adopted, no display, boot order as listed, one NIC on each network.
    vm = got["vm"]
    assert vm.splitlines()[0] == "running" and re.search(r"Autostart:\s+enable", vm), vm
    assert re.search(r"^Capacity:\s+67108864$", vm, re.M), vm
    xml = ET.fromstring(got["xml"])
    assert xml.find("devices/graphics") is None and xml.find("memory").text == "262144", got["xml"]
    assert [b.get("dev") for b in xml.findall("os/boot")] == ["hd", "network"], got["xml"]
    sources = [(i.get("type"), i.find("source").attrib) for i in xml.findall("devices/interface")]
    assert [(kind, attrs.get("network"), attrs.get("portgroup"), attrs.get("bridge")) for kind, attrs in sources] == [
        ("network", "ovs-network", "vlan-30", None),
        ("bridge", None, None, "br10"),
    ], sources
    taps = [line.split()[0] for line in got["iflist"].splitlines() if line.strip()]
    # The NIC on the portgroup is an access port of VLAN 30 on vmbr0; the other sits in br10 beside bond0.10.
    assert host.ssh("ovs-vsctl get port %s tag" % taps[0]).stdout.strip() == "30"
    assert taps[0] in got["ovs_ports"].split() and sorted(got["brif"].split()) == sorted(["bond0.10", taps[1]])


def test_ovs_bond_and_tagged_port_carry_vlan_30_on_the_kernel_datapath_and_come_back_from_the_file(older_host):
    """Issue 22: the OVSBond and the OVSIntPort tagged 30 run on the kernel datapath and carry traffic: a ping
    from vlan30 across the lab's LAN to VLAN 30 on the host VM's Linux bond, over either member of the OVS bond.
    `ifdown` and `ifup` of the two stanzas then bring them back from the interfaces file by ifupdown, and traffic
    passes again. The host VM is not rebooted for it: under TCG, with its nested guest and hot-plugged NICs,
    that costs minutes."""
    host = older_host["host"]
    if "first" not in older_host["runs"]:
        pytest.fail("the first run did not converge the host")
    try:
        lines = host.ssh(FAR_END + OVS_TRAFFIC).stdout.splitlines()
    finally:
        # The VLAN device goes with its namespace.
        host.ssh("ip netns del %s" % FAR_NS, check=False)
    ports = lines[0].split()
    assert {"eth3", "eth4", "vlan30", "vmbr0"} <= set(ports), lines
    first, second = lines[1].split()[1:], lines[3].split()[1:]
    assert first and second and first != second and {first[0], second[0]} == {"eth3", "eth4"}, lines
    assert lines[2:] == ["reached", lines[3], "reached", "down 0", "up 2", "tag 30", "reached"], lines


def test_second_run_changes_and_bounces_nothing(older_host):
    host = older_host["host"]
    second = converge(older_host, "second")
    assert second.changed(host.name) == 0, second
    if "facts" in older_host:
        assert facts(host)["ifindex"] == older_host["facts"]["ifindex"]
