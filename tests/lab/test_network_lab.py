"""libvirt_network against the lab's real libvirtd: every forward mode started, QEMU guests plugged in, a DHCP
lease from the NAT network, live DHCP changes, idempotence against real net-dumpxml output.

The module runs inside the lab namespace (through a python wrapper under `ip netns exec`), as it would on a
hypervisor: that is where the bridges, veth "NICs", taps and macvtaps live.
"""

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import ansible, netns, paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import alive, read_pid, run, wait_for

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "ansible_collections.essentials.kvm.plugins.modules.libvirt_network"
TAG = uuid.uuid4().hex[:3]
PREFIX = "ekvm-n%s" % TAG
# Modes that take a veth of their own as the macvtap parent, and one more for the SR-IOV error case.
VETH_MODES = ("private", "vepa", "macvtap", "passthrough", "nosriov")
GUEST_MAC = "52:54:00:fd:00:01"
LEASE_TIMEOUT = 120


def name(suffix):
    return "%s-%s" % (PREFIX, suffix)


def dev(suffix):
    """Interface name of at most 15 characters."""
    return (PREFIX + suffix)[:15]


def veth(mode):
    return dev("v%d" % VETH_MODES.index(mode))


def block(third, dhcp_end=None):
    item = {"address": "10.253.%d.1" % third, "prefix": 24}
    if dhcp_end:
        item["dhcp_ranges"] = [{"start": "10.253.%d.100" % third, "end": "10.253.%d.%d" % (third, dhcp_end)}]
    return item


def networks(nat_end=150, nat_hosts=()):
    """One network per mode; the OVS one in the older ansible-kvm shape (vlans with trunk)."""
    nat_ip = block(141, nat_end)
    if nat_hosts:
        nat_ip["dhcp_hosts"] = list(nat_hosts)
    return [
        {
            "name": name("nat"),
            "mode": "nat",
            "bridge_name": dev("nat"),
            "domain": "nat.lab",
            "ips": [nat_ip],
            "nat": {
                "address_start": "10.253.199.10",
                "address_end": "10.253.199.20",
                "port_start": 1024,
                "port_end": 65535,
            },
            "dns": {"hosts": [{"ip": "10.253.141.5", "hostnames": ["gw"]}]},
        },
        {
            "name": name("route"),
            "mode": "route",
            "bridge_name": dev("rt"),
            "ips": [block(142)],
            "routes": [{"address": "10.253.150.0", "prefix": 24, "gateway": "10.253.142.2"}],
        },
        {"name": name("open"), "mode": "open", "bridge_name": dev("open"), "ips": [block(143)]},
        {
            "name": name("iso"),
            "mode": "isolated",
            "bridge_name": dev("iso"),
            "ips": [block(144, 150)],
            "stp": False,
            "delay": 0,
            "mtu": 1450,
        },
        {"name": name("br"), "mode": "bridge", "bridge_name": dev("br")},
        {
            "name": name("ovs"),
            "mode": "bridge",
            "bridge_name": dev("ovs"),
            "virtualport_type": "openvswitch",
            "vlans": [
                {"name": "v10", "vlan": 10, "default": True},
                {"name": "trunk", "vlan": [10, 20, 30], "trunk": True},
            ],
        },
        {"name": name("priv"), "mode": "private", "forward": {"interfaces": [veth("private")]}},
        {"name": name("vepa"), "mode": "vepa", "forward": {"interfaces": [veth("vepa")]}},
        {"name": name("mvtap"), "mode": "bridge", "forward": {"interfaces": [veth("macvtap")]}},
        {"name": name("pt"), "mode": "passthrough", "forward": {"dev": veth("passthrough")}},
    ]


ALL = [item["name"] for item in networks()]


# ---------------------------------------------------------------------------------------------- helpers


def lab_ip(*args, check=True):
    return netns.ip(paths.NETNS, *args, check=check)


def link(device):
    """`ip -d -j link show` of a device inside the lab namespace, or None."""
    done = lab_ip("-d", "-j", "link", "show", device, check=False)
    return json.loads(done.stdout)[0] if done.returncode == 0 else None


