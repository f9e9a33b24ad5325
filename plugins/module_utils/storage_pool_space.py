# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a pool has room for the volumes a run creates in it, decided while planning: a full pool fails the run
before the first volume is made, instead of leaving a half-written one behind.

What a new volume takes at once (libvirt fills an omitted allocation with the capacity):
  - raw files (dir, fs, netfs; no format means raw) and logical volumes: the allocation, else the whole capacity;
  - qcow2 and the other formats qemu-img makes: nothing to speak of; they are thin and grow as the guest writes,
    so a pool may be overcommitted with them (that is their purpose) and they are not counted;
  - an upload: at least the size of the file sent.
Pools of other types (disk partitions, rbd, zfs...) have no such rule here and are not checked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size

CHECKED_TYPES = ("dir", "fs", "netfs", "logical")
THICK_FORMATS = (None, "raw")


def needed(pool_type, vol):
    """Bytes the creation of `vol` writes or reserves in a pool of `pool_type`."""
    thick = pool_type == "logical" or vol.format in THICK_FORMATS
    size = (vol.allocation if vol.allocation is not None else vol.capacity) if thick else 0
    if vol.upload and os.path.isfile(vol.upload):
        size = max(size, os.path.getsize(vol.upload))
    return size or 0


def check(pool_name, pool_type, available, new):
    """Refuse, naming the first volume that does not fit, when the new volumes [(input path, Volume)] need more
    than the pool's `available` bytes (libvirt's pool info, read while planning)."""
    if pool_type not in CHECKED_TYPES:
        return
    total = 0
    for path, vol in new:
        size = needed(pool_type, vol)
        total += size
        if total > available:
            before = " after the %s the volumes before it take" % format_size(total - size) if total > size else ""
            raise InputError(
                path,
                "pool %s has %s free; volume %s needs %s%s"
                % (pool_name, format_size(available), vol.name, format_size(size), before),
                "free space in the pool, or give a smaller capacity, an allocation or format qcow2",
            )
