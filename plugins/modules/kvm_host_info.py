#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kvm_host_info
short_description: Report whether a host can run KVM guests and which libvirt domain type to use
extends_documentation_fragment:
  - essentials.kvm.invocation
description:
  - Reads the CPU's hardware virtualisation flags (C(vmx) for Intel VT-x, C(svm) for AMD-V) from C(/proc/cpuinfo),
    the loaded KVM kernel modules, whether C(/dev/kvm) exists and answers the KVM API, and whether AppArmor is
    enabled.
  - Picks the domain type for guests, C(kvm) when libvirt's domain capabilities offer it and C(qemu) (software
    emulation, TCG) otherwise. When libvirt cannot be reached the choice follows C(/dev/kvm) and a warning says why.
  - Also tells whether libvirtd runs under systemd socket activation and whether the TLS certificates exist,
    so a role can decide how to configure remote access.
  - Never changes anything on the host.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  uri:
    description: libvirt connection URI to ask for domain capabilities.
    type: str
    default: qemu:///system
  tls_files:
    description: Files libvirtd needs for TLS; RV(tls_ready) says whether they all exist.
    type: list
    elements: path
    default: [/etc/pki/CA/cacert.pem, /etc/pki/libvirt/servercert.pem, /etc/pki/libvirt/private/serverkey.pem]
attributes:
  check_mode:
    description: Runs the same in check mode; it only reads.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
"""

EXAMPLES = r"""
- name: Learn what the host offers
  essentials.kvm.kvm_host_info:
  register: kvm_host

- name: Use KVM when the host has it
  ansible.builtin.set_fact:
    kvm_domain_type: "{{ kvm_host.domain_type }}"
"""

RETURN = r"""
cpu_virt_flags:
  description: Hardware virtualisation flags the CPUs list.
  returned: always
  type: list
  elements: str
  sample: ["vmx"]
hardware_virtualization:
  description: Whether the CPUs list C(vmx) or C(svm).
  returned: always
  type: bool
  sample: true
kvm_modules:
  description: Loaded KVM kernel modules.
  returned: always
  type: list
  elements: str
  sample: ["kvm_intel"]
kvm_device_exists:
  description: Whether C(/dev/kvm) exists.
  returned: always
  type: bool
  sample: true
kvm_device_usable:
  description: Whether C(/dev/kvm) opens read-write and answers the KVM API.
  returned: always
  type: bool
  sample: true
kvm_device_problem:
  description: Why C(/dev/kvm) is not usable; empty when it is.
  returned: always
  type: str
  sample: /dev/kvm does not exist
apparmor_enabled:
  description: Whether the kernel enforces AppArmor.
  returned: always
  type: bool
  sample: true
libvirtd_socket_activation:
  description: Whether libvirtd has systemd socket units (then systemd owns its sockets).
  returned: always
  type: bool
  sample: true
tls_files_missing:
  description: The O(tls_files) that do not exist.
  returned: always
  type: list
  elements: str
  sample: ["/etc/pki/libvirt/private/serverkey.pem"]
tls_ready:
  description: Whether all O(tls_files) exist.
  returned: always
  type: bool
  sample: false
domain_type:
  description: The libvirt domain type to give guests.
  returned: always
  type: str
  sample: kvm
domain_type_source:
  description: What decided RV(domain_type), C(libvirt) or C(/dev/kvm).
  returned: always
  type: str
  sample: libvirt
domain_type_reason:
  description: Why the domain type is C(qemu); empty when it is C(kvm).
  returned: always
  type: str
  sample: ""
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_virt import TLS_FILES
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION, describe_host
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main

ARGUMENT_SPEC = dict(uri=URI_OPTION, tls_files={"type": "list", "elements": "path", "default": list(TLS_FILES)})


def info(module):
    found, warnings = describe_host(module.params["uri"], module.params["tls_files"])
    return dict(found, changed=False, warnings=warnings)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, info)


if __name__ == "__main__":
    main()
