#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kvm_host_facts
short_description: Read a hypervisor's whole topology (links, bonds, VLANs, bridges, Open vSwitch, libvirt) as data
extends_documentation_fragment:
  - essentials.kvm.invocation
description:
  - Reads, in one run, the host's kernel links (physical NICs with speed and MAC, Linux bonds with mode, members,
    active member and LACP partner, VLAN devices, Linux bridges and their ports), Open vSwitch bridges, ports,
    bonds, tags and trunks, libvirt networks (mode, bridge, addresses, DHCP leases), storage pools (type,
    capacity, allocation) and their volumes, VMs (state, vCPUs, memory, each disk's pool and volume, each NIC's
    MAC, source, bridge, port, VLAN and leased addresses), the host's CPUs and memory and the totals committed
    to VMs.
  - The playbook C(essentials.kvm.report) gathers it from every host and draws the fleet report
    (docs/report.md).
  - Given the host's declared role variables in O(declared), also returns RV(facts.drift), what the C(kvm),
    C(openvswitch) and C(config_interfaces) roles would change, per object, from the modules' own check-mode plans
    and diffs.
  - Never changes anything (libvirt is opened read-only, drift is planned in check mode). A host without libvirt
    (bindings missing or daemon unreachable) or without Open vSwitch is reported as such in RV(facts.libvirt) and
    RV(facts.ovs), not as a failure.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  uri:
    description: libvirt connection URI to read (opened read-only).
    type: str
    default: qemu:///system
  ovs_vsctl:
    description: Name or path of the C(ovs-vsctl) program.
    type: str
    default: ovs-vsctl
  ovs_db:
    description: OVSDB to read, for example C(unix:/run/openvswitch/db.sock); the C(ovs-vsctl) default if unset.
    type: str
  declared:
    description:
      - The host's role variables, by their role names, for the drift; leave it out (or empty) for no drift.
      - C(kvm_virtual_networks), C(kvm_storage_pools), C(kvm_vms) with their C(_uri) and C(_purge) settings,
        C(kvm_virtual_networks_declared_bridges) and C(inventory_hostname) (it seeds derived MACs), as the
        C(kvm) role passes them to M(essentials.kvm.libvirt_resources).
      - C(openvswitch_bridges), C(openvswitch_ports), C(openvswitch_purge) (the C(openvswitch) role).
      - C(network_interfaces), C(network_bonds), C(network_bridges), C(network_vlans), C(ovs_bonds),
        C(ovs_bridges), C(ovs_interfaces), C(config_interfaces_dest), C(config_interfaces_file),
        C(config_interfaces_manage_main_file), C(config_interfaces_purge) (the C(config_interfaces) role).
      - A part is planned when any of its lists is given. Invalid input is reported in RV(facts.drift),
        not as a failure.
    type: dict
attributes:
  check_mode:
    description: Runs the same in check mode; it only reads.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff; the drift's diffs are in RV(facts.drift).
    support: none
"""

EXAMPLES = r"""
- name: Read the hypervisor's topology
  essentials.kvm.kvm_host_facts:
  register: topology

- name: Show how many VMs run
  ansible.builtin.debug:
    msg: "{{ topology.facts.totals.vms_running }} of {{ topology.facts.totals.vms }} VMs run"
