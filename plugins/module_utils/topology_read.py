# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a host's kernel links as report data: NICs, bonds, VLANs, Linux bridges and their ports.

One `ip -json -details addr show` gives every link with its kind, master, parent and addresses; bonds
add their active member and LACP partner from /proc/net/bonding (not in ip's output), NICs their speed
from /sys. Nothing here changes the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError

# Links the report leaves out: they carry no guest traffic and only clutter the picture.
SKIPPED_KINDS = ("loopback",)


def read_file(path):
    """A sysfs/procfs file's text, or None when the kernel does not offer it (speed of a down link)."""
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def parse_bonding(text):
    """/proc/net/bonding/<bond>: mode, active member, each member's state and the LACP partner's MAC."""
    found = {"mode": None, "active": None, "members": [], "lacp_partner": None}
    for line in (text or "").splitlines():
        key, value = (part.strip() for part in line.partition(":")[::2])
        if key == "Bonding Mode":
            found["mode"] = value
        elif key == "Currently Active Slave" and value != "None":
            found["active"] = value
        elif key == "Slave Interface":
            found["members"].append(value)
        elif key == "Partner Mac Address" and value != "00:00:00:00:00:00":
            found["lacp_partner"] = value
    return found


def _kind(item, sysfs):
    info = item.get("linkinfo") or {}
    if item.get("link_type") == "loopback":
        return "loopback"
    if info.get("info_kind"):
        kind = info["info_kind"]
        return "ovs" if kind == "openvswitch" else kind
    # A link without a driver kind backed by a device is a physical NIC.
    if os.path.exists(os.path.join(sysfs, item["ifname"], "device")):
        return "nic"
    return "other"


def _speed(name, sysfs):
    text = read_file(os.path.join(sysfs, name, "speed"))
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def link_from_ip(item, sysfs="/sys/class/net", procfs="/proc/net/bonding"):
    """One entry of `ip -json -details addr show` as a report link."""
    name = item["ifname"]
    info = item.get("linkinfo") or {}
    data = info.get("info_data") or {}
    kind = _kind(item, sysfs)
    link = {
        "name": name,
        "kind": kind,
        "mac": item.get("address"),
        "state": (item.get("operstate") or "UNKNOWN").lower(),
        "mtu": item.get("mtu"),
        "speed": _speed(name, sysfs) if kind == "nic" else None,
        # A bond member's or bridge port's master; OVS ports show "ovs-system" here.
        "master": item.get("master"),
        "master_kind": info.get("info_slave_kind"),
        "parent": None,
        "addresses": [
            "%s/%s" % (a["local"], a["prefixlen"])
            for a in item.get("addr_info") or []
            if a.get("scope") != "link" and "local" in a
        ],
    }
    if kind == "vlan":
        link["vlan"] = {"id": data.get("id"), "protocol": data.get("protocol")}
        link["parent"] = item.get("link")
    elif kind in ("macvlan", "macvtap", "ipvlan"):
        link["parent"] = item.get("link")
    elif kind == "bond":
        bonding = parse_bonding(read_file(os.path.join(procfs, name)))
        link["bond"] = {
            "mode": bonding["mode"] or data.get("mode"),
            "active": bonding["active"] or data.get("active_slave"),
            "lacp_partner": bonding["lacp_partner"] or (data.get("ad_info") or {}).get("partner_mac"),
        }
    return link


def read_links(run, sysfs="/sys/class/net", procfs="/proc/net/bonding"):
    """Every kernel link of the host (loopback left out), with bond members and bridge ports filled in.
    `run(argv)` returns (rc, stdout, stderr)."""
    rc, out, err = run(["ip", "-json", "-details", "addr", "show"])
    if rc != 0:
        raise HostError("ip -json -details addr show failed: %s" % (err or out).strip())
    try:
        items = json.loads(out or "[]")
    except ValueError as exc:
        raise HostError("cannot parse the output of ip -json: %s" % exc)
    links = [link_from_ip(item, sysfs, procfs) for item in items if item.get("ifname")]
    links = [link for link in links if link["kind"] not in SKIPPED_KINDS]
    by_name = {link["name"]: link for link in links}
    for link in links:
        if link["kind"] == "bond":
            link["bond"]["members"] = sorted(n for n, other in by_name.items() if other["master"] == link["name"])
        elif link["kind"] == "bridge":
            link["ports"] = sorted(n for n, other in by_name.items() if other["master"] == link["name"])
    return sorted(links, key=lambda link: link["name"])


def host_resources(meminfo_text, cpuinfo_text, cpu_count):
    """The host's CPUs and memory (MiB) from /proc/meminfo and /proc/cpuinfo."""
    memory_kib = 0
    for line in (meminfo_text or "").splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    model = None
    for line in (cpuinfo_text or "").splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    return {"cpus": cpu_count or 0, "cpu_model": model, "memory_mib": memory_kib // 1024}
