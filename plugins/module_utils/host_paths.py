# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Path options checked before anything is read or written, so that one that cannot serve fails naming the
option (`sysctl_file: /etc/sysctl.d is a directory`), with nothing changed, instead of an IsADirectoryError, a
NotADirectoryError or a PermissionError halfway through a run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, UnsupportedError


def _existing_ancestor(path):
    """The nearest directory entry above `path` that exists (a file in the way is one too)."""
    parent = os.path.dirname(path.rstrip("/")) or "."
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    return parent


def writable_file(name, path, writing, make_dirs=False):
    """A file the module reads and replaces through a temporary file beside it. Refused: a directory, a path
    below a file, a missing directory unless the module makes it (make_dirs), and, when writing (not in check
    mode), a directory that takes no new file."""
    if os.path.isdir(path):
        raise InputError(name, "%s is a directory" % path, "give the path of the file itself")
    directory = os.path.dirname(path) or "."
    ancestor = directory if os.path.lexists(directory) else _existing_ancestor(directory)
    if not os.path.isdir(ancestor):
        raise InputError(name, "%s cannot be made: %s is not a directory" % (path, ancestor), "check the path")
    if ancestor != directory and not make_dirs:
        raise InputError(
            name, "%s cannot be made: the directory %s does not exist" % (path, directory), "is the package installed?"
        )
    if writing and not os.access(ancestor, os.W_OK):
        raise InputError(name, "%s cannot be written: %s is read-only" % (path, ancestor), "run the task with become")


def writable_directory(name, path, writing):
    """A directory the module keeps files in, made on the first write: it, or the nearest entry above it that
    exists, must be a directory, and when writing one that takes new entries."""
    ancestor = path if os.path.lexists(path) else _existing_ancestor(path)
    if not os.path.isdir(ancestor):
        where = path if ancestor == path else "%s: %s" % (path, ancestor)
        raise InputError(name, "%s is not a directory" % where, "check the path")
    if writing and not os.access(ancestor, os.W_OK):
        raise InputError(name, "%s cannot be written: %s is read-only" % (path, ancestor), "run the task with become")


def readable_file(name, path):
    """A file the module only looks for (a certificate, a key): it may be missing, but a directory or a path
    below a file can never be it."""
    if os.path.isdir(path):
        raise InputError(name, "%s is a directory" % path, "give the path of the file itself")
    ancestor = _existing_ancestor(path)
    if not os.path.isdir(ancestor):
        raise InputError(name, "%s cannot exist: %s is not a directory" % (path, ancestor), "check the path")


def program(name, value, found, package):
    """The full path of a program option (`found`: the module's get_bin_path answer), or the error naming it."""
    if found:
        return found
    if os.path.isdir(value):
        raise InputError(name, "%s is a directory" % value, "give the path of the program itself")
    raise UnsupportedError("%s: %s not found; install %s or give the program's full path" % (name, value, package))
