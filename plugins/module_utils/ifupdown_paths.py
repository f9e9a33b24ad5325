# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ifupdown_interfaces module's paths checked before anything is read or written, so a wrong one fails naming
the parameter (`dest: ... is a directory`) instead of an IsADirectoryError or PermissionError halfway through."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError


def _nearest_directory(name, path, directory, writing):
    """Missing directories are made on the first write: the nearest existing one must be a directory that takes
    new entries (a file in the way would end in NotADirectoryError)."""
    existing = directory
    while not os.path.exists(existing) and os.path.dirname(existing) not in (existing, ""):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        where = path if existing == path else "%s: %s" % (path, existing)
        raise InputError(name, "%s is not a directory" % where, "check the path")
    if writing and not os.access(existing, os.W_OK):
        raise InputError(name, "%s: the directory %s is not writable" % (path, existing), "run the task with become")


def _file(params, name, writing):
    """A file the module reads and may replace, through a temporary file in its directory renamed over it."""
    path = params[name]
    if os.path.isdir(path):
        raise InputError(
            name,
            "%s is a directory" % path,
            "give the file's path, such as %s"
            % os.path.join(path, "essentials-kvm" if name == "dest" else "interfaces"),
        )
    _nearest_directory(name, path, os.path.dirname(path) or ".", writing)


def check_paths(params, check_mode):
    """Raises InputError naming dest, interfaces_file or state_dir when it cannot serve; check mode and report,
    which write nothing, skip the writability checks, and dest is not used with manage_main_file."""
    writing = not check_mode and not params.get("report")
    _nearest_directory("state_dir", params["state_dir"], params["state_dir"], writing)
    if params.get("confirm") or params.get("report"):
        return
    if not params.get("manage_main_file"):
        _file(params, "dest", writing)
    _file(params, "interfaces_file", writing)
