#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ifupdown_interfaces
short_description: Converge Debian ifupdown host networking (interfaces, bonds, bridges, VLANs, Open vSwitch)
version_added: 0.1.0
description:
  - Takes the whole network configuration of a host in one call, in the shape of the older
    C(mrlesmithjr/ansible-config-interfaces) role, validates all of it before anything changes, renders
    the stanzas and installs them.
  - By default it owns one file in C(/etc/network/interfaces.d) and makes sure O(interfaces_file) sources it.
    With O(manage_main_file) it edits O(interfaces_file) itself. Either way, lines and stanzas it does not manage
    are kept byte for byte.
  - Only the stanzas that changed, and the stanzas stacked on them, are brought down (upper devices first,
    with the old file) and up (lower devices first, with the new file). An unchanged run bounces nothing.
  - With O(rollback_timeout), a rollback is armed on the host before anything is bounced, and the change then runs
    in a transient systemd unit of its own, so a connection cut by the change cannot stop it halfway. Follow it
    with O(report=true) from a new connection and disarm the rollback with O(confirm=true); unless that happens in
    time, the host restores the previous files and interfaces by itself.
  - A run killed while it changes the host (before it returned, or before it handed the change to its unit) leaves
    a file in O(state_dir) naming its process; the next run first puts back what that run had changed, with a
    warning, then applies its own change whole.
author:
  - KVM essentials developers (@kvm-essentials)
requirements:
  - ifupdown (C(ifquery), C(ifup), C(ifdown)); systemd (C(systemd-run)) when O(rollback_timeout) is used
