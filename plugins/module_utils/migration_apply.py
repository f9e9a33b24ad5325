# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One move, made by the source's libvirt (peer to peer): live with memory only on shared storage, live with
the disks copied into volumes created on the target first, or as its definition when shut off. The job is
watched: past the timeout it is aborted and the VM keeps running on the source."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
from dataclasses import dataclass

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError, libvirt
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import data_uri, lookup

POLL = 0.5


@dataclass
class Options:
    bandwidth: int = 0  # MiB/s, 0: no limit
    max_downtime: int = 300  # ms the guest may stand still at the switch-over
    auto_converge: bool = True
    timeout: int = 600  # s
    key_file: str = "/root/.ssh/kvm_migration_ed25519"
    parallel: int = 1  # moves at a time from this host


def flags_and_params(found, address, options):
    """virDomainMigrateToURI3's flags and parameters for one VM. The target keeps the inactive definition (not
    the live one with its runtime names), and the source forgets the VM once the target runs it."""
    flags = libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
    params = {libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: found.xml}
    if not found.live:
        return flags | libvirt.VIR_MIGRATE_OFFLINE, params
    flags |= libvirt.VIR_MIGRATE_LIVE
    params[libvirt.VIR_MIGRATE_PARAM_URI] = data_uri(address)
    if options.auto_converge:
        flags |= libvirt.VIR_MIGRATE_AUTO_CONVERGE
    if options.bandwidth:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = options.bandwidth
    if found.copies:
        flags |= libvirt.VIR_MIGRATE_NON_SHARED_DISK
        params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = [disk.target for disk in found.copies]
    return flags, params


def create_volumes(target_conn, found, target):
    for disk in found.copies:
        if disk.create:
            try:
                target_conn.storagePoolLookupByName(disk.pool).createXML(disk.create, 0)
            except LibvirtError as exc:
                raise HostError(
                    "%s: creating volume %s in pool %s on %s failed: %s"
                    % (found.name, disk.volume, disk.pool, target, exc)
                )


def remove_created_volumes(target_conn, found):
    """After a failed move: the volumes this move created on the target, which no VM there uses. Best effort:
    the error of the move is what the run reports."""
    for disk in found.copies:
        if disk.create:
            try:
                target_conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume).delete(0)
            except LibvirtError:
                pass


def migrate(source_conn, target_conn, dconnuri, found, move, options):
    """Move the VM; returns {seconds, downtime_ms, time_ms} (libvirt's measures, None when it gave none). A move
    that fails leaves the target as it was: without the VM and without the volumes it created for its disks."""
    create_volumes(target_conn, found, move.target)
    try:
        return _migrate(source_conn, target_conn, dconnuri, found, move, options)
    except HostError:
        if lookup(target_conn, found.name) is None:
            remove_created_volumes(target_conn, found)
        raise


def _migrate(source_conn, target_conn, dconnuri, found, move, options):
    dom = source_conn.lookupByName(found.name)
    flags, params = flags_and_params(found, move.address, options)
    outcome = {}

    def run():
        try:
            dom.migrateToURI3(dconnuri, params, flags)
        except LibvirtError as exc:
            outcome["error"] = exc

    if found.live:
        # A parameter of the running QEMU since libvirt 1.2.9: set before the job, the switch-over obeys it.
        try:
            dom.migrateSetMaxDowntime(options.max_downtime, 0)
        except LibvirtError as exc:
            raise HostError("%s: setting the migration's max downtime failed: %s" % (found.name, exc))
    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(POLL)
        if worker.is_alive() and time.monotonic() - started > options.timeout:
            _abort(dom)
            worker.join()
            raise HostError(
                "%s: the move to %s did not finish within %d s and was aborted; the VM stays on %s (raise "
                "kvm_migration_timeout or kvm_migration_bandwidth, or keep kvm_migration_auto_converge on)"
                % (found.name, move.target, options.timeout, move.source)
            )
    if "error" in outcome:
        raise HostError(
            "%s: moving to %s failed, the VM stays on %s: %s" % (found.name, move.target, move.source, outcome["error"])
        )
    seconds = round(time.monotonic() - started, 1)
    stats = _completed_stats(target_conn, found.name) if found.live else {}
    return {"seconds": seconds, "downtime_ms": stats.get("downtime"), "time_ms": stats.get("time_elapsed")}


def _abort(dom):
    try:
        dom.abortJob()
    except LibvirtError:
        pass  # the job ended meanwhile: the worker says how


def _completed_stats(target_conn, name):
    """The finished job as the target measured it: downtime and total time in ms."""
    dom = lookup(target_conn, name)
    try:
        return dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED) if dom else {}
    except LibvirtError:
        return {}
