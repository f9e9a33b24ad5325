# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a base image's name, checksum and first bytes say about it: digest lengths, compressions, formats.

Kept apart from image_fetch, which imports urllib.request, ssl and http.client: validation and every
no-op run need only these names, and those imports cost tens of milliseconds per module run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import shutil
import urllib.parse

from ansible_collections.essentials.kvm.plugins.module_utils.errors import UnsupportedError

HEX_LENGTHS = {64: "sha256", 128: "sha512"}
# What each compression starts with; bzip2 and zip are known only to be refused by name.
MAGIC = (
    ("xz", b"\xfd7zXZ\x00"),
    ("gz", b"\x1f\x8b"),
    ("zst", b"\x28\xb5\x2f\xfd"),
    ("bz2", b"BZh"),
    ("zip", b"PK\x03\x04"),
)
SUFFIXES = {".xz": "xz", ".gz": "gz", ".zst": "zst", ".bz2": "bz2", ".zip": "zip"}
SUPPORTED = ("xz", "gz", "zst", "none")
FORMATS = ("qcow2", "raw")


def url_file_name(url):
    return posixpath.basename(urllib.parse.unquote(urllib.parse.urlsplit(url).path))


def compression_by_name(url):
    """The compression the URL's file name announces, or None when it announces none."""
    return SUFFIXES.get(os.path.splitext(url_file_name(url))[1].lower())


def zstd_tool():
    tool = shutil.which("zstd")
    if tool is None:
        raise UnsupportedError("zstd-compressed images need the zstd command on the hypervisor; install zstd")
    return tool
