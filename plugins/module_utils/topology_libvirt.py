# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what libvirt holds as report data: networks with their DHCP leases, pools and volumes, and VMs
with each disk's pool/volume and each NIC's MAC, source, bridge, port, VLAN and leased addresses.

Only read calls (list, XMLDesc, info, DHCPLeases); nothing here defines, starts or changes an object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt, state_name

# Error codes of an object that went away while being read (another client undefined it).
_GONE = tuple(
    getattr(libvirt, name)
    for name in ("VIR_ERR_NO_DOMAIN", "VIR_ERR_NO_NETWORK", "VIR_ERR_NO_STORAGE_POOL", "VIR_ERR_NO_STORAGE_VOL")
    if libvirt is not None
)


def connect(uri):
    """(connection, None) or (None, why libvirt cannot be read); a missing libvirt is not an error. The
    connection is read-only (unlike libvirt_access's): the report must not be able to change anything."""
    if libvirt is None:
        return None, "the libvirt Python bindings are missing (install python3-libvirt)"
    try:
        return libvirt.openReadOnly(uri), None
    except libvirt.libvirtError as exc:
        return None, "cannot connect to libvirt at %s: %s" % (uri, exc.get_error_message() or exc)


def _each(handles, read):
    """read(handle) for every handle; an object another client removed between list and read is skipped."""
    found = []
    for handle in handles:
        try:
            found.append(read(handle))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() not in _GONE:
                raise
    return found


def _prefix(ip):
    if ip.get("prefix"):
        return int(ip.get("prefix"))
    if ip.get("netmask"):
        return sum(bin(int(part)).count("1") for part in ip.get("netmask").split("."))
    return None


def network_from_xml(xml, active, autostart, leases):
    root = ET.fromstring(xml)
    forward = root.find("forward")
    bridge = root.find("bridge")
    virtualport = root.find("virtualport")
    addresses = []
    for ip in root.findall("ip"):
        prefix = _prefix(ip)
        addresses.append("%s/%s" % (ip.get("address"), prefix) if prefix is not None else ip.get("address"))
    uplinks = [item.get("dev") for item in (forward.findall("interface") if forward is not None else [])]
    if forward is not None and forward.get("dev") and forward.get("dev") not in uplinks:
        uplinks.insert(0, forward.get("dev"))
    return {
        "name": root.findtext("name"),
        "active": bool(active),
        "autostart": bool(autostart),
        "mode": forward.get("mode", "nat") if forward is not None else "isolated",
        "bridge": bridge.get("name") if bridge is not None else None,
        "virtualport": virtualport.get("type") if virtualport is not None else None,
        "uplinks": uplinks,
        "addresses": addresses,
        "leases": sorted(
            (
                {
                    "mac": (lease.get("mac") or "").lower(),
                    "address": lease.get("ipaddr"),
                    "prefix": lease.get("prefix"),
                    "hostname": lease.get("hostname"),
                }
                for lease in leases
            ),
            key=lambda lease: (lease["mac"], lease["address"] or ""),
        ),
    }


def _leases(net):
    try:
        return net.DHCPLeases()
    except libvirt.libvirtError as exc:
        # Drivers without a DHCP server of their own (test://, some remote ones) have no leases to give.
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        return []


def read_networks(conn):
    def read(net):
        active = net.isActive()
        leases = _leases(net) if active else []
        return network_from_xml(net.XMLDesc(0), active, net.autostart(), leases)

    found = _each(conn.listAllNetworks(), read)
    return sorted(found, key=lambda net: net["name"])


def pool_from_xml(xml, active, autostart, volumes):
    root = ET.fromstring(xml)
    return {
        "name": root.findtext("name"),
        "type": root.get("type"),
        "active": bool(active),
        "autostart": bool(autostart),
        "capacity": int(root.findtext("capacity") or 0),
        "allocation": int(root.findtext("allocation") or 0),
        "available": int(root.findtext("available") or 0),
        "path": root.findtext("target/path"),
        "volumes": sorted(volumes, key=lambda vol: vol["name"]),
    }


def volume_from_xml(xml):
    root = ET.fromstring(xml)
    fmt = root.find("target/format")
    return {
        "name": root.findtext("name"),
        "path": root.findtext("target/path") or root.findtext("key"),
        "capacity": int(root.findtext("capacity") or 0),
        "allocation": int(root.findtext("allocation") or 0),
        "format": fmt.get("type") if fmt is not None else None,
    }


def read_pools(conn):
    def read(pool):
        active = pool.isActive()
        volumes = _each(pool.listAllVolumes(), lambda vol: volume_from_xml(vol.XMLDesc(0))) if active else []
        return pool_from_xml(pool.XMLDesc(0), active, pool.autostart(), volumes)

    found = _each(conn.listAllStoragePools(), read)
    return sorted(found, key=lambda pool: pool["name"])


