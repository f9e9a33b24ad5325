# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host lock: one converging module at a time changes a hypervisor.

Every converging module runs its whole body through locked_run(); the body calls enter_apply() just before its
first change. Validation and planning only read, so they run unlocked, and a converged or check-mode run never
takes the lock. The lock is an flock on a file under /run (tmpfs: gone at reboot), which the kernel drops when
the holder's process ends, however it ends: a killed run leaves no stale lock. The holder writes its PID and
start time into the file so that a run that gives up can name it.

A run that had to wait planned against a host that the holder was changing: enter_apply() then raises Replan,
and locked_run() runs the body once more, with the lock held, so that it validates, reads and plans again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import threading
import time

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError

PATH = "/run/essentials-kvm.lock"
DEFAULT_TIMEOUT = 300


class Replan(Exception):
    """The lock was won after a wait: the plan in hand may be stale. Not an EssentialsError, so that the appliers
    (which collect those) let it through to locked_run()."""


class HostLock:
    """An exclusive flock on `path`, waited for up to `timeout` seconds."""

    def __init__(self, path=PATH, timeout=DEFAULT_TIMEOUT, poll=0.2):
        self.path, self.timeout, self.poll = path, timeout, poll
        self.fd = None
        self.stale = False
        self.refused = None  # the HostError of a failed acquire()
        self.guard = threading.Lock()  # the libvirt modules apply their kinds on threads

    def acquire(self):
        """Take the lock; return whether another run held it first. Raises HostError naming the holder once
        `timeout` has passed."""
        # 0644: anyone on the host may read who holds it; only root, who runs the modules, can take it.
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise HostError(
                "cannot open the host lock %s: %s; nothing was changed (run the module as root: "
                "become: true)" % (self.path, exc.strerror)
            )
        deadline = time.monotonic() + self.timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    raise HostError(
                        "another essentials.kvm run holds the host lock %s (%s) and did not release it "
                        "within lock_timeout=%ss; nothing was changed" % (self.path, holder, self.timeout)
                    )
                waited = True
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, ("pid %d, started %s\n" % (os.getpid(), time.strftime("%Y-%m-%dT%H:%M:%S%z"))).encode(), 0)
        self.fd = fd
        return waited

    def release(self):
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock; the file stays, its text is the last holder's
            self.fd = None

    def enter(self):
        with self.guard:
            if self.refused:
                # The kinds on other threads give up at once rather than wait a timeout each.
                raise HostError(self.refused.message)
            if self.fd is None:
                try:
                    self.stale = self.acquire()
                except HostError as exc:
                    self.refused = exc
                    raise
            if self.stale:
                raise Replan()


def _holder(fd):
    text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    return text or "holder not recorded yet"


_armed = None  # the HostLock of the running module body, or None: check mode, read-only modules, unit tests


def locked_run(fn, timeout, path=PATH):
    """fn() with enter_apply() armed to take the lock; timeout None (check mode) arms nothing. Returns what
    fn returns; the lock is released when fn ends."""
    global _armed
    if timeout is None:
        return fn()
    _armed = HostLock(path, timeout)
    try:
        try:
            return fn()
        except Replan:
            _armed.stale = False
            return fn()
    finally:
        _armed.release()
        _armed = None


def enter_apply():
    """Called by every applier before its first change: takes the host lock if the module body is armed."""
    if _armed is not None:
        _armed.enter()


# The option every converging module takes, documented in plugins/doc_fragments/host_lock.py.
LOCK_TIMEOUT_OPTION = {"type": "int", "default": DEFAULT_TIMEOUT}
