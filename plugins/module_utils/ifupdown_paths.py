# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of the ifupdown_interfaces module's paths serve a run, checked before anything is read or written with
the rules every module's path options share (host_paths)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.host_paths import writable_directory, writable_file


def check_paths(params, check_mode):
    """Raises InputError naming dest, interfaces_file or state_dir when it cannot serve; check mode and report,
    which write nothing, skip the writability checks, and dest is not used with manage_main_file. Missing
    directories are made on the first write."""
    writing = not check_mode and not params.get("report")
    writable_directory("state_dir", params["state_dir"], writing)
    if params.get("confirm") or params.get("report"):
        return
    if not params.get("manage_main_file"):
        writable_file("dest", params["dest"], writing, make_dirs=True)
    writable_file("interfaces_file", params["interfaces_file"], writing, make_dirs=True)
