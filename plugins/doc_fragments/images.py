# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The images option: base images by URL, cached in a pool of each hypervisor (libvirt_resources).
    DOCUMENTATION = r"""
options:
  images:
    description:
      - Base images by URL, downloaded on the managed host once (whatever the number of VMs) into a directory pool,
        for disks of C(type=image). Errors name the entry, for example C(images[0].checksum).
      - A download is streamed to a temporary name in the pool's directory, verified, decompressed, checked with
        C(qemu-img info) (a qcow2 without backing file, or a raw disk with a partition table), then renamed into the
        pool. Nothing partial is left on a failure.
      - The volume is named C(NAME-<first 12 hex digits of the checksum>.img); a new checksum downloads a new
        volume, and VMs on the old one keep their backing file. A rerun makes no HTTP request (with
        O(images[].checksum_url), only the checksum file is read).
      - The host's C(http_proxy) and C(https_proxy) apply. See docs/images.md.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Image name, used by O(vms[].disks[].image) (letters, digits and C(_ . + -)). Required.
          - A VM disk may also give an image by URL (O(vms[].disks[].url)); the same URL here and there is one image.
        type: str
      url:
        description: C(http://), C(https://) or C(file://) URL of the image. Required.
        type: str
      checksum:
        description: C(sha256:HEX) or C(sha512:HEX) of the file at O(images[].url) (compressed, if it is).
        type: str
      checksum_url:
        description:
          - URL of a C(SHA256SUMS) or C(SHA512SUMS) file that lists the image's file name, as Debian's and Ubuntu's
            mirrors publish. Give this or O(images[].checksum).
        type: str
      compression:
        description: How the file is compressed; detected from the file name, then from its first bytes, when unset.
        type: str
        choices: [xz, gz, zst, none]
      pool:
        description: The directory pool (C(dir), C(fs) or C(netfs)) that caches the image.
        type: str
        default: images
      validate_certs:
        description: Check HTTPS certificates against the host's CA store.
        type: bool
        default: true
      source_file:
        description:
          - Absolute path of a copy of the file at O(images[].url) on the managed host, read instead of the URL and
            checked against the same checksum (no request from the host). The kvm role's
            C(kvm_images_download_on=controller) sets it.
        type: path
"""
