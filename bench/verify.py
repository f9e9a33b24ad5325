"""Check, outside the timed runs, that a contender left the lab exactly as the scenario says."""

import json
import subprocess
import xml.etree.ElementTree as ET

import libvirt

URI = "qemu:///system"


def libvirt_part(scenario):
    """Problems found, as short strings; an empty list means the scenario holds."""
    problems = []
    conn = libvirt.open(URI)
    try:
        nets = {n.name(): n for n in conn.listAllNetworks()}
        for spec in scenario["networks"]:
            net = nets.get(spec["name"])
            if net is None or not net.isActive() or not net.autostart():
                problems.append("network %s" % spec["name"])
        pools = {p.name(): p for p in conn.listAllStoragePools()}
        for spec in scenario["pools"]:
            pool = pools.get(spec["name"])
            if pool is None or not pool.isActive() or not pool.autostart():
                problems.append("pool %s" % spec["name"])
            elif set(spec["volumes"]) - set(pool.listVolumes()):
                problems.append("volumes of %s" % spec["name"])
        doms = {d.name(): d for d in conn.listAllDomains()}
        for spec in scenario["vms"]:
            dom = doms.get(spec["name"])
            if dom is None or not dom.autostart() or bool(dom.isActive()) != spec["running"]:
                problems.append("vm %s" % spec["name"])
            elif (
                int(ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).findtext("memory"))
                != spec["memory_mib"] * 1024
            ):
                problems.append("memory of %s" % spec["name"])
    finally:
        conn.close()
    return problems


def ovs_part(scenario):
    out = subprocess.run(
        ["/usr/bin/ovs-vsctl", "--format=json", "--columns=name,tag", "list", "Port"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tags = {row[0]: row[1] for row in json.loads(out)["data"]}
    dp = subprocess.run(
        ["/usr/bin/ovs-vsctl", "--if-exists", "get", "Bridge", scenario["bridge"], "datapath_type"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    problems = [] if dp == "netdev" else ["bridge %s datapath %r" % (scenario["bridge"], dp)]
    return problems + ["port %s" % p["name"] for p in scenario["ports"] if tags.get(p["name"]) != p["tag"]]