attributes:
  check_mode:
    support: full
    description:
      - Validates, checks the rendered file with C(ifquery) and reports the diff and the interfaces that would be
        bounced.
  diff_mode:
    support: full
    description: Shows each file before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on the Debian host.
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.host_lock
options:
  dest:
    description:
      - File the module owns when O(manage_main_file=false).
      - Missing directories are made. A directory, a path under a file or (outside check mode) a place the module
        cannot write fails naming O(dest) before anything is read or written; the same holds for
        O(interfaces_file) and O(state_dir).
    type: path
    default: /etc/network/interfaces.d/essentials-kvm
  interfaces_file:
    description: The main ifupdown file; it gets a C(source) line for O(dest) unless one already covers it.
    type: path
    default: /etc/network/interfaces
  manage_main_file:
    description: Put the stanzas into O(interfaces_file) itself instead of O(dest).
    type: bool
    default: false
  purge:
    description: Remove stanzas of the managed file that are not declared (C(lo) always stays).
    type: bool
    default: false
  bounce:
    description: Bring changed stanzas and their dependants down and up. With V(false) only the files change.
    type: bool
    default: true
  rollback_timeout:
    description:
      - Seconds after which the host restores the previous configuration unless the change is confirmed with O(confirm).
        V(0) arms no rollback.
    type: int
    default: 0
  confirm:
    description:
      - Only disarm the rollback armed by the previous call; every other option is ignored.
      - Fails if that change failed (it was undone at once), is being or was rolled back, or is still being applied.
    type: bool
    default: false
  report:
    description: Only report RV(state) of the change armed by the previous call; changes nothing.
    type: bool
    default: false
  allow_management_change:
    description:
      - Allow a change that removes, enslaves, re-addresses or bounces an interface that carries the management
        connection (see O(management_interfaces)). Without it such a change is refused before anything changes,
        naming the item that asks for it; with it, only O(rollback_timeout) stands between the change and a lost
        host.
    type: bool
    default: false
  management_interfaces:
    description:
      - Interfaces to guard as carrying the management connection, besides the ones found from the SSH connection
        the module runs under (C(SSH_CONNECTION), also behind C(become)) with C(ip -j addr) and C(ip -j route get).
      - For connections the module cannot see, such as a console or a second network the controller uses. The
        devices under each (bond members, bridge ports, a VLAN's raw device, an OVS port's bridge and its uplinks)
        are guarded too.
      - A list of interface names.
    type: raw
    default: []
  packages:
    description:
      - Packages the declared interfaces need (C(ifenslave) for bonds, C(bridge-utils), C(vlan),
        C(openvswitch-switch)...), installed with C(apt-get install --no-install-recommends) when missing, after the
        whole input was checked and before any file changes; nothing is removed. Check mode lists them in
        RV(installed).
      - The config_interfaces role passes what its lists use, so one module run checks the input, the packages and
        the files.
    type: list
    elements: str
    default: []
  os_facts:
    description:
      - Also return the host's C(os_family), C(distribution) and C(distribution_major_version) as facts, read from
        C(/etc/os-release) and named as M(ansible.builtin.setup) names them, so a play with C(gather_facts=false)
        needs no setup run. The roles ask for them only when the play has none.
      - Either way a host outside the Debian family is refused before anything changes.
    type: bool
    default: false
  state_dir:
    description: Directory on the host for backups and the rollback script; made when missing, under an existing
      directory.
    type: path
    default: /var/lib/essentials-kvm/ifupdown
  network_bonds:
    description: Linux bonds.
    <<: &section {type: list, elements: dict, default: []}
    suboptions:
      <<: &common
        name:
          description: Interface name, at most 15 characters.
          type: str
          required: true
        configure:
          description: V(false) leaves the item out entirely.
          type: bool
          default: true
        enable:
          description: V(false) writes the stanza but never bounces it.
          type: bool
          default: true
        comment:
          description: Comment line(s) written above the stanza.
          type: str
        method:
          description: IPv4 method. Defaults to V(static) when an IPv4 address is given, else V(manual).
          type: str
          choices: [manual, static, dhcp, loopback]
        method6:
          description:
            - IPv6 method; an C(inet6) stanza is written when set. Defaults to V(static) when IPv6 addresses are
              given.
          type: str
          choices: [manual, static, dhcp, auto]
        start:
          description: V(auto) (C(auto) line), V(hotplug) (C(allow-hotplug) line) or V(none).
          type: str
          choices: [auto, hotplug, none]
          default: auto
        address:
          description: An address, in CIDR form or with O(network_interfaces[].netmask).
          type: str
        netmask:
          description: Netmask for O(network_interfaces[].address), dotted or as a prefix length.
          type: str
        netmask_cidr:
          description: Prefix length for O(network_interfaces[].address); wins over O(network_interfaces[].netmask).
          type: raw
        network:
          description: Accepted for compatibility with the older role and ignored (it follows from the address).
          type: str
        addresses:
          description: Further addresses in CIDR form, IPv4 or IPv6; a single address may be given as a string.
          type: list
          elements: str
        gateway:
          description: Default IPv4 gateway. At most one per host.
          type: str
        gateway6:
          description: Default IPv6 gateway. At most one per host.
          type: str
        routes:
          description: Static routes, added when the interface comes up.
          type: list
          elements: dict
          suboptions:
            to:
              description: Destination network in CIDR form, or V(default).
              type: str
              required: true
            via:
              description: Next hop.
              type: str
              required: true
            metric:
              description: Route metric.
              type: int
        mtu:
          description: MTU.
          type: int
        hwaddress:
          description: MAC address to set.
          type: str
        dns_nameservers:
          description: DNS servers (list, or a space-separated string).
          type: raw
        dns_search:
          description: DNS search domains (list, or a space-separated string).
          type: raw
        pre_up: {description: C(pre-up) commands; one may be given as a string., type: list, elements: str}
        up: {description: C(up) commands; one may be given as a string., type: list, elements: str}
        post_up: {description: C(post-up) commands; one may be given as a string., type: list, elements: str}
        pre_down: {description: C(pre-down) commands; one may be given as a string., type: list, elements: str}
        down: {description: C(down) commands; one may be given as a string., type: list, elements: str}
        post_down: {description: C(post-down) commands; one may be given as a string., type: list, elements: str}
        parameters:
          description:
            - Extra stanza options as in the older role; each becomes the line C(param val).
            - Known settings (for example C(bond_mode), C(bridge_stp)) are checked like their keys.
          type: list
          elements: dict
          suboptions:
            param:
              description: Option keyword, optionally followed by words of its value.
              type: str
              required: true
            val:
              description: Value.
              type: raw
      slaves:
        description: Member interfaces (list, or a space-separated string).
        type: raw
      primary:
        description: Primary member.
        type: str
      mode:
        description: Bonding mode; bonding(5) numbers them too (V(4) is V(802.3ad)).
        type: str
        choices: [balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb,
                  '0', '1', '2', '3', '4', '5', '6']
      miimon:
        description: Link monitoring interval in ms.
        type: int
      lacp_rate:
        description: LACP rate; bonding(5) numbers it too (V(1) is V(fast)).
        type: str
        choices: [slow, fast, '0', '1']
      xmit_hash_policy:
        description: Transmit hash policy.
        type: str
        choices: [layer2, layer2+3, layer3+4, encap2+3, encap3+4, vlan+srcmac]
      updelay:
        description: Up delay in ms.
        type: int
      downdelay:
        description: Down delay in ms.
        type: int
  network_bridges:
    description: Linux bridges.
    <<: *section
    suboptions:
      <<: *common
      ports:
        description: Bridge ports (list, or a space-separated string); empty means C(bridge-ports none).
        type: raw
      stp:
        description: Spanning tree.
        type: bool
      fd:
        description: Forward delay in seconds.
        type: int
      maxwait:
        description: Seconds to wait for ports to come up.
        type: int
      vlan_aware:
        description: Make the bridge VLAN aware.
        type: bool
      vids:
        description: VLAN ids or ranges (C(20-30)) of a VLAN-aware bridge.
        type: raw
  network_interfaces:
    description: Plain interfaces (physical NICs, bond members with O(network_interfaces[].bond_master)).
    <<: *section
    suboptions:
      <<: *common
      bond_master:
        description: Bond this interface is a member of.
        type: str
  network_vlans:
    description: VLAN interfaces named C(RAW.ID) or C(vlanID).
    <<: *section
    suboptions:
      <<: *common
      vlan_device:
        description: Raw device; required for C(vlanID) names.
        type: str
      vlan_id:
        description: VLAN id; must match the one in the name.
        type: int
  ovs_bridges:
    description: Open vSwitch bridges (C(OVSBridge)).
    <<: *section
    suboptions:
      <<: *common
      ports:
        description: Ports, each declared in O(ovs_bonds) or O(ovs_interfaces).
        type: raw
      options: &ovs_options
        description: C(ovs_options) entries C(opt=val).
        type: list
        elements: dict
        suboptions:
          opt:
            description: Option name.
            type: str
            required: true
          val:
            description: Value.
            type: raw
      ovs_extra: &ovs_extra
        description: Extra C(ovs-vsctl) commands, joined with C(--).
        type: raw
  ovs_bonds:
    description: Open vSwitch bonds (C(OVSBond)).
    <<: *section
    suboptions:
      <<: *common
      bridge:
        description: OVS bridge of the bond.
        type: str
      ports:
        description: Member NICs, at least two.
        type: raw
      bond_mode:
        description: OVS bond mode.
        type: str
        choices: [active-backup, balance-slb, balance-tcp]
      lacp:
        description: LACP mode.
        type: str
        choices: [active, passive, 'off']
      options: *ovs_options
      ovs_extra: *ovs_extra
  ovs_interfaces:
    description: Open vSwitch internal ports (C(OVSIntPort)) and NIC ports (C(OVSPort)).
    <<: *section
    suboptions:
      <<: *common
      bridge:
        description: OVS bridge of the port.
        type: str
      type:
        description: Port type.
        type: str
        choices: [OVSIntPort, OVSPort]
        default: OVSIntPort
      tag:
        description: Access VLAN tag.
        type: int
      options: *ovs_options
      ovs_extra: *ovs_extra
