# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base images cached on the hypervisor: read the pools, plan downloads and purges, apply, verify.

An image is downloaded once per host: its volume's name carries its checksum, so a rerun finds it and
makes no HTTP request (with checksum_url, only the checksum file is read again, to learn the name)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ansible_collections.essentials.kvm.plugins.module_utils.errors import (
    HostError,
    InputError,
    UnsupportedError,
    at,
)
from ansible_collections.essentials.kvm.plugins.module_utils.image_formats import zstd_tool
from ansible_collections.essentials.kvm.plugins.module_utils.image_inline import catalog, with_inline
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import DEFAULT_POOL, VOLUME_RE, parse_images
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, converge, guarded

# Pools whose volumes are files in one directory: where a download can be renamed into place.
DIRECTORY_POOLS = ("dir", "fs", "netfs")
BACKING_DEPTH = 16


@dataclass
class Plan:
    name: str
    pool: str
    volume: str
    path: str
    actions: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def read_pool(conn, name):
    """(libvirt pool, its directory, its volume names), or None when the host has no such pool."""
    try:
        pool = conn.storagePoolLookupByName(name)
    except LibvirtError:
        return None
    root = ET.fromstring(pool.XMLDesc(0))
    if not pool.isActive():
        return pool, None, set()
    directory = root.findtext("target/path") if root.get("type") in DIRECTORY_POOLS else None
    return pool, directory, set(pool.listVolumes())


def resolve(specs):
    """Read each checksum_url (the only request a rerun makes) to learn the checksum, hence the volume."""
    for spec in specs:
        if spec.digest is None:
            # Imported here, as in fetch_image: urllib.request, ssl and http.client are paid only by a run that fetches.
            from ansible_collections.essentials.kvm.plugins.module_utils.image_fetch import fetch_checksum

            try:
                spec.digest = fetch_checksum(spec.checksum_url, spec.url, spec.validate_certs)
            except HostError as exc:
                raise HostError("%s: %s" % (at(spec.path, "checksum_url"), exc.message))
    return specs


def plan_image(conn, spec, pools):
    plan = Plan(name=spec.name, pool=spec.pool, volume=spec.volume, path=spec.path)
    if spec.pool not in pools:
        pools[spec.pool] = read_pool(conn, spec.pool)
    found = pools[spec.pool]
    text = "download %s into pool %s as %s" % (spec.url, spec.pool, spec.volume)
    if found is None:
        plan.actions.append(text + " (a pool this play creates)")
        return plan
    pool, directory, volumes = found
    if directory is None:
        raise InputError(
            at(spec.path, "pool"),
            "pool %r is not an active directory pool" % spec.pool,
            "cache images in a started dir, fs or netfs pool",
        )
    if spec.volume in volumes:
        return plan
    if os.path.exists(os.path.join(directory, spec.volume)):
        # Written by an earlier run that failed before the refresh: libvirt has only to list it.
        plan.actions.append("refresh pool %s to list %s" % (spec.pool, spec.volume))
        plan.steps.append(
            Step(
                "%s: refresh pool %s" % (spec.name, spec.pool),
                lambda: guarded(spec.path, "refresh", lambda: pool.refresh(0)),
            )
        )
        return plan
    if spec.compression == "zst":
        try:
            zstd_tool()
        except UnsupportedError as exc:
            raise UnsupportedError("%s: %s" % (at(spec.path, "url"), exc.message))

    def fetch():
        plan.facts = fetch_image(spec, directory)
        guarded(spec.path, "refresh of pool %s" % spec.pool, lambda: pool.refresh(0))

    plan.actions.append(text)
    plan.steps.append(Step("%s: %s" % (spec.name, text), fetch))
    return plan


def fetch_image(spec, directory):
    """Download the image into directory under its volume name; a failure names the image's input path."""
    from ansible_collections.essentials.kvm.plugins.module_utils.image_fetch import download

    source = "file://" + spec.source_file if spec.source_file else spec.url
    return guarded(
        spec.path,
        "download",
        lambda: download(source, spec.digest, spec.compression, directory, spec.volume, spec.validate_certs),
    )


def used_paths(conn):
    """Every file a defined VM's disk is, or is backed by (through overlays, BACKING_DEPTH deep)."""
    paths = set()
    for dom in conn.listAllDomains(0):
        for source in ET.fromstring(dom.XMLDesc(0)).iter("source"):
            path = source.get("file") or source.get("dev") or _volume_path(conn, source)
            for _level in range(BACKING_DEPTH):
                if not path or path in paths:
                    break
                paths.add(path)
                path = _backing(conn, path)
    return paths


