# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The libvirt connection of every module that talks to libvirt (module_utils/libvirt_access.py, URI_OPTION);
    # a module whose uri means more documents its own, which replaces this one.
    DOCUMENTATION = r"""
requirements:
  - libvirt Python bindings (python3-libvirt) on the managed host
options:
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
"""
