#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: openvswitch_host
short_description: Install Open vSwitch, run its service and write its sysctl file in one run
description:
  - Installs the missing packages of O(packages) (apt or dnf; apt refreshes its lists once when a name is unknown),
    enables and starts O(service) (a slow ovsdb-server start is retried), and writes O(sysctl) to O(sysctl_file),
    loading it with C(sysctl -p) when it changed.
  - The switch's bridges, ports and bonds belong to M(essentials.kvm.openvswitch).
version_added: "0.2.0"
author:
  - KVM essentials developers (@kvm-essentials)
extends_documentation_fragment:
  - essentials.kvm.invocation
options:
  packages:
    description: Packages that provide ovs-vswitchd, ovsdb-server and ovs-vsctl.
    type: list
    elements: str
    default: [openvswitch-switch, openvswitch-common]
  service:
    description: systemd unit to enable and start.
    type: str
    default: openvswitch-switch
  sysctl:
    description: Kernel settings; an empty list removes O(sysctl_file).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Setting, for example C(net.ipv4.ip_forward).
        type: str
        required: true
      value:
        description: Its value.
        type: raw
        required: true
  sysctl_file:
    description: The file the settings go to; its directory is created.
    type: path
    default: /etc/sysctl.d/60-openvswitch.conf
attributes:
  check_mode:
    description: Reports what would be installed, switched and written.
    support: full
  diff_mode:
    description: Shows the sysctl file before and after.
    support: full
"""

EXAMPLES = r"""
- name: Install and run Open vSwitch, with IP forwarding on
  essentials.kvm.openvswitch_host:
    sysctl:
      - {name: net.ipv4.ip_forward, value: 1}
"""

RETURN = r"""
changes:
  description: What was installed, switched or written (or would be in check mode).
  returned: always
  type: list
  elements: str
  sample: ["install openvswitch-switch", "enable openvswitch-switch", "write /etc/sysctl.d/60-openvswitch.conf"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import dict_list
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.switch_host import converge_switch_host

ARGUMENT_SPEC = dict(
    packages={"type": "list", "elements": "str", "default": ["openvswitch-switch", "openvswitch-common"]},
    service={"type": "str", "default": "openvswitch-switch"},
    sysctl=dict_list(name={"type": "str", "required": True}, value={"type": "raw", "required": True}),
    sysctl_file={"type": "path", "default": "/etc/sysctl.d/60-openvswitch.conf"},
)


def switch_host(module):
    result, diffs = converge_switch_host(module.params, module.run_command, check_mode=module.check_mode)
    return dict(result, diff=diffs)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, switch_host)


if __name__ == "__main__":
    main()
