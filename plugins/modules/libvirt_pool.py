#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_pool
short_description: Converge all libvirt storage pools, their volumes and secrets of a host
description:
  - Takes the whole list of storage pools of a host, validates all of it before changing anything, reads the
    live pools, redefines only what differs, starts, stops and autostarts pools and creates, grows or deletes
    volumes. New volumes of C(dir), C(fs) and C(netfs) pools are created four at a time.
  - Supports all 14 libvirt pool types (dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd,
    sheepdog, gluster, zfs, vstorage). Types this host's libvirt has no backend for fail before any change.
  - CHAP passwords and ceph keys become libvirt secrets; their values never appear in a diff or a return value.
    Removing the pool undefines the secret made for it; secrets referred to by secret_usage or secret_uuid stay.
  - Volumes are never shrunk or recreated, and removing a pool keeps its data unless O(pools[].delete_data) is set.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
extends_documentation_fragment:
  - essentials.kvm.invocation
  - essentials.kvm.libvirt
  - essentials.kvm.pools
  - essentials.kvm.host_lock
options:
  purge:
    description: Undefine pools that are not listed (their data stays).
    type: bool
    default: false
  restart_on_change:
    description:
      - Restart an active pool whose definition changed. Without it such pools are listed in RV(restart_required).
    type: bool
    default: false
  input_name:
    description: Name of the input used in error messages, for example C(kvm_storage_pools).
    type: str
    default: pools
attributes:
  check_mode:
    description: Plans and reports every change without making it.
    support: full
  diff_mode:
    description: Shows each pool's definition, state and volumes before and after; secrets are never shown.
    support: full
"""

EXAMPLES = r"""
- name: A directory pool with a qcow2 volume and an NFS pool
  essentials.kvm.libvirt_pool:
    pools:
      - name: images
        path: /var/lib/libvirt/images
        volumes:
          - name: base.qcow2
            capacity: 20G
            format: qcow2
      - name: nfs
        type: netfs
        source:
          host: nas.example.org
          dir: /export/vms
          format: nfs
        target:
          path: /srv/nfs-vms

- name: A ceph pool with its key kept as a libvirt secret
  essentials.kvm.libvirt_pool:
    pools:
      - name: ceph
        type: rbd
        source:
          name: libvirt
          hosts:
            - name: mon1.example.org
              port: 6789
          auth:
            username: libvirt
            secret: "{{ vault_ceph_key }}"
"""

RETURN = r"""
pools:
  description: The pools that changed or need a restart, with the actions taken (or planned in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "images", "actions": ["define pool images", "start pool images"], "restart_required": false}]
restart_required:
  description: Active pools whose new definition takes effect only after a restart.
  returned: always
  type: list
  elements: str
  sample: ["nfs"]
done:
  description:
    - The changes made before the host refused one; the task then fails with C(changed=true).
    - Steps on volumes and secrets name their pool.
  returned: failure
  type: list
  elements: str
  sample: ["define pool images", "start pool images", "create volume a.qcow2 (1 GiB) in pool images"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION, connection
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS, hiding_secrets
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import options
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools

ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    uri=URI_OPTION,
    pools=ITEMS,
    purge=dict(type="bool", default=False),
    restart_on_change=dict(type="bool", default=False),
    input_name=dict(type="str", default="pools"),
)


def pools(module):
    specs = parse_pools(module.params["pools"] or [], module.params["input_name"])
    with connection(module.params["uri"]) as conn:
        return reconcile(conn, specs, **options(module, "purge", "restart_on_change"))


def main():
    module_main(hiding_secrets(AnsibleModule), ARGUMENT_SPEC, pools)


if __name__ == "__main__":
    main()
