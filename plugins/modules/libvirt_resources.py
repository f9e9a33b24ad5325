#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_resources
short_description: Converge a host's virtual networks, storage pools and virtual machines in one call
version_added: 0.1.0
description:
  - Does what M(essentials.kvm.libvirt_network), M(essentials.kvm.libvirt_pool) and M(essentials.kvm.libvirt_domain)
    do, in one module run, and caches base images by URL for the VMs' disks (O(images)). The kvm role uses it; a
    no-op rerun costs one module run instead of three.
  - All three lists are validated before anything changes (a VM may name networks and pools listed here that do not
    exist yet); then networks and storage pools converge side by side (they share nothing on the host), then base
    images are downloaded into their pools, and VMs come last.
  - Volumes of C(dir), C(fs) and C(netfs) pools are created a few at a time.
  - A list left out is left alone. An empty list with its purge option set removes every object of that kind.
  - When a kind fails, the task fails with C(changed=true) if anything changed, and RV(done) lists what every kind
    changed; VMs are left alone when networks or pools failed.
author:
  - KVM essentials developers (@kvm-essentials)
extends_documentation_fragment:
  - essentials.kvm.host_lock
  - essentials.kvm.invocation
  - essentials.kvm.libvirt
  - essentials.kvm.networks
  - essentials.kvm.pools
  - essentials.kvm.images
  - essentials.kvm.vms