notes:
  - Errors name the input field, for example C(network_bonds[0].slaves[1]), and nothing changes on the host.
  - Ansible checks only that each list is a list of mappings; the module reads every item (the suboptions below),
    so a YAML boolean or number where a name belongs is refused rather than turned into text.
seealso:
  - name: interfaces(5)
    description: ifupdown configuration file format.
    link: https://manpages.debian.org/bookworm/ifupdown/interfaces.5.en.html
"""

EXAMPLES = r"""
- name: Active-backup bond with a VLAN and a bridge for guests
  essentials.kvm.ifupdown_interfaces:
    network_interfaces:
      - {name: eno1, bond_master: bond0}
      - {name: eno2, bond_master: bond0}
    network_bonds:
      - name: bond0
        mode: active-backup
        miimon: 100
        primary: eno1
    network_vlans:
      - name: bond0.10
    network_bridges:
      - name: br10
        address: 192.0.2.10/24
        gateway: 192.0.2.1
        ports: [bond0.10]
        stp: false
        fd: 0
    rollback_timeout: 120
  register: net

- name: Wait until the host has applied it
  essentials.kvm.ifupdown_interfaces:
    report: true
  register: progress
  until: progress.state != 'applying'
  retries: 30
  delay: 2
  when: net.rollback_armed

