#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: libvirt_domain
short_description: Converge libvirt virtual machines (domains) on one host
version_added: 0.1.0
description:
  - Takes the whole list of virtual machines for a host in one call, validates all of it before anything
    changes, then defines, redefines, starts, stops or removes domains so the host matches the list.
  - Disks can use existing pool volumes, new volumes, copies of a base image or qcow2 overlays on a base image.
    A cloud-init NoCloud seed ISO is built on the host and stored in a pool.
  - Changes a running guest accepts (NIC or disk attach and detach, memory balloon, vCPUs up to the maximum,
    description and metadata) are applied live and persistently; the rest is redefined and reported in
    C(restart_required), and applied by a graceful restart only with O(restart_on_change).
  - Options left unset (O(vms[].arch), O(vms[].machine), O(vms[].nvram)) are left to libvirt and never reported as
    changes.
  - Accepts the older C(mrlesmithjr/ansible-kvm) C(kvm_vms) shape through aliases (C(vcpu), C(boot_devices),
    C(network_interfaces), C(disk_driver), C(network_driver), disk C(name), NIC C(source), C(cdrom)).
author:
  - KVM essentials developers (@kvm-essentials)
requirements:
  - xorriso, genisoimage or mkisofs on the host when O(vms[].cloud_init) is used
attributes:
  check_mode:
    support: full
    description: Plans and reports the changes without making them.
  diff_mode:
    support: full
    description: Shows the normalised domain XML, state and autostart before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on the libvirt host.
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.libvirt
  - essentials.kvm.vms
  - essentials.kvm.host_lock
options:
  input_name:
    description: Name of the variable the list came from, used in error messages (the kvm role passes C(kvm_vms)).
    type: str
    default: vms
  purge:
    description: Undefine domains on the host that are not in O(vms) (their volumes are kept).
    type: bool
    default: false
  restart_on_change:
    description:
      - Restart running guests whose change needs a restart (graceful shutdown, then destroy after
        O(shutdown_timeout)).
    type: bool
    default: false
  declared_networks:
    description:
      - Networks the same play creates before the VMs (the kvm role passes its C(kvm_virtual_networks) names).
      - They count as present in check mode only, so a dry run on a fresh host plans the VMs instead of failing;
        a real run needs them on the host.
    type: list
    elements: str
    default: []
  declared_pools:
    description: Storage pools the same play creates before the VMs; like O(declared_networks).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: A Debian guest from a base image, with a cloud-init seed
  essentials.kvm.libvirt_domain:
    inventory_hostname: "{{ inventory_hostname }}"
    vms:
      - name: web1
        memory: 2G
        vcpus: 2
        machine: q35
        disks:
          - type: overlay
            pool: default
            base: debian-12-genericcloud-amd64.qcow2
            size: 20G
        cloud_init:
          user_data:
            hostname: web1
            ssh_authorized_keys: ["ssh-ed25519 AAAA... admin"]
            packages: [qemu-guest-agent]
        nics:
          - network: default
          - type: bridge
            bridge: ovsbr0
            ovs: true
            vlan: 20

- name: An image without a bootloader, booted with a host kernel (dry run on a fresh host with the role's pools)
  essentials.kvm.libvirt_domain:
    declared_pools: [images]
    vms:
      - name: tiny1
        memory: 768M
        pool: images
        direct_boot:
          kernel: /var/lib/libvirt/boot/vmlinuz
          initrd: /var/lib/libvirt/boot/initrd.img
          cmdline: root=/dev/vda rw console=ttyS0 ds=nocloud
        disks:
          - base: rootfs.qcow2
        cloud_init:
          user_data:
            hostname: tiny1
            ssh_authorized_keys: ["ssh-ed25519 AAAA... admin"]

- name: The older ansible-kvm shape
  essentials.kvm.libvirt_domain:
    input_name: kvm_vms
    vms:
      - name: test_vm
        memory: '512'
        vcpu: '1'
        boot_devices: [network, hd]
        disks:
          - disk_driver: virtio
            name: test_vm.1
            size: '36864'
        network_interfaces:
          - source: default
            network_driver: virtio
            type: network
        state: running
"""

RETURN = r"""
vms:
  description: One entry per VM handled on this host.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Domain name.
      type: str
    changed:
      description: Whether anything changed (or would, in check mode).
      type: bool
    actions:
      description: What was (or would be) done, in order.
      type: list
      elements: str
    restart_required:
      description: The persistent definition changed in a way the running guest only picks up after a restart.
      type: bool
other_hosts:
  description: VMs placed on other hosts, left alone by this call.
  returned: always
  type: list
  elements: str
restart_required:
  description: Names of VMs that need a restart to apply their new definition.
  returned: always
  type: list
  elements: str
done:
  description:
    - The VMs converged before libvirt refused a change, with their actions, then the steps the refused VM
      went through before the refusal (see the sample); the task then fails with C(changed=true).
  returned: failure
  type: list
  elements: str
  sample: ["web1: define, start", "web2: define, then failed"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.domain_reconcile import converge
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION, connection
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS, hiding_secrets
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import options

ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    uri=URI_OPTION,
    inventory_hostname=dict(type="str"),
    input_name=dict(type="str", default="vms"),
    purge=dict(type="bool", default=False),
    restart_on_change=dict(type="bool", default=False),
    shutdown_timeout=dict(type="int", default=120),
    declared_networks=dict(type="list", elements="str", default=[]),
    declared_pools=dict(type="list", elements="str", default=[]),
    vms=ITEMS,
)
# converge's own keyword arguments, named like the options.
PASSED = ("input_name", "purge", "restart_on_change", "shutdown_timeout", "declared_networks", "declared_pools")


def vms(module):
    with connection(module.params["uri"]) as conn:
        return converge(
            conn,
            module.params["vms"] or [],
            host=module.params["inventory_hostname"],
            diff=module._diff,
            **options(module, *PASSED),
        )


def main():
    module_main(hiding_secrets(AnsibleModule), ARGUMENT_SPEC, vms)


if __name__ == "__main__":
    main()
