#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_migrate
short_description: Move VMs from this hypervisor to others, live when they run
version_added: 0.2.0
description:
  - Moves each VM of O(moves) from this host to its target peer to peer over C(qemu+ssh) with the key O(key_file),
    a running VM live (memory only when its disks are in a pool of the same name on the same shared storage on
    both hosts, with its disks copied into volumes created on the target otherwise), a shut-off VM as its
    definition, its disks on this host's own storage copied first into volumes created on the target (libvirt
    streams, sparse when both hosts' libvirt take it). The target keeps the VM's persistent definition; this
    host forgets it.
  - Once the VM runs (or, shut off, is defined) on the target and no more here, the volumes here whose disks
    the move copied are deleted (unless O(keep_source_disks), or another VM here uses one); RV(moves) lists
    them. A volume that cannot be deleted is a warning, not a failed move. A move that fails deletes the
    volumes it created on the target; the VM stays here.
  - Before anything moves, every target is read over the transport; a target that lacks one of the VM's networks
    or storage pools, its machine type or the CPU model and features its definition requires (libvirt's
    comparison of the VM's C(<cpu>) with what the target's hypervisor gives; a running VM with a host-model
    CPU as libvirt expanded it), or has a VM of that name already, fails the task naming the VM and the missing
    piece. A running VM with a host-passthrough CPU moves with a warning (libvirt cannot compare such CPUs).
  - Up to O(parallel) moves run at a time. A move that does not finish within O(timeout) seconds is aborted; the
    VM keeps running here. A move that fails keeps none of the others from moving; the task then fails, with
    RV(moves) listing the moves made and RV(stayed) the VMs still here.
  - Always returns RV(domains), RV(networks), RV(pools), RV(free_mib), RV(machine_types), RV(machines) and
    RV(tls_client), read
    before any move; the kvm role calls the module without O(moves) on every hypervisor to find where the
    declared VMs run and which hosts can take the VMs of a host in maintenance. See docs/migration_between_hosts.md.
author:
  - KVM essentials developers (@kvm-essentials)
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.libvirt
  - essentials.kvm.host_lock
