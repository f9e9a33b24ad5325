# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network XML <-> Network model, with ElementTree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    Bandwidth, Bootp, DhcpHost, DhcpRange, Dns, DnsForwarder, DnsHost, DnsSrv, DnsTxt, Forward, IpBlock, Nat,
    Network, Portgroup, Rate, Route, VirtualPortParameters, Vlan)

_VPORT_PARAMS = ("profileid", "interfaceid", "managerid", "typeid", "typeidversion", "instanceid")


# ---------------------------------------------------------------------------------------------------- build

def _yesno(value):
    return None if value is None else ("yes" if value else "no")


def _sub(parent, tag, **attrs):
    """Child element carrying only the attributes that are set."""
    return ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})


def _rate_attrs(rate):
    return {"average": rate.average, "peak": rate.peak, "burst": rate.burst}


def _build_bandwidth(parent, bandwidth):
    if bandwidth:
        node = _sub(parent, "bandwidth")
        for direction in ("inbound", "outbound"):
            rate = getattr(bandwidth, direction)
            if rate:
                _sub(node, direction, **_rate_attrs(rate))


def _build_vlan(parent, vlan):
    if vlan:
        node = _sub(parent, "vlan", trunk="yes" if vlan.trunk else None)
        for tag in vlan.tags:
            _sub(node, "tag", id=tag, nativeMode=vlan.native_mode if tag == vlan.native_tag else None)


def _build_virtualport(parent, vtype, params):
    if vtype or params:
        node = _sub(parent, "virtualport", type=vtype)
        if params:
            _sub(node, "parameters", **{k: getattr(params, k) for k in _VPORT_PARAMS})


def _build_forward(root, net):
    fwd = net.forward
    if net.mode == "isolated":
        return
    node = _sub(root, "forward", mode=net.mode, dev=fwd.dev, managed=_yesno(fwd.managed))
    if fwd.nat:
        nat = _sub(node, "nat", ipv6=_yesno(fwd.nat.ipv6))
        if fwd.nat.address_start:
            _sub(nat, "address", start=fwd.nat.address_start, end=fwd.nat.address_end)
        if fwd.nat.port_start:
            _sub(nat, "port", start=fwd.nat.port_start, end=fwd.nat.port_end)
    if fwd.pf:
        _sub(node, "pf", dev=fwd.pf)
    for dev in fwd.interfaces:
        _sub(node, "interface", dev=dev)
    for address in fwd.addresses:
        domain, bus, rest = address.split(":")
        slot, function = rest.split(".")
        _sub(node, "address", type="pci", domain="0x" + domain, bus="0x" + bus, slot="0x" + slot,
             function="0x" + function)
    if fwd.driver:
        _sub(node, "driver", name=fwd.driver)


def _build_dns(root, dns):
    if not dns:
        return
    node = _sub(root, "dns", enable=_yesno(dns.enable), forwardPlainNames=_yesno(dns.forward_plain_names))
    for fwd in dns.forwarders:
        _sub(node, "forwarder", addr=fwd.addr, domain=fwd.domain)
    for txt in dns.txts:
        _build_txt(node, txt)
    for srv in dns.srvs:
        _build_srv(node, srv)
    for host in dns.hosts:
        _build_dns_host(node, host)


def _build_txt(parent, txt):
    return _sub(parent, "txt", name=txt.name, value=txt.value)


def _build_srv(parent, srv):
    return _sub(parent, "srv", service=srv.service, protocol=srv.protocol, domain=srv.domain, target=srv.target,
                port=srv.port, priority=srv.priority, weight=srv.weight)


def _build_dns_host(parent, host):
    node = _sub(parent, "host", ip=host.ip)
    for name in host.hostnames:
        ET.SubElement(node, "hostname").text = name
    return node


def _build_dhcp_range(parent, rng):
    return _sub(parent, "range", start=rng.start, end=rng.end)


def _build_dhcp_host(parent, host):
    return _sub(parent, "host", mac=host.mac, id=host.id, name=host.name, ip=host.ip)


def _build_portgroup(parent, group, vtype=None):
    node = _sub(parent, "portgroup", name=group.name, default="yes" if group.default else None,
                trustGuestRxFilters=_yesno(group.trust_guest_rx_filters))
    # An untyped portgroup virtualport next to a VLAN makes libvirt refuse the network, so it repeats the type.
    _build_virtualport(node, vtype if group.virtualport_parameters else None, group.virtualport_parameters)
    _build_bandwidth(node, group.bandwidth)
    _build_vlan(node, group.vlan)
    return node


