# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual network input -> the network model, refused with the exact input path before anything changes.

Each section is a declaration of its keys and their checkers; the value rules (bools, whole numbers,
names, MACs, VLAN ids, IPs) are the shared kit's (checks.py). What is checked here beyond single values
is what libvirt itself would refuse: options the forward mode does not allow, addresses outside their
subnet, VLANs and shaping where the network cannot carry them, and clashes between networks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    DIRECT_MODES,
    MANAGED_MODES,
    MODES,
    STATES,
    VIRTUALPORT_TYPES,
    Bandwidth,
    Bootp,
    DesiredNetwork,
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
    VirtualPortParameters,
    Vlan,
)

UINT32 = 4294967295
# libvirt's limits: a network name is a file name, a 802.1Qbh profile id a 39-character string.
NAME_MAX = 200
PROFILE_ID_MAX = 39
# DHCP unique identifiers as libvirt's schema accepts them: DUID-LLT, DUID-EN, DUID-LL and DUID-UUID.
DUID_RE = re.compile(
    r"^(0{1,2}:0?1:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){6,8}"
    r"|0{1,2}:0?2(:[a-f0-9]{1,2}){4}(:[a-f0-9]{1,2}){1,124}"
    r"|0{1,2}:0?3:0{1,2}:0?[a-f1-9](:[a-f0-9]{1,2}){6,8}"
    r"|0{1,2}:0?4(:[a-f0-9]{1,2}){16})$"
)


def declared(cls, data, path, spec, required=()):
    """cls from the mapping data, whose keys are cls's fields, each read by its checker in spec."""
    r = checks.Fields(data, path, spec)
    return cls(**values(r, spec, required))


def values(r, spec, required=()):
    """The keys of spec that the input sets (and the required ones), each read by its checker."""
    return {
        key: r.get(key, check, required=key in required) for key, check in spec.items() if r.has(key) or key in required
    }


def network_name(value, path):
    checked = checks.text(what="a network name")(value, path)
    if "/" in checked or len(checked) > NAME_MAX:
        fail(path, "must not contain '/' and be at most %d characters (got %r)" % (NAME_MAX, checked))
    return checked


def profile_id(value, path):
    checked = checks.text(what="a port profile id")(value, path)
    if len(checked) > PROFILE_ID_MAX:
        fail(path, "must be at most %d characters long" % PROFILE_ID_MAX)
    return checked


def dns_name(value, path):
    checked = checks.text(what="a DNS name")(value, path)
    if not checks.DNS_NAME_RE.match(checked):
        fail(path, "must be a DNS name such as example.lan (got %r)" % checked)
    return checked


def duid(value, path):
    checked = checks.text(what="a DHCP unique identifier")(value, path).lower()
    if not DUID_RE.match(checked):
        fail(path, "must be a DHCP unique identifier such as 00:03:00:01:52:54:00:12:34:56 (got %r)" % (value,))
    return checked


def read_rate(data, path):
    # libvirt refuses a network rate without average, and a floor anywhere but on a guest's interface.
    kbytes = checks.integer(1, UINT32)
    return declared(Rate, data, path, {"average": kbytes, "peak": kbytes, "burst": kbytes}, required=("average",))


def read_bandwidth(data, path):
    return declared(Bandwidth, data, path, {"inbound": read_rate, "outbound": read_rate})


def read_vlan(data, path):
    r = checks.Fields(data, path, ("tags", "trunk", "native_tag", "native_mode"))
    tags = r.get("tags", checks.list_of(checks.vlan_id), default=[])
    if not tags:
        fail(at(path, "tags"), "needs at least one VLAN id from %d to %d" % (checks.VLAN_LOW, checks.VLAN_HIGH))
    if len(set(tags)) != len(tags):
        fail(at(path, "tags"), "lists a VLAN id twice (got %r)" % (tags,))
    vlan = Vlan(
        tags=tags,
        trunk=r.get("trunk", checks.boolean, default=len(tags) > 1),
        native_tag=r.get("native_tag", checks.vlan_id),
        native_mode=r.get("native_mode", checks.choice("tagged", "untagged")),
    )
    if len(tags) > 1 and not vlan.trunk:
        fail(at(path, "trunk"), "must be true when several tags are listed")
    if vlan.native_mode and vlan.native_tag is None:
        fail(at(path, "native_tag"), "is required with native_mode")
    if vlan.native_tag is not None:
        if vlan.native_tag not in tags:
            fail(at(path, "native_tag"), "must be one of the tags %r (got %d)" % (tags, vlan.native_tag))
        if not vlan.trunk:
            fail(at(path, "native_tag"), "needs trunk: true")
        vlan.native_mode = vlan.native_mode or "untagged"
    return vlan