options:
  moves:
    description:
      - The VMs to move away from this host, each a mapping of C(name) (the libvirt domain), C(target) (the target
        host's inventory name, for messages) and C(address) (the target's migration address, where libvirt and the
        memory stream reach it).
      - A move may give C(transport), V(ssh) (the default) or V(tls); over TLS this host's libvirt reaches the
        target at C(qemu+tls://address/system) with its client certificate (O(pki_path)), and a target whose
        certificate does not name C(address), or that another CA signed, is refused naming the VM, the target and
        the address before anything moves.
      - A move may give C(uri), the target's libvirt URI as this host's libvirt reaches it, instead of
        C(qemu+ssh://root@address/system) with O(key_file); the memory stream still goes to C(address).
    type: list
    elements: dict
  moves_input_name:
    description: Name used at the start of error paths of O(moves).
    type: str
    default: moves
  source:
    description: This host's name, used in messages and in RV(moves).
    type: str
    default: this host
  key_file:
    description: The private SSH key this host's libvirt logs in to the targets with, as root.
    type: path
    default: /root/.ssh/kvm_migration_ed25519
  pki_path:
    description:
      - For moves over TLS, the folder with this host's C(cacert.pem), C(clientcert.pem) and C(clientkey.pem)
        (the URI's C(pkipath)); empty, libvirt's C(/etc/pki/CA/cacert.pem), C(/etc/pki/libvirt/clientcert.pem) and
        C(/etc/pki/libvirt/private/clientkey.pem), where the kvm role puts them.
    type: path
    default: ""
  bandwidth:
    description: Limit of the migration stream in MiB/s; V(0) leaves it to QEMU.
    type: int
    default: 0
  max_downtime:
    description: Longest pause of the guest at the switch-over, in milliseconds.
    type: int
    default: 300
  auto_converge:
    description: Let QEMU slow down the guest's vCPUs when its memory changes faster than the stream sends it.
    type: bool
    default: true
  timeout:
    description: Seconds after which a move still running is aborted; the VM stays here.
    type: int
    default: 600
  parallel:
    description: How many moves run at a time.
    type: int
    default: 1
  keep_source_disks:
    description:
      - Keep this host's volume of each disk a move copied to the target; by default it is deleted once the VM
        is on the target and no more here.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reads both hosts and lists the moves it would make.
    support: full
  diff_mode:
    description: Has no diff; RV(moves) lists the moves.
    support: none
"""

EXAMPLES = r"""
- name: Move web1 live to kvm2
  essentials.kvm.libvirt_migrate:
    source: kvm1
    moves:
      - {name: web1, target: kvm2, address: 192.168.30.12}
    max_downtime: 200
"""

RETURN = r"""
domains:
  description: Every domain of this host and its state (V(running), V(shutoff), ...), read before any move.
  returned: always
  type: dict
  sample: {web1: running, db1: shutoff}
networks:
  description: The active networks of this host, read before any move.
  returned: always
  type: list
  elements: str
pools:
  description: The active storage pools of this host, read before any move.
  returned: always
  type: list
  elements: str
free_mib:
  description: The memory this host can give new guests (free, buffers and page cache) in MiB, read before any move.
  returned: always
  type: int
machine_types:
  description:
    - The machine types this host's QEMU offers per architecture (versioned names and their aliases), from
      libvirt's capabilities; a host in maintenance sends a VM only to a host that offers its machine type.
  returned: always
  type: dict
  sample: {x86_64: [pc, pc-i440fx-7.2, pc-q35-7.2, q35]}
machines:
  description: The architecture and machine type each domain of this host is defined with, read before any move.
  returned: always
  type: dict
  sample: {web1: {arch: x86_64, machine: pc-i440fx-7.2}}
tls_client:
  description:
    - Whether this host has the CA certificate, client certificate and key a move over TLS needs (in O(pki_path),
      else at libvirt's paths); the kvm role sends a VM over TLS only from a host that has them.
  returned: always
  type: bool
stayed:
  description: The VMs whose move failed; they are still here.
  returned: failure
  type: list
  elements: str
moves:
  description:
    - One entry per VM moved, in the order of O(moves). C(seconds) is the whole move as the module timed it;
      C(downtime_ms) and C(time_ms) are the downtime and total time libvirt measured for a live move.
      C(copied) names the disks copied to the target, C(removed) this host's volumes (C(pool/volume)) of those
      disks, deleted after the move. C(transport) is V(ssh) or V(tls), the connection libvirt moved the VM over.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: web1, from: kvm1, to: kvm2, live: true, transport: ssh, copied: [], removed: [], seconds: 6.2,
       downtime_ms: 48, time_ms: 5870}
    - {name: db1, from: kvm1, to: kvm2, live: false, transport: tls, copied: [vda], removed: [local/db1.qcow2],
       seconds: 31.0, downtime_ms: null, time_ms: null}
done:
  description: What each move did.
  returned: when O(moves) were given, outside check mode
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS
from ansible_collections.essentials.kvm.plugins.module_utils.migration_apply import Options
from ansible_collections.essentials.kvm.plugins.module_utils.migration_reconcile import Request, converge
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main

OPTIONS = (
    "bandwidth",
    "max_downtime",
    "auto_converge",
    "timeout",
    "key_file",
    "parallel",
    "keep_source_disks",
    "pki_path",
)
ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    uri=URI_OPTION,
    moves=ITEMS,
    moves_input_name={"type": "str", "default": "moves"},
    source={"type": "str", "default": "this host"},
    key_file={"type": "path", "default": "/root/.ssh/kvm_migration_ed25519"},
    bandwidth={"type": "int", "default": 0},
    max_downtime={"type": "int", "default": 300},
    auto_converge={"type": "bool", "default": True},
    timeout={"type": "int", "default": 600},
    parallel={"type": "int", "default": 1},
    keep_source_disks={"type": "bool", "default": False},
    pki_path={"type": "path", "default": ""},
)


def moves(module):
    params = module.params
    request = Request(
        uri=params["uri"],
        moves=params["moves"] or [],
        source=params["source"],
        options=Options(**dict((name, params[name]) for name in OPTIONS)),
        input_name=params["moves_input_name"],
    )
    return converge(request, check_mode=module.check_mode)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, moves)


if __name__ == "__main__":
    main()
