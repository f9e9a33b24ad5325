# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Growing a volume: through libvirt, or with lvextend where libvirt's logical backend cannot resize."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError

try:
    import libvirt

    LibvirtError = libvirt.libvirtError
except ImportError:
    libvirt = None
    LibvirtError = OSError

ERR_NO_SUPPORT = 3


def lvextend(volume_group, name, capacity):
    """Grow one logical volume to `capacity` bytes; LVM rounds up to whole extents and never shrinks with extend."""
    argv = ["lvextend", "--size", "%db" % capacity, "%s/%s" % (volume_group, name)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise HostError("cannot run lvextend: %s" % exc)
    if proc.returncode != 0:
        raise HostError("%s failed: %s" % (" ".join(argv), proc.stderr.strip() or proc.stdout.strip()))


def grow_volume(pool, name, capacity, volume_group=None):
    """Grow volume `name` of the libvirt pool object `pool`. libvirt 9.0 (Debian 12) has no resize for
    logical volumes and says so (no support): for a volume group's volume, given as `volume_group`,
    LVM grows it instead, and a refresh makes libvirt read the new size."""
    try:
        pool.storageVolLookupByName(name).resize(capacity, 0)
    except LibvirtError as exc:
        if volume_group is None or exc.get_error_code() != ERR_NO_SUPPORT:
            raise
        lvextend(volume_group, name, capacity)
        pool.refresh(0)
