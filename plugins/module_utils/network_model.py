# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dataclass model of a libvirt virtual network, built from (and checked against) user input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re
from dataclasses import dataclass, field, fields, replace
from typing import List, Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

MODES = ("nat", "route", "open", "isolated", "bridge", "private", "vepa", "passthrough", "hostdev")
# Modes where libvirt creates and owns the bridge (and may run dnsmasq on it).
MANAGED_MODES = ("nat", "route", "open", "isolated")
# Modes that hand guests macvtap devices on host NICs.
DIRECT_MODES = ("private", "vepa", "passthrough")
STATES = ("active", "inactive", "present", "absent")
VIRTUALPORT_TYPES = ("openvswitch", "802.1Qbg", "802.1Qbh", "midonet")

_DEVNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_PCI = re.compile(r"^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$")
# DHCP unique identifiers as libvirt's schema accepts them: DUID-LLT, DUID-EN, DUID-LL and DUID-UUID.
_DUID = re.compile(r"^(0{1,2}:0?1:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){6,8}"
                   r"|0{1,2}:0?2(:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){1,124}"
                   r"|0{1,2}:0?3:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){6,8}"
                   r"|0{1,2}:0?4(:[a-f0-9]{1,2}){16})$")
_DNSNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


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
    dhcp_ranges: List[DhcpRange] = field(default_factory=list)
    dhcp_hosts: List[DhcpHost] = field(default_factory=list)
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
    hostnames: List[str] = field(default_factory=list)


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
    forwarders: List[DnsForwarder] = field(default_factory=list)
    hosts: List[DnsHost] = field(default_factory=list)
    srvs: List[DnsSrv] = field(default_factory=list)
    txts: List[DnsTxt] = field(default_factory=list)


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
    tags: List[int]
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
    interfaces: List[str] = field(default_factory=list)
    pf: Optional[str] = None
    addresses: List[str] = field(default_factory=list)
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
    portgroups: List[Portgroup] = field(default_factory=list)
    dns: Optional[Dns] = None
    bandwidth: Optional[Bandwidth] = None
    vlan: Optional[Vlan] = None
    port_isolated: Optional[bool] = None
    ips: List[IpBlock] = field(default_factory=list)
    routes: List[Route] = field(default_factory=list)

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
        merged.forward = replace(merged.forward, interfaces=list(live.forward.interfaces),
                                 addresses=list(live.forward.addresses))
    return merged


def _ipkey(text):
    address = ipaddress.ip_address(text)
    return (address.version, int(address))


# ---------------------------------------------------------------------------------------------- input reading

def _fail(path, message, hint=None):
    raise InputError(path, message, hint)


def _text(value, path):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _fail(path, "must be a string (got %r)" % (value,))
    value = str(value)
    if not value.strip():
        _fail(path, "must not be empty")
    return value


def _bool(value, path):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "true", "on", "no", "false", "off"):
        return value.lower() in ("yes", "true", "on")
    _fail(path, "must be true or false (got %r)" % (value,))


def _int(low, high):
    def convert(value, path):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _fail(path, "must be a whole number from %d to %d (got %r)" % (low, high, value))
        return value
    return convert


def _choice(*choices):
    def convert(value, path):
        if value not in choices:
            _fail(path, "must be one of %s (got %r)" % (", ".join(choices), value))
        return value
    return convert


def _ip(value, path, version=None):
    try:
        address = ipaddress.ip_address(_text(value, path))
    except ValueError:
        _fail(path, "must be an IP address such as 192.168.100.1 or fd00::1 (got %r)" % (value,))
    if version and address.version != version:
        _fail(path, "must be an IPv%d address (got %r)" % (version, value))
    return address.compressed


def _ipv4(value, path):
    return _ip(value, path, 4)


