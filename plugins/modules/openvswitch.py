#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: openvswitch
short_description: Converge the whole Open vSwitch configuration in one transaction
description:
  - Takes every bridge, port, bond and mirror of the switch in one call, reads the current database in one
    query, and applies all differences in a single C(ovs-vsctl) transaction, then reads again to verify.
  - One exception takes two transactions, the removals first - a tunnel created by this run with the type,
    C(remote_ip) and C(key) of a tunnel this run deletes or changes (a renamed tunnel). Open vSwitch before 3.4
    creates the new tunnel before it lets the old one go, and refuses it with C(File exists).
  - The read after applying (C(ovs-vsctl) waits for ovs-vswitchd), and the one read of a run without change, also
    give what ovs-vswitchd made of each interface (the C(error) and C(ofport) columns). A declared interface that
    ovs-vswitchd refused (a tunnel with the settings of another tunnel on the host, a bad option) fails the run
    with its input path and Open vSwitch's message, whether or not this run changed it, so that a second run does
    not report it converged; the failure says whether this run's transaction was applied.
  - A declared system port or bond member whose device does not exist on the host is a warning, not a failure;
    Open vSwitch keeps the port and attaches the device when it appears. An interface the input does not declare
    that ovs-vswitchd refused is a warning. Check mode reports none of this.
  - Bond members, bond mode and LACP settings of an existing bond converge in place.
  - Keys of O(bridges[].other_config) and the C(external_ids) maps that are not listed are left alone.
  - All input is validated before anything changes; errors name the input path, prefixed by O(input_name)
    or O(ports_input_name).
