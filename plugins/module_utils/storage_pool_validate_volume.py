# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volumes of a pool entry: name (a disk pool's partition names), size, format, backing volume, upload
and permissions, as the pool type's rule allows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_checks import (
    read_permissions,
    volume_name,
)
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import (
    BACKING_FORMATS,
    FILE_VOLUME_FORMATS,
    Permissions,
    Volume,
    article,
)


def partition_name(pool):
    """libvirt names a disk pool's volumes after the partitions it makes: sdb1, loop1p1, nvme0n1p2."""
    devices = pool.source.devices
    if pool.type != "disk" or len(devices) != 1 or os.path.dirname(devices[0]) != "/dev":
        return volume_name
    base = os.path.basename(devices[0])
    sep = "p" if base[-1].isdigit() else ""

    def check(value, path):
        name = volume_name(value, path)
        if not re.match(r"^%s%s[0-9]+$" % (re.escape(base), sep), name):
            fail(
                path,
                "a volume of disk pool %s must be named after its partition, such as %s%s1 (got %r)"
                % (pool.name, base, sep, name),
                "libvirt names partitions NAME%sN after the device" % sep,
            )
        return name

    return check


VOLUME = {
    "name": None,
    "state": checks.choice("present", "absent"),
    "capacity": checks.size,
    "allocation": checks.size,
    "format": None,
    "backing": None,
    "backing_format": checks.choice(*FILE_VOLUME_FORMATS),
    "permissions": read_permissions,
    "upload": checks.abs_path,
}
# libvirt makes a luks volume only with the libvirt secret of its passphrase (<encryption>), which no pool
# entry gives: the format is refused here rather than by libvirt half-way through a run.
ENCRYPTED_FORMATS = ("luks",)
_NO_VOLUMES_HINTS = {
    "gluster": "its volumes are the files already in the gluster volume; remove volumes, or create them through "
    "a netfs pool with format glusterfs",
}


def read_volume(value, path, pool, rule, names):
    fields = checks.Fields(value, path, tuple(VOLUME))
    vol = Volume(name=fields.get("name", partition_name(pool), required=True))
    if vol.name in names:
        fail(fields.where("name"), "volume %r is listed twice in this pool" % vol.name)
    names.add(vol.name)
    vol.state = fields.get("state", VOLUME["state"], default="present")
    if rule.volume_formats is None:
        fail(
            fields.where("name"),
            "%s pool cannot create volumes" % article(pool.type),
            _NO_VOLUMES_HINTS.get(
                pool.type, "its volumes are the LUNs or devices the storage already has; remove volumes"
            ),
        )
    if vol.state == "absent":
        return vol
    for key in ("format", "backing_format"):
        if fields.raw(key) in ENCRYPTED_FORMATS:
            fail(
                fields.where(key),
                "%s needs an encryption secret, which a pool entry cannot give" % fields.raw(key),
                "use qcow2 or raw, and encrypt inside the guest",
            )
    given = read_set(fields, VOLUME)
    if fields.has("format"):
        if not rule.volume_formats:
            fail(fields.where("format"), "%s pool's volumes have no format; remove it" % article(pool.type))
        vol.format = fields.get("format", checks.choice(*rule.volume_formats))
    vol.upload = given.get("upload")
    if vol.upload and not os.path.isfile(vol.upload):
        fail(fields.where("upload"), "no such image file on the host: %s" % vol.upload)
    image_size = os.path.getsize(vol.upload) if vol.upload else None
    vol.capacity = given.get("capacity", image_size)
    if vol.capacity is None:
        fail(fields.where("capacity"), "is required for a new volume", "e.g. capacity: 10G")
    if image_size is not None and vol.capacity < image_size:
        fail(fields.where("capacity"), "is smaller than the image in upload (%s bytes)" % image_size)
    if vol.capacity == 0 and not vol.upload:
        fail(fields.where("capacity"), "must be larger than 0")
    vol.allocation = given.get("allocation")
    if vol.allocation is not None and vol.allocation > vol.capacity:
        fail(fields.where("allocation"), "must not be larger than capacity")
    if fields.has("backing"):
        vol.backing, vol.backing_format = _backing(fields, pool, rule, vol)
    elif fields.has("backing_format"):
        fail(fields.where("backing_format"), "only goes with backing")
    vol.permissions = given.get("permissions", Permissions())
    return vol


def _backing(fields, pool, rule, vol):
    """The backing volume's path (a name means a volume of the same pool) and format."""
    where = fields.where("backing")
    if rule.volume_formats is not FILE_VOLUME_FORMATS or (vol.format or "raw") not in BACKING_FORMATS:
        fail(where, "needs a file-based pool and a format of %s" % ", ".join(BACKING_FORMATS))
    backing = fields.raw("backing")
    if isinstance(backing, str) and not backing.startswith("/"):
        volume_name(backing, where)
        if not pool.target_path:
            fail(where, "must be an absolute path for a pool without target path")
        backing = os.path.join(pool.target_path, backing)
    return checks.abs_path(backing, where), fields.get("backing_format", VOLUME["backing_format"], default="qcow2")