def _mac(value, path):
    text = _text(value, path).lower()
    if not _MAC.match(text):
        _fail(path, "must be a MAC address such as 52:54:00:12:34:56 (got %r)" % (value,))
    if int(text[:2], 16) & 1:
        _fail(path, "must be a unicast MAC address (got %r)" % (value,), "the first octet must be even")
    return text


def _devname(value, path):
    text = _text(value, path)
    if not _DEVNAME.match(text):
        _fail(path, "must be a network device name of at most 15 letters, digits, '.', '-', '_' or '@' "
                    "(got %r)" % (value,))
    return text


def _dnsname(value, path):
    text = _text(value, path)
    if not _DNSNAME.match(text):
        _fail(path, "must be a DNS name such as example.lan (got %r)" % (value,))
    return text


def _uuid(value, path):
    text = _text(value, path).lower()
    if not _UUID.match(text):
        _fail(path, "must be a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301 (got %r)" % (value,))
    return text


def _duid(value, path):
    text = _text(value, path).lower()
    if not _DUID.match(text):
        _fail(path, "must be a DHCP unique identifier such as 00:03:00:01:52:54:00:12:34:56 (got %r)" % (value,))
    return text


def _pci(value, path):
    text = _text(value, path).lower()
    if not _PCI.match(text):
        _fail(path, "must be a PCI address such as 0000:03:10.1 (got %r)" % (value,))
    return text


def _list(value, path):
    if not isinstance(value, list):
        _fail(path, "must be a list (got %r)" % (value,))
    return value


class _Reader:
    """One input mapping: rejects unknown keys and reads typed values, naming the path on errors."""

    def __init__(self, data, path, allowed):
        if not isinstance(data, dict):
            _fail(path, "must be a mapping (got %r)" % (data,))
        unknown = sorted(str(k) for k in data if k not in allowed and data[k] is not None)
        if unknown:
            _fail(at(path, unknown[0]), "is not a known option", "known options: %s" % ", ".join(sorted(allowed)))
        self.data = data
        self.path = path

    def has(self, key):
        return self.data.get(key) is not None

    def get(self, key, convert=_text, required=False, default=None):
        value = self.data.get(key)
        if value is None:
            if required:
                _fail(at(self.path, key), "is required")
            return default
        return convert(value, at(self.path, key))

    def each(self, key, read):
        path = at(self.path, key)
        return [read(item, at(path, i)) for i, item in enumerate(_list(self.data.get(key) or [], path))]

    def one(self, key, read):
        return read(self.data[key], at(self.path, key)) if self.has(key) else None


# ------------------------------------------------------------------------------------------ section readers

def _read_rate(data, path):
    # libvirt refuses a network rate without average, and a floor anywhere but on a guest's interface.
    r = _Reader(data, path, ("average", "peak", "burst"))
    number = _int(1, 4294967295)
    return Rate(average=r.get("average", number, required=True), peak=r.get("peak", number),
                burst=r.get("burst", number))


def _read_bandwidth(data, path):
    r = _Reader(data, path, ("inbound", "outbound"))
    return Bandwidth(inbound=r.one("inbound", _read_rate), outbound=r.one("outbound", _read_rate))


def _read_vlan(data, path):
    r = _Reader(data, path, ("tags", "trunk", "native_tag", "native_mode"))
    tags = r.each("tags", _int(1, 4094))
    if not tags:
        _fail(at(path, "tags"), "needs at least one VLAN id from 1 to 4094")
    if len(set(tags)) != len(tags):
        _fail(at(path, "tags"), "lists a VLAN id twice (got %r)" % (tags,))
    vlan = Vlan(tags=tags, trunk=r.get("trunk", _bool, default=len(tags) > 1),
                native_tag=r.get("native_tag", _int(1, 4094)),
                native_mode=r.get("native_mode", _choice("tagged", "untagged")))
    if len(tags) > 1 and not vlan.trunk:
        _fail(at(path, "trunk"), "must be true when several tags are listed")
    if vlan.native_mode and vlan.native_tag is None:
        _fail(at(path, "native_tag"), "is required with native_mode")
    if vlan.native_tag is not None:
        if vlan.native_tag not in tags:
            _fail(at(path, "native_tag"), "must be one of the tags %r (got %d)" % (tags, vlan.native_tag))
        if not vlan.trunk:
            _fail(at(path, "native_tag"), "needs trunk: true")
        vlan.native_mode = vlan.native_mode or "untagged"
    return vlan