version_added: 0.1.0
author:
  - KVM essentials developers (@essentials-kvm)
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.host_lock
options:
  bridges:
    description: The bridges of the switch, fake bridges included.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Bridge name, at most 15 characters.
        type: str
        required: true
        aliases: [bridge]
      state:
        description: V(absent) deletes the bridge with its ports.
        type: str
        choices: [present, absent]
        default: present
      parent:
        description: Parent bridge of a fake bridge; requires O(bridges[].vlan).
        type: str
      vlan:
        description: VLAN (1-4094) carried by a fake bridge.
        type: int
      fail_mode:
        description: Behaviour without an OpenFlow controller; unset means V(standalone).
        type: str
        choices: [standalone, secure]
      datapath_type:
        description: V(system) is the kernel datapath, V(netdev) the userspace one; unset means V(system).
        type: str
        choices: [system, netdev]
      stp:
        description: Enable the spanning tree protocol; unset means false.
        type: bool
      rstp:
        description: Enable the rapid spanning tree protocol; unset means false.
        type: bool
      mcast_snooping:
        description: Enable multicast snooping; unset means false.
        type: bool
      other_config:
        description: Bridge C(other_config) keys to set.
        type: dict
      external_ids:
        description: Bridge C(external_ids) keys to set.
        type: dict
      ports:
        description: Ports with a single interface of the same name.
        type: list
        elements: dict
        suboptions: &port_suboptions
          name:
            description:
              - Port and interface name, at most 15 letters, digits and C(_ . + @ -).
              - Patch and tunnel ports exist only in the switch database, not as kernel interfaces, and may
                have names of up to 255 characters.
            type: str
            required: true
            aliases: [port]
          state:
            description: V(absent) deletes the port.
            type: str
            choices: [present, absent]
            default: present
          type:
            description: Interface type; V(system) is an existing network device.
            type: str
            choices: [system, internal, patch, vxlan, geneve, gre]
            default: system
          peer:
            description: The other patch port; required for type V(patch).
            type: str
          remote_ip:
            description: Tunnel remote address (or V(flow)); required for V(vxlan), V(geneve) and V(gre).
            type: str
          key:
            description: Tunnel key (a number or V(flow)).
            type: str
          tag:
            description: Access VLAN, or native VLAN with O(bridges[].ports[].vlan_mode=native-tagged/native-untagged).
            type: int
          trunks:
            description: VLANs a trunk port carries; empty carries all.
            type: list
            elements: int
          vlan_mode:
            description: VLAN mode; unset lets Open vSwitch decide from tag and trunks.
            type: str
            choices: [access, trunk, native-tagged, native-untagged]
          external_ids:
            description: Port C(external_ids) keys to set.
            type: dict
      bonds:
        description: Ports bonding two or more interfaces.
        type: list
        elements: dict
        suboptions:
          name:
            description: Bond (port) name.
            type: str
            required: true
          state:
            description: V(absent) deletes the bond.
            type: str
            choices: [present, absent]
            default: present
          members:
            description: Member interfaces, at least two.
            type: list
            elements: str
          bond_mode:
            description: Load sharing; V(balance-tcp) needs LACP.
            type: str
            choices: [active-backup, balance-slb, balance-tcp]
            default: active-backup
          lacp:
            description: LACP negotiation.
            type: str
            choices: [active, passive, 'off']
            default: 'off'
          lacp_time:
            description: LACP PDU rate.
            type: str
            choices: [fast, slow]
            default: slow
          bond_updelay:
            description: Milliseconds a member must be up before it is used.
            type: int
            default: 0
          bond_downdelay:
            description: Milliseconds a member must be down before it is dropped.
            type: int
            default: 0
          tag:
            description: Access or native VLAN of the bond.
            type: int
          trunks:
            description: VLANs the bond carries; empty carries all.
            type: list
            elements: int
          vlan_mode:
            description: VLAN mode of the bond, as O(bridges[].ports[].vlan_mode) of a port.
            type: str
            choices: [access, trunk, native-tagged, native-untagged]
          external_ids:
            description: C(external_ids) keys to set on the bond's port.
            type: dict
      mirrors:
        description:
          - Port mirrors of a real bridge. A mirror that differs is replaced in the same transaction.
          - Selected and output ports must be listed under this bridge or one of its fake bridges.
        type: list
        elements: dict
        suboptions:
          name:
            description: Mirror name, unique on the bridge.
            type: str
            required: true
          state:
            description: V(absent) deletes the mirror.
            type: str
            choices: [present, absent]
            default: present
          select_all:
            description: Mirror every packet on the bridge.
            type: bool
            default: false
          select_src_port:
            description: Ports whose received packets (those entering the bridge there) are mirrored.
            type: list
            elements: str
          select_dst_port:
            description: Ports whose sent packets are mirrored.
            type: list
            elements: str
          select_vlan:
            description: Only mirror packets of these VLANs.
            type: list
            elements: int
          output_port:
            description: Port that receives the mirrored packets; give this or O(bridges[].mirrors[].output_vlan).
            type: str
          output_vlan:
            description: VLAN that carries the mirrored packets; give this or O(bridges[].mirrors[].output_port).
            type: int
  ports:
    description:
      - The older C(openvswitch_ports) shape, per bridge a list of ports.
      - The ports follow those of the O(bridges) entry of that bridge; a bridge no entry names is created
        with default settings and just these ports.
    type: list
    elements: dict
    default: []
    suboptions:
      bridge:
        description: Bridge the ports belong to. Required; checked with the rest of the input, so a missing one is
          reported with its position.
        type: str
      ports:
        description: Ports in the shape of O(bridges[].ports).
        type: list
        elements: dict
        suboptions: *port_suboptions
  purge:
    description: Delete ports, bonds and mirrors of the listed bridges that the input does not list.
    type: bool
    default: false
  ovs_vsctl:
    description: Name or path of the C(ovs-vsctl) program.
    type: str
    default: ovs-vsctl
  db:
    description: OVSDB to talk to, for example C(unix:/run/openvswitch/db.sock); the C(ovs-vsctl) default if unset.
    type: str
  timeout:
    description: Seconds C(ovs-vsctl) may wait for the database and for ovs-vswitchd to apply the change.
    type: int
    default: 30
  input_name:
    description: Name given to O(bridges) in error messages, so a role can name its own variable.
    type: str
    default: bridges
  ports_input_name:
    description: Name given to O(ports) in error messages, so a role can name its own variable.
    type: str
    default: ports
attributes:
  check_mode:
    support: full
    description: Returns the planned command, and with C(--diff) the switch it would leave, and changes nothing.
  diff_mode:
    support: full
    description: Shows the bridges, ports, bonds and mirrors before and after, one setting a line.
  platform:
    support: full
    platforms: debian
    description: Runs on the Open vSwitch host.