class Host:
    """What the module sees as the hypervisor: the lab namespace, reached through a python wrapper."""

    def __init__(self, folder):
        self.folder = folder
        self.python = os.path.join(folder, "python-in-lab")
        with open(self.python, "w") as handle:
            handle.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (paths.NETNS, sys.executable))
        os.chmod(self.python, 0o755)
        self.runs = 0

    def module(self, check_mode=False, **params):
        """One run of the module's main() with these parameters, in diff mode (as with --diff: the result holds
        the diff only then); returns its JSON result."""
        self.runs += 1
        args = os.path.join(self.folder, "args-%d.json" % self.runs)
        with open(args, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": dict(params, _ansible_check_mode=check_mode, _ansible_diff=True)}, handle)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
        done = subprocess.run([self.python, "-m", MODULE, args], capture_output=True, text=True, env=env, timeout=120)
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise AssertionError("module printed no JSON (rc %d):\n%s%s" % (done.returncode, done.stdout, done.stderr))

    def role(self, items, check=False, **variables):
        """The kvm role's virtual network tasks through ansible-playbook, connection local; `variables` are
        further extra vars (the host's interface or Open vSwitch variables, say)."""
        self.runs += 1
        extra = os.path.join(self.folder, "vars-%d.json" % self.runs)
        with open(extra, "w") as handle:
            json.dump(dict(variables, kvm_virtual_networks=items, ansible_python_interpreter=self.python), handle)
        play = os.path.join(self.folder, "play.yml")
        with open(play, "w") as handle:
            handle.write(
                "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                "    - ansible.builtin.include_role:\n        name: essentials.kvm.kvm\n"
                "        tasks_from: libvirt_resources\n"
            )
        return ansible.playbook(
            play, [], check=check, diff=True, timeout=300, args=("-c", "local", "-i", "localhost,", "-e", "@" + extra)
        )


def snapshot(conn):
    """Every network libvirt knows (other developers' too), with live and persistent XML and run state."""
    found = {}
    for net in conn.listAllNetworks():
        config = net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE) if net.isPersistent() else None
        found[net.name()] = (net.isActive(), net.autostart(), net.XMLDesc(0), config)
    return found


def mine(snap):
    return {k: v for k, v in snap.items() if k.startswith(PREFIX)}


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def domain_xml(guest, memory_mib, nics, pxe=False):
    """A transient disk-less type 'qemu' guest; nics: (mac, network, portgroup or None). With pxe, its
    first NIC's iPXE asks for a DHCP lease within seconds of the start (no OS boot needed)."""
    dom = ET.Element("domain", type="qemu")
    _sub(dom, "name", guest)
    _sub(dom, "memory", memory_mib, unit="MiB")
    os_ = _sub(dom, "os")
    _sub(os_, "type", "hvm", arch="x86_64", machine="pc")
    if pxe:
        _sub(os_, "boot", dev="network")
    devices = _sub(dom, "devices")
    for mac, network, portgroup in nics:
        iface = _sub(devices, "interface", type="network")
        _sub(iface, "mac", address=mac)
        source = _sub(iface, "source", network=network)
        if portgroup:
            source.set("portgroup", portgroup)
        _sub(iface, "model", type="virtio")
        if not pxe:
            # No iPXE: the tiny guest only needs its NICs to exist, not to boot from them.
            _sub(iface, "rom", enabled="no")
    _sub(devices, "memballoon", model="none")
    return ET.tostring(dom, encoding="unicode")


def guest_nics(dom):
    """mac -> (interface type, target dev, source attributes) of a running guest."""
    root = ET.fromstring(dom.XMLDesc(0))
    return {
        i.find("mac").get("address"): (i.get("type"), i.find("target").get("dev"), dict(i.find("source").attrib))
        for i in root.findall("devices/interface")
    }


def destroy(conn, guest):
    try:
        conn.lookupByName(guest).destroy()
    except libvirt.libvirtError:
        pass


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def host(lab, tmp_path_factory):
    """The devices the networks need inside the lab namespace; removes everything this file creates."""
    conn = libvirt.open(LIBVIRT_URI)
    lab_ip("link", "add", dev("br"), "type", "bridge")
    lab_ip("link", "set", dev("br"), "up")
    run(["ovs-vsctl", "--timeout=30", "add-br", dev("ovs"), "--", "set", "bridge", dev("ovs"), "datapath_type=netdev"])
    for mode in VETH_MODES:
        lab_ip("link", "add", veth(mode), "type", "veth", "peer", "name", veth(mode) + "p")
        lab_ip("link", "set", veth(mode), "up")
        lab_ip("link", "set", veth(mode) + "p", "up")
    folder = str(tmp_path_factory.mktemp("network-lab"))
    os.chmod(folder, 0o755)
    yield Host(folder)
    for guest in (name("tiny"), name("pxe")):
        destroy(conn, guest)
    for net in conn.listAllNetworks():
        if net.name().startswith(PREFIX):
            if net.isActive():
                net.destroy()
            if net.isPersistent():
                net.undefine()
    conn.close()
    run(["ovs-vsctl", "--timeout=30", "--if-exists", "del-br", dev("ovs")], check=False)
    for device in [dev("br")] + [veth(mode) for mode in VETH_MODES]:
        lab_ip("link", "del", device, check=False)


