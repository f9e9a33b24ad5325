# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pool-specific value checkers, built on the shared kit (checks.py): pool and volume names, IQN, WWN,
octal modes, NFS versions, ceph options and keys; and the permissions section that targets and volumes share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import Permissions

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$")
NAME_HINT = "use letters, digits and _ . + - only; no spaces, quotes, slashes or angle brackets"
IQN_RE = re.compile(r"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[A-Za-z0-9.-]+(:[^\s<>&\"'\x00-\x1f\x7f]+)?$")
WWN_RE = re.compile(r"^(0x)?[0-9a-fA-F]{16}$")
BASE64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
MODE_RE = re.compile(r"^0?[0-7]{3,4}$")
# The older ansible-kvm roles used virt_pool's state names.
LEGACY_STATES = {"undefined": "absent", "deleted": "absent"}
POOL_STATES = ("active", "inactive", "present", "absent")

pool_name = checks.text(NAME_RE, "a pool name", NAME_HINT)
volume_name = checks.text(NAME_RE, "a volume name", NAME_HINT)
target_iqn = checks.text(IQN_RE, "an iSCSI target IQN", "e.g. iqn.2026-01.com.example:storage.target1")
initiator_iqn = checks.text(IQN_RE, "an initiator IQN", "e.g. iqn.2026-01.com.example:host1")
wwn = checks.text(WWN_RE, "a WWN", "16 hex digits")
adapter_name = checks.text(re.compile(r"^[A-Za-z0-9_:.-]+$"), "an adapter name")
source_name = checks.text(
    re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+:@/-]*$"), "a source name", "letters, digits and _ . + : @ - /"
)
secret_usage = checks.text(re.compile(r"^[^/\x00-\x1f<>\"'&]+$"), "a secret usage name")
mount_option = checks.text(re.compile(r"^[A-Za-z0-9_.=:,+/-]+$"), "a mount option")
port = checks.integer(1, 65535)
unix_id = checks.integer(-1, 2**32 - 2)
_nfs_version = checks.text(re.compile(r"^[0-9]+(\.[0-9]+)?$"), "an NFS version", "e.g. 4 or 4.2")
_octal_mode = checks.text(
    MODE_RE, "an octal mode string such as '0755'", "quote it in YAML, otherwise 0755 is read as the number 493"
)


def mode(value, path):
    """A permissions mode as libvirt writes it, four octal digits."""
    return "%04o" % int(_octal_mode(value, path), 8)


def nfs_version(value, path):
    """A version is a number by nature, so protocol_version: 4 is taken as well as "4.2"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return _nfs_version(value, path)


def rbd_option_value(value, path):
    """A ceph client option value; ceph reads booleans as true/false (not on/off) and numbers as digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return checks.plain_text(value, path)


def pool_state(value, path):
    return checks.choice(*POOL_STATES)(LEGACY_STATES.get(value, value) if isinstance(value, str) else value, path)


def secret(value, path):
    """The key itself. Messages never show it."""
    if not isinstance(value, str) or not value.strip():
        fail(path, "must be a non-empty string (the value is not shown)")
    if not checks.SAFE_TEXT_RE.match(value):
        fail(path, "must be one line of UTF-8 text (the value is not shown)")
    return value


def ceph_key(value, path):
    if not BASE64_RE.match(secret(value, path)):
        fail(
            path,
            "must be the base64 ceph key as in the keyring file",
            "copy the value after 'key =' from ceph auth get-or-create",
        )
    return value


PERMISSIONS = {"mode": mode, "owner": unix_id, "group": unix_id, "label": checks.plain_text}


def read_permissions(value, path):
    return Permissions(**checks.read_set(checks.Fields(value, path, tuple(PERMISSIONS)), PERMISSIONS))
