# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volumes of an active pool: created, grown, or reported where they differ in ways never changed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_live import lookup
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_resize import grow_volume
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_space import check as check_space
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import build_volume_xml
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size
from ansible_collections.essentials.kvm.plugins.module_utils.volume_fill import begin, finish, unfinished

# A volume of these pools is a file that libvirt writes with its own qemu-img run, independent of every
# other volume, so a few are created at once (a first converge's volumes take half the time on two
# cores). Other backends edit shared host metadata (partition tables, volume groups): one at a time.
FILE_POOL_TYPES = ("dir", "fs", "netfs")
VOLUME_THREADS = 4


def plan_volumes(conn, spec, live_volumes, plan, plan_active=False):
    name = spec.pool.name
    volume_group = spec.pool.source.name if spec.pool.type == "logical" else None
    new = [
        (index, vol) for index, vol in enumerate(spec.volumes) if vol.state != "absent" and vol.name not in live_volumes
    ]
    if new and plan_active:
        check_space(
            name,
            spec.pool.type,
            lookup(conn, name).info()[3],
            [(at(at(spec.path, "volumes"), index), vol) for index, vol in new],
        )
    for index, vol in enumerate(spec.volumes):
        current = live_volumes.get(vol.name)
        vol_path = at(at(spec.path, "volumes"), index)
        if vol.state == "absent":
            if current:
                plan.do("delete volume %s" % vol.name, lambda v=vol: delete_volume(conn, name, v.name))
            continue
        if current is not None and unfinished(name, vol.name):
            plan.do(
                "recreate volume %s (a run was interrupted while it filled it)" % vol.name,
                lambda v=vol: _create_volume(conn, name, v),
            )
            continue
        if current is None:
            plan.do(
                "create volume %s (%s)" % (vol.name, format_size(vol.capacity)),
                lambda v=vol: _create_volume(conn, name, v),
                background=spec.pool.type in FILE_POOL_TYPES,
            )
            continue
        partition = spec.pool.type == "disk"
        if vol.capacity > current.capacity:
            if partition:
                plan.warnings.append(
                    "%s: volume %s is a partition of %s; partitions are never grown"
                    % (vol_path, vol.name, format_size(current.capacity))
                )
            else:
                plan.do(
                    "grow volume %s from %s to %s"
                    % (vol.name, format_size(current.capacity), format_size(vol.capacity)),
                    lambda v=vol: grow_volume(lookup(conn, name), v.name, v.capacity, volume_group),
                )
        elif vol.capacity < current.capacity and not partition:
            # libvirt rounds partitions up to the disk's alignment, so only files and LVs are reported.
            plan.warnings.append(
                "%s: volume %s is %s, larger than asked; volumes are never shrunk"
                % (vol_path, vol.name, format_size(current.capacity))
            )
        # libvirt reads no partition type back (always none), so a partition's format cannot be compared.
        if vol.format and current.format and vol.format != current.format and not partition:
            plan.warnings.append(
                "%s: volume %s has format %s, not %s; volumes are never recreated"
                % (vol_path, vol.name, current.format, vol.format)
            )


def delete_volume(conn, pool_name, vol_name):
    lookup(conn, pool_name).storageVolLookupByName(vol_name).delete(0)
    finish(pool_name, vol_name)


def _create_volume(conn, pool_name, vol):
    pool = lookup(conn, pool_name)
    if vol.name in pool.listVolumes():
        if not unfinished(pool_name, vol.name):
            return  # the pool was inactive when planned, so its volumes were unknown then
        delete_volume(conn, pool_name, vol.name)
    if vol.upload:
        begin(pool_name, vol.name)  # before the volume exists: see volume_fill
    created = pool.createXML(build_volume_xml(vol), 0)
    if vol.upload:
        stream = conn.newStream(0)
        try:
            with open(vol.upload, "rb") as image:
                created.upload(stream, 0, 0, 0)
                stream.sendAll(lambda _stream, nbytes, handle: handle.read(nbytes), image)
            stream.finish()
        except (LibvirtError, OSError):
            stream.abort()
            raise
        finish(pool_name, vol.name)
