# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addresses of a virtual network: its ip blocks with their DHCP ranges, hosts and bootp, and its routes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import declared, fail, values
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    UINT32,
    Bootp,
    DhcpHost,
    DhcpRange,
    IpBlock,
    Route,
)

# DHCP unique identifiers as libvirt's schema accepts them: DUID-LLT, DUID-EN, DUID-LL and DUID-UUID.
DUID_RE = re.compile(
    r"^(0{1,2}:0?1:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){6,8}"
    r"|0{1,2}:0?2(:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){1,124}"
    r"|0{1,2}:0?3:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){6,8}"
    r"|0{1,2}:0?4(:[a-f0-9]{1,2}){16})$"
)


def duid(value, path):
    checked = checks.text(what="a DHCP unique identifier")(value, path).lower()
    if not DUID_RE.match(checked):
        fail(path, "must be a DHCP unique identifier such as 00:03:00:01:52:54:00:12:34:56 (got %r)" % (value,))
    return checked


def read_prefix(r, address):
    """The prefix length, given as prefix or (IPv4 only) as a netmask."""
    version = ipaddress.ip_address(address).version
    if r.has("prefix") and r.has("netmask"):
        fail(r.where("netmask"), "cannot be combined with prefix", "give one of them")
    if r.has("netmask"):
        if version != 4:
            fail(r.where("netmask"), "is only valid for IPv4 addresses", "use prefix for IPv6")
        mask = r.get("netmask", checks.ip(4))
        try:
            return ipaddress.ip_network("0.0.0.0/%s" % mask).prefixlen
        except ValueError:
            fail(r.where("netmask"), "must be a contiguous netmask such as 255.255.255.0 (got %r)" % mask)
    return r.get("prefix", checks.integer(1, 32 if version == 4 else 128), required=True)


def read_dhcp_host(data, path, version):
    host = declared(
        DhcpHost,
        data,
        path,
        {"ip": checks.ip(), "mac": checks.mac, "id": duid, "name": checks.plain_text},
        required=("ip",),
    )
    if host.mac and version == 6:
        fail(at(path, "mac"), "cannot identify an IPv6 DHCP host", "use id (the client DUID) or name")
    if host.id and version == 4:
        fail(at(path, "id"), "is only valid in an IPv6 block", "use mac or name")
    if not (host.mac or host.id or host.name):
        fail(path, "needs mac, id or name to identify the host")
    return host


def read_dhcp_range(data, path):
    return declared(DhcpRange, data, path, {"start": checks.ip(), "end": checks.ip()}, required=("start", "end"))


def read_bootp(data, path):
    return declared(Bootp, data, path, {"file": checks.plain_text, "server": checks.host}, required=("file",))


def read_ip(data, path):
    r = checks.Fields(
        data, path, ("address", "prefix", "netmask", "local_ptr", "tftp_root", "dhcp_ranges", "dhcp_hosts", "bootp")
    )
    address = r.get("address", checks.ip(), required=True)
    version = ipaddress.ip_address(address).version
    block = IpBlock(
        address=address,
        prefix=read_prefix(r, address),
        **values(
            r,
            {
                "local_ptr": checks.boolean,
                "tftp_root": checks.abs_path,
                "dhcp_ranges": checks.list_of(read_dhcp_range),
                "dhcp_hosts": checks.list_of(lambda d, p: read_dhcp_host(d, p, version)),
                "bootp": read_bootp,
            },
        ),
    )
    subnet = block.subnet
    if ipaddress.ip_address(address) in (subnet.network_address, subnet.broadcast_address) and subnet.prefixlen < 31:
        fail(at(path, "address"), "must be a host address inside %s, not its network or broadcast address" % subnet)
    for i, rng in enumerate(block.dhcp_ranges):
        rpath = at(at(path, "dhcp_ranges"), i)
        for key in ("start", "end"):
            if ipaddress.ip_address(getattr(rng, key)) not in subnet:
                fail(
                    at(rpath, key),
                    "%s lies outside the subnet %s" % (getattr(rng, key), subnet),
                    "DHCP ranges must lie inside their ip block's subnet",
                )
        if ipaddress.ip_address(rng.start) > ipaddress.ip_address(rng.end):
            fail(at(rpath, "end"), "must not be below start (got %s < %s)" % (rng.end, rng.start))
    for i, host in enumerate(block.dhcp_hosts):
        if ipaddress.ip_address(host.ip) not in subnet:
            fail(at(at(at(path, "dhcp_hosts"), i), "ip"), "%s lies outside the subnet %s" % (host.ip, subnet))
    if block.bootp and version != 4:
        fail(at(path, "bootp"), "is only valid in an IPv4 block")
    return block


def read_route(data, path):
    r = checks.Fields(data, path, ("address", "prefix", "netmask", "gateway", "metric"))
    address = r.get("address", checks.ip(), required=True)
    return Route(
        address=address,
        prefix=read_prefix(r, address),
        gateway=r.get("gateway", checks.ip(), required=True),
        metric=r.get("metric", checks.integer(0, UINT32)),
    )


def check_dhcp_blocks(net, path):
    """One ip block with DHCP per address family."""
    for family in ("ipv4", "ipv6"):
        with_dhcp = [i for i, b in enumerate(net.ips) if b.family == family and (b.dhcp_ranges or b.dhcp_hosts)]
        if len(with_dhcp) > 1:
            fail(
                at(at(path, "ips"), with_dhcp[1]),
                "is a second %s block with DHCP" % family,
                "libvirt serves DHCP on one block per address family",
            )
