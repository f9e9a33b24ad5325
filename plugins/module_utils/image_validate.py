# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base image input (libvirt_resources' images, the kvm role's kvm_images), read on the shared kit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.image_formats import (
    HEX_LENGTHS,
    SUPPORTED,
    compression_by_name,
)

DEFAULT_POOL = "images"
SCHEMES = ("http://", "https://", "file://")
CHECKSUM_RE = re.compile(r"^(sha256|sha512):([0-9a-fA-F]+)$")
# The name lands in a volume name (a file name in the pool), so no slash and no leading dot; and at most 100
# characters, so that NAME-<12 hex digits>.img stays within a volume name's 128.
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}$")
# A cached image's volume: its name, the first 12 hex digits of its checksum, .img (qcow2 or raw inside).
VOLUME_RE = re.compile(r"^(?P<name>.+)-[0-9a-f]{12}\.img$")


def url(value, where):
    checked = checks.text(what="a URL")(value, where)
    if not checked.lower().startswith(SCHEMES):
        fail(where, "must be an http://, https:// or file:// URL (got %r)" % checked)
    return checked


def checksum(value, where):
    checked = checks.text(what="a checksum")(value, where)
    found = CHECKSUM_RE.match(checked.strip())
    if not found or HEX_LENGTHS.get(len(found.group(2))) != found.group(1):
        fail(
            where,
            "must be sha256:HEX (64 digits) or sha512:HEX (128 digits) (got %r)" % checked,
            "copy the line for this file from the mirror's SHA256SUMS or SHA512SUMS, or give checksum_url",
        )
    return found.group(1), found.group(2).lower()


FIELDS = {
    "name": checks.text(NAME_RE, "an image name", "use at most 100 letters, digits and _ . + -"),
    "url": url,
    "checksum": checksum,
    "checksum_url": url,
    "compression": checks.choice(*SUPPORTED),
    "pool": checks.text(what="a storage pool name"),
    "validate_certs": checks.boolean,
    # The kvm role's kvm_images_download_on: controller copies the verified file here; the host reads it instead
    # of url (no request from the host) and checks it against the same checksum.
    "source_file": checks.abs_path,
}


@dataclass
class ImageSpec:
    name: str
    url: str
    path: str
    pool: str = DEFAULT_POOL
    digest: Optional[tuple[str, str]] = None  # (algorithm, hex); from checksum_url once it is read
    checksum_url: Optional[str] = None
    compression: Optional[str] = None  # None: detected from the file name, then from the magic bytes
    validate_certs: bool = True
    source_file: Optional[str] = None
    inline: bool = False  # given by a VM disk's url (image_inline), not listed

    @property
    def volume(self):
        """The cached volume's name: a new checksum is a new volume, so overlays on the old one keep it."""
        return "%s-%s.img" % (self.name, self.digest[1][:12])


def parse_image(raw, where):
    r = checks.Fields(raw, where, FIELDS)
    got = {key: r.get(key, check) for key, check in FIELDS.items() if r.has(key)}
    for key in ("name", "url"):
        if key not in got:
            fail(at(where, key), "is required")
    if ("checksum" in got) == ("checksum_url" in got):
        fail(
            r.where("checksum") if "checksum" in got else at(where, "checksum"),
            "give either checksum or checksum_url" if "checksum" in got else "is required",
            "sha256:HEX, or checksum_url: the mirror's SHA256SUMS file; an image is never cached unverified",
        )
    compression = got.get("compression") or compression_by_name(got["url"])
    if compression not in SUPPORTED + (None,):
        fail(
            r.where("compression" if "compression" in got else "url"),
            "%s compression is not supported" % compression,
            "use xz, gz or zst, or an uncompressed image",
        )
    return ImageSpec(
        name=got["name"],
        url=got["url"],
        path=where,
        pool=got.get("pool", DEFAULT_POOL),
        digest=got.get("checksum"),
        checksum_url=got.get("checksum_url"),
        compression=compression,
        validate_certs=got.get("validate_certs", True),
        source_file=got.get("source_file"),
    )


def parse_images(value, where="images"):
    """Validate the whole list before anything changes; returns ImageSpecs in input order."""
    specs, seen = [], {}
    for index, item in enumerate(checks.listing(value, where)):
        spec = parse_image(item, at(where, index))
        if spec.name in seen:
            other = seen[spec.name]
            why = (
                "is also used for %s at %s" % (other.url, other.path)
                if other.url != spec.url
                else "is already listed at %s" % other.path
            )
            fail(at(spec.path, "name"), "image %r %s" % (spec.name, why), "give each image its own name")
        seen[spec.name] = spec
        specs.append(spec)
    return specs
