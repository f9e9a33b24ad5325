# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # lock_timeout: the per-host lock of every converging module (plugins/module_utils/host_lock.py).
    DOCUMENTATION = r"""
options:
  lock_timeout:
    description:
      - Seconds to wait for the host lock C(/run/essentials-kvm.lock) that one converging essentials.kvm module
        holds while it changes the host, so that two runs (two playbooks, a retried AWX job) never change one
        host at once. Validation and planning run without it; check mode and a run with nothing to change never
        take it.
      - A run that waited plans again before it changes anything, since the holder changed the host meanwhile.
      - When the time is up the task fails, naming the holder's PID and start time, and changes nothing.
      - The roles pass C(kvm_lock_timeout).
    type: int
    default: 300
"""
