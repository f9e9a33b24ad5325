# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a pool's devices already hold, read before a build could destroy it or a mount could not work."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import TYPES, article


def probe_signatures(device):
    """Signatures (filesystem, partition table, LVM...) on a device, as wipefs reports them without writing."""
    try:
        proc = subprocess.run(
            ["wipefs", "--no-act", "--noheadings", "--output", "TYPE,OFFSET", device],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise HostError("cannot probe %s for existing data: %s" % (device, exc))
    if proc.returncode != 0:
        raise HostError("cannot probe %s for existing data: %s" % (device, proc.stderr.strip()))
    return [" ".join(line.split()) for line in proc.stdout.splitlines() if line.strip()]


def _probed(probe, device, path):
    """What probe finds on device; a device this host cannot probe (missing, unreadable) is named by its input
    path, like any other refusal before a change."""
    try:
        return probe(device)
    except HostError as exc:
        raise InputError(path, exc.message)


def check_build_safe(spec, probe):
    if TYPES[spec.pool.type].build != "format" or spec.overwrite:
        return
    for index, device in enumerate(spec.pool.source.devices):
        found = _probed(probe, device, at(at(spec.path, "source"), "devices") + "[%d]" % index)
        if found:
            raise InputError(
                at(at(spec.path, "source"), "devices") + "[%d]" % index,
                "%s already holds data (%s); building pool %s would destroy it"
                % (device, ", ".join(found), spec.pool.name),
                "wipe it yourself or set overwrite: true if its contents may be lost",
            )


def check_mountable(spec, probe):
    """A new fs pool that is not built mounts its device as it is: refuse an empty one before defining anything."""
    device = spec.pool.source.devices[0]
    if not _probed(probe, device, at(at(spec.path, "source"), "device")):
        raise InputError(
            at(at(spec.path, "source"), "device"),
            "%s holds no filesystem, so pool %s cannot mount it" % (device, spec.pool.name),
            "set build: true to make %s filesystem on it"
            % ("a" if spec.pool.source.format == "auto" else article(spec.pool.source.format)),
        )
