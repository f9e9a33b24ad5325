# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forward section of a virtual network (mode, devices, NAT) and the combinations that libvirt refuses
for the forward mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import declared, fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    DIRECT_MODES,
    MANAGED_MODES,
    Forward,
    Nat,
)


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
