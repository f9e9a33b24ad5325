# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ifupdown_interfaces module's paths checked before anything is read or written, so a wrong one fails naming
the parameter (`dest: ... is a directory`) instead of an IsADirectoryError or PermissionError halfway through."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError


def _file(params, name, writing):
    """A file the module reads and may replace: written to a temporary file in its directory and renamed over it,
    so the directory must exist and take new files."""
    path = params[name]
    if os.path.isdir(path):
        raise InputError(name, "%s is a directory" % path, "give the file's path, such as %s" %
                         os.path.join(path, "essentials-kvm" if name == "dest" else "interfaces"))
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise InputError(name, "%s: %s is not a directory" % (path, parent),
                         "ifupdown reads its files from an existing directory; check the path")
    if writing and not os.access(parent, os.W_OK):
        raise InputError(name, "%s: the directory %s is not writable" % (path, parent), "run the task with become")


def _directory(params, name, writing):
    """The module's own directory, made on first use: it or its nearest existing parent must be a directory."""
    path = params[name]
    existing = path
    while not os.path.exists(existing) and os.path.dirname(existing) not in (existing, ""):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InputError(name, "%s: %s is not a directory" % (path, existing), "give a directory path")
    if writing and not os.access(existing, os.W_OK):
        raise InputError(name, "%s: %s is not writable" % (path, existing), "run the task with become")


def check_paths(params, check_mode):
    """Raises InputError naming dest, interfaces_file or state_dir when it cannot serve; check mode and report,
    which write nothing, skip the writability checks."""
    writing = not check_mode and not params.get("report")
    _directory(params, "state_dir", writing)
    if params.get("confirm") or params.get("report"):
        return
    _file(params, "dest", writing and not params.get("manage_main_file"))
    _file(params, "interfaces_file", writing)
