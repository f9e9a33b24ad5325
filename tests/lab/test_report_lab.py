"""kvm_host_facts and the fleet report against the lab: a small topology of this file's own (a veth "NIC" in a
Linux bridge with an address, a libvirt network on that bridge, a dir pool with a volume, a defined VM with a
disk on the volume and NICs on the network and on an OVS bridge whose uplink port is tagged) appears with the
right edges, an unreachable host is a section saying so, and nothing of it changes (snapshot before/after).

The module runs inside the lab namespace through a python wrapper, as tests/lab/test_network_lab.py does.
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import ansible, netns, paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import run
from tests.unit.report_page import parse_report

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "playbooks", "report"))
MODULE = "ansible_collections.essentials.kvm.plugins.modules.kvm_host_facts"

P = "ekvm-rep-"
NIC, PEER, BRIDGE, OVS = P + "u0", P + "u1", P + "br", P + "ovs"
NETWORK, POOL, VOLUME, VM = P + "lan", P + "pool", P + "vm.qcow2", P + "vm"
POOL_PATH = os.path.join(paths.STATE, P + "pool")
MAC_LAN, MAC_OVS = "52:54:00:7e:00:01", "52:54:00:7e:00:02"
ADDRESS = "10.252.77.1/24"


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def network_xml():
    net = ET.Element("network")
    _sub(net, "name", NETWORK)
    _sub(net, "forward", mode="bridge")
    _sub(net, "bridge", name=BRIDGE)
    return ET.tostring(net, encoding="unicode")


def pool_xml():
    pool = ET.Element("pool", type="dir")
    _sub(pool, "name", POOL)
    _sub(_sub(pool, "target"), "path", POOL_PATH)
    return ET.tostring(pool, encoding="unicode")


def volume_xml():
    vol = ET.Element("volume")
    _sub(vol, "name", VOLUME)
    _sub(vol, "capacity", 1, unit="MiB")
    _sub(_sub(vol, "target"), "format", type="qcow2")
    return ET.tostring(vol, encoding="unicode")


def domain_xml():
    dom = ET.Element("domain", type="qemu")
    _sub(dom, "name", VM)
    _sub(dom, "memory", 64, unit="MiB")
    _sub(dom, "vcpu", 2)
    _sub(_sub(dom, "os"), "type", "hvm", arch="x86_64", machine="pc")
    devices = _sub(dom, "devices")
    disk = _sub(devices, "disk", type="volume", device="disk")
    _sub(disk, "driver", name="qemu", type="qcow2")
    _sub(disk, "source", pool=POOL, volume=VOLUME)
    _sub(disk, "target", dev="vda", bus="virtio")
    lan = _sub(devices, "interface", type="network")
    _sub(lan, "mac", address=MAC_LAN)
    _sub(lan, "source", network=NETWORK)
    _sub(lan, "model", type="virtio")
    ovs = _sub(devices, "interface", type="bridge")
    _sub(ovs, "mac", address=MAC_OVS)
    _sub(ovs, "source", bridge=OVS)
    _sub(ovs, "virtualport", type="openvswitch")
    _sub(_sub(ovs, "vlan"), "tag", id=42)
    _sub(ovs, "model", type="virtio")
    return ET.tostring(dom, encoding="unicode")


def lab_ip(*args, check=True):
    return netns.ip(paths.NETNS, *args, check=check)


def vsctl(*args, check=True):
    return run(["ovs-vsctl", "--timeout=30"] + list(args), check=check)


def remove_all(conn):
    for lookup, name in ((conn.lookupByName, VM), (conn.networkLookupByName, NETWORK)):
        try:
            handle = lookup(name)
        except libvirt.libvirtError:
            continue
        if handle.isActive():
            handle.destroy()
        handle.undefine()
    try:
        pool = conn.storagePoolLookupByName(POOL)
        if pool.isActive():
            for vol in pool.listAllVolumes():
                vol.delete(0)
            pool.destroy()
        pool.undefine()
    except libvirt.libvirtError:
        pass
    shutil.rmtree(POOL_PATH, ignore_errors=True)
    vsctl("--if-exists", "del-br", OVS, check=False)
    for dev in (NIC, BRIDGE):
        lab_ip("link", "del", dev, check=False)


def snapshot(conn):
    """This file's objects as libvirt, the kernel and OVSDB show them."""
    pool = conn.storagePoolLookupByName(POOL)
    dom = conn.lookupByName(VM)
    net = conn.networkLookupByName(NETWORK)
    return {
        "vm": (dom.state()[0], dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), dom.autostart()),
        "network": (net.isActive(), net.XMLDesc(0), net.autostart()),
        "pool": (pool.isActive(), pool.XMLDesc(0), pool.autostart()),
        "volumes": sorted(vol.XMLDesc(0) for vol in pool.listAllVolumes()),
        "links": [link_config(dev) for dev in (NIC, PEER, BRIDGE)],
        "ovs": [
            vsctl("--format=json", "--columns=" + columns, "list", table, name).stdout
            for table, name, columns in (
                ("Bridge", OVS, "name,ports,datapath_type,fail_mode"),
                ("Port", PEER, "name,interfaces,tag,trunks,vlan_mode"),
                ("Interface", PEER, "name,type,options"),
            )
        ],
    }


