# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual network input -> the network model, refused with the exact input path before anything changes.

Each section is a declaration of its keys and their checkers; the value rules (bools, whole numbers,
names, MACs, VLAN ids, IPs) are the shared kit's (checks.py). What is checked here beyond single values
is what libvirt itself would refuse: options the forward mode does not allow, addresses outside their
subnet, VLANs and shaping where the network cannot carry them, and clashes between networks. This file
reads a network's own keys and the clashes between networks; each section has its file: network_validate_forward
(forward, NAT, what the mode allows), _portgroup (portgroups, VLANs, virtualport, bandwidth), _ip (addresses,
DHCP, routes) and _dns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, values
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    MODES,
    STATES,
    UINT32,
    VIRTUALPORT_TYPES,
    DesiredNetwork,
    Network,
)
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate_dns import dns_name, read_dns
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate_forward import (
    check_mode,
    read_forward,
    read_nat,
)
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate_ip import (
    check_dhcp_blocks,
    read_ip,
    read_route,
)
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate_portgroup import (
    check_portgroups,
    read_bandwidth,
    read_legacy_vlan,
    read_portgroup,
    read_virtualport_parameters,
    read_vlan,
)

# libvirt's limit: a network name is a file name.
NAME_MAX = 200


def network_name(value, path):
    checked = checks.text(what="a network name")(value, path)
    if "/" in checked or len(checked) > NAME_MAX:
        fail(path, "must not contain '/' and be at most %d characters (got %r)" % (NAME_MAX, checked))
    return checked


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
    check_dhcp_blocks(net, path)
    autostart = r.get("autostart", checks.boolean)
    if autostart is None and state in ("active", "inactive"):
        autostart = state == "active"
    return DesiredNetwork(network=net, state=state, autostart=autostart, path=path)


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
