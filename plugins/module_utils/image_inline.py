# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM disks that give their image by URL (`{type: image, url: ..., checksum: ...}`), read beside the listed images.

Such a disk declares an image of its own: named by its `image` key or after the URL's file name, cached in the
default pool, under the same checksum rules. One URL is one image however many disks name it, listed or
inline, so it is downloaded once per host; one name for two URLs is refused naming both places."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.image_formats import compression_by_name, url_file_name
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import FIELDS, parse_image, url

# The image keys a disk may carry; its pool is the disk's own, so an inline image is cached in the default pool.
INLINE_KEYS = ("url", "checksum", "checksum_url", "compression", "validate_certs")
DISK_SUFFIXES = (".qcow2", ".img", ".raw")
NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_.+-]+")


def implied_name(image_url):
    """debian-12-genericcloud-amd64 for .../debian-12-genericcloud-amd64.qcow2(.xz): the file name, bare."""
    base = url_file_name(image_url)
    if compression_by_name(image_url):
        base = os.path.splitext(base)[0]
    root, ext = os.path.splitext(base)
    if ext.lower() in DISK_SUFFIXES:
        base = root
    return NOT_IN_NAME.sub("-", base).lstrip(".+-") or "image"


def inline_disks(vms, where):
    """(input path, mapping, the VM's host) of each disk with a url; any other shape is the VMs' to refuse."""
    for i, vm in enumerate(vms if isinstance(vms, list) else []):
        disks = vm.get("disks") if isinstance(vm, dict) else None
        for j, disk in enumerate(disks if isinstance(disks, list) else []):
            if isinstance(disk, dict) and "url" in disk:
                yield at(at(at(where, i), "disks"), j), disk, vm.get("host")


def with_inline(listed, vms, where, host=None):
    """(every image, the images this host caches): the listed ones and those VM disks give by URL. A listed image
    goes to every host; an inline one only to the hosts of the VMs that use it."""
    every, here = list(listed), list(listed)
    by_url = {spec.url: spec for spec in listed}
    by_name = {spec.name: spec for spec in listed}
    for path, disk, vm_host in inline_disks(vms, where):
        spec = _inline(disk, path, by_url, by_name)
        if spec.url not in by_url:
            by_url[spec.url] = by_name[spec.name] = spec
            every.append(spec)
        elsewhere = isinstance(vm_host, str) and host and vm_host != host
        if not elsewhere and all(spec is not other for other in here):
            here.append(spec)
    return every, here


def _inline(disk, path, by_url, by_name):
    image_url = url(disk["url"], at(path, "url"))
    named = "image" in disk
    name = FIELDS["name"](disk["image"], at(path, "image")) if named else implied_name(image_url)
    raw = dict((key, disk[key]) for key in INLINE_KEYS if key in disk)
    same = by_url.get(image_url)
    if same is None:
        clash = by_name.get(name)
        if clash is not None:
            fail(
                at(path, "image" if named else "url"),
                "image %r is also used for %s at %s" % (name, clash.url, clash.path),
                "give each image its own name" if named else "name this one with image: NAME",
            )
        spec = parse_image(dict(raw, name=name), path)
        spec.inline = True
        return spec
    if named and name != same.name:
        fail(
            at(path, "image"),
            "%s is image %r at %s, not %r" % (image_url, same.name, same.path, name),
            "one URL is one image: use its name, or leave image out",
        )
    if "checksum" in raw or "checksum_url" in raw:
        given = parse_image(dict(raw, name=same.name), path)
        if (given.digest, given.checksum_url) != (same.digest, same.checksum_url):
            fail(
                at(path, "checksum" if "checksum" in raw else "checksum_url"),
                "differs from the checksum of the same URL at %s" % same.path,
                "one URL is one image: give it one checksum, or leave it out here",
            )
    return same


def catalog(specs):
    """name -> (pool, volume) and URL -> (pool, volume) of every image, for the VMs' disks; the volume is None
    for an image whose checksum file this host did not read (only other hosts' VMs use it)."""
    found = {}
    for spec in specs:
        found[spec.name] = found[spec.url] = (spec.pool, spec.volume if spec.digest else None)
    return found
