"""Drift against the lab: a small declared topology of this file's own (a network, a dir pool with a volume, a
VM, an Open vSwitch bridge with a tagged port) converged with the modules reports no drift; changed out of
band (`virsh setmem --config`, an extra VM defined by hand with purge declared, the port's tag set with
ovs-vsctl, the volume deleted), the next report marks exactly those objects with the diff the modules print
in check mode, on the page too, and nothing of it changes (snapshot before/after).

The shared lab holds other helpers' VMs: with purge declared they are extra as well, so only this file's
objects (ekvm-dri-*) are compared.
"""

import json
import os
import re
import subprocess
import sys

import libvirt
import pytest

from tests.labkit import ansible, paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import run
from tests.unit.report_page import inflated, parse_report

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "playbooks", "report"))
MODULES = "ansible_collections.essentials.kvm.plugins.modules."

P = "ekvm-dri-"
NETWORK, NET_BRIDGE, POOL, VOLUME, VM, EXTRA = P + "net", P + "nb", P + "pool", P + "v1", P + "vm", P + "xtra"
OVS, PORT = P + "br", P + "p0"
POOL_PATH = os.path.join(paths.STATE, P + "pool")
DECLARED = {
    "inventory_hostname": "lab",
    "kvm_virtual_networks": [
        {
            "name": NETWORK,
            "mode": "isolated",
            "bridge_name": NET_BRIDGE,
            "ips": [{"address": "10.251.61.1", "prefix": 24}],
        }
    ],
    "kvm_storage_pools": [{"name": POOL, "path": POOL_PATH, "volumes": [{"name": VOLUME, "capacity": 1}]}],
    "kvm_vms": [
        {
            "name": VM,
            "memory": 64,
            "vcpus": 1,
            "state": "shutdown",
            "nics": [{"network": NETWORK, "mac": "52:54:00:d7:00:01"}],
        }
    ],
    "kvm_vms_purge": True,
    "openvswitch_bridges": [
        {"name": OVS, "datapath_type": "netdev", "ports": [{"name": PORT, "type": "internal", "tag": 10}]}
    ],
}
# The libvirt_resources and openvswitch calls of the kvm and openvswitch roles for DECLARED; the converge runs
# without purge (it would remove other helpers' VMs), the check runs with it.
RESOURCES = {
    "networks": DECLARED["kvm_virtual_networks"],
    "networks_input_name": "kvm_virtual_networks",
    "pools": DECLARED["kvm_storage_pools"],
    "pools_input_name": "kvm_storage_pools",
    "vms": DECLARED["kvm_vms"],
    "vms_input_name": "kvm_vms",
    "inventory_hostname": "lab",
}
SWITCH = {"bridges": DECLARED["openvswitch_bridges"], "input_name": "openvswitch_bridges"}


def vsctl(*args, check=True):
    return run(["ovs-vsctl", "--timeout=30"] + list(args), check=check)


class Host:
    def __init__(self, folder):
        self.folder = folder
        self.python = os.path.join(folder, "python-in-lab")
        with open(self.python, "w") as handle:
            handle.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (paths.NETNS, sys.executable))
        os.chmod(self.python, 0o755)
        self.runs = 0

    def module(self, name, check_mode=False, **params):
        self.runs += 1
        args = os.path.join(self.folder, "args-%d.json" % self.runs)
        with open(args, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": dict(params, _ansible_check_mode=check_mode, _ansible_diff=True)}, handle)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
        done = subprocess.run(
            [self.python, "-m", MODULES + name, args], capture_output=True, text=True, env=env, timeout=300
        )
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise AssertionError(
                "%s printed no JSON (rc %d):\n%s%s" % (name, done.returncode, done.stdout, done.stderr)
            )

    def drift(self):
        result = self.module("kvm_host_facts", check_mode=True, declared=DECLARED)
        assert result["changed"] is False and not result.get("failed"), result
        return result["facts"]


def remove_all(conn):
    for name in (VM, EXTRA):
        try:
            conn.lookupByName(name).undefine()
        except libvirt.libvirtError:
            pass
    try:
        net = conn.networkLookupByName(NETWORK)
        if net.isActive():
            net.destroy()
        net.undefine()
    except libvirt.libvirtError:
        pass
    try:
        pool = conn.storagePoolLookupByName(POOL)
        if pool.isActive():
            for vol in pool.listAllVolumes():
                vol.delete(0)
            pool.destroy()
        pool.undefine()
    except libvirt.libvirtError:
        pass
    run(["rm", "-rf", POOL_PATH])
    vsctl("--if-exists", "del-br", OVS, check=False)


def snapshot(conn):
    """This file's objects as libvirt and OVSDB show them."""
    found = {}
    for name in (VM, EXTRA):
        try:
            dom = conn.lookupByName(name)
            found[name] = (dom.state()[0], dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), dom.autostart())
        except libvirt.libvirtError:
            found[name] = None
    net = conn.networkLookupByName(NETWORK)
    pool = conn.storagePoolLookupByName(POOL)
    found["network"] = (net.isActive(), net.XMLDesc(0), net.autostart())
    # A dir pool's capacity, allocation and available measure the lab's shared filesystem: other helpers' writes
    # move them at any refresh, so only the definition is compared.
    found["pool"] = (
        pool.isActive(),
        re.sub(r"\s*<(capacity|allocation|available) [^>]*>\d+</\1>", "", pool.XMLDesc(0)),
        pool.autostart(),
    )
    found["volumes"] = sorted(vol.XMLDesc(0) for vol in pool.listAllVolumes())
    found["ovs"] = [
        vsctl("--format=json", "--columns=" + columns, "list", table, name).stdout
        for table, name, columns in (
            ("Bridge", OVS, "name,ports,datapath_type,fail_mode"),
            ("Port", PORT, "name,interfaces,tag,trunks,vlan_mode"),
        )
    ]
    return found