def _volume_path(conn, source):
    if not (source.get("pool") and source.get("volume")):
        return None
    try:
        return conn.storagePoolLookupByName(source.get("pool")).storageVolLookupByName(source.get("volume")).path()
    except LibvirtError:
        return None


def _backing(conn, path):
    try:
        return ET.fromstring(conn.storageVolLookupByPath(path).XMLDesc(0)).findtext("backingStore/path")
    except LibvirtError:
        return None


def plan_purge(conn, specs, pools):
    """Cached images that no listed image names and no defined VM uses, in the pools images are cached in."""
    wanted = {(spec.pool, spec.volume) for spec in specs}
    names = sorted({spec.pool for spec in specs} | {DEFAULT_POOL})
    used, plans = None, []
    for name in names:
        if name not in pools:
            pools[name] = read_pool(conn, name)
        if pools[name] is None or pools[name][1] is None:
            continue
        pool = pools[name][0]
        for volume in sorted(pools[name][2]):
            if not VOLUME_RE.match(volume) or (name, volume) in wanted:
                continue
            vol = pool.storageVolLookupByName(volume)
            used = used_paths(conn) if used is None else used
            if vol.path() in used:
                continue
            plan = Plan(name=volume, pool=name, volume=volume, path="purge")
            plan.actions.append("delete unused image %s from pool %s" % (volume, name))
            plan.steps.append(
                Step(
                    "%s: delete from pool %s" % (volume, name),
                    lambda vol=vol, volume=volume: guarded("purge", "delete %s" % volume, lambda: vol.delete(0)),
                )
            )
            plans.append(plan)
    return plans


def plan_all(conn, specs, purge=False):
    """The downloads of the listed images, or (purge) the removal of the cached images nothing uses."""
    pools = {}
    return plan_purge(conn, specs, pools) if purge else [plan_image(conn, spec, pools) for spec in specs]


def _left(conn, specs, purge):
    for plan in plan_all(conn, specs, purge):
        if plan.actions:
            yield "image %s still differs after the change (%s)" % (plan.name, ", ".join(plan.actions))


def reconcile(conn, specs, purge=False, check_mode=False):
    """Plan the downloads, or the purge (raising before any change), then apply and verify unless in check
    mode. The purge runs after the VMs converged, so an image whose last VM a run removes goes in that run."""
    try:
        plans = plan_all(conn, specs, purge)
    except LibvirtError as exc:
        raise HostError("cannot read the image pools of this host: %s" % exc)
    converge(plans, lambda: _left(conn, specs, purge), check_mode)
    changed = [plan for plan in plans if plan.actions]
    return {
        "changed": bool(changed),
        "images": [
            dict({"name": p.name, "pool": p.pool, "volume": p.volume, "actions": p.actions}, **p.facts)
            for p in plans
            if p.actions or p.path != "purge"
        ],
        "restart_required": [],
        "warnings": [],
        "diff": [
            {
                "before_header": "image %s" % p.name,
                "after_header": "image %s" % p.name,
                "before": "" if p.path != "purge" else "%s/%s\n" % (p.pool, p.volume),
                "after": "" if p.path == "purge" else "%s/%s\n" % (p.pool, p.volume),
            }
            for p in changed
        ],
    }


# -------------------------------------------------------------------------------- one kind of several
# resources_reconcile converges every kind through these two, with the same arguments.


def validate_request(request, connect, present):
    """The request's images, listed or given by the VMs' disks (image_inline), validated, the checksum files of
    those this host caches read; and, for the VMs, each image's (pool, volume) by name and by URL. A pool the
    same request lists counts as present."""
    kind, vms = request.images, request.vms
    every, specs = with_inline(
        parse_images(kind.items, kind.input_name),
        vms.items if vms else [],
        vms.input_name if vms else "vms",
        request.inventory_hostname,
    )
    conn = connect(kind.uri)
    known = {pool.name() for pool in conn.listAllStoragePools(0)} | set(present.get("pools", ()))
    for spec in specs:
        if spec.pool not in known:
            raise InputError(
                at(spec.path, "url" if spec.inline else "pool"),
                "storage pool %r%s is not defined on this host"
                % (spec.pool, ", which caches the images disks give by URL," if spec.inline else ""),
                "declare it in the storage pools (the kvm role declares one named images)",
            )
    resolve(specs)
    return specs, catalog(every)


def converge_request(conn, specs, request, check_mode, diff):
    """The downloads; resources_reconcile runs purge_request after the VMs."""
    return reconcile(conn, specs, False, check_mode)


def purge_request(conn, specs, request, check_mode, diff):
    return reconcile(conn, specs, True, check_mode)