def _build_ip(root, block):
    node = _sub(root, "ip", address=block.address, prefix=block.prefix,
                family="ipv6" if block.family == "ipv6" else None, localPtr=_yesno(block.local_ptr))
    if block.tftp_root:
        _sub(node, "tftp", root=block.tftp_root)
    if block.dhcp_ranges or block.dhcp_hosts or block.bootp:
        dhcp = _sub(node, "dhcp")
        for rng in block.dhcp_ranges:
            _build_dhcp_range(dhcp, rng)
        for host in block.dhcp_hosts:
            _build_dhcp_host(dhcp, host)
        if block.bootp:
            _sub(dhcp, "bootp", file=block.bootp.file, server=block.bootp.server)


def _build_network(net):
    root = ET.Element("network", {k: v for k, v in (("ipv6", _yesno(net.ipv6)), (
        "trustGuestRxFilters", _yesno(net.trust_guest_rx_filters))) if v})
    ET.SubElement(root, "name").text = net.name
    if net.uuid:
        ET.SubElement(root, "uuid").text = net.uuid
    _build_forward(root, net)
    if net.bridge_name or net.stp is not None or net.delay is not None or net.mac_table_manager or net.zone:
        _sub(root, "bridge", name=net.bridge_name, zone=net.zone,
             stp=None if net.stp is None else ("on" if net.stp else "off"), delay=net.delay,
             macTableManager=net.mac_table_manager)
    if net.mtu:
        _sub(root, "mtu", size=net.mtu)
    if net.mac:
        _sub(root, "mac", address=net.mac)
    _build_virtualport(root, net.virtualport_type, net.virtualport_parameters)
    for group in net.portgroups:
        _build_portgroup(root, group, net.virtualport_type)
    if net.domain:
        _sub(root, "domain", name=net.domain, localOnly=_yesno(net.domain_local_only))
    _build_dns(root, net.dns)
    _build_bandwidth(root, net.bandwidth)
    _build_vlan(root, net.vlan)
    if net.port_isolated is not None:
        _sub(root, "port", isolated=_yesno(net.port_isolated))
    for block in net.ips:
        _build_ip(root, block)
    for route in net.routes:
        _sub(root, "route", family="ipv6" if ipaddress.ip_address(route.address).version == 6 else None,
             address=route.address, prefix=route.prefix, gateway=route.gateway, metric=route.metric)
    return root


def _to_string(element):
    ET.indent(element, "  ")
    return ET.tostring(element, encoding="unicode") + "\n"


def build_xml(net):
    """Network model -> libvirt network XML document."""
    return _to_string(_build_network(net))


def fragment(builder, item):
    """XML of one section item (a DHCP host, a portgroup...) as virNetworkUpdate expects it."""
    holder = ET.Element("holder")
    return ET.tostring(builder(holder, item), encoding="unicode")


def dhcp_range_xml(rng):
    return fragment(_build_dhcp_range, rng)


def dhcp_host_xml(host):
    return fragment(_build_dhcp_host, host)


def dns_host_xml(host):
    return fragment(_build_dns_host, host)


def dns_srv_xml(srv):
    return fragment(_build_srv, srv)


def dns_txt_xml(txt):
    return fragment(_build_txt, txt)


def portgroup_xml(group, vtype=None):
    holder = ET.Element("holder")
    return ET.tostring(_build_portgroup(holder, group, vtype), encoding="unicode")


# ---------------------------------------------------------------------------------------------------- parse

def _bool(value, true="yes"):
    return None if value is None else value == true


def _num(value):
    return None if value is None else int(value, 0)


def _addr(value):
    return None if value is None else ipaddress.ip_address(value).compressed


def _parse_rate(node):
    return None if node is None else Rate(average=_num(node.get("average")), peak=_num(node.get("peak")),
                                          burst=_num(node.get("burst")))


def _parse_bandwidth(node):
    if node is None:
        return None
    return Bandwidth(inbound=_parse_rate(node.find("inbound")), outbound=_parse_rate(node.find("outbound")))


def _parse_vlan(node):
    if node is None:
        return None
    tags = node.findall("tag")
    native = [t for t in tags if t.get("nativeMode")]
    return Vlan(tags=[int(t.get("id")) for t in tags], trunk=node.get("trunk") == "yes",
                native_tag=int(native[0].get("id")) if native else None,
                native_mode=native[0].get("nativeMode") if native else None)


def _parse_vport_params(node):
    params = None if node is None else node.find("parameters")
    if params is None:
        return None
    ints = ("managerid", "typeid", "typeidversion")
    return VirtualPortParameters(**{k: (_num(params.get(k)) if k in ints else params.get(k)) for k in _VPORT_PARAMS})


def _parse_pci(node):
    return "%04x:%02x:%02x.%x" % tuple(int(node.get(k), 0) for k in ("domain", "bus", "slot", "function"))