def link_config(dev):
    """What configures a link (kind, master, MAC, MTU, global addresses); counters, timers and IPv6 DAD
    state move by themselves."""
    item = json.loads(lab_ip("-d", "-j", "addr", "show", dev).stdout)[0]
    return (
        item["ifname"],
        (item.get("linkinfo") or {}).get("info_kind"),
        item.get("master"),
        item["address"],
        item["mtu"],
        sorted((a["local"], a["prefixlen"]) for a in item.get("addr_info", []) if a.get("scope") == "global"),
    )


@pytest.fixture(scope="module")
def topology(lab):
    conn = libvirt.open(LIBVIRT_URI)
    remove_all(conn)
    try:
        lab_ip("link", "add", NIC, "type", "veth", "peer", "name", PEER)
        lab_ip("link", "add", BRIDGE, "type", "bridge")
        lab_ip("link", "set", NIC, "master", BRIDGE)
        lab_ip("addr", "add", ADDRESS, "dev", BRIDGE)
        for dev in (NIC, PEER, BRIDGE):
            lab_ip("link", "set", dev, "up")
        vsctl("add-br", OVS, "--", "set", "Bridge", OVS, "datapath_type=netdev")
        vsctl("add-port", OVS, PEER, "tag=42")
        net = conn.networkDefineXML(network_xml())
        net.create()
        os.makedirs(POOL_PATH, exist_ok=True)
        pool = conn.storagePoolDefineXML(pool_xml(), 0)
        pool.create(0)
        pool.createXML(volume_xml(), 0)
        conn.defineXML(domain_xml())
        yield conn
    finally:
        remove_all(conn)
        conn.close()


@pytest.fixture(scope="module")
def python_in_lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-lab")
    python = os.path.join(str(folder), "python-in-lab")
    with open(python, "w") as handle:
        handle.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (paths.NETNS, sys.executable))
    os.chmod(python, 0o755)
    return folder, python


def run_module(folder, python, **params):
    args = os.path.join(str(folder), "args.json")
    with open(args, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(params, _ansible_check_mode=True)}, handle)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    done = subprocess.run([python, "-m", MODULE, args], capture_output=True, text=True, env=env, timeout=120)
    return json.loads(done.stdout)


def test_module_reads_the_topology_and_changes_nothing(topology, python_in_lab):
    folder, python = python_in_lab
    before = snapshot(topology)
    result = run_module(folder, python)
    assert result["changed"] is False and not result.get("failed"), result
    facts = result["facts"]
    assert snapshot(topology) == before, "a read changed the host"

    assert facts["libvirt"]["available"] and facts["ovs"]["available"]
    links = {link["name"]: link for link in facts["links"]}
    assert links[NIC]["master"] == BRIDGE and links[NIC]["kind"] == "veth"
    assert links[BRIDGE]["kind"] == "bridge" and links[BRIDGE]["addresses"] == [ADDRESS]
    assert NIC in links[BRIDGE]["ports"]
    net = [n for n in facts["networks"] if n["name"] == NETWORK][0]
    assert (net["mode"], net["bridge"], net["active"]) == ("bridge", BRIDGE, True)
    pool = [p for p in facts["pools"] if p["name"] == POOL][0]
    assert pool["type"] == "dir" and pool["capacity"] > 0 and [v["name"] for v in pool["volumes"]] == [VOLUME]
    ovs = [b for b in facts["ovs"]["bridges"] if b["name"] == OVS][0]
    port = [p for p in ovs["ports"] if p["name"] == PEER][0]
    assert port["tag"] == 42 and port["interfaces"][0]["name"] == PEER
    vm = [v for v in facts["vms"] if v["name"] == VM][0]
    assert (vm["state"], vm["vcpus"], vm["memory_mib"]) == ("shutoff", 2, 64)
    assert [(d["target"], d["pool"], d["volume"]) for d in vm["disks"]] == [("vda", POOL, VOLUME)]
    lan, tagged = vm["nics"]
    assert (lan["mac"], lan["network"], lan["bridge"]) == (MAC_LAN, NETWORK, BRIDGE)
    assert (tagged["mac"], tagged["bridge"], tagged["virtualport"], tagged["vlan"]) == (
        MAC_OVS,
        OVS,
        "openvswitch",
        [42],
    )
    assert facts["totals"]["vms"] >= 1 and facts["totals"]["memory_mib"] >= 64