def _read_legacy_vlan(data, path):
    """An item of the older role's `vlans` list: {name, vlan: id or list of ids, trunk}."""
    r = _Reader(data, path, ("name", "vlan", "trunk", "default"))
    tags = r.data.get("vlan")
    tags = tags if isinstance(tags, list) else [tags] if tags is not None else []
    vlan = {"tags": tags, "trunk": r.data.get("trunk")}
    return _read_portgroup({"name": r.data.get("name"), "default": r.data.get("default"), "vlan": vlan}, path)


def _read_virtualport_parameters(data, path):
    r = _Reader(data, path, [f.name for f in fields(VirtualPortParameters)])
    params = VirtualPortParameters(
        profileid=r.get("profileid"), interfaceid=r.get("interfaceid", _uuid),
        managerid=r.get("managerid", _int(0, 255)), typeid=r.get("typeid", _int(0, 16777215)),
        typeidversion=r.get("typeidversion", _int(0, 255)), instanceid=r.get("instanceid", _uuid))
    if params.profileid and len(params.profileid) > 39:
        _fail(at(path, "profileid"), "must be at most 39 characters long")
    return params


def _read_portgroup(data, path):
    r = _Reader(data, path, ("name", "default", "trust_guest_rx_filters", "vlan", "virtualport_parameters",
                             "bandwidth"))
    return Portgroup(name=r.get("name", _devname, required=True), default=r.get("default", _bool, default=False),
                     trust_guest_rx_filters=r.get("trust_guest_rx_filters", _bool), vlan=r.one("vlan", _read_vlan),
                     virtualport_parameters=r.one("virtualport_parameters", _read_virtualport_parameters),
                     bandwidth=r.one("bandwidth", _read_bandwidth))


def _read_nat(data, path):
    r = _Reader(data, path, ("address_start", "address_end", "port_start", "port_end", "ipv6"))
    nat = Nat(address_start=r.get("address_start", _ipv4), address_end=r.get("address_end", _ipv4),
              port_start=r.get("port_start", _int(1, 65535)), port_end=r.get("port_end", _int(1, 65535)),
              ipv6=r.get("ipv6", _bool))
    for kind in ("address", "port"):
        start, end = getattr(nat, kind + "_start"), getattr(nat, kind + "_end")
        if (start is None) != (end is None):
            _fail(at(path, kind + ("_end" if end is None else "_start")), "is required with %s_%s"
                  % (kind, "start" if end is None else "end"))
        if start is not None and (_ipkey(start) > _ipkey(end) if kind == "address" else start > end):
            _fail(at(path, kind + "_end"), "must not be below %s_start (got %s < %s)" % (kind, end, start))
    return nat


def _read_forward(data, path):
    r = _Reader(data, path, ("dev", "interfaces", "pf", "addresses", "managed", "driver"))
    return Forward(dev=r.get("dev", _devname), interfaces=r.each("interfaces", _devname), pf=r.get("pf", _devname),
                   addresses=r.each("addresses", _pci), managed=r.get("managed", _bool),
                   driver=r.get("driver", _choice("kvm", "vfio")))


def _read_prefix(r, address):
    version = ipaddress.ip_address(address).version
    if r.has("prefix") and r.has("netmask"):
        _fail(at(r.path, "netmask"), "cannot be combined with prefix", "give one of them")
    if r.has("netmask"):
        if version != 4:
            _fail(at(r.path, "netmask"), "is only valid for IPv4 addresses", "use prefix for IPv6")
        mask = r.get("netmask", _ipv4)
        try:
            return ipaddress.ip_network("0.0.0.0/%s" % mask).prefixlen
        except ValueError:
            _fail(at(r.path, "netmask"), "must be a contiguous netmask such as 255.255.255.0 (got %r)" % mask)
    return r.get("prefix", _int(1, 32 if version == 4 else 128), required=True)


