# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who is changing the host's interfaces: the ifupdown_interfaces run that writes its owner file before its first
change and removes it once the change is done or handed to the rollback timer. A file that names a process which
is gone was left by a run killed half way (SIGKILL, a cancelled job, a lost machine); the next run puts back what
that run had changed before it plans (Applier.recover)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

TEMP_PREFIX = ".essentials-kvm."  # write_atomic's temporary files, and the apply unit's


def _start_time(pid):
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or None when it is gone: with
    the PID it names one process, even after the PID is reused."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_text(mode, pid=None):
    """What the owner file holds: the PID, its start time and how the change is applied (here, detached)."""
    pid = os.getpid() if pid is None else pid
    return "%d %s %s\n" % (pid, _start_time(pid), mode)


def owner_mode(text):
    words = text.split()
    return words[2] if len(words) == 3 else "here"


def owner_running(text):
    """Whether the process the owner file names still runs."""
    words = text.split()
    if len(words) != 3 or not words[0].isdigit():
        return False
    return _start_time(int(words[0])) == words[1]


def remove_temp_files(folders):
    """The temporary files a killed run left in the folders it wrote to; their names start with a dot, so
    `source-directory` and `source dir/*` never read them, but they would stay for ever. Returns their paths."""
    removed = []
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.startswith(TEMP_PREFIX) and os.path.isfile(path):
                os.unlink(path)
                removed.append(path)
    return removed