@pytest.fixture(scope="module")
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def pxe_guest(host, conn):
    """A guest whose iPXE asks the NAT network for a lease on eth0, as a booting guest would."""
    dom = conn.createXML(domain_xml(name("pxe"), 128, [(GUEST_MAC, name("nat"), None)], pxe=True), 0)
    yield dom
    destroy(conn, name("pxe"))


# ---------------------------------------------------------------------------------------------- tests


def test_role_defines_and_starts_every_mode(host, conn):
    first = host.role(networks())
    assert first.rc == 0, first
    assert first.changed("localhost") == 1, first
    for item in networks():
        net = conn.networkLookupByName(item["name"])
        assert net.isActive() and net.autostart() and net.isPersistent(), item["name"]
    for bridge in ("nat", "rt", "open", "iso"):
        assert link(dev(bridge))["linkinfo"]["info_kind"] == "bridge"
    assert link(dev("iso"))["mtu"] == 1450


def test_second_run_changes_nothing(host, conn, pxe_guest):
    # The PXE guest asks for its lease from here on, while the next tests run.
    before = snapshot(conn)
    again = host.role(networks())
    assert again.rc == 0, again
    assert again.changed("localhost") == 0, again
    assert mine(snapshot(conn)) == mine(before)


def test_check_mode_shows_the_diff_and_changes_nothing(host, conn):
    before = snapshot(conn)
    changed = networks(nat_end=170) + [{"name": name("extra"), "mode": "isolated", "bridge_name": dev("x")}]
    changed[1]["mtu"] = 1400
    result = host.module(networks=changed, check_mode=True)
    assert result["changed"] and not result.get("failed"), result
    actions = {n["name"]: n["actions"] for n in result["networks"]}
    assert actions[name("nat")] == ["update live"]
    assert actions[name("route")] == ["redefine"] and result["restart_required"] == [name("route")]
    assert actions[name("extra")] == ["define", "start", "autostart on"]
    assert "10.253.141.170" in [d for d in result["diff"] if d["after_header"].endswith(name("nat"))][0]["after"]
    assert mine(snapshot(conn)) == mine(before)


def test_a_guest_tap_plugs_into_every_network(host, conn):
    nics = [("52:54:00:fe:00:%02x" % i, item["name"], None) for i, item in enumerate(networks())]
    nics.append(("52:54:00:fe:01:00", name("ovs"), "trunk"))
    dom = conn.createXML(domain_xml(name("tiny"), 64, nics), 0)
    try:
        plugged = guest_nics(dom)
        by_net = {}
        for mac, network, portgroup in nics:
            by_net[(network, portgroup)] = plugged[mac]
        for suffix, bridge in (("nat", "nat"), ("route", "rt"), ("open", "open"), ("iso", "iso"), ("br", "br")):
            kind, tap, source = by_net[(name(suffix), None)]
            assert (kind, source["bridge"]) == ("bridge" if suffix == "br" else "network", dev(bridge))
            assert link(tap)["master"] == dev(bridge), tap
        for portgroup, tag, trunks, vlan_mode in ((None, "10", "[]", "[]"), ("trunk", "[]", "[10, 20, 30]", "[]")):
            _, tap, _ = by_net[(name("ovs"), portgroup)]
            assert run(["ovs-vsctl", "port-to-br", tap]).stdout.strip() == dev("ovs")
            got = [
                run(["ovs-vsctl", "get", "port", tap, column]).stdout.strip()
                for column in ("tag", "trunks", "vlan_mode")
            ]
            assert got == [tag, trunks, vlan_mode], (portgroup, got)
        for suffix, mode, kernel_mode in (
            ("priv", "private", "private"),
            ("vepa", "vepa", "vepa"),
            ("mvtap", "macvtap", "bridge"),
            ("pt", "passthrough", "passthru"),
        ):
            kind, tap, source = by_net[(name(suffix), None)]
            assert (kind, source["dev"]) == ("direct", veth(mode))
            info = link(tap)
            assert info["link"] == veth(mode) and info["linkinfo"]["info_kind"] == "macvtap", info
            assert info["linkinfo"]["info_data"]["mode"] == kernel_mode
    finally:
        dom.destroy()
    assert not any(lab_ip("link", "show", tap, check=False).returncode == 0 for _, tap, _ in plugged.values())


