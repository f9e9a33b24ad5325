# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool, volume and secret XML: built from the model with ElementTree, parsed back from libvirt."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    Adapter,
    Auth,
    Host,
    Permissions,
    Pool,
    Source,
    Volume,
    normalise,
)
from ansible_collections.essentials.kvm.plugins.module_utils.xml_props import (
    BYTES,
    INT,
    OCTAL,
    YESNO,
    Const,
    Each,
    Hand,
    One,
    Pci,
    Prop,
    definition,
    read,
    write,
)

FS_NS = "http://libvirt.org/schemas/storagepool/fs/1.0"
RBD_NS = "http://libvirt.org/schemas/storagepool/rbd/1.0"
ET.register_namespace("fs", FS_NS)
ET.register_namespace("rbd", RBD_NS)


def _sub(owner, tag, text=None, **attrs):
    node = ET.SubElement(owner, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = str(text)
    return node


def _text_of(xml):
    root = ET.fromstring(xml) if isinstance(xml, str) else xml
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


PERMISSIONS = (
    Prop("mode", "mode", OCTAL),
    Prop("owner", "owner", INT),
    Prop("group", "group", INT),
    Prop("label", "label"),
)
ADAPTER = (
    Prop("type", "@type", default="scsi_host"),
    Prop("name", "@name"),
    Prop("parent", "@parent"),
    Prop("managed", "@managed", YESNO),
    Prop("parent_wwnn", "@parent_wwnn"),
    Prop("parent_wwpn", "@parent_wwpn"),
    Prop("parent_fabric_wwn", "@parent_fabric_wwn"),
    Prop("wwnn", "@wwnn"),
    Prop("wwpn", "@wwpn"),
    Prop("unique_id", "parentaddr/@unique_id", INT),
    Prop("parent_address", "parentaddr/address", Pci(typed=False)),
)
AUTH = (
    Prop("type", "@type"),
    Prop("username", "@username"),
    Prop("secret_uuid", "secret/@uuid"),
    Prop("secret_usage", "secret/@usage"),
)


def _build_devices(place, src):
    # part_separator belongs to the source but libvirt carries it on every <device>.
    for device in src.devices:
        part_separator = None if src.part_separator is None else YESNO.encode(src.part_separator)
        _sub(place(""), "device", path=device, part_separator=part_separator)


def _parse_devices(node):
    devices = node.findall("device")
    return {
        "devices": [device.get("path") for device in devices],
        "part_separator": YESNO.get(devices[-1], "part_separator") if devices else None,
    }


SOURCE = (
    Each("hosts", "host", cls=Host, rows=(Prop("name", "@name"), Prop("port", "@port", INT))),
    Hand(_build_devices, _parse_devices),
    Prop("dir", "dir/@path"),
    One("adapter", "adapter", Adapter, ADAPTER),
    Prop("name", "name"),
    Prop("format", "format/@type"),
    Prop("protocol_version", "protocol/@ver"),
    Prop("initiator", "initiator/iqn/@name"),
    One("auth", "auth", Auth, AUTH),
    Prop("vendor", "vendor/@name"),
    Prop("product", "product/@name"),
)


def _build_config_opts(place, pool):
    for key in sorted(pool.config_opts):
        _sub(place("{%s}config_opts" % RBD_NS), "{%s}option" % RBD_NS, name=key, value=pool.config_opts[key])


def _parse_config_opts(root):
    return {
        "config_opts": {
            o.get("name"): o.get("value") for o in root.findall("{%s}config_opts/{%s}option" % (RBD_NS, RBD_NS))
        }
    }


POOL = (
    Prop("type", "@type"),
    Prop("name", "name"),
    Prop("cow", "features/cow/@state", YESNO),
    One("source", "source", Source, SOURCE, empty=True),
    Prop("target_path", "target/path"),
    One("permissions", "target/permissions", Permissions, PERMISSIONS, empty=True),
    Prop("refresh_allocation", "refresh/volume/@allocation"),
    Each("mount_opts", "{%s}mount_opts/{%s}option/@name" % (FS_NS, FS_NS)),
    Hand(_build_config_opts, _parse_config_opts),
)


def build_pool_element(pool, uuid=None):
    return definition("pool", pool, POOL, uuid)


def build_pool_xml(pool, uuid=None):
    """Pool XML text for storagePoolDefineXML (uuid keeps libvirt's identity when redefining)."""
    return _text_of(build_pool_element(pool, uuid))


VOLUME = (
    Prop("name", "name"),
    Prop("capacity", "capacity", BYTES),
    Prop("allocation", "allocation", BYTES),
    Const("target"),
    Prop("format", "target/format/@type"),
    One("permissions", "target/permissions", Permissions, PERMISSIONS, empty=True),
    Prop("backing", "backingStore/path"),
    Prop("backing_format", "backingStore/format/@type"),
)


def build_volume_xml(volume):
    """Volume XML text for storageVolCreateXML."""
    return _text_of(write(ET.Element("volume"), volume, VOLUME))


def build_secret_xml(auth, pool_name):
    """Secret XML for a pool's CHAP password or ceph key; the value itself is set separately."""
    root = ET.Element("secret", ephemeral="no", private="no")
    if auth.secret_uuid:
        _sub(root, "uuid", auth.secret_uuid)
    _sub(root, "description", "%s key of storage pool %s" % (auth.type, pool_name))
    if auth.secret_usage:
        usage = _sub(root, "usage", type="ceph" if auth.type == "ceph" else "iscsi")
        _sub(usage, "name" if auth.type == "ceph" else "target", auth.secret_usage)
    return _text_of(root)


# --- parsing libvirt's output ----------------------------------------------------------------------------------


def parse_pool_xml(xml):
    """Model of a pool from libvirt's pool-dumpxml; uuid, sizes and other runtime data are left out."""
    return normalise(Pool(**read(ET.fromstring(xml), POOL)))


def parse_volume_xml(xml):
    """(Volume, path) from libvirt's vol-dumpxml."""
    root = ET.fromstring(xml)
    return Volume(**read(root, VOLUME)), root.findtext("target/path")
