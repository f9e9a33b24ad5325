# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pool, volume and secret XML: built from the model with ElementTree, parsed back from libvirt."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    Adapter, Auth, Host, Permissions, Pool, Source, Volume, normalise)
from ansible_collections.essentials.kvm.plugins.module_utils.units import parse_size

FS_NS = "http://libvirt.org/schemas/storagepool/fs/1.0"
RBD_NS = "http://libvirt.org/schemas/storagepool/rbd/1.0"
ET.register_namespace("fs", FS_NS)
ET.register_namespace("rbd", RBD_NS)


def _yes_no(value):
    return "yes" if value else "no"


def _sub(owner, tag, text=None, **attrs):
    node = ET.SubElement(owner, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = str(text)
    return node


def _text_of(xml):
    root = ET.fromstring(xml) if isinstance(xml, str) else xml
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def _permissions_node(parent, perms):
    if perms == Permissions():
        return
    node = _sub(parent, "permissions")
    for key in ("mode", "owner", "group", "label"):
        if getattr(perms, key) is not None:
            _sub(node, key, getattr(perms, key))


def _adapter_node(parent, adapter):
    if adapter.type == "fc_host":
        _sub(parent, "adapter", type="fc_host", parent=adapter.parent,
             managed=None if adapter.managed is None else _yes_no(adapter.managed),
             parent_wwnn=adapter.parent_wwnn, parent_wwpn=adapter.parent_wwpn,
             parent_fabric_wwn=adapter.parent_fabric_wwn, wwnn=adapter.wwnn, wwpn=adapter.wwpn)
        return
    node = _sub(parent, "adapter", type="scsi_host", name=adapter.name)
    if adapter.parent_address:
        domain, bus, rest = adapter.parent_address.split(":")
        slot, function = rest.split(".")
        addr = _sub(node, "parentaddr", unique_id=adapter.unique_id)
        _sub(addr, "address", domain="0x" + domain, bus="0x" + bus, slot="0x" + slot, function="0x" + function)


def _source_node(root, pool):
    src = pool.source
    node = _sub(root, "source")
    for host in src.hosts:
        _sub(node, "host", name=host.name, port=host.port)
    for device in src.devices:
        _sub(node, "device", path=device,
             part_separator=None if src.part_separator is None else _yes_no(src.part_separator))
    if src.dir:
        _sub(node, "dir", path=src.dir)
    if src.adapter:
        _adapter_node(node, src.adapter)
    if src.name:
        _sub(node, "name", src.name)
    if src.format:
        _sub(node, "format", type=src.format)
    if src.protocol_version:
        _sub(node, "protocol", ver=src.protocol_version)
    if src.initiator:
        _sub(_sub(node, "initiator"), "iqn", name=src.initiator)
    if src.auth:
        auth = _sub(node, "auth", type=src.auth.type, username=src.auth.username)
        _sub(auth, "secret", uuid=src.auth.secret_uuid, usage=src.auth.secret_usage)
    if src.vendor:
        _sub(node, "vendor", name=src.vendor)
    if src.product:
        _sub(node, "product", name=src.product)


def build_pool_element(pool, uuid=None):
    root = ET.Element("pool", type=pool.type)
    _sub(root, "name", pool.name)
    if uuid:
        _sub(root, "uuid", uuid)
    if pool.cow is not None:
        _sub(_sub(root, "features"), "cow", state=_yes_no(pool.cow))
    if pool.source != Source():
        _source_node(root, pool)
    if pool.target_path or pool.permissions != Permissions():
        target = _sub(root, "target")
        if pool.target_path:
            _sub(target, "path", pool.target_path)
        _permissions_node(target, pool.permissions)
    if pool.refresh_allocation:
        _sub(_sub(root, "refresh"), "volume", allocation=pool.refresh_allocation)
    if pool.mount_opts:
        opts = _sub(root, "{%s}mount_opts" % FS_NS)
        for option in pool.mount_opts:
            _sub(opts, "{%s}option" % FS_NS, name=option)
    if pool.config_opts:
        opts = _sub(root, "{%s}config_opts" % RBD_NS)
        for key in sorted(pool.config_opts):
            _sub(opts, "{%s}option" % RBD_NS, name=key, value=pool.config_opts[key])
    return root


def build_pool_xml(pool, uuid=None):
    """Pool XML text for storagePoolDefineXML (uuid keeps libvirt's identity when redefining)."""
    return _text_of(build_pool_element(pool, uuid))


def build_volume_xml(volume):
    """Volume XML text for storageVolCreateXML."""
    root = ET.Element("volume")
    _sub(root, "name", volume.name)
    _sub(root, "capacity", volume.capacity, unit="bytes")
    if volume.allocation is not None:
        _sub(root, "allocation", volume.allocation, unit="bytes")
    target = _sub(root, "target")
    if volume.format:
        _sub(target, "format", type=volume.format)
    _permissions_node(target, volume.permissions)
    if volume.backing:
        backing = _sub(root, "backingStore")
        _sub(backing, "path", volume.backing)
        _sub(backing, "format", type=volume.backing_format)
    return _text_of(root)


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

def _attr_bool(value):
    return None if value is None else value == "yes"


def _int_or_none(value):
    return None if value is None else int(value, 0)


def _parse_permissions(node):
    if node is None:
        return Permissions()
    values = {key: node.findtext(key) for key in ("mode", "owner", "group", "label")}
    return Permissions(mode=None if values["mode"] is None else "%04o" % int(values["mode"], 8),
                       owner=_int_or_none(values["owner"]), group=_int_or_none(values["group"]),
                       label=values["label"])


def _parse_adapter(node):
    kind = node.get("type", "scsi_host")
    if kind == "fc_host":
        return Adapter(type=kind, parent=node.get("parent"), managed=_attr_bool(node.get("managed")),
                       parent_wwnn=node.get("parent_wwnn"), parent_wwpn=node.get("parent_wwpn"),
                       parent_fabric_wwn=node.get("parent_fabric_wwn"), wwnn=node.get("wwnn"),
                       wwpn=node.get("wwpn"))
    adapter = Adapter(type=kind, name=node.get("name"))
    parent = node.find("parentaddr")
    if parent is not None:
        addr = parent.find("address")
        adapter.parent_address = "%04x:%02x:%02x.%x" % tuple(
            int(addr.get(key), 16) for key in ("domain", "bus", "slot", "function"))
        adapter.unique_id = _int_or_none(parent.get("unique_id"))
    return adapter


def _parse_source(node):
    src = Source()
    if node is None:
        return src
    src.hosts = [Host(name=h.get("name"), port=_int_or_none(h.get("port"))) for h in node.findall("host")]
    for device in node.findall("device"):
        src.devices.append(device.get("path"))
        src.part_separator = _attr_bool(device.get("part_separator"))
    if node.find("dir") is not None:
        src.dir = node.find("dir").get("path")
    if node.find("adapter") is not None:
        src.adapter = _parse_adapter(node.find("adapter"))
    src.name = node.findtext("name")
    if node.find("format") is not None:
        src.format = node.find("format").get("type")
    if node.find("protocol") is not None:
        src.protocol_version = node.find("protocol").get("ver")
    iqn = node.find("initiator/iqn")
    src.initiator = None if iqn is None else iqn.get("name")
    auth = node.find("auth")
    if auth is not None:
        secret = auth.find("secret")
        src.auth = Auth(type=auth.get("type"), username=auth.get("username"),
                        secret_usage=secret.get("usage"), secret_uuid=secret.get("uuid"))
    for key in ("vendor", "product"):
        if node.find(key) is not None:
            setattr(src, key, node.find(key).get("name"))
    return src


def parse_pool_xml(xml):
    """Model of a pool from libvirt's pool-dumpxml; uuid, sizes and other runtime data are left out."""
    root = ET.fromstring(xml)
    cow = root.find("features/cow")
    refresh = root.find("refresh/volume")
    pool = Pool(
        name=root.findtext("name"),
        type=root.get("type"),
        source=_parse_source(root.find("source")),
        target_path=root.findtext("target/path"),
        permissions=_parse_permissions(root.find("target/permissions")),
        cow=None if cow is None else _attr_bool(cow.get("state")),
        mount_opts=[o.get("name") for o in root.findall("{%s}mount_opts/{%s}option" % (FS_NS, FS_NS))],
        config_opts={o.get("name"): o.get("value")
                     for o in root.findall("{%s}config_opts/{%s}option" % (RBD_NS, RBD_NS))},
        refresh_allocation=None if refresh is None else refresh.get("allocation"),
    )
    return normalise(pool)


def _size_of(node):
    if node is None:
        return None
    return parse_size("%s%s" % (node.text.strip(), node.get("unit", "")))


def parse_volume_xml(xml):
    """(Volume, path) from libvirt's vol-dumpxml."""
    root = ET.fromstring(xml)
    fmt = root.find("target/format")
    backing_format = root.find("backingStore/format")
    volume = Volume(
        name=root.findtext("name"),
        capacity=_size_of(root.find("capacity")),
        allocation=_size_of(root.find("allocation")),
        format=None if fmt is None else fmt.get("type"),
        backing=root.findtext("backingStore/path"),
        backing_format=None if backing_format is None else backing_format.get("type"),
        permissions=_parse_permissions(root.find("target/permissions")),
    )
    return volume, root.findtext("target/path")
