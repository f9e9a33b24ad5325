# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a VM's pool disk is named in its domain XML, and how a definition's disks are matched to pool volumes.

A local volume is written by its path (<disk type='file'> or <disk type='block'>), not as <disk type='volume'>:
libvirt's AppArmor helper (virt-aa-helper) writes each guest's own profile from the paths it finds in the
domain XML, following backing chains, and cannot resolve a pool volume, so QEMU was refused such a disk. A
network volume (rbd, gluster, iscsi-direct) has no local path and stays a volume that libvirt resolves.
The model still compares disks by pool and volume: identify() gives each disk read back both names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

# A volume's type (the volume XML's type attribute) -> the domain XML's disk type that names it by its path.
LOCAL = {"file": "file", "block": "block"}


def local_source(vol_xml):
    """(disk type, path) of a volume from its XML, or (None, None) for one with no local path."""
    root = ET.fromstring(vol_xml)
    path = root.findtext("target/path")
    kind = LOCAL.get(root.get("type", "file"))
    return (kind, path) if kind and path else (None, None)


def locate(disk, vol_xml):
    """Give a pool disk its volume's path and the disk type that names it (volume when it has no local path)."""
    kind, path = local_source(vol_xml)
    disk.source_type = kind or "volume"
    if path:
        disk.path = path


def identify(disks, path_of, volume_at):
    """Complete the disks of a definition read back: a volume disk gets its path, a path its pool and volume
    when it is a volume of a running pool. path_of(pool, volume) and volume_at(path) -> (pool, volume) answer
    None for what the host lacks; a disk left unnamed compares as different, which it is."""
    for disk in disks:
        if disk.pool and disk.volume and not disk.path:
            disk.path = path_of(disk.pool, disk.volume)
        elif disk.path and not disk.pool:
            disk.pool, disk.volume = volume_at(disk.path) or (None, None)
    return disks