def _read_dhcp_host(data, path, version):
    r = _Reader(data, path, ("mac", "id", "name", "ip"))
    host = DhcpHost(ip=r.get("ip", _ip, required=True), mac=r.get("mac", _mac), id=r.get("id", _duid),
                    name=r.get("name"))
    if host.mac and version == 6:
        _fail(at(path, "mac"), "cannot identify an IPv6 DHCP host", "use id (the client DUID) or name")
    if host.id and version == 4:
        _fail(at(path, "id"), "is only valid in an IPv6 block", "use mac or name")
    if not (host.mac or host.id or host.name):
        _fail(path, "needs mac, id or name to identify the host")
    return host


def _read_dhcp_range(data, path):
    r = _Reader(data, path, ("start", "end"))
    return DhcpRange(start=r.get("start", _ip, required=True), end=r.get("end", _ip, required=True))


def _read_bootp(data, path):
    r = _Reader(data, path, ("file", "server"))
    return Bootp(file=r.get("file", required=True), server=r.get("server", _dnsname))


def _read_ip(data, path):
    r = _Reader(data, path, ("address", "prefix", "netmask", "local_ptr", "tftp_root", "dhcp_ranges", "dhcp_hosts",
                             "bootp"))
    address = r.get("address", _ip, required=True)
    block = IpBlock(address=address, prefix=_read_prefix(r, address), local_ptr=r.get("local_ptr", _bool),
                    tftp_root=r.get("tftp_root"), dhcp_ranges=r.each("dhcp_ranges", _read_dhcp_range),
                    bootp=r.one("bootp", _read_bootp))
    version = ipaddress.ip_address(address).version
    block.dhcp_hosts = r.each("dhcp_hosts", lambda d, p: _read_dhcp_host(d, p, version))
    subnet = block.subnet
    if ipaddress.ip_address(address) in (subnet.network_address, subnet.broadcast_address) and subnet.prefixlen < 31:
        _fail(at(path, "address"), "must be a host address inside %s, not its network or broadcast address" % subnet)
    for i, rng in enumerate(block.dhcp_ranges):
        rpath = at(at(path, "dhcp_ranges"), i)
        for key in ("start", "end"):
            if ipaddress.ip_address(getattr(rng, key)) not in subnet:
                _fail(at(rpath, key), "%s lies outside the subnet %s" % (getattr(rng, key), subnet),
                      "DHCP ranges must lie inside their ip block's subnet")
        if _ipkey(rng.start) > _ipkey(rng.end):
            _fail(at(rpath, "end"), "must not be below start (got %s < %s)" % (rng.end, rng.start))
    for i, host in enumerate(block.dhcp_hosts):
        if ipaddress.ip_address(host.ip) not in subnet:
            _fail(at(at(at(path, "dhcp_hosts"), i), "ip"), "%s lies outside the subnet %s" % (host.ip, subnet))
    if block.bootp and version != 4:
        _fail(at(path, "bootp"), "is only valid in an IPv4 block")
    return block


def _read_route(data, path):
    r = _Reader(data, path, ("address", "prefix", "netmask", "gateway", "metric"))
    address = r.get("address", _ip, required=True)
    return Route(address=address, prefix=_read_prefix(r, address), gateway=r.get("gateway", _ip, required=True),
                 metric=r.get("metric", _int(0, 4294967295)))


