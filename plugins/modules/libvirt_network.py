#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_network
short_description: Converge all libvirt virtual networks of a host in one call
version_added: 0.1.0
description:
  - Defines, redefines, starts, stops, autostarts and removes libvirt virtual networks of every forward mode
    (nat, route, open, isolated, bridge, private, vepa, passthrough, hostdev).
  - Compares the normalised live definitions with the wanted ones and changes only what differs.
  - On a running network, DHCP ranges and hosts, DNS hosts, SRV and TXT records and portgroups are changed live
    and in the persistent definition. Any other change redefines the network and reports it in
    C(restart_required); the network is restarted only with O(restart_on_change), which cuts the guests plugged
    into it.
  - All input is checked before anything changes; errors name the input path, for example
    C(networks[1].ips[0].dhcp_ranges[0].start).
author:
  - KVM essentials developers (@kvm-essentials)
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.libvirt
  - essentials.kvm.networks
  - essentials.kvm.host_lock
options:
  purge:
    description: Stop and undefine networks that are not in O(networks) (including libvirt's V(default)).
    type: bool
    default: false
  restart_on_change:
    description:
      - Restart a running network whose change libvirt cannot apply live. A restart cuts the guests plugged into it.
    type: bool
    default: false
  input_name:
    description: Name used at the start of error paths, like the role variable that held O(networks).
    type: str
    default: networks
attributes:
  check_mode:
    description: Plans and reports the changes, the diff included, without touching the host.
    support: full
  diff_mode:
    description: Shows each network's definition, state and autostart before and after.
    support: full
"""

EXAMPLES = r"""
- name: NAT network with DHCP and an Open vSwitch network with VLAN portgroups
  essentials.kvm.libvirt_network:
    networks:
      - name: lab
        mode: nat
        ips:
          - address: 192.168.100.1
            prefix: 24
            dhcp_ranges:
              - start: 192.168.100.100
                end: 192.168.100.199
      - name: ovs-trunk
        mode: bridge
        bridge_name: br-ovs
        virtualport_type: openvswitch
        portgroups:
          - name: vlan10
            default: true
            vlan:
              tags: [10]
          - name: trunk
            vlan:
              tags: [10, 20, 30]
              native_tag: 10
    declared_bridges: [br-ovs]

- name: Remove every network not listed
  essentials.kvm.libvirt_network:
    networks:
      - name: lab
        ips:
          - address: 192.168.100.1
            prefix: 24
    purge: true
"""

RETURN = r"""
networks:
  description: What was (or, in check mode, would be) done per network.
  returned: always
  type: list
  elements: dict
  sample:
    - name: lab
      actions: [update live]
      restart_required: false
      live_updates: ['add-last ip-dhcp-range (ip 0): <range start="192.168.100.50" end="192.168.100.99" />']
restart_required:
  description: Running networks redefined but not restarted; they use the old definition until restarted.
  returned: always
  type: list
  elements: str
live_updates:
  description: virNetworkUpdate steps by network name.
  returned: always
  type: dict
done:
  description: The changes made before libvirt refused one; the task then fails with C(changed=true).
  returned: failure
  type: list
  elements: str
  sample: [define network lab, start network lab]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION, connection
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import options
from ansible_collections.essentials.kvm.plugins.module_utils.network_reconcile import converge, result

ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    uri=URI_OPTION,
    networks=ITEMS,
    purge={"type": "bool", "default": False},
    restart_on_change={"type": "bool", "default": False},
    declared_bridges={"type": "list", "elements": "str", "default": []},
    input_name={"type": "str", "default": "networks"},
)


def networks(module):
    names = ("input_name", "purge", "restart_on_change", "declared_bridges")
    with connection(module.params["uri"]) as conn:
        return result(converge(conn, module.params["networks"] or [], **options(module, *names)))


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, networks)


if __name__ == "__main__":
    main()
