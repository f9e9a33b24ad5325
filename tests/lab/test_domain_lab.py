"""libvirt_domain against the lab's real libvirtd (QEMU TCG): a cloud-init guest boots from a qcow2 overlay of the
lab's cloud image with the image's own GRUB, as users boot guests, and accepts SSH; reruns change nothing; a NIC
is hot-plugged; a machine change restarts it; every NIC type starts; bad input changes nothing.

One booted guest is shared by the tests of this file (module-scoped fixture), in file order.
"""

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.domain_reconcile import converge
from tests.labkit import ansible, netns, paths
from tests.labkit.cloud_image import CloudImage
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import LabError, run, wait_for

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = paths.PREFIX + "d" + uuid.uuid4().hex[:4]  # ekvm-dXXXX: 10 chars, room for a suffix in interface names
POOL, IMAGES, NET = TAG + "p", TAG + "i", TAG + "n"
GUEST, NICS_VM = TAG + "vm", TAG + "nics"
# A quiet 2-core CI machine boots the guest in 1-2 minutes; a lab shared with other TCG guests needs more.
BOOT_SECONDS = int(os.environ.get("EKVM_GUEST_BOOT_SECONDS", "360"))
ROLE_PLAYBOOK = """- hosts: all
  gather_facts: false
  tasks:
    - name: The kvm role's virtual machine tasks
      ansible.builtin.include_role:
        name: essentials.kvm.kvm
        tasks_from: libvirt_resources
"""
PLAYBOOK = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Converge the lab VMs
      essentials.kvm.libvirt_domain:
        uri: "{{ uri }}"
        inventory_hostname: lab
        vms: "{{ vms }}"
"""


def _free_subnet(conn):
    """A /24 in 10.253.200-249 that no lab network uses yet (other developers share this libvirtd)."""
    used = set()
    for net in conn.listAllNetworks():
        try:
            xml = net.XMLDesc(0)
        except libvirt.libvirtError:
            continue  # removed by another test since it was listed
        for ip in ET.fromstring(xml).findall("ip"):
            if ip.get("address"):
                used.add(str(ipaddress.ip_interface("%s/24" % ip.get("address")).network))
    for third in range(200, 250):
        subnet = "10.253.%d.0/24" % third
        if subnet not in used:
            return ipaddress.ip_network(subnet)
    raise LabError("no free 10.253.200-249 subnet for the domain tests")


def _network_xml(subnet):
    net = ET.Element("network")
    ET.SubElement(net, "name").text = NET
    ET.SubElement(net, "forward", mode="nat")
    ET.SubElement(net, "bridge", name=NET, stp="off", delay="0")
    ET.SubElement(net, "portgroup", name="web")
    hosts = list(subnet.hosts())
    ip = ET.SubElement(net, "ip", address=str(hosts[0]), prefix="24")
    ET.SubElement(ET.SubElement(ip, "dhcp"), "range", start=str(hosts[99]), end=str(hosts[198]))
    return ET.tostring(net, encoding="unicode")


def _dir_pool_xml(name, path):
    pool = ET.Element("pool", type="dir")
    ET.SubElement(pool, "name").text = name
    ET.SubElement(ET.SubElement(pool, "target"), "path").text = path
    return ET.tostring(pool, encoding="unicode")


class Env:
    """What the tests share: the libvirt connection, pools, NAT network, key pair and the guest's input."""

    def __init__(self, conn, workdir):
        self.conn = conn
        self.workdir = workdir
        self.pool_dir = os.path.join(paths.STATE, POOL)
        self.key = os.path.join(workdir, "id_ed25519")
        self.playbook = os.path.join(workdir, "vms.yml")
        self.subnet = None
        self.guest = None

    def pubkey(self):
        with open(self.key + ".pub") as handle:
            return handle.read().strip()

    def run_playbook(self, vms, check=False):
        """ansible-playbook -c local with the venv's python (it has the libvirt bindings)."""
        extra = os.path.join(self.workdir, "vars.json")
        with open(extra, "w") as handle:
            json.dump({"uri": LIBVIRT_URI, "vms": vms}, handle)
        return ansible.playbook(
            self.playbook,
            ["localhost,"],
            check=check,
            timeout=900,
            args=["-c", "local", "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + extra],
        )

    def converge(self, vms, **kwargs):
        return converge(self.conn, vms, host="lab", **kwargs)

    def snapshot(self):
        """Everything this file's names cover: domains (definition and state), volumes, networks."""
        state = {}
        for dom in self.conn.listAllDomains():
            if dom.name().startswith(TAG):
                state["domain " + dom.name()] = (dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), dom.state()[0])
        for pool in self.conn.listAllStoragePools():
            if pool.name().startswith(TAG):
                pool.refresh(0)
                state["pool " + pool.name()] = sorted(pool.listVolumes())
        for net in self.conn.listAllNetworks():
            if net.name().startswith(TAG):
                state["network " + net.name()] = net.XMLDesc(0)
        return state


