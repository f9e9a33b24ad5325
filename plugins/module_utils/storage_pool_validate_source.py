# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The source section of a pool entry: hosts, devices, directory, name, adapter and auth, each allowed or
required by the pool type's rule (storage_pool_model.TYPES)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_checks import (
    adapter_name,
    ceph_key,
    initiator_iqn,
    nfs_version,
    port,
    secret,
    secret_usage,
    source_name,
    target_iqn,
    wwn,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    OWN_SECRET_USAGE,
    Adapter,
    Auth,
    Host,
    Source,
    article,
)

ADAPTER = {
    "type": checks.choice("scsi_host", "fc_host"),
    "name": adapter_name,
    "parent": adapter_name,
    "parent_wwnn": wwn,
    "parent_wwpn": wwn,
    "parent_fabric_wwn": wwn,
    "managed": checks.boolean,
    "wwnn": wwn,
    "wwpn": wwn,
    "parent_address": checks.pci_address,
    "unique_id": checks.integer(1, 2**31 - 1),
}


def _adapter(value, path):
    fields = checks.Fields(value, path, tuple(ADAPTER))
    adapter = Adapter(**read_set(fields, ADAPTER))
    fc_only = ("parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "wwnn", "wwpn", "managed")
    scsi_only = ("name", "parent_address", "unique_id")
    for key in scsi_only if adapter.type == "fc_host" else fc_only + ("parent",):
        if fields.has(key):
            fail(fields.where(key), "does not apply to %s adapter" % article(adapter.type))
    if adapter.type == "fc_host":
        for key in ("wwnn", "wwpn"):
            if not fields.has(key):
                fail(at(path, key), "is required for an fc_host adapter", "give the vHBA's WWN")
    elif fields.has("name") == fields.has("parent_address"):
        fail(at(path, "name"), "a scsi_host adapter needs exactly one of name or parent_address", "e.g. name: host0")
    elif fields.has("unique_id") and not fields.has("parent_address"):
        fail(fields.where("unique_id"), "only goes with parent_address")
    return adapter


AUTH = {
    "type": None,
    "username": checks.plain_text,
    "secret_usage": secret_usage,
    "secret_uuid": checks.uuid,
    "secret": None,
}
HOST = {"name": checks.host, "port": port}
# host and device are the one-item spellings of hosts and devices (a name, a path), as the older roles wrote them.
SOURCE_ALIASES = {"host": "hosts", "device": "devices"}
SOURCE = {
    "hosts": None,
    "port": None,
    "devices": None,
    "part_separator": checks.boolean,
    "dir": None,
    "name": source_name,
    "format": None,
    "adapter": _adapter,
    "initiator": initiator_iqn,
    "auth": None,
    "protocol_version": nfs_version,
    "vendor": checks.plain_text,
    "product": checks.plain_text,
}

_REQUIRED_HINTS = {
    "hosts": "give the server as host: NAME (and port: N if not the default)",
    "devices": "give the block device or target, e.g. device: /dev/sdb",
    "dir": "give the exported directory, e.g. dir: /export/vms",
    "name": "give the source name (volume group, ceph pool, gluster volume, zpool or cluster)",
    "initiator": "give this host's initiator IQN",
    "adapter": "give the SCSI host adapter, e.g. adapter: {name: host0}",
}


def _auth(value, path, pool_name, rule):
    """The Auth of the pool definition, and the key itself kept apart (it goes to a libvirt secret)."""
    fields = checks.Fields(value, path, tuple(AUTH))
    kind = fields.get("type", checks.choice(rule.auth), default=rule.auth)
    given = read_set(fields, AUTH)
    if "username" not in given:
        fail(at(path, "username"), "is required for %s auth" % kind)
    if "secret_usage" in given and "secret_uuid" in given:
        fail(fields.where("secret_usage"), "give either secret_usage or secret_uuid, not both")
    key = fields.get("secret", ceph_key if kind == "ceph" else secret)
    if key is None and "secret_usage" not in given and "secret_uuid" not in given:
        fail(
            path,
            "needs secret (the key itself), secret_usage or secret_uuid",
            "secret_usage/secret_uuid refer to a libvirt secret that already exists",
        )
    if key is not None and "secret_usage" not in given and "secret_uuid" not in given:
        given["secret_usage"] = OWN_SECRET_USAGE % pool_name
    return Auth(type=kind, **given), key


def _host_item(item, path):
    if isinstance(item, str):
        return Host(name=checks.host(item, path))
    fields = checks.Fields(item, path, tuple(HOST))
    if not fields.has("name"):
        fail(at(path, "name"), "is required")
    return Host(**read_set(fields, HOST))


def _hosts(fields, rule, kind):
    """source.hosts, a list of {name, port}, or its one-item form host (and port)."""
    where = fields.where("hosts")
    if fields.written.get("hosts") == "host":
        return [Host(name=checks.host(fields.raw("hosts"), where), port=fields.get("port", port))]
    if fields.has("port"):
        fail(fields.where("port"), "only goes with host; give each item of hosts its port")
    items = checks.listing(fields.raw("hosts"), where)
    if not items:
        fail(where, "must be a non-empty list of {name, port}")
    if len(items) > rule.max_hosts:
        fail(where, "%s pool takes at most %d host(s) (got %d)" % (article(kind), rule.max_hosts, len(items)))
    return [_host_item(item, at(where, index)) for index, item in enumerate(items)]


def _devices(fields, rule, kind):
    """source.devices, a list of paths (or IQNs for iSCSI), or its one-item form device."""
    where = fields.where("devices")
    check = target_iqn if rule.device_kind == "iqn" else checks.abs_path
    if fields.written.get("devices") == "device":
        return [check(fields.raw("devices"), where)]
    items = checks.listing(fields.raw("devices"), where)
    if not items:
        fail(where, "must be a non-empty list of device paths")
    if len(items) > rule.max_devices:
        fail(
            where,
            "%s pool takes one device; use device: /dev/..." % article(kind)
            if rule.max_devices == 1
            else "%s pool takes at most %d devices" % (article(kind), rule.max_devices),
        )
    devices = [check(item, at(where, index)) for index, item in enumerate(items)]
    if len(set(devices)) != len(devices):
        fail(where, "lists a device twice")
    return devices


def read_source(value, path, pool, rule):
    """The pool's Source and the auth key given with it (None if none)."""
    fields = checks.Fields(value, path, tuple(SOURCE), SOURCE_ALIASES)
    kind = pool.type
    if fields.has("port") and not fields.has("hosts"):
        fail(at(path, "host"), "is required when port is given")
    for key in sorted(fields.data):
        if key != "port" and key not in rule.source:
            fail(
                fields.where(key),
                "does not apply to %s pool" % article(kind),
                "%s pool takes: %s" % (article(kind), ", ".join(rule.source) or "no source options"),
            )
    for key in rule.required:
        if not fields.has(key):
            # Ask for the simplest form: host rather than hosts, device rather than devices.
            name = {"hosts": "host", "devices": "device"}.get(key, key)
            fail(at(path, name), "is required for %s pool" % article(kind), _REQUIRED_HINTS.get(key))
    src = Source(**read_set(fields, SOURCE))
    if fields.has("hosts"):
        src.hosts = _hosts(fields, rule, kind)
    if fields.has("devices"):
        src.devices = _devices(fields, rule, kind)
    if fields.has("part_separator") and not src.devices:
        # libvirt writes it on each <device>: without one it is dropped, and the pool would differ on every run.
        fail(fields.where("part_separator"), "only goes with device", "give the pool's device, or remove it")
    src.format = fields.get("format", checks.choice(*rule.formats))
    if fields.has("dir"):
        relative_ok = kind == "netfs" and src.format in ("cifs", "glusterfs")
        src.dir = fields.get("dir", checks.plain_text if relative_ok else checks.abs_path)
    if src.name and kind in ("logical", "vstorage", "sheepdog") and "/" in src.name:
        fail(fields.where("name"), "must not contain a slash for %s pool" % article(kind))
    if src.protocol_version and src.format not in (None, "auto", "nfs"):
        fail(fields.where("protocol_version"), "only applies to NFS (format nfs or auto)")
    key = None
    if fields.has("auth"):
        src.auth, key = _auth(fields.raw("auth"), fields.where("auth"), pool.name, rule)
    return src, key