def _read_dns(data, path):
    r = _Reader(data, path, ("enable", "forward_plain_names", "forwarders", "hosts", "srvs", "txts"))

    def forwarder(d, p):
        f = _Reader(d, p, ("addr", "domain"))
        fwd = DnsForwarder(addr=f.get("addr", _ip), domain=f.get("domain", _dnsname))
        if fwd == DnsForwarder():
            _fail(p, "needs addr, domain or both")
        return fwd

    def host(d, p):
        h = _Reader(d, p, ("ip", "hostnames"))
        names = h.each("hostnames", _dnsname)
        if not names:
            _fail(at(p, "hostnames"), "needs at least one host name")
        return DnsHost(ip=h.get("ip", _ip, required=True), hostnames=names)

    def srv(d, p):
        s = _Reader(d, p, ("service", "protocol", "domain", "target", "port", "priority", "weight"))
        return DnsSrv(service=s.get("service", required=True), protocol=s.get("protocol", _choice("tcp", "udp"),
                                                                              required=True),
                      domain=s.get("domain", _dnsname), target=s.get("target", _dnsname),
                      port=s.get("port", _int(0, 65535)), priority=s.get("priority", _int(0, 65535)),
                      weight=s.get("weight", _int(0, 65535)))

    def txt(d, p):
        t = _Reader(d, p, ("name", "value"))
        return DnsTxt(name=t.get("name", _dnsname, required=True), value=t.get("value", required=True))

    return Dns(enable=r.get("enable", _bool), forward_plain_names=r.get("forward_plain_names", _bool),
               forwarders=r.each("forwarders", forwarder), hosts=r.each("hosts", host), srvs=r.each("srvs", srv),
               txts=r.each("txts", txt))


NETWORK_KEYS = ("name", "state", "autostart", "mode", "bridge_name", "stp", "delay", "mac_table_manager", "zone",
                "mtu", "mac", "domain", "domain_local_only", "ipv6", "trust_guest_rx_filters", "forward", "nat",
                "virtualport_type", "virtualport_parameters", "portgroups", "dns", "bandwidth", "vlan",
                "port_isolated", "ips", "routes")
# Keys of the older ansible-kvm role: `vlans` becomes portgroups, `route_device` the forward device.
LEGACY_KEYS = ("vlans", "route_device")


def read_network(data, path):
    """One input item (new or older-role shape) -> DesiredNetwork; raises InputError naming the field."""
    r = _Reader(data, path, NETWORK_KEYS + LEGACY_KEYS)
    state = r.get("state", _choice(*STATES), default="active")
    if state == "absent":
        return DesiredNetwork(network=Network(name=_network_name(r)), state=state, path=path)
    net = Network(name=_network_name(r), mode=r.get("mode", _choice(*MODES), default="nat"),
                  bridge_name=r.get("bridge_name", _devname), stp=r.get("stp", _bool),
                  delay=r.get("delay", _int(0, 4294967295)),
                  mac_table_manager=r.get("mac_table_manager", _choice("kernel", "libvirt")), zone=r.get("zone"),
                  mtu=r.get("mtu", _int(68, 65535)), mac=r.get("mac", _mac), domain=r.get("domain", _dnsname),
                  domain_local_only=r.get("domain_local_only", _bool), ipv6=r.get("ipv6", _bool),
                  trust_guest_rx_filters=r.get("trust_guest_rx_filters", _bool),
                  forward=r.one("forward", _read_forward) or Forward(),
                  virtualport_type=r.get("virtualport_type", _choice(*VIRTUALPORT_TYPES)),
                  virtualport_parameters=r.one("virtualport_parameters", _read_virtualport_parameters),
                  dns=r.one("dns", _read_dns), bandwidth=r.one("bandwidth", _read_bandwidth),
                  vlan=r.one("vlan", _read_vlan), port_isolated=r.get("port_isolated", _bool),
                  ips=r.each("ips", _read_ip), routes=r.each("routes", _read_route))
    net.forward.nat = r.one("nat", _read_nat)
    if r.has("vlans") and r.has("portgroups"):
        _fail(at(path, "vlans"), "cannot be combined with portgroups", "vlans is the older role's name; use one")
    net.portgroups = r.each("portgroups", _read_portgroup) or r.each("vlans", _read_legacy_vlan)
    if r.has("route_device"):
        if net.forward.dev:
            _fail(at(path, "route_device"), "cannot be combined with forward.dev")
        net.forward.dev = r.get("route_device", _devname)
    _check_mode(net, path)
    _check_portgroups(net, path)
    autostart = r.get("autostart", _bool)
    if autostart is None and state in ("active", "inactive"):
        autostart = state == "active"
    return DesiredNetwork(network=net, state=state, autostart=autostart, path=path)


