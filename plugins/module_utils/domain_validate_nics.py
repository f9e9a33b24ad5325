# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VM's NICs input -> Nic objects (domain_validate reads the rest of the VM).

Beyond single values this refuses what libvirt would refuse or silently ignore: options the NIC type does not
use, networks the host lacks, a MAC or a PCI device given twice. A NIC without a MAC gets a stable one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import (
    BANDWIDTH_KEYS,
    DIRECT_MODES,
    NIC_MODELS,
    NIC_TYPES,
    Nic,
    derive_mac,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at

UINT32 = 2**32 - 1
# The older ansible-kvm role's names, as aliases of ours.
NIC_ALIASES = {"network_driver": "model"}
network_name = checks.text(what="a network name")
NIC_FIELDS = {
    "type": checks.choice(*NIC_TYPES),
    "network": network_name,
    "bridge": checks.ifname,
    "dev": checks.ifname,
    "pci": checks.pci_address,
    "portgroup": checks.text(what="a portgroup name"),
    "ovs": checks.boolean,
    "vlan": checks.vlan_id,
    "trunk": checks.list_of(checks.vlan_id),
    "mode": checks.choice(*DIRECT_MODES),
    "target_dev": checks.ifname,
    "model": checks.choice(*NIC_MODELS),
    "mac": checks.mac,
    "mtu": checks.integer(68, 65535),
    "bandwidth": None,  # read by _bandwidth
    "source": None,  # the older role's name of the network, bridge, dev or pci: read by the type's checker
}
# Which key names a NIC's source for each type; the other types have none.
NIC_SOURCE = {"network": "network", "bridge": "bridge", "direct": "dev", "hostdev": "pci"}


def read_nics(vm, r, ctx):
    """The VM's NICs, each with its MAC; no MAC and no PCI device twice."""
    where = r.where("nics")
    nics = [_nic(vm, item, i, at(where, i), ctx) for i, item in enumerate(checks.listing(r.raw("nics"), where))]
    macs, devices = {}, {}
    for i, nic in enumerate(nics):
        if nic.mac in macs:
            fail(at(at(where, i), "mac"), "duplicate MAC %s (also %s)" % (nic.mac, at(where, macs[nic.mac])))
        macs[nic.mac] = i
        # libvirt refuses one PCI device given to a guest twice.
        if nic.type == "hostdev" and nic.source in devices:
            fail(at(where, i), "PCI device %s is also %s" % (nic.source, at(where, devices[nic.source])))
        devices.setdefault(nic.source, i)
    return nics


def _nic(vm, raw, index, path, ctx):
    r = checks.Fields(raw, path, NIC_FIELDS, NIC_ALIASES)
    kind = r.get("type", NIC_FIELDS["type"], default="network")
    source_key = NIC_SOURCE.get(kind)
    for key in NIC_SOURCE.values():
        if r.has(key) and key != source_key:
            fail(r.where(key), "does not apply to type %s" % kind)
    got = read_set(r, NIC_FIELDS)
    nic = Nic(type=kind, mac="")
    if r.has("source"):
        if not source_key or r.has(source_key):
            fail(r.where("source"), "is ambiguous here", "use %s" % (source_key or "no source"))
        nic.source = r.get("source", NIC_FIELDS[source_key])
    elif source_key:
        if not r.has(source_key):
            fail(r.where(source_key), "is required for type %s" % kind)
        nic.source = got[source_key]
    if kind == "network" and nic.source not in ctx.networks:
        fail(
            r.where("source" if r.has("source") else "network"),
            "network %r is not defined on this host" % nic.source,
            "declare it in the networks or pick one of: %s" % ", ".join(sorted(ctx.networks)),
        )
    nic.portgroup = got.get("portgroup")
    if nic.portgroup and kind != "network":
        fail(r.where("portgroup"), "only applies to type network")
    nic.ovs = got.get("ovs", False)
    if nic.ovs and kind != "bridge":
        fail(r.where("ovs"), "only applies to type bridge")
    nic.vlan = got.get("vlan")
    nic.trunk = got.get("trunk", [])
    if (nic.vlan or nic.trunk) and not (nic.ovs or kind in ("network", "hostdev")):
        fail(
            r.where("vlan" if nic.vlan else "trunk"),
            "VLANs need an Open vSwitch bridge (ovs: true), a network or hostdev",
            "a Linux bridge carries VLANs through separate bridges",
        )
    nic.mode = got.get("mode", "bridge" if kind == "direct" else None)
    if nic.mode and kind != "direct":
        fail(r.where("mode"), "only applies to type direct")
    nic.target_dev = got.get("target_dev")
    if nic.target_dev and kind != "ethernet":
        fail(r.where("target_dev"), "only applies to type ethernet")
    nic.model = got.get("model", None if kind == "hostdev" else "virtio")
    if nic.model and kind == "hostdev":
        fail(r.where("model"), "does not apply to type hostdev (the device is the host's)")
    nic.mtu = got.get("mtu")
    nic.bandwidth = r.one("bandwidth", _bandwidth, {})
    nic.mac = got.get("mac") or derive_mac(vm.host or ctx.host, vm.name, index)
    return nic


def _bandwidth(raw, path):
    r = checks.Fields(raw, path, ("inbound", "outbound"))
    return {direction: r.one(direction, _rate) for direction in ("inbound", "outbound") if r.has(direction)}


def _rate(raw, path):
    r = checks.Fields(raw, path, BANDWIDTH_KEYS)
    if not r.has("average"):
        fail(r.where("average"), "is required", "in KiB/s")
    return {key: r.get(key, checks.integer(1, UINT32)) for key in BANDWIDTH_KEYS if r.has(key)}
