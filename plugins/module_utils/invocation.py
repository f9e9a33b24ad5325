# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The brief echo of a module's arguments that its result carries in place of Ansible's full one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _size(value):
    if isinstance(value, list):
        return "%d item%s" % (len(value), "" if len(value) == 1 else "s")
    return "%d key%s" % (len(value), "" if len(value) == 1 else "s")


def brief_invocation(params):
    """Return ``{"module_args": ...}`` with every non-empty list or dict option replaced by its size.

    The lists are in the inventory already; echoing a big host's whole lists made up most of the result and
    cost more than a converge that changed nothing.
    """
    return {
        "module_args": {
            name: _size(value) if isinstance(value, (list, dict)) and value else value for name, value in params.items()
        }
    }
