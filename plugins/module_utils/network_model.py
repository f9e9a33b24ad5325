# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dataclass model of a libvirt virtual network, and the normal form in which desired and live networks compare.

network_validate.py (with its network_validate_* sections) reads the user's input into this model; network_xml.py
turns it into XML and back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
from dataclasses import dataclass, field, replace
from typing import Optional

MODES = ("nat", "route", "open", "isolated", "bridge", "private", "vepa", "passthrough", "hostdev")
# Modes where libvirt creates and owns the bridge (and may run dnsmasq on it).
MANAGED_MODES = ("nat", "route", "open", "isolated")
# Modes that hand guests macvtap devices on host NICs.
DIRECT_MODES = ("private", "vepa", "passthrough")
STATES = ("active", "inactive", "present", "absent")
VIRTUALPORT_TYPES = ("openvswitch", "802.1Qbg", "802.1Qbh", "midonet")
# The largest value of libvirt's unsigned int attributes (rates, delays, route metrics).
UINT32 = 4294967295


@dataclass
class DhcpRange:
    start: str
    end: str


@dataclass
class DhcpHost:
    ip: str
    mac: Optional[str] = None
    id: Optional[str] = None
    name: Optional[str] = None


@dataclass
class Bootp:
    file: str
    server: Optional[str] = None


@dataclass
class IpBlock:
    address: str
    prefix: int
    local_ptr: Optional[bool] = None
    tftp_root: Optional[str] = None
    dhcp_ranges: list[DhcpRange] = field(default_factory=list)
    dhcp_hosts: list[DhcpHost] = field(default_factory=list)
    bootp: Optional[Bootp] = None

    @property
    def family(self):
        return "ipv%d" % ipaddress.ip_address(self.address).version

    @property
    def subnet(self):
        return ipaddress.ip_interface("%s/%d" % (self.address, self.prefix)).network


@dataclass
class Route:
    address: str
    prefix: int
    gateway: str
    metric: Optional[int] = None


@dataclass
class DnsForwarder:
    addr: Optional[str] = None
    domain: Optional[str] = None


@dataclass
class DnsHost:
    ip: str
    hostnames: list[str] = field(default_factory=list)


@dataclass
class DnsSrv:
    service: str
    protocol: str
    domain: Optional[str] = None
    target: Optional[str] = None
    port: Optional[int] = None
    priority: Optional[int] = None
    weight: Optional[int] = None


@dataclass
class DnsTxt:
    name: str
    value: str


@dataclass
class Dns:
    enable: Optional[bool] = None
    forward_plain_names: Optional[bool] = None
    forwarders: list[DnsForwarder] = field(default_factory=list)
    hosts: list[DnsHost] = field(default_factory=list)
    srvs: list[DnsSrv] = field(default_factory=list)
    txts: list[DnsTxt] = field(default_factory=list)


@dataclass
class Rate:
    average: int
    peak: Optional[int] = None
    burst: Optional[int] = None


@dataclass
class Bandwidth:
    inbound: Optional[Rate] = None
    outbound: Optional[Rate] = None


@dataclass
class Vlan:
    tags: list[int]
    trunk: bool = False
    native_tag: Optional[int] = None
    native_mode: Optional[str] = None


@dataclass
class VirtualPortParameters:
    profileid: Optional[str] = None
    interfaceid: Optional[str] = None
    managerid: Optional[int] = None
    typeid: Optional[int] = None
    typeidversion: Optional[int] = None
    instanceid: Optional[str] = None


@dataclass
class Portgroup:
    name: str
    default: bool = False
    trust_guest_rx_filters: Optional[bool] = None
    vlan: Optional[Vlan] = None
    virtualport_parameters: Optional[VirtualPortParameters] = None
    bandwidth: Optional[Bandwidth] = None


@dataclass
class Nat:
    address_start: Optional[str] = None
    address_end: Optional[str] = None
    port_start: Optional[int] = None
    port_end: Optional[int] = None
    ipv6: Optional[bool] = None