"""

RETURN = r"""
facts:
  description:
    - The host's topology; docs/report.md documents every field.
    - Sizes of pools and volumes are bytes, memory is MiB.
  returned: always
  type: dict
  contains:
    schema:
      description: Version of this layout.
      type: int
      sample: 1
    hostname:
      description: The host's name as its kernel reports it.
      type: str
    reachable:
      description: Always true here; the report sets it false for hosts Ansible could not reach.
      type: bool
    resources:
      description: C(cpus), C(cpu_model) and C(memory_mib) of the host.
      type: dict
      sample: {"cpus": 16, "cpu_model": "AMD EPYC 7302", "memory_mib": 64305}
    links:
      description:
        - Kernel links except loopback, each with C(name), C(kind) (C(nic), C(bond), C(vlan), C(bridge),
          C(veth), C(tun), C(ovs), C(macvtap), ...), C(mac), C(state), C(mtu), C(speed) (Mb/s, NICs only),
          C(master) and C(master_kind) (the bond, bridge or C(ovs-system) it belongs to), C(parent) (a
          VLAN's or macvtap's lower link) and C(addresses) (CIDR).
        - Bonds add C(bond) (C(mode), C(members), C(active), C(lacp_partner)); VLANs C(vlan) (C(id),
          C(protocol)); bridges C(ports).
      type: list
      elements: dict
    ovs:
      description:
        - C(available) and C(problem) (why not), and C(bridges), each with C(name) and C(ports); a port has
          C(name), C(tag), C(trunks), C(vlan_mode), C(bond_mode) (bonds only), C(lacp) and C(interfaces)
          (C(name), C(type), C(mac), C(link_state), C(attached_mac), the VM NIC's MAC libvirt recorded).
      type: dict
    libvirt:
      description: C(available), C(problem) (why libvirt could not be read) and C(uri).
      type: dict
      sample: {"available": false, "problem": "the libvirt Python bindings are missing", "uri": "qemu:///system"}
    networks:
      description: libvirt networks with C(name), C(active), C(autostart), C(mode), C(bridge), C(virtualport),
        C(uplinks), C(addresses) and C(leases) (C(mac), C(address), C(prefix), C(hostname)).
      type: list
      elements: dict
    pools:
      description: Storage pools with C(name), C(type), C(active), C(autostart), C(capacity), C(allocation),
        C(available), C(path) and C(volumes) (C(name), C(path), C(capacity), C(allocation), C(format)).
      type: list
      elements: dict
    vms:
      description:
        - VMs with C(name), C(uuid), C(state), C(autostart), C(vcpus), C(memory_mib), C(disks) and C(nics).
        - A disk has C(target), C(device), C(type), C(pool), C(volume) (when it is a pool's volume) and C(path).
        - A NIC has C(mac), C(type), C(network), C(portgroup), C(bridge), C(device) (direct NICs),
          C(port) (its tap), C(virtualport), C(vlan) (tags), C(trunk), C(model) and C(addresses) (from leases).
      type: list
      elements: dict
    totals:
      description: C(vms), C(vms_running), C(vcpus), C(vcpus_running), C(memory_mib), C(memory_mib_running).
      type: dict
    drift:
      description:
        - Null without O(declared). Else C(objects), each with C(id) (the report node, such as C(vm:web1)),
          C(kind), C(name), C(status) (C(missing), C(extra) or C(different)), C(source) (the role variable),
          C(actions) and C(diff) (the module's diff of the object as C(--diff) prints it); C(errors) (C(part)
          and C(message), such as the validator's message for invalid input), C(warnings) and C(commands)
          (the planned ovs-vsctl command and ifdown/ifup steps).
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import pool_secrets
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.topology_facts import gather

ARGUMENT_SPEC = dict(
    uri=URI_OPTION,
    ovs_vsctl={"type": "str", "default": "ovs-vsctl"},
    ovs_db={"type": "str"},
    declared={"type": "dict"},
)


class Module(AnsibleModule):
    """The declared pools' secrets (CHAP passwords, ceph keys) are masked before the arguments are logged, as
    list_spec.HidesSecrets does for the modules that take pools."""

    def _log_invocation(self):
        self.no_log_values.update(pool_secrets((self.params.get("declared") or {}).get("kvm_storage_pools")))
        super()._log_invocation()


def facts(module):
    def run(argv):
        # run_command fails the module on a missing program; a host without OVS is a fact, not a failure.
        if module.get_bin_path(argv[0]) is None:
            raise OSError("%s not found" % argv[0])
        return module.run_command(argv, environ_update={"LC_ALL": "C"})

    params = module.params
    # The full path, as the openvswitch module shows it in its planned command.
    vsctl = module.get_bin_path(params["ovs_vsctl"]) or params["ovs_vsctl"]
    return {"changed": False, "facts": gather(run, params["uri"], vsctl, params["ovs_db"], params["declared"])}


def main():
    module_main(Module, ARGUMENT_SPEC, facts)


if __name__ == "__main__":
    main()
