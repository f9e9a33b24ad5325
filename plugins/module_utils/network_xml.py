# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network XML <-> Network model: the tables below are read by both the builder and the parser."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    Bandwidth,
    Bootp,
    DhcpHost,
    DhcpRange,
    Dns,
    DnsForwarder,
    DnsHost,
    DnsSrv,
    DnsTxt,
    Forward,
    IpBlock,
    Nat,
    Network,
    Portgroup,
    Rate,
    Route,
)
from ansible_collections.essentials.kvm.plugins.module_utils.xml_props import (
    ADDR,
    INT,
    LOWER,
    ONOFF,
    TEXT,
    YESNO,
    Each,
    Hand,
    One,
    Pci,
    Prop,
    element,
    read,
    write,
)
from ansible_collections.essentials.kvm.plugins.module_utils.xml_shared import (
    RATE_KEYS,
    build_bandwidth,
    build_virtualport,
    build_vlan,
    parse_bandwidth,
    parse_virtualport,
    parse_vlan,
)


def _build_family(place, item):
    if ipaddress.ip_address(item.address).version == 6:
        place("").set("family", "ipv6")


def _parse_prefix(node):
    if node.get("prefix") is not None:
        return int(node.get("prefix"))
    if node.get("netmask") is not None:
        return ipaddress.ip_network("0.0.0.0/%s" % node.get("netmask")).prefixlen
    # libvirt falls back to the classful netmask for IPv4 and /64 for IPv6.
    address = ipaddress.ip_address(node.get("address"))
    if address.version == 6:
        return 64
    first = int(address) >> 24
    return 8 if first < 128 else 16 if first < 192 else 24


# family is written for IPv6 only (IPv4 is libvirt's default) and read from the address; a prefix may come
# back from libvirt as a netmask, or not at all.
_FAMILY = Hand(_build_family)
_PREFIX = Hand(
    lambda place, item: INT.put(place(""), "prefix", item.prefix), lambda node: {"prefix": _parse_prefix(node)}
)

_NAT = (
    Prop("ipv6", "@ipv6", YESNO),
    Prop("address_start", "address/@start", ADDR),
    Prop("address_end", "address/@end", ADDR),
    Prop("port_start", "port/@start", INT),
    Prop("port_end", "port/@end", INT),
)
_FORWARD = (
    Prop("dev", "@dev"),
    Prop("managed", "@managed", YESNO),
    One("nat", "nat", Nat, _NAT),
    Prop("pf", "pf/@dev"),
    Each("interfaces", "interface/@dev"),
    Each("addresses", "address", Pci()),
    Prop("driver", "driver/@name"),
)
_DHCP_RANGE = (Prop("start", "@start", ADDR), Prop("end", "@end", ADDR))
_DHCP_HOST = (Prop("mac", "@mac", LOWER), Prop("id", "@id"), Prop("name", "@name"), Prop("ip", "@ip", ADDR))
_IP = (
    Prop("address", "@address", ADDR),
    _PREFIX,
    _FAMILY,
    Prop("local_ptr", "@localPtr", YESNO),
    Prop("tftp_root", "tftp/@root"),
    Each("dhcp_ranges", "dhcp/range", cls=DhcpRange, rows=_DHCP_RANGE),
    Each("dhcp_hosts", "dhcp/host", cls=DhcpHost, rows=_DHCP_HOST),
    One("bootp", "dhcp/bootp", Bootp, (Prop("file", "@file"), Prop("server", "@server"))),
)
_ROUTE = (
    _FAMILY,
    Prop("address", "@address", ADDR),
    _PREFIX,
    Prop("gateway", "@gateway", ADDR),
    Prop("metric", "@metric", INT),
)
_DNS_TXT = (Prop("name", "@name"), Prop("value", "@value"))
_DNS_SRV = (
    Prop("service", "@service"),
    Prop("protocol", "@protocol"),
    Prop("domain", "@domain"),
    Prop("target", "@target"),
    Prop("port", "@port", INT),
    Prop("priority", "@priority", INT),
    Prop("weight", "@weight", INT),
)
_DNS_HOST = (Prop("ip", "@ip", ADDR), Each("hostnames", "hostname", TEXT))
_DNS = (
    Prop("enable", "@enable", YESNO),
    Prop("forward_plain_names", "@forwardPlainNames", YESNO),
    Each("forwarders", "forwarder", cls=DnsForwarder, rows=(Prop("addr", "@addr", ADDR), Prop("domain", "@domain"))),
    Each("txts", "txt", cls=DnsTxt, rows=_DNS_TXT),
    Each("srvs", "srv", cls=DnsSrv, rows=_DNS_SRV),
    Each("hosts", "host", cls=DnsHost, rows=_DNS_HOST),
)
_PORTGROUP = (
    Prop("name", "@name"),
    Prop("default", "@default", YESNO, default=False, skip=(None, False)),
    Prop("trust_guest_rx_filters", "@trustGuestRxFilters", YESNO),
)