@pytest.mark.parametrize("mode", ["hostdev", "passthrough"])
def test_pf_without_sriov_functions_fails_clearly(host, conn, mode):
    before = snapshot(conn)
    item = {"name": name("sriov"), "mode": mode, "forward": {"pf": veth("nosriov")}}
    result = host.module(networks=networks() + [item], input_name="kvm_virtual_networks")
    assert result.get("failed"), result
    assert result["msg"].startswith(
        "kvm_virtual_networks[10].forward.pf: device %r has no SR-IOV virtual functions" % veth("nosriov")
    ), result["msg"]
    assert mine(snapshot(conn)) == mine(before)


def test_role_takes_bridges_declared_by_the_interface_and_ovs_variables(host, conn):
    """Bridges that the config_interfaces and openvswitch roles will create need not exist yet."""
    before = snapshot(conn)
    declared = {
        "network_bridges": [{"name": dev("d0")}],
        "ovs_bridges": [{"name": dev("d1")}],
        # The openvswitch role's shape, and the older ansible-openvswitch one.
        "openvswitch_bridges": [{"name": dev("d2")}, {"bridge": dev("d3")}],
    }
    items = [{"name": name("d%d" % i), "mode": "bridge", "bridge_name": dev("d%d" % i)} for i in range(5)]
    planned = host.role(items[:4], check=True, **declared)
    assert planned.rc == 0 and planned.changed("localhost") == 1, planned
    refused = host.role(items, check=True, **declared)
    assert refused.rc != 0, refused
    assert (
        "kvm_virtual_networks[4].bridge_name: bridge %r neither exists on this host nor is declared" % dev("d4")
    ) in refused.output, refused.output
    assert mine(snapshot(conn)) == mine(before)


def test_bad_input_fails_before_any_change(host, conn):
    before = snapshot(conn)
    items = networks(nat_end=180) + [
        {
            "name": name("bad"),
            "mode": "isolated",
            "bridge_name": dev("bad"),
            "ips": [
                {
                    "address": "10.253.148.1",
                    "prefix": 24,
                    "dhcp_ranges": [{"start": "10.253.149.10", "end": "10.253.148.20"}],
                }
            ],
        }
    ]
    result = host.module(networks=items)
    assert result.get("failed"), result
    assert result["msg"].startswith(
        "networks[10].ips[0].dhcp_ranges[0].start: 10.253.149.10 lies outside the subnet 10.253.148.0/24"
    ), result["msg"]
    assert mine(snapshot(conn)) == mine(before)


def test_changed_dhcp_range_is_applied_live(host, conn, pxe_guest):
    nat = conn.networkLookupByName(name("nat"))
    bridge_index = link(dev("nat"))["ifindex"]
    tap = guest_nics(pxe_guest)[GUEST_MAC][1]
    assert link(tap)["master"] == dev("nat")
    fixed = {"mac": GUEST_MAC, "name": "deb", "ip": "10.253.141.50"}
    result = host.module(networks=networks(nat_end=160, nat_hosts=[fixed]))
    assert not result.get("failed"), result
    nat_result = [n for n in result["networks"] if n["name"] == name("nat")][0]
    assert nat_result["actions"] == ["update live"] and not nat_result["restart_required"], nat_result
    assert [u.split(" (")[0] for u in nat_result["live_updates"]] == [
        "delete ip-dhcp-range",
        "add-last ip-dhcp-range",
        "add-last ip-dhcp-host",
    ]
    # Not restarted: same bridge device, and the running guest is still plugged into it.
    assert nat.isActive() and link(dev("nat"))["ifindex"] == bridge_index
    assert link(tap)["master"] == dev("nat")
    for flags in (0, libvirt.VIR_NETWORK_XML_INACTIVE):
        text = nat.XMLDesc(flags)
        assert "end='10.253.141.160'" in text and "ip='10.253.141.50'" in text
    # A DNS host only makes dnsmasq reread its files: same process.
    pidfile = "/run/libvirt/network/%s.pid" % name("nat")
    dnsmasq = read_pid(pidfile)
    more_dns = networks(nat_end=160, nat_hosts=[fixed])
    more_dns[0]["dns"]["hosts"].append({"ip": "10.253.141.6", "hostnames": ["ns"]})
    assert host.module(networks=more_dns)["live_updates"] == {
        name("nat"): ['add-last dns-host: <host ip="10.253.141.6"><hostname>ns</hostname></host>']
    }
    assert read_pid(pidfile) == dnsmasq and alive(dnsmasq)
    assert not host.module(networks=more_dns)["changed"]