- name: Reconnect
  ansible.builtin.meta: reset_connection

- name: Confirm over the new connection
  essentials.kvm.ifupdown_interfaces:
    confirm: true
  when: net.rollback_armed
"""

RETURN = r"""
bounced:
  description: Interfaces brought down and/or up (or that would be, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [br10, bond0.10]
steps:
  description: The ifdown and ifup commands run (or planned), in order.
  returned: always
  type: list
  elements: str
  sample: ["ifdown br10", "ifup br10"]
diff:
  description: Each changed file before and after.
  returned: always
  type: list
  elements: dict
installed:
  description: The packages of O(packages) that were missing and installed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [ifenslave]
ansible_facts:
  description: The host's OS, when O(os_facts) is set.
  returned: when O(os_facts) is set
  type: dict
  sample: {os_family: Debian, distribution: Debian, distribution_major_version: "13"}
rollback_armed:
  description: Whether a rollback timer now waits for a call with O(confirm=true).
  returned: always
  type: bool
state:
  description:
    - State of the change armed by the previous call. V(none) (nothing armed), V(applying), V(applied) (awaits
      O(confirm=true)), V(confirmed) (just disarmed), V(failed) (a step failed and the previous configuration
      was put back), V(rolling_back) (not confirmed in time; the previous configuration is being put back) or
      V(rolled_back) (not confirmed in time; the previous configuration is back).
  returned: when O(report) or O(confirm) is set
  type: str
  sample: applied
detail:
  description: What failed (with the end of the ifup/ifdown output), or when the rollback ran.
  returned: when O(report) or O(confirm) is set
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_run
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.host_os import (
    os_facts,
    read_release,
    require_debian_family,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_fields import SECTIONS
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_management import check_management
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import run

# Ansible checks only that each section (ifupdown_fields.SECTIONS) is a list of mappings: ifupdown_validate is the one
# reader of the items, so an error names the item as written (network_bonds[0].parameters[1].val) and name: yes is not
# made "True".
SECTION = dict(ITEMS, default=[])
ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    dest=dict(type="path", default="/etc/network/interfaces.d/essentials-kvm"),
    interfaces_file=dict(type="path", default="/etc/network/interfaces"),
    manage_main_file=dict(type="bool", default=False),
    purge=dict(type="bool", default=False),
    bounce=dict(type="bool", default=True),
    rollback_timeout=dict(type="int", default=0),
    confirm=dict(type="bool", default=False),
    report=dict(type="bool", default=False),
    state_dir=dict(type="path", default="/var/lib/essentials-kvm/ifupdown"),
    allow_management_change=dict(type="bool", default=False),
    # raw: the kit reads the names, so management_interfaces: [yes] is refused rather than made "True".
    management_interfaces=dict(type="raw", default=[]),
    packages=dict(type="list", elements="str", default=[]),
    os_facts=dict(type="bool", default=False),
    **dict((section, SECTION) for section, _kind, _keys in SECTIONS),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def converge():
        params = module.params
        changing = not (params["confirm"] or params["report"])
        facts = os_facts(read_release())
        if changing:
            require_debian_family(facts)
            ifupdown_run.validate_host(params)
        ifupdown_run.recover_host(params, module.run_command, module.check_mode, module.warn)
        check_management(params, ifupdown_run.host_interfaces(), module.run_command, module.warn)
        result = ifupdown_run.converge_with_packages(params, module.run_command, module.check_mode)
        if params["os_facts"]:
            result["ansible_facts"] = facts
        return result

    run(module, converge)


if __name__ == "__main__":
    main()