def _remove_everything(conn):
    for dom in conn.listAllDomains():
        if dom.name().startswith(TAG):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for pool in conn.listAllStoragePools():
        if pool.name().startswith(TAG):
            if pool.name() == POOL and pool.isActive():
                for vol in pool.listAllVolumes():
                    vol.delete(0)
            if pool.isActive():
                pool.destroy()
            pool.undefine()  # the image pool only points at the lab's image folder: its files stay
    for net in conn.listAllNetworks():
        if net.name().startswith(TAG):
            if net.isActive():
                net.destroy()
            net.undefine()
    for link in (TAG + "b", TAG + "va"):
        if netns.link_exists(paths.NETNS, link):
            netns.ip(paths.NETNS, "link", "del", link)
    run(["ovs-vsctl", "--if-exists", "del-br", TAG + "o"])
    shutil.rmtree(os.path.join(paths.STATE, POOL), ignore_errors=True)


@pytest.fixture(scope="module")
def env(lab, tmp_path_factory):
    image = CloudImage().ensure()
    conn = libvirt.open(LIBVIRT_URI)
    workdir = str(tmp_path_factory.mktemp("domain"))
    the_env = Env(conn, workdir)
    try:
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", TAG, "-f", the_env.key])
        with open(the_env.playbook, "w") as handle:
            handle.write(PLAYBOOK)
        os.makedirs(the_env.pool_dir, mode=0o755)
        for name, path in ((POOL, the_env.pool_dir), (IMAGES, image.dir)):
            conn.storagePoolDefineXML(_dir_pool_xml(name, path), 0).create(0)
        the_env.subnet = _free_subnet(conn)
        conn.networkDefineXML(_network_xml(the_env.subnet)).create()
        the_env.guest = {
            "name": GUEST,
            "memory": "768M",
            "machine": "pc",
            "pool": POOL,
            # No direct boot: SeaBIOS starts the image's own GRUB from the overlay.
            "disks": [
                {"type": "overlay", "base": os.path.basename(image.qcow2), "base_pool": IMAGES, "cache": "unsafe"}
            ],
            # No network_config: cloud-init's fallback runs DHCP on the first NIC, as on a user's guest.
            "cloud_init": {
                "user_data": {
                    "hostname": GUEST,
                    "disable_root": False,
                    "ssh_authorized_keys": [the_env.pubkey()],
                    # The image has no SSH host keys; ed25519 alone is quick to make under TCG, RSA is not.
                    "ssh_genkeytypes": ["ed25519"],
                    "locale": False,  # the minimal image has no locale-gen
                },
            },
            "nics": [{"network": NET}],
        }
        yield the_env
    finally:
        _remove_everything(conn)
        conn.close()


def _mac(conn, name, index):
    root = ET.fromstring(conn.lookupByName(name).XMLDesc(0))
    return root.findall("devices/interface/mac")[index].get("address")


def _lease(conn, mac):
    for lease in conn.networkLookupByName(NET).DHCPLeases():
        if lease["mac"].lower() == mac:
            return lease["ipaddr"]
    return None


def _ssh(env, address, command, timeout=30):
    argv = netns.exec_argv(
        paths.NETNS,
        [
            "ssh",
            "-i",
            env.key,
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=ERROR",
            "root@" + address,
            command,
        ],
    )
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 255, "", "timeout")


@pytest.fixture(scope="module")
def guest(env):
    """The cloud-init guest, defined and started through ansible-playbook, reachable over SSH."""
    started = time.monotonic()
    first = env.run_playbook([env.guest])
    assert first.rc == 0 and first.changed("localhost") == 1, first
    mac = _mac(env.conn, GUEST, 0)
    address = wait_for(lambda: _lease(env.conn, mac), BOOT_SECONDS, interval=2, what="a DHCP lease for " + mac)
    left = BOOT_SECONDS - (time.monotonic() - started)
    wait_for(
        lambda: _ssh(env, address, "true").returncode == 0,
        max(left, 30),
        interval=3,
        what="SSH with the seed's key on %s" % address,
    )
    return address


