# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VM's disks input -> Disk objects (domain_validate reads the rest of the VM).

Beyond single values this refuses what libvirt would refuse or silently ignore: options the disk type does
not use, pools the host lacks, targets that do not fit their bus or are taken twice, and one volume created
by two disks of the input.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail, read_set
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import (
    CACHES,
    CLONES,
    DISCARDS,
    DISK_BUSES,
    DISK_FORMATS,
    DISK_TYPES,
    IOS,
    Disk,
    next_target,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.image_inline import INLINE_KEYS
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import FIELDS as IMAGE_FIELDS

TARGET_RE = re.compile(r"^(vd|sd)[a-z]{1,2}$")
# The older ansible-kvm role's names, as aliases of ours.
DISK_ALIASES = {"disk_driver": "bus", "name": "volume"}


def volume_name(value, path):
    checked = checks.text(what="a volume name")(value, path)
    if "/" in checked:
        fail(path, "must be a volume name, not a path (got %r)" % checked, "give the pool and the volume's name")
    return checked


def size_above_zero(value, path):
    size = checks.size(value, path)
    if size <= 0:
        fail(path, "must be more than zero (got %s)" % checks.describe(value))
    return size


pool_name = checks.text(what="a storage pool name")

DISK_FIELDS = {
    "type": checks.choice(*DISK_TYPES),
    "pool": pool_name,
    "volume": volume_name,
    "path": checks.abs_path,
    "size": size_above_zero,
    "format": checks.choice(*DISK_FORMATS),
    "base": volume_name,
    "base_pool": pool_name,
    "target": checks.text(what="a target device such as vdb"),
    "bus": checks.choice(*DISK_BUSES),
    "cache": checks.choice(*CACHES),
    "io": checks.choice(*IOS),
    "discard": checks.choice(*DISCARDS),
    "image": checks.text(what="an image name"),
    "clone": checks.choice(*CLONES),
    # An image given by URL on the disk itself (image_inline reads these beside the listed images).
    **dict((key, IMAGE_FIELDS[key]) for key in INLINE_KEYS),
}


def known_pool(pool, path, ctx, hint=None):
    if pool not in ctx.pools:
        fail(path, "storage pool %r is not defined on this host" % pool, hint)


def check_shared_volumes(items, vms, path, ctx):
    """No two disks of the VMs this host converges create the same volume."""
    created = {}
    for i, vm in enumerate(vms):
        if vm.host and ctx.host and vm.host != ctx.host:
            continue
        for j, disk in enumerate(vm.disks):
            if disk.kind in ("new", "copy", "overlay"):
                key = (disk.pool, disk.volume)
                where = at(at(at(path, i), "disks"), j)
                if key in created:
                    # Re-read the item only to name its volume as written (volume, or the older role's name).
                    written = checks.Fields(items[i]["disks"][j], where, DISK_FIELDS, DISK_ALIASES).where("volume")
                    fail(
                        written,
                        "volume %r in pool %r is also created by %s" % (disk.volume, disk.pool, created[key]),
                        "give each disk its own volume name",
                    )
                created[key] = where


def read_disks(vm, r, pool, cdrom, ctx):
    """The VM's disks and its CD-ROM (cdrom: the host path of its image), each with a target device."""
    path = r.where("disks")
    disks = [_disk(vm, item, i, pool, at(path, i), ctx) for i, item in enumerate(checks.listing(r.raw("disks"), path))]
    if cdrom:
        disks.append(
            Disk(target=None, kind="cdrom", device="cdrom", bus="sata", path=cdrom, format="raw", readonly=True)
        )
    taken = {}
    for i, disk in enumerate(disks):
        if disk.target:
            if disk.target in taken:
                fail(
                    at(at(path, i), "target"),
                    "duplicate target device %s (also %s)" % (disk.target, at(path, taken[disk.target])),
                )
            taken[disk.target] = i
    for disk in disks:
        if not disk.target:
            disk.target = next_target(disk.bus, taken)
            taken[disk.target] = len(taken)
    return disks


def _disk(vm, raw, index, pool, path, ctx):
    r = checks.Fields(raw, path, DISK_FIELDS, DISK_ALIASES)
    got = read_set(r, DISK_FIELDS)
    kind = got.get("type") or _implied_type(got)
    device = "cdrom" if kind == "cdrom" else "disk"
    disk = Disk(
        target=got.get("target"),
        kind=kind,
        device=device,
        readonly=device == "cdrom",
        bus=got.get("bus", "sata" if kind == "cdrom" else "virtio"),
        cache=_cache(got.get("cache")),
        io=got.get("io"),
        discard=got.get("discard"),
        format=got.get("format"),
        path=got.get("path"),
    )
    if disk.target and (
        not TARGET_RE.match(disk.target) or disk.target[:2] != ("vd" if disk.bus == "virtio" else "sd")
    ):
        fail(
            r.where("target"),
            "%r does not fit bus %s" % (disk.target, disk.bus),
            "use vdX for virtio, sdX for scsi and sata",
        )
    if kind in ("file", "cdrom") and disk.path:
        if r.has("pool") or r.has("volume"):
            fail(r.where("path"), "conflicts with pool/volume", "give a host path or a pool volume")
        disk.format = disk.format or "raw"
        return disk
    if kind == "file":
        fail(r.where("path"), "is required for type file")
    if disk.path:
        fail(r.where("path"), "only applies to type file or cdrom", "use pool and volume")
    disk.pool = got.get("pool", pool)
    known_pool(
        disk.pool,
        r.where("pool"),
        ctx,
        "declare it in the storage pools or pick one of: %s" % ", ".join(sorted(ctx.pools)),
    )
    if kind == "image":
        kind = disk.kind = _from_image(disk, r, got, ctx)
    else:
        for key in ("image", "clone") + INLINE_KEYS:
            if key in got:
                fail(r.where(key), "only applies to type image")
    if kind in ("new", "copy", "overlay"):
        disk.format = disk.format or "qcow2"
    disk.volume = got.get("volume")
    if not disk.volume:
        if kind in ("volume", "cdrom"):
            fail(r.where("volume"), "is required for type %s" % kind)
        disk.volume = "%s-disk%d.%s" % (vm.name, index, disk.format)
    if "size" in got:
        if kind not in ("new", "copy", "overlay"):
            fail(r.where("size"), "only applies to type new, copy or overlay")
        disk.size = got["size"]
    elif kind == "new":
        fail(r.where("size"), "is required for type new", "e.g. size: 20G")
    disk.base = got.get("base")
    if kind in ("copy", "overlay"):
        # An image's volume is unknown where its checksum file was not read: only other hosts' VMs use it there.
        if not disk.base and not disk.image:
            fail(r.where("base"), "is required for type %s" % kind, "name the base image volume")
        disk.base_pool = got.get("base_pool", disk.pool)
        known_pool(disk.base_pool, r.where("base_pool"), ctx)
    elif disk.base or "base_pool" in got:
        fail(r.where("base" if disk.base else "base_pool"), "only applies to type copy or overlay")
    if kind == "overlay" and disk.format != "qcow2":
        fail(r.where("format"), "an overlay must be qcow2 (got %r)" % disk.format)
    return disk


def _implied_type(got):
    """An unset type: image with an image or a url, overlay with a base, new with a size, else volume."""
    if "image" in got or "url" in got:
        return "image"
    return "overlay" if "base" in got else "new" if "size" in got else "volume"


def _from_image(disk, r, got, ctx):
    """A disk from a cached base image: a linked clone is an overlay of the image's volume, a full one a copy."""
    if "url" in got:
        # Keyed by URL too: image_inline made it an image, listed or not, named or not.
        if got["url"] not in ctx.images:
            fail(
                r.where("url"),
                "an image by URL is downloaded by libvirt_resources (the kvm role), not by this module",
                "converge the VM with libvirt_resources, or list the image there and name it here",
            )
        disk.image = got.get("image", got["url"])
        key = got["url"]
    else:
        for name in INLINE_KEYS:
            if name in got:
                fail(r.where(name), "only applies with url", "give the image's url, or name a listed image")
        if "image" not in got:
            fail(r.where("image"), "is required for type image", "name one of the images (kvm_images), or give url")
        names = sorted(name for name in ctx.images if "://" not in name)
        if got["image"] not in names:
            fail(
                r.where("image"),
                "image %r is not declared" % got["image"],
                "list it in the images (kvm_images), or give its url here; declared: %s" % (", ".join(names) or "none"),
            )
        disk.image = key = got["image"]
    for name in ("base", "base_pool"):
        if name in got:
            fail(r.where(name), "does not apply to type image", "the image names its cached volume")
    got["base_pool"], got["base"] = ctx.images[key]
    return "copy" if got.get("clone") == "full" else "overlay"


def _cache(cache):
    """cache: default is the hypervisor's own choice, which libvirt writes as no cache attribute at all."""
    return None if cache == "default" else cache
