# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The brief echo of the arguments in every module's result (module_utils/invocation.py, through module_run).
    # Ansible takes a fragment only with options or attributes: this one brings a note alone, so its options
    # are empty.
    DOCUMENTATION = r"""
options: {}
notes:
  - C(invocation.module_args) in the result shows each list or mapping option as its size, like C(200 items).
"""
