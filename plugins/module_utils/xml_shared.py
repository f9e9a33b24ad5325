# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The elements a guest's <interface> and a <network> (and its portgroups) share: <vlan>, <bandwidth> and
<virtualport>, written and read in this one place."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET
from types import SimpleNamespace

from ansible_collections.essentials.kvm.plugins.module_utils.network_model import VirtualPortParameters, Vlan
from ansible_collections.essentials.kvm.plugins.module_utils.xml_props import INT, Prop, element, read

DIRECTIONS = ("inbound", "outbound")
RATE_KEYS = ("average", "peak", "burst")

_TAG = (Prop("id", "@id", INT), Prop("native_mode", "@nativeMode"))

# <virtualport><parameters .../>: the 802.1Qbg ids are numbers, the others text (uuids, profile names).
VIRTUALPORT_PARAMETERS = (
    Prop("profileid", "@profileid"),
    Prop("interfaceid", "@interfaceid"),
    Prop("managerid", "@managerid", INT),
    Prop("typeid", "@typeid", INT),
    Prop("typeidversion", "@typeidversion", INT),
    Prop("instanceid", "@instanceid"),
)


def build_vlan(parent, vlan):
    """<vlan> from a Vlan (tags in order; the native one, if any, carries nativeMode); None writes nothing."""
    if vlan is None:
        return
    node = ET.SubElement(parent, "vlan", {"trunk": "yes"} if vlan.trunk else {})
    for tag in vlan.tags:
        native_mode = vlan.native_mode if tag == vlan.native_tag else None
        element("tag", SimpleNamespace(id=tag, native_mode=native_mode), _TAG, node)


def parse_vlan(node):
    if node is None:
        return None
    tags = [read(tag, _TAG) for tag in node.findall("tag")]
    native = [tag for tag in tags if tag["native_mode"]]
    return Vlan(
        tags=[tag["id"] for tag in tags],
        trunk=node.get("trunk") == "yes",
        native_tag=native[0]["id"] if native else None,
        native_mode=native[0]["native_mode"] if native else None,
    )


def build_bandwidth(parent, rates):
    """<bandwidth> from {direction: {average/peak/burst: value}}, attributes in the mapping's order;
    None writes nothing, {} an empty <bandwidth/>."""
    if rates is None:
        return
    node = ET.SubElement(parent, "bandwidth")
    for direction in DIRECTIONS:
        if direction in rates:
            ET.SubElement(
                node, direction, {key: str(value) for key, value in rates[direction].items() if value is not None}
            )


def parse_bandwidth(node):
    """{direction: {key: int}} of a <bandwidth>, the keys libvirt gives; None when there is none."""
    if node is None:
        return None
    return {
        child.tag: {key: INT.decode(child.get(key)) for key in RATE_KEYS if child.get(key) is not None}
        for child in node
        if child.tag in DIRECTIONS
    }


def build_virtualport(parent, vtype, parameters=None):
    """<virtualport type=...> with <parameters> (VirtualPortParameters) when given; nothing when neither."""
    if vtype or parameters:
        node = ET.SubElement(parent, "virtualport", {"type": vtype} if vtype else {})
        if parameters:
            element("parameters", parameters, VIRTUALPORT_PARAMETERS, node)


def parse_virtualport(node):
    """(type, VirtualPortParameters or None) of a <virtualport>; (None, None) when there is none."""
    if node is None:
        return None, None
    params = node.find("parameters")
    return node.get("type"), (None if params is None else VirtualPortParameters(**read(params, VIRTUALPORT_PARAMETERS)))
