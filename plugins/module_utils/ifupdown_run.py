# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ifupdown_interfaces run on the host: its paths checked, the interfaces the kernel knows read, then converge
(ifupdown_apply.py). The module keeps only the Ansible side: its options and the call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import Applier, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_paths import check_paths


def host_interfaces():
    """Interface names the kernel knows now."""
    return sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []


def converge_host(params, runner, check_mode):
    """The module's result dict; runner(argv) -> (rc, stdout, stderr) runs ifquery, ifup and ifdown."""
    check_paths(params, check_mode)
    return converge(params, host_interfaces(), Applier(runner, params["state_dir"]), check_mode)
