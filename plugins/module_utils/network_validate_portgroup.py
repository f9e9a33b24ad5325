# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a guest's port gets from a virtual network: portgroups, VLAN tags, virtualport parameters and
bandwidth, and where the network can carry them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import declared, fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    MANAGED_MODES,
    UINT32,
    Bandwidth,
    Portgroup,
    Rate,
    VirtualPortParameters,
    Vlan,
)

# libvirt's limit: a 802.1Qbh profile id is a 39-character string.
PROFILE_ID_MAX = 39


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


def profile_id(value, path):
    checked = checks.text(what="a port profile id")(value, path)
    if len(checked) > PROFILE_ID_MAX:
        fail(path, "must be at most %d characters long" % PROFILE_ID_MAX)
    return checked


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