def read_virtualport_parameters(data, path):
    return declared(
        VirtualPortParameters,
        data,
        path,
        {
            "profileid": profile_id,
            "interfaceid": checks.uuid,
            "managerid": checks.integer(0, 255),
            "typeid": checks.integer(0, 16777215),
            "typeidversion": checks.integer(0, 255),
            "instanceid": checks.uuid,
        },
    )


def read_portgroup(data, path):
    return declared(
        Portgroup,
        data,
        path,
        {
            "name": checks.ifname,
            "default": checks.boolean,
            "trust_guest_rx_filters": checks.boolean,
            "vlan": read_vlan,
            "virtualport_parameters": read_virtualport_parameters,
            "bandwidth": read_bandwidth,
        },
        required=("name",),
    )


def read_legacy_vlan(data, path):
    """An item of the older role's `vlans` list: {name, vlan: id or list of ids, trunk}."""
    r = checks.Fields(data, path, ("name", "vlan", "trunk", "default"))
    if not r.has("vlan"):
        fail(at(path, "vlan"), "is required", "the VLAN id, or a list of ids for a trunk")
    tags = r.raw("vlan")
    tags = tags if isinstance(tags, list) else [tags] if tags is not None else []
    vlan = {"tags": tags, "trunk": r.raw("trunk")}
    return read_portgroup({"name": r.raw("name"), "default": r.raw("default"), "vlan": vlan}, path)


def read_nat(data, path):
    port = checks.integer(1, 65535)
    nat = declared(
        Nat,
        data,
        path,
        {
            "address_start": checks.ip(4),
            "address_end": checks.ip(4),
            "port_start": port,
            "port_end": port,
            "ipv6": checks.boolean,
        },
    )
    for kind, order in (("address", ipaddress.ip_address), ("port", int)):
        start, end = getattr(nat, kind + "_start"), getattr(nat, kind + "_end")
        if (start is None) != (end is None):
            fail(
                at(path, kind + ("_end" if end is None else "_start")),
                "is required with %s_%s" % (kind, "start" if end is None else "end"),
            )
        if start is not None and order(start) > order(end):
            fail(at(path, kind + "_end"), "must not be below %s_start (got %s < %s)" % (kind, end, start))
    return nat


def read_forward(data, path):
    return declared(
        Forward,
        data,
        path,
        {
            "dev": checks.ifname,
            "interfaces": checks.list_of(checks.ifname),
            "pf": checks.ifname,
            "addresses": checks.list_of(checks.pci_address),
            "managed": checks.boolean,
            "driver": checks.choice("kvm", "vfio"),
        },
    )


# ------------------------------------------------------------------------------------- addresses and DNS


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


def read_dns_forwarder(data, path):
    forwarder = declared(DnsForwarder, data, path, {"addr": checks.ip(), "domain": dns_name})
    if forwarder == DnsForwarder():
        fail(path, "needs addr, domain or both")
    return forwarder


def read_dns_host(data, path):
    host = declared(DnsHost, data, path, {"ip": checks.ip(), "hostnames": checks.list_of(dns_name)}, required=("ip",))
    if not host.hostnames:
        fail(at(path, "hostnames"), "needs at least one host name")
    return host


def read_dns_srv(data, path):
    number = checks.integer(0, 65535)
    return declared(
        DnsSrv,
        data,
        path,
        {
            "service": checks.plain_text,
            "protocol": checks.choice("tcp", "udp"),
            "domain": dns_name,
            "target": dns_name,
            "port": number,
            "priority": number,
            "weight": number,
        },
        required=("service", "protocol"),
    )


def read_dns_txt(data, path):
    return declared(DnsTxt, data, path, {"name": dns_name, "value": checks.plain_text}, required=("name", "value"))


def read_dns(data, path):
    return declared(
        Dns,
        data,
        path,
        {
            "enable": checks.boolean,
            "forward_plain_names": checks.boolean,
            "forwarders": checks.list_of(read_dns_forwarder),
            "hosts": checks.list_of(read_dns_host),
            "srvs": checks.list_of(read_dns_srv),
            "txts": checks.list_of(read_dns_txt),
        },
    )


