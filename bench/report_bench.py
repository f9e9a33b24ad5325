#!/usr/bin/env python3
"""Fleet report generation for a synthetic fleet (default 200 hosts x 50 VMs) from generated facts JSON,
no hosts involved: prints the render time and the sizes of index.html and fleet.json.

    python bench/report_bench.py [--hosts 200] [--vms 50] [--out DIR] [--workers N] [--browser]

With --browser, headless Chromium opens the page from disk and the browser's own timing says when it had
loaded (loadEventEnd) and when the search index was ready (the page's "report-indexed" mark), in ms.
Targets (issue #23): under 10 s, an HTML page under 10 MB, open in Chromium under 3 s.
"""

import argparse
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "playbooks", "report"))

from fleet_page import load_hosts, render  # noqa: E402

GIB = 1024**3


def _link(name, kind, mac, master=None, master_kind=None, parent=None, addresses=(), **extra):
    link = {
        "name": name,
        "kind": kind,
        "mac": mac,
        "state": "up",
        "mtu": 9000,
        "speed": 25000 if kind == "nic" else None,
        "master": master,
        "master_kind": master_kind,
        "parent": parent,
        "addresses": list(addresses),
    }
    link.update(extra)
    return link


def host_facts(h, vm_count):
    """One hypervisor: two LACP bonds of two NICs, VLANs 10/20 on bond0 bridged, bond1 in Open vSwitch
    (trunk), three libvirt networks, one pool, and `vm_count` VMs with two NICs and two disks each."""
    mac = lambda i: "0c:c4:7a:%02x:%02x:%02x" % (h // 256, h % 256, i)  # noqa: E731
    links = [_link("eno%d" % i, "nic", mac(i), "bond%d" % (i // 2), "bond") for i in range(4)]
    links += [
        _link(
            "bond%d" % b,
            "bond",
            mac(2 * b),
            bond={
                "mode": "802.3ad",
                "members": ["eno%d" % (2 * b), "eno%d" % (2 * b + 1)],
                "active": None,
                "lacp_partner": "00:1c:73:00:00:01",
            },
        )
        for b in range(2)
    ]
    links[5]["master"], links[5]["master_kind"] = "ovs-system", "openvswitch"
    for vlan in (10, 20):
        links.append(
            _link(
                "bond0.%d" % vlan,
                "vlan",
                mac(0),
                "br%d" % vlan,
                "bridge",
                parent="bond0",
                vlan={"id": vlan, "protocol": "802.1Q"},
            )
        )
        address = "10.%d.%d.%d/16" % (vlan, h // 250, h % 250 + 1)
        links.append(_link("br%d" % vlan, "bridge", mac(0), addresses=[address]))
    ovs_ports = [
        {
            "name": "bond1",
            "tag": None,
            "trunks": [30, 40],
            "vlan_mode": "trunk",
            "bond_mode": "balance-tcp",
            "lacp": "active",
            "interfaces": [
                {"name": "eno2", "type": "system", "mac": mac(2), "link_state": "up", "attached_mac": None},
                {"name": "eno3", "type": "system", "mac": mac(3), "link_state": "up", "attached_mac": None},
            ],
        }
    ]
    vms, volumes, leases = [], [], []
    for v in range(vm_count):
        name = "h%03d-vm%02d" % (h, v)
        nics = []
        for n, (net, bridge) in enumerate((("lan10", "br10"), ("ovs", "br-ovs"))):
            vm_mac = "52:54:%02x:%02x:%02x:%02x" % (h // 256, h % 256, v, n)
            port = "vnet%d" % (2 * v + n)
            address = "10.10.%d.%d" % (h, v + 10) if n == 0 else None
            nics.append(
                {
                    "mac": vm_mac,
                    "type": "network",
                    "network": net,
                    "portgroup": None,
                    "bridge": bridge,
                    "device": None,
                    "port": port,
                    "virtualport": "openvswitch" if n else None,
                    "vlan": [30 + v % 2] if n else [],
                    "trunk": False,
                    "model": "virtio",
                    "addresses": [address] if address else [],
                }
            )
            if address:
                leases.append({"mac": vm_mac, "address": address, "prefix": 16, "hostname": name})
            if n:
                ovs_ports.append(
                    {
                        "name": port,
                        "tag": 30 + v % 2,
                        "trunks": [],
                        "vlan_mode": None,
                        "bond_mode": None,
                        "lacp": None,
                        "interfaces": [
                            {"name": port, "type": "system", "mac": None, "link_state": "up", "attached_mac": vm_mac}
                        ],
                    }
                )
            else:
                links.append(_link(port, "tun", "fe" + vm_mac[2:], "br10", "bridge"))
        disks = []
        for d, target in enumerate(("vda", "vdb")):
            vol = "%s-%s.qcow2" % (name, target)
            path = "/var/lib/libvirt/images/" + vol
            volumes.append(
                {"name": vol, "path": path, "capacity": (20 + 80 * d) * GIB, "allocation": 3 * GIB, "format": "qcow2"}
            )
            disks.append(
                {"target": target, "device": "disk", "type": "file", "pool": "images", "volume": vol, "path": path}
            )
        vms.append(
            {
                "name": name,
                "uuid": "00000000-0000-4000-8000-%06d%06d" % (h, v),
                "state": "running" if v % 10 else "shutoff",
                "autostart": True,
                "vcpus": 2 + v % 3,
                "memory_mib": 2048 * (1 + v % 4),
                "disks": disks,
                "nics": nics,
            }
        )
    networks = [
        {
            "name": "lan10",
            "active": True,
            "autostart": True,
            "mode": "bridge",
            "bridge": "br10",
            "virtualport": None,
            "uplinks": [],
            "addresses": [],
            "leases": leases,
        },
        {
            "name": "lan20",
            "active": True,
            "autostart": True,
            "mode": "bridge",
            "bridge": "br20",
            "virtualport": None,
            "uplinks": [],
            "addresses": [],
            "leases": [],
        },
        {
            "name": "ovs",
            "active": True,
            "autostart": True,
            "mode": "bridge",
            "bridge": "br-ovs",
            "virtualport": "openvswitch",
            "uplinks": [],
            "addresses": [],
            "leases": [],
        },
    ]
    running = [vm for vm in vms if vm["state"] == "running"]
    return {
        "schema": 1,
        "hostname": "hv%03d" % h,
        "reachable": True,
        "resources": {"cpus": 64, "cpu_model": "AMD EPYC 7543", "memory_mib": 512 * 1024},
        "links": links,
        "ovs": {"available": True, "problem": None, "bridges": [{"name": "br-ovs", "ports": ovs_ports}]},
        "libvirt": {"available": True, "problem": None, "uri": "qemu:///system"},
        "networks": networks,
        "pools": [
            {
                "name": "images",
                "type": "dir",
                "active": True,
                "autostart": True,
                "capacity": 8000 * GIB,
                "allocation": len(volumes) * 3 * GIB,
                "available": 8000 * GIB - len(volumes) * 3 * GIB,
                "path": "/var/lib/libvirt/images",
                "volumes": volumes,
            }
        ],
        "vms": vms,
        "totals": {
            "vms": len(vms),
            "vms_running": len(running),
            "vcpus": sum(vm["vcpus"] for vm in vms),
            "vcpus_running": sum(vm["vcpus"] for vm in running),
            "memory_mib": sum(vm["memory_mib"] for vm in vms),
            "memory_mib_running": sum(vm["memory_mib"] for vm in running),
        },
    }


def browser_timing(page):
    sys.path.insert(0, ROOT)
    from tests.labkit.chromium import Chromium

    chromium = Chromium()
    try:
        chromium.open("file://" + os.path.abspath(page), timeout=120)
        chromium.wait_for("document.body.classList.contains('indexed')", timeout=120)
        timing = chromium.evaluate(
            "({load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
            " indexed: performance.getEntriesByType('mark').find(m => m.name === 'report-indexed').startTime})"
        )
        return {
            "browser_load_ms": round(timing["load"]),
            "browser_indexed_ms": round(timing["indexed"]),
            "browser_errors": chromium.errors(),
        }
    finally:
        chromium.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--vms", type=int, default=50)
    parser.add_argument("--out", default=None, help="folder for the report (a temporary one by default)")
    parser.add_argument("--workers", type=int, default=None, help="dot processes at once (default: CPUs)")
    parser.add_argument("--browser", action="store_true", help="also time the page opening in headless Chromium")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="ekvm-report-bench-")
    facts_path = os.path.join(out, "hosts.json")
    os.makedirs(out, exist_ok=True)
    # The renderer's input goes through a JSON file, as the playbook hands it over.
    with open(facts_path, "w") as handle:
        json.dump([{"name": "hv%03d" % h, "facts": host_facts(h, args.vms)} for h in range(args.hosts)], handle)
    load_before = os.getloadavg()[0]
    start, cpu_start = time.monotonic(), os.times()
    data = render(load_hosts(facts_path), out, workers=args.workers)
    elapsed, cpu_end = time.monotonic() - start, os.times()
    # CPU of this process and of the workers with their dot runs: on a shared machine it tells what wall
    # time would be idle (about main + workers / cores).
    main_cpu = sum(cpu_end[i] - cpu_start[i] for i in (0, 1))
    workers_cpu = sum(cpu_end[i] - cpu_start[i] for i in (2, 3))
    html = os.path.getsize(os.path.join(out, "index.html"))
    fleet = os.path.getsize(os.path.join(out, "fleet.json"))
    nodes = sum(len(h["graph"]["nodes"]) for h in data["hosts"])
    edges = sum(len(h["graph"]["edges"]) for h in data["hosts"])
    result = {
        "hosts": args.hosts,
        "vms": data["summary"]["vms"],
        "nodes": nodes,
        "edges": edges,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(main_cpu + workers_cpu, 2),
        "main_cpu_seconds": round(main_cpu, 2),
        "workers_cpu_seconds": round(workers_cpu, 2),
        # The 1-minute load average before and after: other work on the machine stretches the wall time.
        "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "index_html_mb": round(html / 1e6, 2),
        "fleet_json_mb": round(fleet / 1e6, 2),
        "cpus": os.cpu_count(),
        "out": out,
    }
    if args.browser:
        result.update(browser_timing(os.path.join(out, "index.html")))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
