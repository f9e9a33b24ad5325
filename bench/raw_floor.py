"""Contender 3, the floor: converge the scenario with the fewest libvirt API calls and ovs-vsctl runs.

It checks only what the scenario varies (existence, run state, autostart, volumes, a VM's memory,
a port's VLAN), where a real tool must compare every field: no tool can do less work than this.
Prints one JSON line: the libvirt calls and ovs-vsctl runs it made.
"""

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import libvirt
import libvirt_xml

URI = "qemu:///system"
VOLUME_BYTES = 1 << 30


class Counter:
    """Counts the calls that cross the wire to libvirtd (name() and UUIDString() are local)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, func, *args):
        self.calls += 1
        return func(*args)


def converge_networks(conn, call, networks):
    live = {net.name(): net for net in call(conn.listAllNetworks)}
    active = {net.name() for net in call(conn.listAllNetworks, libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)}
    auto = {net.name() for net in call(conn.listAllNetworks, libvirt.VIR_CONNECT_LIST_NETWORKS_AUTOSTART)}
    for spec in networks:
        net = live.get(spec["name"])
        if net is None:
            net = call(conn.networkDefineXML, libvirt_xml.network(spec))
        if spec["name"] not in active:
            call(net.create)
        if spec["name"] not in auto:
            call(net.setAutostart, 1)


def converge_pools(conn, call, pools):
    live = {pool.name(): pool for pool in call(conn.listAllStoragePools)}
    active = {p.name() for p in call(conn.listAllStoragePools, libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)}
    auto = {p.name() for p in call(conn.listAllStoragePools, libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART)}
    for spec in pools:
        pool = live.get(spec["name"])
        if pool is None:
            pool = call(conn.storagePoolDefineXML, libvirt_xml.pool(spec), 0)
            call(pool.build, 0)
        if spec["name"] not in active:
            call(pool.create, 0)
        if spec["name"] not in auto:
            call(pool.setAutostart, 1)
        present = set(call(pool.listVolumes))
        for name in spec["volumes"]:
            if name not in present:
                call(pool.createXML, libvirt_xml.volume(name, VOLUME_BYTES), 0)


def persistent_memory_kib(call, dom, running):
    """maxMemory() gives the live value of a running guest; its next boot's is in the inactive XML."""
    if not running:
        return call(dom.maxMemory)
    root = ET.fromstring(call(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE))
    return int(root.findtext("memory"))


def converge_domains(conn, call, vms):
    live = {dom.name(): dom for dom in call(conn.listAllDomains)}
    active = {d.name() for d in call(conn.listAllDomains, libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)}
    auto = {d.name() for d in call(conn.listAllDomains, libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)}
    for spec in vms:
        dom = live.get(spec["name"])
        if dom is None:
            dom = call(conn.defineXML, libvirt_xml.domain(spec))
        elif persistent_memory_kib(call, dom, spec["name"] in active) != spec["memory_mib"] * 1024:
            dom = call(conn.defineXML, libvirt_xml.domain(spec, dom.UUIDString()))
        if spec["name"] not in auto:
            call(dom.setAutostart, 1)
        if spec["running"] and spec["name"] not in active:
            call(dom.create)
        elif not spec["running"] and spec["name"] in active:
            call(dom.destroy)


def converge_libvirt(scenario):
    conn = libvirt.open(URI)
    call = Counter()
    try:
        converge_networks(conn, call, scenario["networks"])
        converge_pools(conn, call, scenario["pools"])
        converge_domains(conn, call, scenario["vms"])
    finally:
        conn.close()
    return {"libvirt_calls": call.calls}


def _tag(cell):
    # ovs-vsctl's JSON gives an empty set as ["set", []] and a single value as itself.
    return None if isinstance(cell, list) else cell


def converge_ovs(scenario):
    bridge = scenario["bridge"]
    out = subprocess.run(
        ["ovs-vsctl", "--format=json", "--columns=name,tag", "list", "Port"], check=True, capture_output=True, text=True
    ).stdout
    live = {row[0]: _tag(row[1]) for row in json.loads(out)["data"]}
    # A bridge always has its own internal port of the same name.
    argv = []
    if bridge not in live:
        argv += ["--", "add-br", bridge, "--", "set", "Bridge", bridge, "datapath_type=netdev"]
    for port in scenario["ports"]:
        if port["name"] not in live:
            argv += [
                "--",
                "add-port",
                bridge,
                port["name"],
                "tag=%d" % port["tag"],
                "--",
                "set",
                "Interface",
                port["name"],
                "type=internal",
            ]
        elif live[port["name"]] != port["tag"]:
            argv += ["--", "set", "Port", port["name"], "tag=%d" % port["tag"]]
    if argv:
        subprocess.run(["ovs-vsctl"] + argv, check=True)
    return {"ovs_vsctl_runs": 2 if argv else 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", help="scenario JSON written by run.py")
    parser.add_argument("--part", choices=["libvirt", "ovs"], required=True)
    args = parser.parse_args()
    with open(args.scenario) as src:
        scenario = json.load(src)
    result = converge_libvirt(scenario) if args.part == "libvirt" else converge_ovs(scenario)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
