# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's TLS files from the operator's PEM text (the kvm role's kvm_tls_ca_cert, kvm_tls_server_cert, ...):
checked before anything is written (a certificate must be PEM certificates, a key one unencrypted PEM private key;
errors name the variable), then written whole, atomically, owned by root, a certificate 0644 and a key 0600 from
the moment it exists (its temporary file is private before the text goes in). A key's text never reaches a diff,
a change line or an error message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import os
import re
import stat
import tempfile
from dataclasses import dataclass

from ansible_collections.essentials.kvm.plugins.module_utils.checks import abs_path
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at

BLOCK_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY")
CERT_MODE, KEY_MODE, KEY_DIR_MODE = 0o644, 0o600, 0o700
PEM_HINT = "give the PEM text itself, for example lookup('file', 'servercert.pem') or a vault variable"


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


def _blocks(text):
    return BLOCK_RE.findall(text)


def _der(body, where, number):
    """The block's base64 body decodes to DER (an ASN.1 SEQUENCE), or the block is refused."""
    lines = [line.strip() for line in body.strip().splitlines()]
    # A legacy encrypted key carries headers (Proc-Type, DEK-Info) before an empty line.
    if any(":" in line for line in lines):
        return False
    try:
        der = base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError):
        der = b""
    if not der or der[0] != 0x30:
        raise InputError(where, "PEM block %d does not hold DER data (its base64 text is damaged)" % number, PEM_HINT)
    return True


def _looks_like_path(text):
    return "\n" not in text.strip() and text.strip().startswith(("/", "~", "."))


def certificate(value, where):
    """One or more PEM certificates (a CA bundle may hold several); the text as written, ending in a newline."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, "must be PEM text (got %s)" % ("nothing" if not value else type(value).__name__))
    blocks = _blocks(value)
    if any(label in KEY_LABELS or label.endswith("PRIVATE KEY") for label, _body in blocks):
        raise InputError(
            where,
            "holds a private key; a certificate is public and shown in diffs",
            "give the key in its own variable (the _key one) and the certificate alone here",
        )
    certs = [body for label, body in blocks if label in ("CERTIFICATE", "TRUSTED CERTIFICATE")]
    if not certs:
        hint = "give the file's text: lookup('file', %r)" % value.strip() if _looks_like_path(value) else PEM_HINT
        raise InputError(where, "is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block", hint)
    for number, body in enumerate(certs, 1):
        _der(body, where, number)
    return value.strip() + "\n"


def private_key(value, where):
    """Exactly one unencrypted PEM private key (libvirt cannot ask for a passphrase). Errors never quote it."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, "must be PEM text (got %s)" % ("nothing" if not value else type(value).__name__))
    blocks = _blocks(value)
    if any(label == "ENCRYPTED PRIVATE KEY" for label, _body in blocks):
        raise InputError(
            where,
            "is an encrypted private key, which libvirt cannot read",
            "decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault",
        )
    keys = [body for label, body in blocks if label in KEY_LABELS]
    if any(label not in KEY_LABELS for label, _body in blocks):
        raise InputError(where, "holds more than a private key (a certificate?)", "give the key alone")
    if not keys:
        hint = "give the file's text: lookup('file', ...)" if _looks_like_path(value) else PEM_HINT
        raise InputError(where, "is not a PEM private key: it has no -----BEGIN PRIVATE KEY----- block", hint)
    if len(keys) > 1:
        raise InputError(where, "holds %d private keys; libvirt reads one" % len(keys), "give the server's key alone")
    if not _der(keys[0], where, 1):
        raise InputError(
            where,
            "is an encrypted private key (Proc-Type: 4,ENCRYPTED), which libvirt cannot read",
            "decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault",
        )
    return value.strip() + "\n"


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
        text = private_key(key, where) if key is not None else certificate(cert, where)
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