def _rates(bandwidth):
    if bandwidth is None:
        return None
    rates = {}
    for direction in ("inbound", "outbound"):
        rate = getattr(bandwidth, direction)
        if rate:
            rates[direction] = {key: getattr(rate, key) for key in RATE_KEYS}
    return rates


def _bandwidth(rates):
    if rates is None:
        return None
    return Bandwidth(
        **{direction: Rate(**{key: rate.get(key) for key in RATE_KEYS}) for direction, rate in rates.items()}
    )


def _build_portgroup(parent, group, vtype=None):
    node = element("portgroup", group, _PORTGROUP, parent)
    # An untyped portgroup virtualport next to a VLAN makes libvirt refuse the network, so it repeats the type.
    build_virtualport(node, vtype if group.virtualport_parameters else None, group.virtualport_parameters)
    build_bandwidth(node, _rates(group.bandwidth))
    build_vlan(node, group.vlan)
    return node


def _parse_portgroup(node):
    return Portgroup(
        virtualport_parameters=parse_virtualport(node.find("virtualport"))[1],
        bandwidth=_bandwidth(parse_bandwidth(node.find("bandwidth"))),
        vlan=parse_vlan(node.find("vlan")),
        **read(node, _PORTGROUP),
    )


def _build_portgroups(place, net):
    for group in net.portgroups:
        _build_portgroup(place(""), group, net.virtualport_type)


def _parse_portgroups(root):
    return {"portgroups": [_parse_portgroup(node) for node in root.findall("portgroup")]}


def _parse_virtualport(root):
    vtype, params = parse_virtualport(root.find("virtualport"))
    return {"virtualport_type": vtype, "virtualport_parameters": params}


NETWORK = (
    Prop("ipv6", "@ipv6", YESNO),
    Prop("trust_guest_rx_filters", "@trustGuestRxFilters", YESNO),
    Prop("name", "name"),
    Prop("uuid", "uuid"),
    # No <forward> is an isolated network; a <forward> without a mode is NAT.
    Prop("mode", "forward/@mode", default="isolated", implied="nat", skip=(None, "isolated")),
    One("forward", "forward", Forward, _FORWARD, empty=True, when=lambda net: net.mode != "isolated"),
    Prop("bridge_name", "bridge/@name"),
    Prop("zone", "bridge/@zone"),
    Prop("stp", "bridge/@stp", ONOFF),
    Prop("delay", "bridge/@delay", INT),
    Prop("mac_table_manager", "bridge/@macTableManager"),
    Prop("mtu", "mtu/@size", INT),
    Prop("mac", "mac/@address", LOWER),
    Hand(
        lambda place, net: build_virtualport(place(""), net.virtualport_type, net.virtualport_parameters),
        _parse_virtualport,
    ),
    Hand(_build_portgroups, _parse_portgroups),
    Prop("domain", "domain/@name"),
    Prop("domain_local_only", "domain/@localOnly", YESNO),
    One("dns", "dns", Dns, _DNS),
    Hand(
        lambda place, net: build_bandwidth(place(""), _rates(net.bandwidth)),
        lambda root: {"bandwidth": _bandwidth(parse_bandwidth(root.find("bandwidth")))},
    ),
    Hand(lambda place, net: build_vlan(place(""), net.vlan), lambda root: {"vlan": parse_vlan(root.find("vlan"))}),
    Prop("port_isolated", "port/@isolated", YESNO),
    Each("ips", "ip", cls=IpBlock, rows=_IP),
    Each("routes", "route", cls=Route, rows=_ROUTE),
)


def _to_string(element):
    ET.indent(element, "  ")
    return ET.tostring(element, encoding="unicode") + "\n"


def build_xml(net):
    """Network model -> libvirt network XML document."""
    return _to_string(write(ET.Element("network"), net, NETWORK))


def _fragment(tag, item, rows):
    """XML of one section item (a DHCP host, a DNS record...) as virNetworkUpdate expects it."""
    return ET.tostring(element(tag, item, rows), encoding="unicode")


def dhcp_range_xml(rng):
    return _fragment("range", rng, _DHCP_RANGE)


def dhcp_host_xml(host):
    return _fragment("host", host, _DHCP_HOST)


def dns_host_xml(host):
    return _fragment("host", host, _DNS_HOST)


def dns_srv_xml(srv):
    return _fragment("srv", srv, _DNS_SRV)


def dns_txt_xml(txt):
    return _fragment("txt", txt, _DNS_TXT)


def portgroup_xml(group, vtype=None):
    return ET.tostring(_build_portgroup(None, group, vtype), encoding="unicode")


def parse_xml(text):
    """libvirt network XML (as net-dumpxml prints it) -> Network model; ignores run-time-only attributes."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise HostError("libvirt returned network XML that does not parse: %s" % exc)
    return Network(**read(root, NETWORK))