options:
  uri:
    description: libvirt connection URI, for every kind whose own URI option is unset.
    type: str
    default: qemu:///system
  networks_uri:
    description: libvirt connection URI of the networks, when not O(uri).
    type: str
  networks_input_name:
    description: Name used at the start of error paths of O(networks), like the role variable that held it.
    type: str
    default: networks
  networks_purge:
    description: Stop and undefine networks that are not in O(networks) (including libvirt's V(default)).
    type: bool
    default: false
  networks_restart_on_change:
    description: Restart a running network whose change libvirt cannot apply live. A restart cuts its guests off.
    type: bool
    default: false
  pools_uri:
    description: libvirt connection URI of the storage pools, when not O(uri).
    type: str
  pools_input_name:
    description: Name used at the start of error paths of O(pools).
    type: str
    default: pools
  pools_purge:
    description: Undefine pools that are not in O(pools) (their data stays).
    type: bool
    default: false
  pools_restart_on_change:
    description: Restart an active pool whose definition changed; otherwise it is listed in RV(restart_required).
    type: bool
    default: false
  images_uri:
    description: libvirt connection URI of the pools that cache O(images), when not O(uri).
    type: str
  images_input_name:
    description: Name used at the start of error paths of O(images).
    type: str
    default: images
  images_purge:
    description:
      - Delete cached images (volumes named C(NAME-CHECKSUM.img) in the images' pools) that O(images) does not list
        and no defined VM's disk uses or is backed by.
    type: bool
    default: false
  vms_uri:
    description: libvirt connection URI of the VMs, when not O(uri).
    type: str
  vms_input_name:
    description: Name used at the start of error paths of O(vms).
    type: str
    default: vms
  vms_purge:
    description: Undefine domains on the host that are not in O(vms) (their volumes are kept).
    type: bool
    default: false
  vms_restart_on_change:
    description: Restart running guests whose change needs a restart (shutdown, then destroy after O(shutdown_timeout)).
    type: bool
    default: false
attributes:
  check_mode:
    description: Plans and reports every change, the diff included, without touching the host.
    support: full
  diff_mode:
    description: Shows each network's, pool's and VM's definition and state before and after; secrets are never shown.
    support: full
"""

EXAMPLES = r"""
- name: A network, a pool and a VM on them, in one module run
  essentials.kvm.libvirt_resources:
    networks:
      - name: lab
        ips:
          - address: 10.0.10.1
            prefix: 24
            dhcp_ranges: [{start: 10.0.10.100, end: 10.0.10.199}]
    pools:
      - name: images
        path: /srv/images
    vms:
      - name: web1
        memory: 2G
        pool: images
        disks:
          - size: 20G
        nics:
          - network: lab
    inventory_hostname: "{{ inventory_hostname }}"

- name: Only the VMs; networks and pools are left alone
  essentials.kvm.libvirt_resources:
    vms:
      - name: web1
        state: shutdown
"""

RETURN = r"""
networks:
  description: What was (or would be) done per network, as M(essentials.kvm.libvirt_network) returns it.
  returned: when O(networks) is given
  type: list
  elements: dict
pools:
  description: The pools that changed or need a restart, as M(essentials.kvm.libvirt_pool) returns them.
  returned: when O(pools) is given
  type: list
  elements: dict
images:
  description:
    - One entry per listed image, and one per cached image purged. C(actions) is empty when the image was cached
      already; C(format), C(virtual_size) and C(actual_size) (bytes) come with a download.
  returned: when O(images) is given
  type: list
  elements: dict
  sample:
    - {name: debian12, pool: images, volume: debian12-3f2a9c0d11be.img, format: qcow2, virtual_size: 2147483648,
       actual_size: 398458880, actions: ["download https://example.org/debian-12.qcow2 into pool images"]}
vms:
  description: One entry per VM handled on this host, the entries M(essentials.kvm.libvirt_domain) returns.
  returned: when O(vms) is given
  type: list
  elements: dict
restart_required:
  description: Per kind, the names of the networks, pools and VMs that need a restart to use their new definition.
  returned: always
  type: dict
  sample: {networks: [], pools: [images], vms: [web1]}
live_updates:
  description: virNetworkUpdate steps by network name.
  returned: when O(networks) is given
  type: dict
other_hosts:
  description: VMs placed on other hosts, left alone by this call.
  returned: when O(vms) is given
  type: list
  elements: str
done:
  description:
    - The changes made before the host refused one (and, for networks and pools, beside it); the task then fails with
      C(changed=true).
  returned: failure
  type: list
  elements: str
  sample: ["lab: define, start", "images: define pool images"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import LOCK_TIMEOUT_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import ITEMS, hiding_secrets
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.resources_reconcile import (
    Connections,
    Kind,
    Request,
    converge,
)

KINDS = ("networks", "pools", "images", "vms")
FALSE = {"type": "bool", "default": False}


def kind_spec(name):
    """A kind's list and its NAME_uri, NAME_input_name, NAME_purge and (but images) NAME_restart_on_change."""
    spec = {name: ITEMS, name + "_uri": {"type": "str"}, name + "_input_name": {"type": "str", "default": name}}
    spec[name + "_purge"] = FALSE
    if name != "images":
        spec[name + "_restart_on_change"] = FALSE
    return spec


ARGUMENT_SPEC = dict(
    lock_timeout=LOCK_TIMEOUT_OPTION,
    uri=URI_OPTION,
    declared_bridges={"type": "list", "elements": "str", "default": []},
    inventory_hostname={"type": "str"},
    shutdown_timeout={"type": "int", "default": 120},
    **kind_spec("networks"),
    **kind_spec("pools"),
    **kind_spec("images"),
    **kind_spec("vms"),
)


def kind(params, name):
    if params[name] is None:
        return None
    return Kind(
        items=params[name],
        uri=params[name + "_uri"] or params["uri"],
        input_name=params[name + "_input_name"],
        purge=params[name + "_purge"],
        restart_on_change=params.get(name + "_restart_on_change", False),
    )


def resources(module):
    params = module.params
    request = Request(
        declared_bridges=params["declared_bridges"],
        inventory_hostname=params["inventory_hostname"],
        shutdown_timeout=params["shutdown_timeout"],
        **dict((name, kind(params, name)) for name in KINDS),
    )
    with Connections() as connections:
        return converge(request, connections, check_mode=module.check_mode, diff=module._diff)


def main():
    module_main(hiding_secrets(AnsibleModule), ARGUMENT_SPEC, resources)


if __name__ == "__main__":
    main()