def test_guest_boots_from_overlay_with_cloud_init_seed_and_accepts_ssh(env, guest):
    assert ipaddress.ip_address(guest) in env.subnet

    def status():
        answer = _ssh(
            env,
            guest,
            "hostname; cloud-init status --wait --long; grep -E 'WARNING|ERROR' /var/log/cloud-init.log | tail -n 20",
            timeout=300,
        )
        return answer if answer.returncode == 0 and answer.stdout.strip() else None

    # cloud-init may still restart sshd after the first login worked: a dropped connection is retried.
    done = wait_for(status, 360, interval=3, what="cloud-init's status over SSH")
    assert done.stdout.split()[0] == GUEST, done.stdout + done.stderr
    assert "status: done" in done.stdout, done.stdout + done.stderr
    pool = env.conn.storagePoolLookupByName(POOL)
    pool.refresh(0)
    assert {GUEST + "-disk0.qcow2", GUEST + "-cidata.iso"} <= set(pool.listVolumes())
    overlay = ET.fromstring(pool.storageVolLookupByName(GUEST + "-disk0.qcow2").XMLDesc(0))
    assert overlay.findtext("backingStore/path") == CloudImage().qcow2
    assert ET.fromstring(env.conn.lookupByName(GUEST).XMLDesc(0)).get("type") == _accelerated_type(env.conn)


def _accelerated_type(conn):
    """What domain_type auto must pick: kvm only when QEMU's domain capabilities accept the KVM accelerator."""
    try:
        conn.getDomainCapabilities(None, None, None, "kvm", 0)
    except libvirt.libvirtError:
        return "qemu"
    return "kvm"


def test_second_run_and_check_mode_change_nothing(env, guest):
    again = env.run_playbook([env.guest])
    assert again.rc == 0 and again.changed("localhost") == 0, again
    check = env.run_playbook([env.guest], check=True)
    assert check.rc == 0 and check.changed("localhost") == 0, check


def _with_second_nic():
    return {"network": NET, "portgroup": "web", "mac": "52:54:00:d5:00:02"}


def test_a_nic_added_to_the_running_guest_is_applied_live(env, guest):
    dom = env.conn.lookupByName(GUEST)
    before = dom.ID()
    wanted = dict(env.guest, nics=env.guest["nics"] + [_with_second_nic()])
    result = env.converge([wanted])
    assert result["changed"] and result["restart_required"] == [], result
    assert "nics[mac=52:54:00:d5:00:02]: None -> added (live)" in result["vms"][0]["actions"]
    assert dom.ID() == before
    live = ET.fromstring(dom.XMLDesc(0))
    assert "52:54:00:d5:00:02" in [m.get("address") for m in live.findall("devices/interface/mac")]
    # The image keeps the kernel's predictable NIC names: the new NIC is found by its MAC.
    wait_for(
        lambda: "52:54:00:d5:00:02" in _ssh(env, guest, "cat /sys/class/net/*/address").stdout.split(),
        60,
        interval=2,
        what="the guest to see the hot-plugged NIC",
    )
    assert env.converge([wanted])["changed"] is False


def _other_i440fx(conn, current):
    caps = ET.fromstring(conn.getCapabilities())
    names = {m.text for m in caps.findall("guest/arch[@name='x86_64']/machine")}
    return sorted(n for n in names if n.startswith("pc-i440fx-") and n != current)[-1]


def test_machine_change_needs_a_restart_and_restart_on_change_does_it(env, guest):
    dom = env.conn.lookupByName(GUEST)
    current = ET.fromstring(dom.XMLDesc(0)).find("os/type").get("machine")
    machine = _other_i440fx(env.conn, current)
    wanted = dict(env.guest, machine=machine, nics=env.guest["nics"] + [_with_second_nic()])
    before = dom.ID()

    pending = env.converge([wanted])
    assert pending["restart_required"] == [GUEST], pending
    assert dom.ID() == before
    assert ET.fromstring(dom.XMLDesc(0)).find("os/type").get("machine") == current
    assert ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).find("os/type").get("machine") == machine

    restarted = env.converge([wanted], restart_on_change=True, shutdown_timeout=30)
    assert restarted["vms"][0]["actions"] == ["restart"] and restarted["restart_required"] == [], restarted
    dom = env.conn.lookupByName(GUEST)
    assert dom.isActive() and dom.ID() != before
    assert ET.fromstring(dom.XMLDesc(0)).find("os/type").get("machine") == machine
    assert env.converge([wanted])["changed"] is False


@pytest.fixture
def nic_sources(env):
    """A Linux bridge, an OVS bridge (userspace datapath) and a veth for macvtap, inside the lab namespace."""
    netns.ip(paths.NETNS, "link", "add", TAG + "b", "type", "bridge")
    netns.ip(paths.NETNS, "link", "set", TAG + "b", "up")
    run(["ovs-vsctl", "add-br", TAG + "o", "--", "set", "bridge", TAG + "o", "datapath_type=netdev"])
    netns.veth(TAG + "va", paths.NETNS, TAG + "vb", paths.NETNS)
    yield
    for link in (TAG + "b", TAG + "va"):
        netns.ip(paths.NETNS, "link", "del", link, check=False)
    run(["ovs-vsctl", "--if-exists", "del-br", TAG + "o"])