def test_host_without_libvirt_or_ovs_is_reported_not_failed(python_in_lab):
    folder, python = python_in_lab
    result = run_module(
        folder, python, uri="qemu+unix:///system?socket=/nonexistent/libvirt-sock", ovs_vsctl="/nonexistent/ovs-vsctl"
    )
    assert result["changed"] is False and not result.get("failed"), result
    facts = result["facts"]
    assert facts["libvirt"]["available"] is False and "cannot connect to libvirt" in facts["libvirt"]["problem"]
    assert facts["ovs"] == {
        "available": False,
        "problem": "Open vSwitch is not installed (no /nonexistent/ovs-vsctl)",
        "bridges": [],
    }
    assert facts["vms"] == [] and facts["totals"]["vms"] == 0 and isinstance(facts["links"], list)


def test_report_playbook_draws_the_topology_and_the_unreachable_host(topology, python_in_lab):
    folder, python = python_in_lab
    inventory = os.path.join(str(folder), "inventory.ini")
    with open(inventory, "w") as handle:
        handle.write(
            "[hypervisors]\nlab ansible_connection=local ansible_python_interpreter=%s\n"
            # Connection refused on loopback: an unreachable host without touching any network.
            "gone ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n" % python
        )
    out = os.path.join(str(folder), "report")
    before = snapshot(topology)
    result = ansible.playbook(
        os.path.join(ROOT, "playbooks", "report.yml"), [inventory], extra_vars={"report_dir": out}, timeout=300
    )
    assert result.rc == 0, result
    assert result.recap["lab"]["changed"] == 0 and result.recap["lab"]["failed"] == 0, result
    assert snapshot(topology) == before, "the report changed the host"

    data, sections = parse_report(out)
    assert [h["name"] for h in data["hosts"]] == ["gone", "lab"]
    assert not data["hosts"][0]["reachable"] and "Connection refused" in data["hosts"][0]["problem"]
    assert "Unreachable:" in sections["h0"]["text"]
    lab_svg = sections["h1"]
    kinds = {title: kind for title, (_, kind) in lab_svg["nodes"].items()}
    assert kinds["link:" + NIC] == "link" and kinds["link:" + BRIDGE] == "bridge"
    assert kinds["ovs:" + OVS] == "ovs-bridge" and kinds["ovs:%s/%s" % (OVS, PEER)] == "ovs-port"
    assert kinds["net:" + NETWORK] == "network" and kinds["vm:" + VM] == "vm"
    assert kinds["pool:" + POOL] == "pool" and kinds["vol:%s/%s" % (POOL, VOLUME)] == "volume"
    expected = {
        ("link:" + NIC, "link:" + BRIDGE),
        ("link:" + BRIDGE, "net:" + NETWORK),
        ("net:" + NETWORK, "nic:%s/0" % VM),
        ("nic:%s/0" % VM, "vm:" + VM),
        ("link:" + PEER, "ovs:%s/%s" % (OVS, PEER)),
        ("ovs:%s/%s" % (OVS, PEER), "ovs:" + OVS),
        ("ovs:" + OVS, "nic:%s/1" % VM),
        ("nic:%s/1" % VM, "vm:" + VM),
        ("pool:" + POOL, "vol:%s/%s" % (POOL, VOLUME)),
        ("vol:%s/%s" % (POOL, VOLUME), "disk:%s/vda" % VM),
        ("disk:%s/vda" % VM, "vm:" + VM),
    }
    assert expected <= lab_svg["edges"], expected - lab_svg["edges"]
    mine = {e for e in lab_svg["edges"] if any(P in end for end in e)}
    assert mine == expected, "no other edge touches this file's objects"
