# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's virtual networks, storage pools and VMs in one call (libvirt_resources, the kvm role).

Every list is validated before anything changes; then networks and pools converge side by side
(they share nothing), then base images are cached in the pools, and VMs come last, since VMs plug
into the networks and keep their disks in the pools. One process and one connection per URI instead
of three module runs: Ansible's cost per module run is most of a no-op's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils import (
    domain_reconcile,
    image_reconcile,
    network_reconcile,
    storage_pool_reconcile,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.image_inline import inline_disks
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import open_connection
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, apply


@dataclass
class Kind:
    """One kind's list and settings, as the module options give them."""

    items: list
    uri: str = "qemu:///system"
    input_name: str = ""
    purge: bool = False
    restart_on_change: bool = False


@dataclass
class Request:
    networks: Optional[Kind] = None
    pools: Optional[Kind] = None
    images: Optional[Kind] = None
    vms: Optional[Kind] = None
    declared_bridges: list[str] = field(default_factory=list)
    inventory_hostname: Optional[str] = None
    shutdown_timeout: int = 120
    sysfs: str = "/sys"


class Connections:
    """One libvirt connection per URI, opened on first use; `with Connections() as connect:` closes them all."""

    def __init__(self):
        self.open = {}

    def __call__(self, uri):
        if uri not in self.open:
            self.open[uri] = open_connection(uri)
        return self.open[uri]

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def close(self):
        for conn in self.open.values():
            conn.close()
        self.open = {}


# Every kind, in the order of the result's diff and of `done`.
KINDS = {
    "networks": network_reconcile,
    "pools": storage_pool_reconcile,
    "images": image_reconcile,
    "vms": domain_reconcile,
}
# Networks and pools share nothing on the host (bridges and firewall rules; files, mounts and LUNs) and libvirt
# serves them from separate drivers, so they converge side by side: a first converge starts its networks while
# the pools create their volumes. Base images are cached in the pools, and VMs come last: they plug into the
# networks and keep their disks in the pools, on the cached images.
STAGES = (("networks", "pools"), ("images",), ("vms",))


def validate(request, connect):
    """Check every listed kind before anything changes (reads only); returns the validated input by kind.
    A later kind may use what an earlier one lists (VMs: the networks and pools): it counts as present."""
    found, present = {}, {}
    if request.images is None and request.vms is not None and any(inline_disks(request.vms.items, "")):
        # A disk that gives its image by URL needs the images kind even when no image is listed.
        request.images = Kind(items=[], uri=request.vms.uri, input_name="images")
    for name, kind in KINDS.items():
        if getattr(request, name) is not None:
            found[name], present[name] = kind.validate_request(request, connect, present)
    return found


def converge(request, connect, check_mode=False, diff=True):
    """validate -> per stage, its kinds side by side (each: read, plan, apply, verify); returns the module's
    result. A failure raises a HostError whose `done` also lists what the other kinds changed. diff=False
    (no --diff) spares building the VMs' before and after documents."""
    found = validate(request, connect)
    result = {"changed": False, "restart_required": {}, "diff": [], "warnings": []}
    done, parts = [], {}
    for stage in STAGES:
        names = [name for name in stage if name in found]
        # All but the last run aside, on threads beside it.
        steps = [
            _step(
                name,
                KINDS[name],
                connect(getattr(request, name).uri),
                found[name],
                request,
                check_mode,
                diff,
                parts,
                aside=index < len(names) - 1,
            )
            for index, name in enumerate(names)
        ]
        try:
            done += apply(steps, threads=max(1, len(steps) - 1), independent=True)
        except HostError as exc:
            raise HostError(exc.message, done + exc.done)
        for name in names:
            _merge(result, name, parts[name])
    if "images" in found and request.images.purge:
        # Cached images nothing uses go last: a VM this run removes no longer holds its image.
        step = _step(
            "images",
            PurgeImages,
            connect(request.images.uri),
            found["images"],
            request,
            check_mode,
            diff,
            parts,
            aside=False,
        )
        try:
            done += apply([step])
        except HostError as exc:
            raise HostError(exc.message, done + exc.done)
        _merge(result, "images", dict(parts["images"], images=result["images"] + parts["images"]["images"]))
    return result


class PurgeImages:
    """The images kind's last stage: its purge, after the VMs."""

    converge_request = staticmethod(image_reconcile.purge_request)


def _step(name, kind, conn, found, request, check_mode, diff, parts, aside):
    """One kind's converge as a Step: its part of the result is kept in `parts`, and `done` gets a line per
    object it changed. The connection is opened before: Connections is not shared between threads."""

    def report(part):
        parts[name] = part
        return (
            []
            if check_mode
            else ["%s: %s" % (item["name"], ", ".join(item["actions"])) for item in part[name] if item["actions"]]
        )

    return Step(
        "converge " + name, lambda: kind.converge_request(conn, found, request, check_mode, diff), aside, report
    )


STANDARD = ("changed", "restart_required", "diff", "warnings")


def _merge(result, name, part):
    result["changed"] = result["changed"] or part["changed"]
    result[name] = part[name]
    result["restart_required"][name] = part["restart_required"]
    result["diff"].extend(part.get("diff", []))
    result["warnings"].extend(part.get("warnings", []))
    # What only one kind returns (live_updates, other_hosts) goes to the top of the result.
    result.update((key, value) for key, value in part.items() if key not in STANDARD and key != name)