def _network_name(r):
    name = r.get("name", required=True)
    if "/" in name or len(name) > 200:
        _fail(at(r.path, "name"), "must not contain '/' and be at most 200 characters (got %r)" % name)
    return name


def _check_mode(net, path):
    """Combinations that the schema allows but libvirt refuses for the network's forward mode."""
    mode, fwd = net.mode, net.forward

    def refuse(key, why, hint=None):
        _fail(at(path, key), "%s (mode is %r)" % (why, mode), hint)

    if mode not in MANAGED_MODES:
        for key in ("stp", "delay", "mac", "domain", "dns", "mac_table_manager"):
            if getattr(net, key) is not None:
                refuse(key, "is only valid when libvirt manages the bridge", "use mode nat, route, open or isolated")
        if net.ips or net.routes:
            refuse("ips" if net.ips else "routes", "is only valid when libvirt manages the bridge",
                   "use mode nat, route, open or isolated")
    if mode in ("nat", "route") and not net.ips:
        refuse("ips", "needs at least one address block",
               "give the network its own address, e.g. ips: [{address: 192.168.100.1, prefix: 24}]")
    if fwd.nat is not None and mode != "nat":
        refuse("nat", "is only valid with mode nat")
    if fwd.dev and mode in ("open", "isolated", "hostdev"):
        refuse("forward.dev", "is not valid for this mode")
    if fwd.interfaces and mode not in ("bridge", "private", "vepa", "passthrough"):
        refuse("forward.interfaces", "is only valid with modes bridge, private, vepa and passthrough")
    if fwd.pf and mode not in ("passthrough", "hostdev"):
        refuse("forward.pf", "is only valid with modes passthrough and hostdev")
    if mode != "hostdev":
        for key in ("addresses", "managed", "driver"):
            if getattr(fwd, key) not in (None, []):
                refuse("forward." + key, "is only valid with mode hostdev")
    if mode == "bridge":
        if net.bridge_name and (fwd.dev or fwd.interfaces):
            refuse("bridge_name", "cannot be combined with forward.dev or forward.interfaces",
                   "name a host bridge, or host NICs for macvtap bridging, not both")
        if not net.bridge_name and not (fwd.dev or fwd.interfaces):
            refuse("bridge_name", "is required", "name an existing Linux or Open vSwitch bridge, or set "
                                                 "forward.interfaces for macvtap bridging")
    if mode in DIRECT_MODES:
        if net.bridge_name:
            refuse("bridge_name", "is not valid for macvtap modes", "list host NICs in forward.interfaces")
        if not (fwd.dev or fwd.interfaces or fwd.pf):
            refuse("forward.interfaces", "is required", "list the host NICs (or an SR-IOV forward.pf)")
    if mode == "hostdev":
        if net.bridge_name:
            refuse("bridge_name", "is not valid for this mode")
        if not (fwd.pf or fwd.addresses):
            refuse("forward.pf", "is required", "name the SR-IOV physical function, or list forward.addresses")
    vport = net.virtualport_type
    if vport in ("openvswitch", "midonet") and not net.uses_host_bridge:
        refuse("virtualport_type", "%s needs mode bridge with bridge_name" % vport)
    macvtap = mode in DIRECT_MODES or (mode == "bridge" and not net.bridge_name)
    if vport in ("802.1Qbg", "802.1Qbh") and not macvtap:
        refuse("virtualport_type", "%s needs a macvtap mode (private, vepa, passthrough or bridge to NICs)" % vport)
    if net.virtualport_parameters and not vport:
        refuse("virtualport_parameters", "needs virtualport_type")