def mine(facts):
    """This file's drift objects by node id; other helpers' objects in the shared lab are left out."""
    return {item["id"]: item for item in facts["drift"]["objects"] if P in item["id"]}


@pytest.fixture(scope="module")
def host(lab, tmp_path_factory):
    conn = libvirt.open(LIBVIRT_URI)
    remove_all(conn)
    the_host = Host(str(tmp_path_factory.mktemp("drift-lab")))
    try:
        converged = the_host.module("libvirt_resources", **RESOURCES)  # no purge: the lab is shared
        assert not converged.get("failed"), converged
        switch = the_host.module("openvswitch", **SWITCH)
        assert not switch.get("failed"), switch
        yield the_host, conn
    finally:
        remove_all(conn)
        conn.close()


def test_converged_topology_has_no_drift_then_out_of_band_changes_are_marked(host):
    the_host, conn = host
    facts = the_host.drift()
    assert facts["drift"]["errors"] == []
    assert mine(facts) == {}, "a converged topology has no drift"

    run(["virsh", "-c", LIBVIRT_URI, "setmem", VM, "32M", "--config"])
    extra = conn.defineXML(
        "<domain type='qemu'><name>%s</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>"
        "hvm</type></os></domain>" % EXTRA
    )
    assert extra is not None
    vsctl("set", "Port", PORT, "tag=20")
    conn.storagePoolLookupByName(POOL).storageVolLookupByName(VOLUME).delete(0)

    before = snapshot(conn)
    facts = the_host.drift()
    assert snapshot(conn) == before, "planning the drift changed the host"
    assert facts["drift"]["errors"] == []
    found = mine(facts)
    assert {node: item["status"] for node, item in found.items()} == {
        "vm:" + VM: "different",
        "vm:" + EXTRA: "extra",
        "ovs:%s/%s" % (OVS, PORT): "different",
        "vol:%s/%s" % (POOL, VOLUME): "missing",
    }

    # The modules' own check runs with --diff, as the roles make them.
    module = the_host.module("libvirt_resources", check_mode=True, vms_purge=True, **RESOURCES)
    assert snapshot(conn) == before
    diffs = {entry["before_header"]: entry for entry in module["diff"]}
    from ansible_collections.essentials.kvm.plugins.module_utils.topology_drift import unified

    for name in (VM, EXTRA):
        assert found["vm:" + name]["diff"] == unified(diffs[name]["before"], diffs[name]["after"], name)
    assert "currentMemory" in found["vm:" + VM]["diff"]
    actions = {item["name"]: item["actions"] for item in module["vms"]}
    assert found["vm:" + VM]["actions"] == actions[VM] and found["vm:" + EXTRA]["actions"] == actions[EXTRA]
    pool_diff = diffs["pool " + POOL]
    assert "\n+volume %s: 1 MiB" % VOLUME in found["vol:%s/%s" % (POOL, VOLUME)]["diff"]
    assert "volume %s: 1 MiB" % VOLUME in pool_diff["after"] and "volume" not in pool_diff["before"]
    switch = the_host.module("openvswitch", check_mode=True, **SWITCH)
    port = found["ovs:%s/%s" % (OVS, PORT)]
    assert "-      tag: 20\n+      tag: 10\n" in port["diff"] and port["actions"] == ["set Port %s tag=10" % PORT]
    assert "      tag: 20" in switch["diff"]["before"] and "      tag: 10" in switch["diff"]["after"]
    assert facts["drift"]["commands"]["openvswitch"] == switch["commands"]
    assert snapshot(conn) == before


def test_report_playbook_marks_the_drift_and_changes_nothing(host):
    the_host, conn = host
    # The out-of-band changes of the test above are what this report must find: without them it proves nothing.
    assert vsctl("get", "Port", PORT, "tag").stdout.strip() == "20", (
        "run this file whole: the test above changes the host"
    )
    inventory = os.path.join(the_host.folder, "inventory.yml")
    with open(inventory, "w") as handle:
        json.dump(
            {
                "all": {
                    "hosts": {
                        "lab": dict(
                            {key: value for key, value in DECLARED.items() if key != "inventory_hostname"},
                            ansible_connection="local",
                            ansible_python_interpreter=the_host.python,
                        )
                    }
                }
            },
            handle,
        )
    out = os.path.join(the_host.folder, "report")
    before = snapshot(conn)
    result = ansible.playbook(
        os.path.join(ROOT, "playbooks", "report.yml"), [inventory], extra_vars={"report_dir": out}, timeout=300
    )
    assert result.rc == 0, result
    assert result.recap["lab"]["changed"] == 0 and result.recap["lab"]["failed"] == 0, result
    assert snapshot(conn) == before, "the report changed the host"
    data, sections = parse_report(out)
    marked = {n["id"]: n["drift"] for n in data["hosts"][0]["graph"]["nodes"] if n.get("drift") and P in n["id"]}
    assert marked == {
        "vm:" + VM: "different",
        "vm:" + EXTRA: "extra",
        "ovs:%s/%s" % (OVS, PORT): "different",
        "vol:%s/%s" % (POOL, VOLUME): "missing",
    }
    with open(os.path.join(out, "index.html")) as handle:
        page = inflated(handle.read())
    nodes = sections["h0"]["nodes"]
    for node_id, status in marked.items():
        assert page.split('id="%s"' % nodes[node_id][0])[1][:80].count("drift-%s" % status) == 1, node_id
    assert ("pool:" + POOL, "vol:%s/%s" % (POOL, VOLUME)) in sections["h0"]["edges"], "the missing volume is drawn"
