#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: host_packages
short_description: Install the missing packages of a list in one run, check mode included on a fresh host
description:
  - Asks dpkg (rpm on the RHEL family) which of O(packages) are installed and installs the others in one
    C(apt-get install) (C(dnf install)); apt refreshes its lists once when a name is unknown to them, as on a
    fresh host whose lists are empty.
  - Check mode needs nothing beyond dpkg, unlike M(ansible.builtin.apt), whose check mode needs C(python3-apt),
    which a minimal Debian server does not have; so a check run on a fresh host reports the packages it would
    install.
options:
  packages:
    description: Package names, installed when missing; nothing is removed or upgraded.
    required: true
    type: list
    elements: str
extends_documentation_fragment:
  - essentials.kvm.invocation
version_added: "0.2.0"
author:
  - KVM essentials developers (@kvm-essentials)
attributes:
  check_mode:
    description: Reports the packages that would be installed.
    support: full
  diff_mode:
    description: No diff; RV(installed) lists the packages.
    support: none
"""

EXAMPLES = r"""
- name: Install libvirt and QEMU
  essentials.kvm.host_packages:
    packages: [libvirt-daemon-system, qemu-system-x86]
"""

RETURN = r"""
installed:
  description: The packages that were missing and installed (or would be in check mode).
  sample: [open-iscsi]
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_units import converge_packages
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main

ARGUMENT_SPEC = dict(packages={"type": "list", "elements": "str", "required": True})


def packages(module):
    return converge_packages(module.run_command, module.params["packages"], check_mode=module.check_mode)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, packages)


if __name__ == "__main__":
    main()