# The keys that fill the Network's fields one to one; name, state, autostart, nat and the older role's
# keys are read by read_network itself.
NETWORK_FIELDS = {
    "mode": checks.choice(*MODES),
    "bridge_name": checks.ifname,
    "stp": checks.boolean,
    "delay": checks.integer(0, UINT32),
    "mac_table_manager": checks.choice("kernel", "libvirt"),
    "zone": checks.plain_text,
    "mtu": checks.integer(68, 65535),
    "mac": checks.mac,
    "domain": dns_name,
    "domain_local_only": checks.boolean,
    "ipv6": checks.boolean,
    "trust_guest_rx_filters": checks.boolean,
    "forward": read_forward,
    "virtualport_type": checks.choice(*VIRTUALPORT_TYPES),
    "virtualport_parameters": read_virtualport_parameters,
    "portgroups": checks.list_of(read_portgroup),
    "dns": read_dns,
    "bandwidth": read_bandwidth,
    "vlan": read_vlan,
    "port_isolated": checks.boolean,
    "ips": checks.list_of(read_ip),
    "routes": checks.list_of(read_route),
}
NETWORK_KEYS = ("name", "state", "autostart", "nat") + tuple(NETWORK_FIELDS)
# Keys of the older ansible-kvm role: `vlans` becomes portgroups, `route_device` the forward device.
LEGACY_KEYS = ("vlans", "route_device")


def read_network(data, path):
    """One input item (new or older-role shape) -> DesiredNetwork; raises InputError naming the field."""
    r = checks.Fields(data, path, NETWORK_KEYS + LEGACY_KEYS)
    state = r.get("state", checks.choice(*STATES), default="active")
    name = r.get("name", network_name, required=True)
    if state == "absent":
        return DesiredNetwork(network=Network(name=name), state=state, path=path)
    net = Network(name=name, **values(r, NETWORK_FIELDS))
    net.forward.nat = r.get("nat", read_nat)
    if r.has("vlans"):
        if r.has("portgroups"):
            fail(at(path, "vlans"), "cannot be combined with portgroups", "vlans is the older role's name; use one")
        net.portgroups = r.get("vlans", checks.list_of(read_legacy_vlan))
    if r.has("route_device"):
        if net.forward.dev:
            fail(at(path, "route_device"), "cannot be combined with forward.dev")
        net.forward.dev = r.get("route_device", checks.ifname)
    check_mode(net, path)
    check_portgroups(net, path)
    autostart = r.get("autostart", checks.boolean)
    if autostart is None and state in ("active", "inactive"):
        autostart = state == "active"
    return DesiredNetwork(network=net, state=state, autostart=autostart, path=path)


def check_mode(net, path):
    """Combinations that the schema allows but libvirt refuses for the network's forward mode."""
    mode, fwd = net.mode, net.forward

    def refuse(key, why, hint=None):
        fail(at(path, key), "%s (mode is %r)" % (why, mode), hint)

    if mode not in MANAGED_MODES:
        for key in ("stp", "delay", "mac", "domain", "dns", "mac_table_manager"):
            if getattr(net, key) is not None:
                refuse(key, "is only valid when libvirt manages the bridge", "use mode nat, route, open or isolated")
        if net.ips or net.routes:
            refuse(
                "ips" if net.ips else "routes",
                "is only valid when libvirt manages the bridge",
                "use mode nat, route, open or isolated",
            )
    # libvirt refuses an open network without an address too ("open forwarding requested, but no IP address").
    if mode in ("nat", "route", "open") and not net.ips:
        refuse(
            "ips",
            "needs at least one address block",
            "give the network its own address, e.g. ips: [{address: 192.168.100.1, prefix: 24}]",
        )
    # libvirt drops a <domain localOnly> without a name, so the setting would differ on every run.
    if net.domain_local_only is not None and not net.domain:
        refuse("domain_local_only", "needs domain", "give the network's DNS domain, e.g. domain: lab.example")
    if fwd.nat is not None and mode != "nat":
        refuse("nat", "is only valid with mode nat")
    if fwd.dev and mode in ("open", "isolated", "hostdev"):
        refuse("forward.dev", "is not valid for this mode")
    if fwd.interfaces and mode not in ("bridge",) + DIRECT_MODES:
        refuse("forward.interfaces", "is only valid with modes bridge, private, vepa and passthrough")
    if fwd.pf and mode not in ("passthrough", "hostdev"):
        refuse("forward.pf", "is only valid with modes passthrough and hostdev")
    if mode != "hostdev":
        for key in ("addresses", "managed", "driver"):
            if getattr(fwd, key) not in (None, []):
                refuse("forward." + key, "is only valid with mode hostdev")
    if mode == "bridge":
        if net.bridge_name and (fwd.dev or fwd.interfaces):
            refuse(
                "bridge_name",
                "cannot be combined with forward.dev or forward.interfaces",
                "name a host bridge, or host NICs for macvtap bridging, not both",
            )
        if not net.bridge_name and not (fwd.dev or fwd.interfaces):
            refuse(
                "bridge_name",
                "is required",
                "name an existing Linux or Open vSwitch bridge, or set forward.interfaces for macvtap bridging",
            )
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