notes:
  - A port or bond not listed in the input that holds an interface the input places elsewhere is deleted.
  - A declared interface ovs-vswitchd refused fails every run until the input or the host is fixed; a failure
    after applying reports C(changed) and the applied command lines in C(done).
  - Ansible checks only that O(bridges) and O(ports) are lists of mappings; the module reads every item (the
    suboptions below), so a YAML boolean or number where a name belongs is refused rather than turned into text.
"""

EXAMPLES = r"""
- name: Uplink bond, a VM access port and a VLAN fake bridge
  essentials.kvm.openvswitch:
    bridges:
      - name: br-vm
        bonds:
          - name: bond0
            members: [eno1, eno2]
            bond_mode: balance-tcp
            lacp: active
            lacp_time: fast
            trunks: [10, 20]
        ports:
          - name: mgmt0
            type: internal
            tag: 10
          - name: ids0
            type: internal
        mirrors:
          - name: uplink-to-ids
            select_src_port: [bond0]
            select_dst_port: [bond0]
            output_port: ids0
      - name: vlan20
        parent: br-vm
        vlan: 20

- name: The older role's per-bridge port lists
  essentials.kvm.openvswitch:
    bridges:
      - bridge: br-int
        fail_mode: secure
    ports:
      - bridge: br-int
        ports:
          - port: enp0s9
            state: present
"""

RETURN = r"""
commands:
  description:
    - The single ovs-vsctl command line (argv) of the transaction; empty when nothing changes.
    - With the renamed-tunnel exception, the two command lines of RV(transactions) one after the other.
  returned: always
  type: list
  elements: str
  sample: [ovs-vsctl, --timeout=30, --, add-br, br0, --, set, Bridge, br0, fail_mode=secure]
transactions:
  description: The ovs-vsctl command lines run in order; one, two for the renamed-tunnel exception, none without change.
  returned: always
  type: list
  elements: list
  sample: [[ovs-vsctl, --timeout=30, --, del-port, vx-old], [ovs-vsctl, --timeout=30, --, add-port, br0, vx-new]]
before:
  description: Bridges by name as read before the change.
  returned: always
  type: dict
after:
  description: Bridges by name as read after the change (the same as before in check mode or without change).
  returned: always
  type: dict
diff:
  description:
    - The switch as text before and after, one setting a line, keys and named entries sorted; in check mode
      C(after) is the switch the planned command would leave.
    - C(after_header) says when the run takes two transactions.
  returned: when diff mode is on
  type: dict
  sample:
    before: "br0:\n  datapath_type: system\n  fail_mode: standalone\n  mcast_snooping: false\n  rstp: false\n\
      \  stp: false\n"
    after: "br0:\n  datapath_type: system\n  fail_mode: secure\n  mcast_snooping: false\n  rstp: false\n  stp: false\n"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.host_paths import program
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_refusals import interface_paths
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges

# Ansible checks only that bridges and ports are lists of mappings: ovs_validate is the one reader of the items,
# so an error names the item as written (openvswitch_bridges[0].ports[1].tag) and name: yes is not made "True".
ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    bridges=dict(ITEMS, default=[]),
    purge=dict(type="bool", default=False),
    ovs_vsctl=dict(type="str", default="ovs-vsctl"),
    db=dict(type="str"),
    timeout=dict(type="int", default=30),
    input_name=dict(type="str", default="bridges"),
    ports=dict(ITEMS, default=[]),
    ports_input_name=dict(type="str", default="ports"),
)


def switch(module):
    params = module.params
    desired = parse_bridges(params["bridges"], params["input_name"], params["ports"], params["ports_input_name"])
    binary = program("ovs_vsctl", params["ovs_vsctl"], module.get_bin_path(params["ovs_vsctl"]), "openvswitch-switch")
    vsctl = Vsctl(module.run_command, binary, params["db"], params["timeout"])
    paths = interface_paths(params["bridges"], params["input_name"], params["ports"], params["ports_input_name"])
    return converge(vsctl, desired, params["purge"], module.check_mode, module._diff, paths)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, switch)


if __name__ == "__main__":
    main()
