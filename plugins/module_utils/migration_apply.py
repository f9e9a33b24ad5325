# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One move, made by the source's libvirt (peer to peer): live with memory only on shared storage, live with
the disks copied into volumes created on the target first, or as its definition when shut off, its disks on
the host's own storage copied first over libvirt streams (download here, upload there). The job and the copy
are watched: past the timeout they are aborted and the VM stays on the source; a volume the move created on
the target is deleted again when the VM did not get there. Once the VM is on the target, the source's copies
of the disks this move copied are deleted (remove_source_copies)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError, libvirt
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import data_uri, lookup

POLL = 0.5
# The most a stream message carries (libvirt's VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
CHUNK = 262120
# libvirt's answers to a flag its side does not know (an older daemon, a storage backend without sparse streams).
UNSUPPORTED = ("VIR_ERR_INVALID_ARG", "VIR_ERR_NO_SUPPORT", "VIR_ERR_ARGUMENT_UNSUPPORTED")


class CopyTimeout(Exception):
    """A disk's copy outlasted the move's timeout (its streams are aborted)."""


@dataclass
class Options:
    bandwidth: int = 0  # MiB/s, 0: no limit
    max_downtime: int = 300  # ms the guest may stand still at the switch-over
    auto_converge: bool = True
    timeout: int = 600  # s
    key_file: str = "/root/.ssh/kvm_migration_ed25519"
    parallel: int = 1  # moves at a time from this host
    pki_path: str = ""  # TLS moves: the folder of this host's client certificate, key and CA; "": libvirt's
    keep_source_disks: bool = False  # True: the source keeps its copy of each disk a move copied


def flags_and_params(found, address, options, paths=None):
    """virDomainMigrateToURI3's flags and parameters for one VM. The target keeps the inactive definition (not
    the live one with its runtime names), and the source forgets the VM once the target runs it. paths: {disk
    target: path of its copy on the target} for the disks of a shut-off VM copied there, named by their path in
    the definition: the target's pool may keep them elsewhere."""
    flags = libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
    params = {libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: found.xml}
    if not found.live:
        if paths:
            params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML] = with_paths(found.xml, paths)
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


def with_paths(xml, paths):
    """The domain XML with the file or device of each disk named in paths ({target dev: path}) set to that path."""
    root = ET.fromstring(xml)
    for disk in root.findall("devices/disk"):
        path = paths.get(disk.find("target").get("dev"))
        source = disk.find("source")
        if path and source is not None:
            for attribute in ("file", "dev"):
                if source.get(attribute) is not None:
                    source.set(attribute, path)
    return ET.tostring(root, encoding="unicode")


def create_volumes(target_conn, found, move):
    """The volumes each copied disk needs on the target, created empty; [(disk, volume)] of those made. When one
    cannot be made, those made before are deleted again."""
    created = []
    for disk in found.copies:
        if disk.create:
            try:
                created.append((disk, target_conn.storagePoolLookupByName(disk.pool).createXML(disk.create, 0)))
            except LibvirtError as exc:
                raise HostError(
                    "%s: creating volume %s in pool %s on %s failed, the VM stays on %s: %s%s"
                    % (
                        found.name,
                        disk.volume,
                        disk.pool,
                        move.target,
                        move.source,
                        exc,
                        _cleaned(created, move.target),
                    )
                )
    return created


def _cleaned(created, target):
    """Delete the volumes a failed move created on the target; what to add to its message."""
    if not created:
        return ""
    removed, kept = [], []
    for disk, vol in created:
        try:
            vol.delete(0)
            removed.append(disk.label)
        except LibvirtError as exc:
            kept.append("%s (%s)" % (disk.label, exc))
    text = "; the volume %s this move created on %s was deleted" % (", ".join(removed), target) if removed else ""
    if kept:
        text += "; deleting the volume %s this move created on %s failed: delete it by hand" % (", ".join(kept), target)
    return text


def copy_disks(source_conn, target_conn, found, move, started, timeout):
    """Copy each disk of a shut-off VM into its volume on the target, within timeout seconds of started (time
    .monotonic); {disk target: path of the copy}."""
    paths, deadline = {}, started + timeout
    for disk in found.copies:
        theirs = target_conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume)
        ours = source_conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume)
        what = "%s: copying disk %s (%s) to %s" % (found.name, disk.target, disk.label, move.target)
        try:
            copy_volume(source_conn, ours, target_conn, theirs, deadline)
        except LibvirtError as exc:
            raise HostError("%s failed, the VM stays defined on %s: %s" % (what, move.source, exc))
        except CopyTimeout:
            raise HostError(
                "%s did not finish within %d s and was aborted, the VM stays defined on %s (raise "
                "kvm_migration_timeout)" % (what, timeout, move.source)
            )
        paths[disk.target] = theirs.path()
    return paths


