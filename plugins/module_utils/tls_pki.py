# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's TLS files from the operator's PEM text (the kvm role's kvm_tls_ca_cert, kvm_tls_server_cert, ...):
checked before anything is written (checks.pem_certificate and checks.pem_private_key; errors name the variable),
then written whole, atomically, owned by root, a certificate 0644 and a key 0600 from
the moment it exists (its temporary file is private before the text goes in). A key's text never reaches a diff,
a change line or an error message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tempfile
from dataclasses import dataclass

from ansible_collections.essentials.kvm.plugins.module_utils.checks import abs_path, pem_certificate, pem_private_key
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at

CERT_MODE, KEY_MODE, KEY_DIR_MODE = 0o644, 0o600, 0o700


@dataclass
class PkiFile:
    path: str
    text: str
    secret: bool  # a private key: mode 0600, never shown
    where: str  # the variable it came from, for errors

    @property
    def mode(self):
        return KEY_MODE if self.secret else CERT_MODE

    def describe(self):
        return "%s (%s)" % (self.path, "private key, not shown" if self.secret else "certificate")


def validate(entries, name="tls_pki"):
    """The module's tls_pki items (path, certificate or key, input_name) as PkiFile; an item with neither leaves
    its file alone and is dropped. Two items for one path are refused."""
    files, seen = [], {}
    for index, entry in enumerate(entries or ()):
        where = entry.get("input_name") or at(name, index)
        path = abs_path(entry.get("path"), at(at(name, index), "path"))
        cert, key = entry.get("certificate"), entry.get("key")
        if cert is not None and key is not None:
            raise InputError(where, "gives both a certificate and a key for %s" % path, "give one per file")
        if cert is None and key is None:
            continue
        if path in seen:
            raise InputError(where, "writes %s, which %s writes too" % (path, seen[path]), "give each file once")
        seen[path] = where
        text = pem_private_key(key, where) if key is not None else pem_certificate(cert, where)
        files.append(PkiFile(path=path, text=text, secret=key is not None, where=where))
    return files


def plan(pki_file):
    """(content_changed, meta_changed) of one file: its text, and its mode and owner (root)."""
    try:
        with open(pki_file.path, "rb") as handle:
            before = handle.read()
        info = os.stat(pki_file.path)
    except FileNotFoundError:
        return True, True
    except OSError as exc:
        raise HostError("%s: cannot read %s: %s" % (pki_file.where, pki_file.path, exc))
    owner = (0, 0) if os.geteuid() == 0 else (info.st_uid, info.st_gid)  # only root gives files away
    meta = stat.S_IMODE(info.st_mode) != pki_file.mode or (info.st_uid, info.st_gid) != owner
    return before != pki_file.text.encode(), meta


def write(pki_file, content=True):
    """The file's text (content) or only its mode and owner, the text through a temporary file that is private
    and root's before a byte goes in, then renamed over the old one."""
    directory = os.path.dirname(pki_file.path)
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, KEY_DIR_MODE if pki_file.secret else 0o755)
        if not content:
            _own(pki_file.path, pki_file.mode)
            return
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(pki_file.path), dir=directory)
    except OSError as exc:
        raise HostError("%s: cannot write %s: %s" % (pki_file.where, pki_file.path, exc))
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pki_file.text.encode())
            handle.flush()
            os.fsync(handle.fileno())
        _own(tmp, pki_file.mode)
        os.rename(tmp, pki_file.path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise HostError("%s: cannot write %s: %s" % (pki_file.where, pki_file.path, exc))


def _own(path, mode):
    if os.geteuid() == 0:
        os.chown(path, 0, 0)
    os.chmod(path, mode)
