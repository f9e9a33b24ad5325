# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kvm role's kvm_images_download_on: controller, for hypervisors without internet access.

The controller fetches each image a host needs (listed, or given by a VM disk's URL) once into a cache directory,
verified against its checksum, under a name that carries the checksum: a rerun finds it with one stat and makes
no request (with checksum_url, only the checksum file is read). The role copies the file to the host, and
libvirt_resources reads it there as the image's source_file, checked against the same checksum."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath

from ansible_collections.essentials.kvm.plugins.module_utils.image_formats import url_file_name
from ansible_collections.essentials.kvm.plugins.module_utils.image_inline import with_inline
from ansible_collections.essentials.kvm.plugins.module_utils.image_reconcile import resolve
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import parse_images
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import guarded


def cache_name(spec):
    """16 hex digits of the checksum, then the URL's file name (its suffix tells the host the compression)."""
    return "%s-%s" % (spec.digest[1][:16], url_file_name(spec.url) or spec.name)


def download(images, vms, cache_dir, upload_dir, host=None, images_where="images", vms_where="vms", check_mode=False):
    """The images of this host fetched into cache_dir; returns the module's result: `images` for libvirt_resources
    (each with its source_file under upload_dir on the host) and `files`, what to copy where."""
    _every, specs = with_inline(parse_images(images, images_where), vms, vms_where, host)
    resolve(specs)
    result = {"changed": False, "images": [], "files": [], "actions": []}
    for spec in specs:
        name = cache_name(spec)
        path = os.path.join(cache_dir, name)
        if not os.path.exists(path):
            result["changed"] = True
            result["actions"].append("download %s into %s" % (spec.url, path))
            if not check_mode:
                _fetch(spec, path)
        item = {
            "name": spec.name,
            "url": spec.url,
            "checksum": "%s:%s" % spec.digest,
            "pool": spec.pool,
            "validate_certs": spec.validate_certs,
            "source_file": posixpath.join(upload_dir, name),
        }
        if spec.compression:
            item["compression"] = spec.compression
        result["images"].append(item)
        result["files"].append({"src": path, "dest": item["source_file"]})
    return result


def _fetch(spec, path):
    # Imported here, as in image_reconcile: urllib.request, ssl and http.client are paid only by a run that fetches.
    from ansible_collections.essentials.kvm.plugins.module_utils.image_fetch import fetch_verified

    os.makedirs(os.path.dirname(path), exist_ok=True)
    guarded(spec.path, "download", lambda: fetch_verified(spec.url, spec.digest, path, spec.validate_certs))