def copy_volume(source_conn, ours, target_conn, theirs, deadline):
    """Stream the volume ours (on source_conn) into theirs (on target_conn), whole: sparse (holes sent as
    holes, not as zeros) when both sides take the sparse flags, else plain. Past deadline (time.monotonic) the
    streams are aborted: CopyTimeout."""
    up, sparse = _stream(target_conn, theirs.upload, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, True)
    try:
        down, sparse = _stream(source_conn, ours.download, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM, sparse)
    except LibvirtError:
        _abort_stream(up)
        raise
    try:
        while True:
            got = down.recvFlags(CHUNK, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE) if sparse else down.recv(CHUNK)
            if got == -3:  # a hole here: a hole there
                up.sendHole(down.recvHole(0), 0)
            elif isinstance(got, int):
                raise LibvirtError("reading the volume's stream gave %d" % got)
            elif not got:
                break
            else:
                while got:
                    got = got[up.send(got) :]
            if time.monotonic() > deadline:
                raise CopyTimeout()
        down.finish()
        up.finish()
    except BaseException:
        _abort_stream(down)
        _abort_stream(up)
        raise


def _stream(conn, start, sparse_flag, sparse):
    """A new stream of conn started by start(stream, 0, 0, flags) (a volume's upload or download): (stream,
    whether it is sparse), plain when this side refuses the sparse flag."""
    stream = conn.newStream(0)
    try:
        start(stream, 0, 0, sparse_flag if sparse else 0)
        return stream, sparse
    except LibvirtError as exc:
        codes = [getattr(libvirt, name, None) for name in UNSUPPORTED]
        if sparse and exc.get_error_code() in codes:
            return _stream(conn, start, sparse_flag, False)
        raise


def _abort_stream(stream):
    try:
        stream.abort()
    except LibvirtError:
        pass  # finished or broken already


def migrate(source_conn, target_conn, dconnuri, found, move, options):
    """Move the VM; returns {seconds, downtime_ms, time_ms} (libvirt's measures, None when it gave none). A move
    that fails deletes the volumes it created on the target unless the target has the VM."""
    started = time.monotonic()
    created = create_volumes(target_conn, found, move)
    try:
        return _migrate(source_conn, target_conn, dconnuri, found, move, options, started)
    except HostError as exc:
        if created and lookup(target_conn, found.name) is None:
            exc.message += _cleaned(created, move.target)
            exc.args = (exc.message,)
        raise


def _migrate(source_conn, target_conn, dconnuri, found, move, options, started):
    paths = None
    if found.copies and not found.live:
        paths = copy_disks(source_conn, target_conn, found, move, started, options.timeout)
    dom = source_conn.lookupByName(found.name)
    flags, params = flags_and_params(found, move.address, options, paths)
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


def remove_source_copies(source_conn, target_conn, found, move):
    """Once the VM is on the target (running there after a live move, defined after a shut-off one) and no more
    here, delete here the volumes of the disks this move copied, unless another VM of this host uses one.
    (removed pool/volume labels, warnings): a volume that cannot be deleted is a warning, not a failed move."""
    dom = lookup(target_conn, found.name)
    arrived = dom is not None and (not found.live or dom.isActive()) and lookup(source_conn, found.name) is None
    if not arrived:
        return [], [
            "%s: the copies of its disks %s stay on %s: after the move the VM is not %s on %s, or is still here"
            % (found.name, ", ".join(d.label for d in found.copies), move.source, _there(found), move.target)
        ]
    removed, warnings = [], []
    sources = disk_sources(source_conn)
    for disk in found.copies:
        try:
            vol = source_conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume)
            users = _users(sources, disk, vol.path())
            if users:
                warnings.append(
                    "%s: its disk %s (%s) was copied to %s, and the copy here stays: %s uses it too"
                    % (found.name, disk.target, disk.label, move.target, " and ".join(users))
                )
                continue
            vol.delete(0)
            removed.append(disk.label)
        except LibvirtError as exc:
            warnings.append(
                "%s: moved to %s, but deleting the source's copy of disk %s (%s) on %s failed: %s; delete it by hand"
                % (found.name, move.target, disk.target, disk.label, move.source, exc)
            )
    return removed, warnings


def _there(found):
    return "running" if found.live else "defined"


def disk_sources(conn):
    """{domain name: the <source> of each of its disks} of conn, read once for every copied disk of a move. A
    domain gone since the listing (another VM of this host that moved away meanwhile: moves run side by side)
    has none here."""
    sources = {}
    for dom in conn.listAllDomains(0):
        try:
            # The running definition and the persistent one: a disk may be in either only.
            xmls = [dom.XMLDesc(0)] + ([dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)] if dom.isActive() else [])
        except LibvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                continue
            raise
        sources[dom.name()] = [source for xml in xmls for source in ET.fromstring(xml).findall("devices/disk/source")]
    return sources


def _users(sources, disk, path):
    """The domains of disk_sources() whose disks name the volume (by pool and name, or by its path)."""
    return [
        name
        for name, found in sources.items()
        if any(
            (source.get("pool"), source.get("volume")) == (disk.pool, disk.volume)
            or path in (source.get("file"), source.get("dev"))
            for source in found
        )
    ]


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