def _vlan_allowed(net):
    return net.mode == "hostdev" or (net.uses_host_bridge and net.virtualport_type == "openvswitch")


def _bandwidth_allowed(net):
    return net.mode in MANAGED_MODES or net.uses_host_bridge


def _check_portgroups(net, path):
    hint = "VLAN tags need an Open vSwitch bridge (virtualport_type: openvswitch) or mode hostdev"
    if net.vlan and not _vlan_allowed(net):
        _fail(at(path, "vlan"), "is not supported by this network", hint)
    bandwidth_hint = "libvirt shapes traffic only on bridges: modes nat, route, open, isolated, or bridge_name"
    if net.bandwidth and not _bandwidth_allowed(net):
        _fail(at(path, "bandwidth"), "is not supported with mode %r" % net.mode, bandwidth_hint)
    names, defaults = set(), []
    key = "portgroups"
    for i, group in enumerate(net.portgroups):
        gpath = at(at(path, key), i)
        if group.name in names:
            _fail(at(gpath, "name"), "%r is used by another portgroup" % group.name)
        names.add(group.name)
        if group.default:
            defaults.append(group.name)
        if group.vlan and not _vlan_allowed(net):
            _fail(at(gpath, "vlan"), "is not supported by this network", hint)
        if group.bandwidth and not _bandwidth_allowed(net):
            _fail(at(gpath, "bandwidth"), "is not supported with mode %r" % net.mode, bandwidth_hint)
        if group.virtualport_parameters and not net.virtualport_type:
            _fail(at(gpath, "virtualport_parameters"), "needs the network's virtualport_type")
    if len(defaults) > 1:
        _fail(at(path, key), "marks more than one portgroup as default (%s)" % ", ".join(defaults))
    for family in ("ipv4", "ipv6"):
        with_dhcp = [i for i, b in enumerate(net.ips) if b.family == family and (b.dhcp_ranges or b.dhcp_hosts)]
        if len(with_dhcp) > 1:
            _fail(at(at(path, "ips"), with_dhcp[1]), "is a second %s block with DHCP" % family,
                  "libvirt serves DHCP on one block per address family")


def read_networks(items, input_name="networks", declared_bridges=(), interface_exists=None):
    """Every input item, then checks across networks and against the host; nothing is touched on error."""
    desired = [read_network(item, at(input_name, i)) for i, item in enumerate(_list(items or [], input_name))]
    seen, bridges, subnets = {}, {}, []
    for want in desired:
        net, path = want.network, want.path
        if net.name in seen:
            _fail(at(path, "name"), "%r is also used by %s" % (net.name, seen[net.name]))
        seen[net.name] = path
        if want.state == "absent":
            continue
        if net.bridge_name:
            if net.bridge_name in bridges:
                _fail(at(path, "bridge_name"), "bridge %r is also claimed by %s"
                      % (net.bridge_name, bridges[net.bridge_name]))
            bridges[net.bridge_name] = at(path, "bridge_name")
        if net.uses_host_bridge and net.bridge_name not in declared_bridges and not (
                interface_exists and interface_exists(net.bridge_name)):
            _fail(at(path, "bridge_name"), "bridge %r neither exists on this host nor is declared" % net.bridge_name,
                  "declare it in the host's interfaces or Open vSwitch variables, or create it first")
        for i, block in enumerate(net.ips):
            for other, other_path in subnets:
                if block.subnet.version == other.version and block.subnet.overlaps(other):
                    _fail(at(at(at(path, "ips"), i), "address"), "subnet %s overlaps %s of %s"
                          % (block.subnet, other, other_path))
            subnets.append((block.subnet, at(at(path, "ips"), i)))
    return desired