def _parse_forward(root):
    node = root.find("forward")
    if node is None:
        return "isolated", Forward()
    nat = node.find("nat")
    if nat is not None:
        address, port = nat.find("address"), nat.find("port")
        nat = Nat(address_start=_addr(address.get("start")) if address is not None else None,
                  address_end=_addr(address.get("end")) if address is not None else None,
                  port_start=_num(port.get("start")) if port is not None else None,
                  port_end=_num(port.get("end")) if port is not None else None, ipv6=_bool(nat.get("ipv6")))
    pf, driver = node.find("pf"), node.find("driver")
    return node.get("mode", "nat"), Forward(
        dev=node.get("dev"), interfaces=[i.get("dev") for i in node.findall("interface")],
        pf=pf.get("dev") if pf is not None else None,
        addresses=[_parse_pci(a) for a in node.findall("address") if a.get("type") == "pci"],
        managed=_bool(node.get("managed")), driver=driver.get("name") if driver is not None else None, nat=nat)


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


def _parse_ip(node):
    dhcp = node.find("dhcp")
    tftp = node.find("tftp")
    bootp = dhcp.find("bootp") if dhcp is not None else None
    return IpBlock(
        address=_addr(node.get("address")), prefix=_parse_prefix(node), local_ptr=_bool(node.get("localPtr")),
        tftp_root=tftp.get("root") if tftp is not None else None,
        dhcp_ranges=[DhcpRange(start=_addr(r.get("start")), end=_addr(r.get("end")))
                     for r in (dhcp.findall("range") if dhcp is not None else [])],
        dhcp_hosts=[DhcpHost(ip=_addr(h.get("ip")), mac=(h.get("mac") or "").lower() or None, id=h.get("id"),
                             name=h.get("name")) for h in (dhcp.findall("host") if dhcp is not None else [])],
        bootp=Bootp(file=bootp.get("file"), server=bootp.get("server")) if bootp is not None else None)


def _parse_dns(node):
    if node is None:
        return None
    return Dns(enable=_bool(node.get("enable")), forward_plain_names=_bool(node.get("forwardPlainNames")),
               forwarders=[DnsForwarder(addr=_addr(f.get("addr")), domain=f.get("domain"))
                           for f in node.findall("forwarder")],
               hosts=[DnsHost(ip=_addr(h.get("ip")), hostnames=[n.text for n in h.findall("hostname")])
                      for h in node.findall("host")],
               srvs=[DnsSrv(service=s.get("service"), protocol=s.get("protocol"), domain=s.get("domain"),
                            target=s.get("target"), port=_num(s.get("port")), priority=_num(s.get("priority")),
                            weight=_num(s.get("weight"))) for s in node.findall("srv")],
               txts=[DnsTxt(name=t.get("name"), value=t.get("value")) for t in node.findall("txt")])


def _parse_portgroup(node):
    return Portgroup(name=node.get("name"), default=node.get("default") == "yes",
                     trust_guest_rx_filters=_bool(node.get("trustGuestRxFilters")),
                     vlan=_parse_vlan(node.find("vlan")),
                     virtualport_parameters=_parse_vport_params(node.find("virtualport")),
                     bandwidth=_parse_bandwidth(node.find("bandwidth")))


def parse_xml(text):
    """libvirt network XML (as net-dumpxml prints it) -> Network model; ignores run-time-only attributes."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise HostError("libvirt returned network XML that does not parse: %s" % exc)
    mode, forward = _parse_forward(root)
    bridge, mtu, mac = root.find("bridge"), root.find("mtu"), root.find("mac")
    domain, vport, port = root.find("domain"), root.find("virtualport"), root.find("port")
    bridge = bridge if bridge is not None else ET.Element("bridge")
    return Network(
        name=root.findtext("name"), mode=mode, uuid=root.findtext("uuid"), bridge_name=bridge.get("name"),
        stp=_bool(bridge.get("stp"), "on"), delay=_num(bridge.get("delay")),
        mac_table_manager=bridge.get("macTableManager"), zone=bridge.get("zone"),
        mtu=_num(mtu.get("size")) if mtu is not None else None,
        mac=mac.get("address").lower() if mac is not None else None,
        domain=domain.get("name") if domain is not None else None,
        domain_local_only=_bool(domain.get("localOnly")) if domain is not None else None,
        ipv6=_bool(root.get("ipv6")), trust_guest_rx_filters=_bool(root.get("trustGuestRxFilters")),
        forward=forward, virtualport_type=vport.get("type") if vport is not None else None,
        virtualport_parameters=_parse_vport_params(vport),
        portgroups=[_parse_portgroup(p) for p in root.findall("portgroup")], dns=_parse_dns(root.find("dns")),
        bandwidth=_parse_bandwidth(root.find("bandwidth")), vlan=_parse_vlan(root.find("vlan")),
        port_isolated=_bool(port.get("isolated")) if port is not None else None,
        ips=[_parse_ip(i) for i in root.findall("ip")],
        routes=[Route(address=_addr(r.get("address")), prefix=_parse_prefix(r), gateway=_addr(r.get("gateway")),
                      metric=_num(r.get("metric"))) for r in root.findall("route")])
