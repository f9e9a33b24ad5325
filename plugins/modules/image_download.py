#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: image_download
short_description: Download base images once into a local cache, for hypervisors that cannot reach the URLs
extends_documentation_fragment:
  - essentials.kvm.invocation
description:
  - Fetches the base images one hypervisor needs, the listed O(images) and the images its O(vms) disks give by
    URL, into O(cache_dir), each verified against its checksum and named after it, so that a rerun finds it and
    makes no request (with C(checksum_url), only the checksum file is read).
  - Meant to run on the controller (C(delegate_to=localhost)); the kvm role does so with
    C(kvm_images_download_on=controller), copies RV(files) to the hypervisor and passes RV(images) to
    M(essentials.kvm.libvirt_resources), which reads each image from its C(source_file) and checks the same
    checksum. The file is kept as published (compressed, if it is); the hypervisor decompresses and checks it.
  - Input errors name the item, for example C(kvm_images[0].checksum) or C(kvm_vms[1].disks[0].url).
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  images:
    description: Base images, as O(essentials.kvm.libvirt_resources#module:images) takes them.
    type: list
    elements: dict
    default: []
  images_input_name:
    description: Name used at the start of error paths of O(images).
    type: str
    default: images
  vms:
    description:
      - VMs, as O(essentials.kvm.libvirt_resources#module:vms) takes them; only their disks' C(url) and checksum
        keys are read, for the VMs of O(inventory_hostname) (or without a C(host)).
    type: list
    elements: dict
    default: []
  vms_input_name:
    description: Name used at the start of error paths of O(vms).
    type: str
    default: vms
  inventory_hostname:
    description: The hypervisor the images are for; VMs placed on another host are left out.
    type: str
  cache_dir:
    description: Directory of the cache; created when missing.
    type: path
    required: true
  upload_dir:
    description: Directory on the hypervisor the files are copied to; sets each image's C(source_file).
    type: path
    required: true
attributes:
  check_mode:
    description: Reports the downloads it would make, and reads the checksum files it needs to name them.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Download the base images on the controller
  essentials.kvm.image_download:
    images:
      - name: debian12
        url: https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2
        checksum_url: https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS
    cache_dir: ~/.cache/essentials.kvm/images
    upload_dir: /var/lib/libvirt/images/essentials-uploads
  delegate_to: localhost
  register: fetched
"""

RETURN = r"""
images:
  description: The images for O(essentials.kvm.libvirt_resources#module:images), each with its checksum and source_file.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: debian12, url: "https://example.org/debian-12.qcow2", checksum: "sha256:3f2a...", pool: images,
       validate_certs: true, source_file: /var/lib/libvirt/images/essentials-uploads/3f2a9c0d11be4e21-debian-12.qcow2}
files:
  description: What to copy to the hypervisor, C(src) on the controller and C(dest) on the hypervisor.
  returned: success
  type: list
  elements: dict
  sample: [{src: /home/me/.cache/essentials.kvm/images/3f2a9c0d11be4e21-debian-12.qcow2,
            dest: /var/lib/libvirt/images/essentials-uploads/3f2a9c0d11be4e21-debian-12.qcow2}]
actions:
  description: The downloads made (or, in check mode, to make).
  returned: success
  type: list
  elements: str
  sample: ["download https://example.org/debian-12.qcow2 into /home/me/.cache/essentials.kvm/images/3f2a-deb.qcow2"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.image_controller import download
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import run

ITEMS = {"type": "list", "elements": "dict", "default": []}
ARGUMENT_SPEC = dict(
    images=ITEMS,
    images_input_name={"type": "str", "default": "images"},
    vms=ITEMS,
    vms_input_name={"type": "str", "default": "vms"},
    inventory_hostname={"type": "str"},
    cache_dir={"type": "path", "required": True},
    upload_dir={"type": "path", "required": True},
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    run(
        module,
        lambda: download(
            params["images"],
            params["vms"],
            params["cache_dir"],
            params["upload_dir"],
            params["inventory_hostname"],
            params["images_input_name"],
            params["vms_input_name"],
            module.check_mode,
        ),
    )


if __name__ == "__main__":
    main()