def _disk(node, volume_paths):
    source = node.find("source")
    attrs = dict(source.attrib) if source is not None else {}
    path = attrs.get("file") or attrs.get("dev") or attrs.get("name")
    pool, volume = attrs.get("pool"), attrs.get("volume")
    if pool is None and path in volume_paths:
        pool, volume = volume_paths[path]
    target = node.find("target")
    return {
        "target": target.get("dev") if target is not None else None,
        "device": node.get("device", "disk"),
        "type": node.get("type"),
        "pool": pool,
        "volume": volume,
        "path": path,
    }


def _nic(node, networks, leases):
    source = node.find("source")
    attrs = dict(source.attrib) if source is not None else {}
    kind = node.get("type")
    mac = (node.find("mac").get("address") if node.find("mac") is not None else "").lower()
    # A running VM's NIC on a network shows the type libvirt resolved it to (bridge, direct) and keeps the
    # network's name in its source.
    network = attrs.get("network")
    bridge = attrs.get("bridge") or (networks.get(network) or {}).get("bridge")
    if kind == "direct":
        bridge = None
    virtualport = node.find("virtualport")
    target = node.find("target")
    model = node.find("model")
    vlan = node.find("vlan")
    return {
        "mac": mac,
        "type": kind,
        "network": network,
        "portgroup": attrs.get("portgroup"),
        "bridge": bridge,
        "device": attrs.get("dev") if kind == "direct" else None,
        "port": target.get("dev") if target is not None else None,
        "virtualport": virtualport.get("type")
        if virtualport is not None
        else (networks.get(network) or {}).get("virtualport"),
        "vlan": [int(tag.get("id")) for tag in vlan.findall("tag")] if vlan is not None else [],
        "trunk": vlan is not None and vlan.get("trunk") == "yes",
        "model": model.get("type") if model is not None else None,
        "addresses": sorted(lease["address"] for lease in leases.get(mac, []) if lease["address"]),
    }


def vm_from_xml(xml, state, autostart, networks, volume_paths, leases):
    """One VM; `networks` by name, `volume_paths` path -> (pool, volume), `leases` MAC -> leases."""
    root = ET.fromstring(xml)
    memory = root.find("memory")
    vcpu = root.find("vcpu")
    return {
        "name": root.findtext("name"),
        "uuid": root.findtext("uuid"),
        "state": state,
        "autostart": bool(autostart),
        "vcpus": int(vcpu.text) if vcpu is not None else 1,
        "memory_mib": _mib(int(memory.text), memory.get("unit", "KiB")) if memory is not None else 0,
        "disks": [_disk(node, volume_paths) for node in root.findall("devices/disk")],
        "nics": [_nic(node, networks, leases) for node in root.findall("devices/interface")],
    }


def _mib(value, unit):
    factors = {
        "b": 1,
        "bytes": 1,
        "k": 1024,
        "kib": 1024,
        "kb": 1000,
        "m": 1024**2,
        "mib": 1024**2,
        "mb": 1000**2,
        "g": 1024**3,
        "gib": 1024**3,
        "gb": 1000**3,
        "t": 1024**4,
        "tib": 1024**4,
    }
    return value * factors.get(unit.lower(), 1024) // (1024**2)


def read_vms(conn, networks, pools):
    by_network = {net["name"]: net for net in networks}
    volume_paths = {vol["path"]: (pool["name"], vol["name"]) for pool in pools for vol in pool["volumes"]}
    leases = {}
    for net in networks:
        for lease in net["leases"]:
            leases.setdefault(lease["mac"], []).append(lease)

    def read(dom):
        state = state_name(dom)
        autostart = dom.autostart() if dom.isPersistent() else False
        return vm_from_xml(dom.XMLDesc(0), state, autostart, by_network, volume_paths, leases)

    found = _each(conn.listAllDomains(), read)
    return sorted(found, key=lambda vm: vm["name"])


def read_libvirt(uri):
    """{'available', 'problem', 'networks', 'pools', 'vms'}; an unreachable libvirt is reported, not raised."""
    conn, problem = connect(uri)
    if conn is None:
        return {"available": False, "problem": problem, "networks": [], "pools": [], "vms": []}
    try:
        networks = read_networks(conn)
        pools = read_pools(conn)
        vms = read_vms(conn, networks, pools)
    except libvirt.libvirtError as exc:
        return {
            "available": False,
            "problem": "libvirt at %s failed a read: %s" % (uri, exc),
            "networks": [],
            "pools": [],
            "vms": [],
        }
    finally:
        conn.close()
    return {"available": True, "problem": None, "networks": networks, "pools": pools, "vms": vms}