def test_a_vm_with_one_nic_of_each_type_is_defined_and_started(env, nic_sources):
    # No disk: SeaBIOS loops over network boot, which is all a NIC test needs.
    vm = {
        "name": NICS_VM,
        "memory": "64M",
        "boot": ["network"],
        "nics": [
            {"network": NET, "portgroup": "web"},
            {"type": "bridge", "bridge": TAG + "b"},
            {"type": "bridge", "bridge": TAG + "o", "ovs": True, "vlan": 42},
            {"type": "direct", "dev": TAG + "va"},
            {"type": "user"},
            {"type": "ethernet", "target_dev": TAG + "t"},
        ],
    }
    try:
        first = env.converge([vm])
        assert first["vms"][0]["actions"] == ["define", "start (was absent)"], first
        dom = env.conn.lookupByName(NICS_VM)
        assert dom.isActive()
        live = ET.fromstring(dom.XMLDesc(0))
        assert [i.get("type") for i in live.findall("devices/interface")] == [
            "network",
            "bridge",
            "bridge",
            "direct",
            "user",
            "ethernet",
        ]
        ovs_port = live.findall("devices/interface")[2].find("target").get("dev")
        assert run(["ovs-vsctl", "get", "port", ovs_port, "tag"]).stdout.strip() == "42"
        assert netns.link_exists(paths.NETNS, TAG + "t")
        assert env.converge([vm])["changed"] is False
    finally:
        env.converge([{"name": NICS_VM, "state": "absent"}])
    with pytest.raises(libvirt.libvirtError):
        env.conn.lookupByName(NICS_VM)


def test_bad_input_through_the_module_changes_nothing(env, guest):
    before = env.snapshot()
    good = {"name": TAG + "new", "pool": POOL, "disks": [{"size": "64M"}], "nics": [{"network": NET}]}
    bad = dict(env.guest, nics=[{"network": TAG + "missing"}])
    failed = env.run_playbook([good, bad])
    assert failed.rc != 0, failed
    assert "vms[1].nics[0].network: network '%s' is not defined on this host" % (TAG + "missing") in failed.output
    assert env.snapshot() == before


def test_kvm_role_converges_the_older_kvm_vms_shape_on_the_host_it_names(env):
    """The older ansible-kvm shape through the role, for inventory host 'lab': its VM is defined and started, the
    VM placed on another host is left alone, and a second run changes nothing."""
    old, elsewhere = TAG + "old", TAG + "else"
    kvm_vms = [
        {
            "name": old,
            "host": "lab",
            "memory": "64",
            "vcpu": "1",
            "boot_devices": ["network", "hd"],
            "state": "running",
            "pool": POOL,
            "disks": [{"disk_driver": "virtio", "name": old + ".1", "size": "32"}],
            "network_interfaces": [{"source": NET, "network_driver": "e1000", "type": "network"}],
        },
        {"name": elsewhere, "host": "other", "memory": "64", "pool": POOL},
    ]
    play = os.path.join(env.workdir, "role.yml")
    with open(play, "w") as handle:
        handle.write(ROLE_PLAYBOOK)
    extra = os.path.join(env.workdir, "role-vars.json")
    with open(extra, "w") as handle:
        json.dump(
            {"kvm_vms": kvm_vms, "kvm_libvirt_uri": LIBVIRT_URI, "ansible_python_interpreter": sys.executable}, handle
        )

    def role():
        return ansible.playbook(play, [], timeout=600, args=["-c", "local", "-i", "lab,", "-e", "@" + extra])

    try:
        first = role()
        assert first.rc == 0 and first.changed("lab") == 1, first
        dom = env.conn.lookupByName(old)
        assert dom.isActive()
        root = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        assert root.findtext("memory") == str(64 * 1024) and root.findtext("vcpu") == "1"
        assert [b.get("dev") for b in root.findall("os/boot")] == ["network", "hd"]
        nic = root.find("devices/interface")
        assert (nic.find("source").get("network"), nic.find("model").get("type")) == (NET, "e1000")
        disk = root.find("devices/disk")
        # Named by its volume's path (AppArmor's helper labels paths, not pool volumes).
        source = os.path.join(env.pool_dir, old + ".1")
        assert (disk.get("type"), disk.find("source").get("file"), disk.find("target").get("bus")) == (
            "file",
            source,
            "virtio",
        )
        volume = env.conn.storagePoolLookupByName(POOL).storageVolLookupByName(old + ".1")
        assert volume.info()[1] == 32 * 1024**2
        with pytest.raises(libvirt.libvirtError):
            env.conn.lookupByName(elsewhere)
        again = role()
        assert again.rc == 0 and again.changed("lab") == 0, again
    finally:
        env.converge([{"name": old, "state": "absent", "remove_volumes": True}])