@dataclass
class Forward:
    dev: Optional[str] = None
    interfaces: list[str] = field(default_factory=list)
    pf: Optional[str] = None
    addresses: list[str] = field(default_factory=list)
    managed: Optional[bool] = None
    driver: Optional[str] = None
    nat: Optional[Nat] = None


@dataclass
class Network:
    """Everything that goes into the network's XML definition."""

    name: str
    mode: str = "nat"
    uuid: Optional[str] = None
    bridge_name: Optional[str] = None
    stp: Optional[bool] = None
    delay: Optional[int] = None
    mac_table_manager: Optional[str] = None
    zone: Optional[str] = None
    mtu: Optional[int] = None
    mac: Optional[str] = None
    domain: Optional[str] = None
    domain_local_only: Optional[bool] = None
    ipv6: Optional[bool] = None
    trust_guest_rx_filters: Optional[bool] = None
    forward: Forward = field(default_factory=Forward)
    virtualport_type: Optional[str] = None
    virtualport_parameters: Optional[VirtualPortParameters] = None
    portgroups: list[Portgroup] = field(default_factory=list)
    dns: Optional[Dns] = None
    bandwidth: Optional[Bandwidth] = None
    vlan: Optional[Vlan] = None
    port_isolated: Optional[bool] = None
    ips: list[IpBlock] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)

    @property
    def uses_host_bridge(self):
        return self.mode == "bridge" and self.bridge_name is not None


@dataclass
class DesiredNetwork:
    """A network as the user asked for it: its definition plus run state, and where it came from."""

    network: Network
    state: str = "active"
    autostart: Optional[bool] = None
    path: str = ""


def canonical(net):
    """Copy with order-free lists sorted, so lists that libvirt appends to compare equal to the input."""
    net = copy.deepcopy(net)
    # libvirt keeps forward dev and the interface pool in step: it reports the first pool interface as dev
    # (taken before the pool is sorted here), and a lone dev as a one-interface pool.
    fwd = net.forward
    if not fwd.pf and net.mode != "hostdev":
        if fwd.interfaces and not fwd.dev:
            fwd.dev = fwd.interfaces[0]
        elif fwd.dev and not fwd.interfaces:
            fwd.interfaces = [fwd.dev]
    for block in net.ips:
        block.dhcp_ranges.sort(key=lambda r: (_ipkey(r.start), _ipkey(r.end)))
        block.dhcp_hosts.sort(key=lambda h: (_ipkey(h.ip), h.mac or "", h.id or "", h.name or ""))
    if net.dns:
        net.dns.hosts.sort(key=lambda h: _ipkey(h.ip))
        net.dns.srvs.sort(key=lambda s: (s.service, s.protocol, s.domain or "", s.target or ""))
        net.dns.txts.sort(key=lambda t: t.name)
    net.portgroups.sort(key=lambda p: p.name)
    net.forward.interfaces.sort()
    net.forward.addresses.sort()
    return net


# Values libvirt picks itself when the input leaves them out; an absent input value means "keep libvirt's".
AUTO_FIELDS = ("uuid", "mac", "bridge_name", "stp", "delay")
AUTO_FORWARD_FIELDS = ("managed", "driver")


def with_live_defaults(desired, live):
    """Desired network with the values libvirt filled in on the live one, where the input left them out."""
    merged = copy.deepcopy(desired)
    for name in AUTO_FIELDS:
        if getattr(merged, name) is None and not (name == "bridge_name" and merged.mode not in MANAGED_MODES):
            setattr(merged, name, getattr(live, name))
    for name in AUTO_FORWARD_FIELDS:
        if getattr(merged.forward, name) is None:
            setattr(merged.forward, name, getattr(live.forward, name))
    # With a pf, libvirt lists the virtual functions it found itself once the network runs.
    if merged.forward.pf and not merged.forward.interfaces and not merged.forward.addresses:
        merged.forward = replace(
            merged.forward, interfaces=list(live.forward.interfaces), addresses=list(live.forward.addresses)
        )
    return merged


def _ipkey(text):
    address = ipaddress.ip_address(text)
    return (address.version, int(address))
