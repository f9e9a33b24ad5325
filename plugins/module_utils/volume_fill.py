# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes a run fills with data it sends (an upload) are marked unfinished on the host while it fills them.

libvirt cannot rename a volume, so a volume cannot be filled under a temporary name and then take its own. A run
killed (or whose libvirtd died) while it filled one leaves it under its final name, holding part of the data: the
next run would take it as present. So a marker file is written before the volume is created and removed once it
holds all its data; the next run that finds a volume and its marker deletes the volume and makes it again. The
markers live under /var/lib (a volume half made survives a reboot, so its marker must too), one file per pool and
volume, holding the PID and time of the run that began it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
from urllib.parse import quote

FOLDER = "/var/lib/essentials-kvm/unfinished-volumes"


def _marker(pool, volume):
    # One flat name per pool and volume, whatever characters the names hold; "@" is quoted within them.
    return os.path.join(FOLDER, "%s@%s" % (quote(pool, safe=""), quote(volume, safe="")))


def unfinished(pool, volume):
    """Whether a run began filling this volume and never finished."""
    return os.path.exists(_marker(pool, volume))


def begin(pool, volume):
    """Mark the volume unfinished, durably, before it is created."""
    os.makedirs(FOLDER, mode=0o700, exist_ok=True)
    path = _marker(pool, volume)
    with open(path, "w") as handle:
        handle.write("pid %d, started %s\n" % (os.getpid(), time.strftime("%Y-%m-%dT%H:%M:%S%z")))
        handle.flush()
        os.fsync(handle.fileno())


def finish(pool, volume):
    """The volume holds all its data (or is gone): drop its marker."""
    try:
        os.unlink(_marker(pool, volume))
    except FileNotFoundError:
        pass