def test_guest_on_the_nat_network_gets_a_dhcp_lease(host, conn, pxe_guest):
    nat = conn.networkLookupByName(name("nat"))

    def lease():
        return [entry for entry in nat.DHCPLeases() if entry["mac"] == GUEST_MAC]

    found = wait_for(lease, LEASE_TIMEOUT, interval=1, what="a DHCP lease for %s" % GUEST_MAC)
    # The pinned address once the DHCP host entry (added live above) is there, else one from the range.
    address = found[0]["ipaddr"]
    assert address == "10.253.141.50" or 100 <= int(address.split(".")[-1]) <= 160, found


def test_running_network_redefined_and_restarted_only_when_asked(host, conn):
    changed = networks(nat_end=160)
    changed[1]["mtu"] = 1400
    route = conn.networkLookupByName(name("route"))
    pending = host.module(networks=changed)
    assert pending["restart_required"] == [name("route")], pending
    assert "mtu size='1400'" in route.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    assert "mtu" not in route.XMLDesc(0)
    restarted = host.module(networks=changed, restart_on_change=True)
    assert [n["actions"] for n in restarted["networks"] if n["name"] == name("route")] == [["restart"]], restarted
    assert link(dev("rt"))["mtu"] == 1400 and route.isActive()
    assert not host.module(networks=changed)["changed"]


def test_purge_plan_and_absent(host, conn):
    keep = networks(nat_end=160)
    keep[1]["mtu"] = 1400
    before = snapshot(conn)
    # Other developers' networks share this libvirtd, so purge is only planned here (check mode);
    # test_network_purge_lab.py runs it for real on a libvirtd of its own.
    planned = host.module(networks=keep[1:], purge=True, check_mode=True)
    actions = {n["name"]: n["actions"] for n in planned["networks"]}
    assert actions[name("nat")] == ["stop", "undefine"]
    assert all(actions[item["name"]] == [] for item in keep[1:])
    assert mine(snapshot(conn)) == mine(before)
    gone = host.module(networks=[{"name": n, "state": "absent"} for n in ALL])
    assert gone["changed"] and not gone.get("failed"), gone
    assert mine(snapshot(conn)) == {}
    assert not host.module(networks=[{"name": n, "state": "absent"} for n in ALL])["changed"]
    for bridge in ("nat", "rt", "open", "iso"):
        assert link(dev(bridge)) is None


def test_a_host_failure_after_earlier_changes_reports_what_was_done(host, conn):
    """A NIC already holds the second network's bridge name, so libvirt cannot start that network after
    the first one is up: the module fails with changed=true and lists what it did."""
    first = {"name": name("half1"), "mode": "isolated", "bridge_name": dev("halfa")}
    second = {"name": name("half2"), "mode": "isolated", "bridge_name": dev("halfb")}
    netns.veth(dev("halfb"), paths.NETNS, dev("halfc"), paths.NETNS)
    try:
        result = host.module(networks=[first, second])
        assert result.get("failed") and result["changed"], result
        assert result["msg"].startswith("cannot start network %s" % name("half2")), result["msg"]
        assert result["done"] == [
            "define network %s" % name("half1"),
            "start network %s" % name("half1"),
            "autostart on of network %s" % name("half1"),
            "define network %s" % name("half2"),
        ], result
    finally:
        host.module(networks=[{"name": n, "state": "absent"} for n in (name("half1"), name("half2"))])
        lab_ip("link", "delete", dev("halfb"), check=False)