def vlan_allowed(net):
    return net.mode == "hostdev" or (net.uses_host_bridge and net.virtualport_type == "openvswitch")


def bandwidth_allowed(net):
    return net.mode in MANAGED_MODES or net.uses_host_bridge


def check_portgroups(net, path):
    """VLANs and shaping only where the network can carry them; one default portgroup; one DHCP block per family."""
    hint = "VLAN tags need an Open vSwitch bridge (virtualport_type: openvswitch) or mode hostdev"
    if net.vlan and not vlan_allowed(net):
        fail(at(path, "vlan"), "is not supported by this network", hint)
    bandwidth_hint = "libvirt shapes traffic only on bridges: modes nat, route, open, isolated, or bridge_name"
    if net.bandwidth and not bandwidth_allowed(net):
        fail(at(path, "bandwidth"), "is not supported with mode %r" % net.mode, bandwidth_hint)
    names, defaults = set(), []
    key = "portgroups"
    for i, group in enumerate(net.portgroups):
        gpath = at(at(path, key), i)
        if group.name in names:
            fail(at(gpath, "name"), "%r is used by another portgroup" % group.name)
        names.add(group.name)
        if group.default:
            defaults.append(group.name)
        if group.vlan and not vlan_allowed(net):
            fail(at(gpath, "vlan"), "is not supported by this network", hint)
        if group.bandwidth and not bandwidth_allowed(net):
            fail(at(gpath, "bandwidth"), "is not supported with mode %r" % net.mode, bandwidth_hint)
        if group.virtualport_parameters and not net.virtualport_type:
            fail(at(gpath, "virtualport_parameters"), "needs the network's virtualport_type")
    if len(defaults) > 1:
        fail(at(path, key), "marks more than one portgroup as default (%s)" % ", ".join(defaults))
    for family in ("ipv4", "ipv6"):
        with_dhcp = [i for i, b in enumerate(net.ips) if b.family == family and (b.dhcp_ranges or b.dhcp_hosts)]
        if len(with_dhcp) > 1:
            fail(
                at(at(path, "ips"), with_dhcp[1]),
                "is a second %s block with DHCP" % family,
                "libvirt serves DHCP on one block per address family",
            )


def read_networks(items, input_name="networks", declared_bridges=(), interface_exists=None):
    """Every input item, then checks across networks and against the host; nothing is touched on error."""
    desired = checks.list_of(read_network)(items, input_name)
    seen, bridges, subnets = {}, {}, []
    for want in desired:
        net, path = want.network, want.path
        if net.name in seen:
            fail(at(path, "name"), "%r is also used by %s" % (net.name, seen[net.name]))
        seen[net.name] = path
        if want.state == "absent":
            continue
        if net.bridge_name:
            if net.bridge_name in bridges:
                fail(
                    at(path, "bridge_name"),
                    "bridge %r is also claimed by %s" % (net.bridge_name, bridges[net.bridge_name]),
                )
            bridges[net.bridge_name] = at(path, "bridge_name")
        if (
            net.uses_host_bridge
            and net.bridge_name not in declared_bridges
            and not (interface_exists and interface_exists(net.bridge_name))
        ):
            fail(
                at(path, "bridge_name"),
                "bridge %r neither exists on this host nor is declared" % net.bridge_name,
                "declare it in the host's interfaces or Open vSwitch variables, or create it first",
            )
        for i, block in enumerate(net.ips):
            for other, other_path in subnets:
                if block.subnet.version == other.version and block.subnet.overlaps(other):
                    fail(
                        at(at(at(path, "ips"), i), "address"),
                        "subnet %s overlaps %s of %s" % (block.subnet, other, other_path),
                    )
            subnets.append((block.subnet, at(at(path, "ips"), i)))
    return desired
