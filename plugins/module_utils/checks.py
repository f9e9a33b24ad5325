# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one input kit: what a bool, an int, a size, a name, a MAC or a VLAN id is, for every kind.

Every checker takes (value, path) and returns the normalised value or raises InputError naming the
path. Parametrised checkers are factories: `integer(1, 4094)` returns a checker. `Fields` reads one
input mapping against a declaration of its keys, so a kind's validation reads as that declaration.

The rules, the same in every module (docs/inputs.md has the table):
- bool: true/false, and the words Ansible's own bool accepts (yes/no, on/off, true/false, y/n, 1/0).
- int: a whole number or a string of digits ("10"); never a bool, never a fraction.
- size: a number with a unit (10G, 512MiB, 1.5T; K/M/G = KiB/MiB/GiB, KB/MB/GB = powers of 1000) or a
  bare number of MiB, as the older roles wrote memory and disks.
- text, names, hosts, paths: a string. A YAML boolean or number there is refused with the likely
  cause, never turned into "True" or "10".
- interface names: 1-15 of letters, digits and _ . + @ -, starting with a letter, digit or _.
- MAC: six hex pairs joined by ':', returned in lower case; unicast where a NIC gets it.
- VLAN id: 1-4094.
- PEM: a certificate is one or more CERTIFICATE blocks and no key; a private key one unencrypted key block alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import ipaddress
import re

from ansible_collections.essentials.kvm.plugins.module_utils import units
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

TRUE_WORDS = ("yes", "on", "true", "y", "1")
FALSE_WORDS = ("no", "off", "false", "n", "0")
IFNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,14}$")
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
DNS_NAME_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
# What may reach XML attributes, interfaces(5) lines and ovs-vsctl arguments as free text. Lone surrogates (the
# undecodable bytes of a non-UTF-8 file) cannot be encoded for libvirt, and XML 1.0 forbids U+FFFE and U+FFFF.
SAFE_TEXT_RE = re.compile(r"^[^\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]+$")
VLAN_LOW, VLAN_HIGH = 1, 4094
BOND_MODES_OVS = ("active-backup", "balance-slb", "balance-tcp")
LACP_MODES_OVS = ("active", "passive", "off")
YAML_BOOL_HINT = "unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it"
YAML_NUMBER_HINT = "YAML reads an unquoted number as a number: quote it"
# PEM: certificates and private keys (the kvm role's kvm_tls_* texts).
BLOCK_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY")
PEM_HINT = "give the PEM text itself, for example lookup('file', 'servercert.pem') or a vault variable"


def describe(value):
    """How an error shows what the user gave: its YAML kind and its value."""
    if isinstance(value, bool):
        return "a boolean: %s" % ("true" if value else "false")
    if isinstance(value, (int, float)):
        return "a number: %r" % (value,)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "%r" % (value,)


def fail(path, message, hint=None):
    raise InputError(path, message, hint)


def boolean(value, path):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    fail(path, "must be true or false (got %s)" % describe(value))


def integer(low, high):
    """A checker of whole numbers within [low, high]; high None means no upper bound."""

    def check(value, path):
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.match(r"^\s*[0-9]+\s*$", value):
            number = int(value)
        if number is None or number < low or (high is not None and number > high):
            span = "from %d to %d" % (low, high) if high is not None else "of at least %d" % low
            fail(path, "must be a whole number %s (got %s)" % (span, describe(value)))
        return number

    return check


def vlan_id(value, path):
    try:
        return integer(VLAN_LOW, VLAN_HIGH)(value, path)
    except InputError:
        fail(path, "must be a VLAN id from %d to %d (got %s)" % (VLAN_LOW, VLAN_HIGH, describe(value)))


def size(value, path):
    """Bytes from a size with a unit; a bare number is MiB (the older roles' rule for memory and disks)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, int) and value < 0):
        fail(path, "must be a size such as 10G or 512MiB, or a number of MiB (got %s)" % describe(value))
    if isinstance(value, int) or value.strip().isdigit():
        return int(value) * 1024 * 1024
    try:
        return units.parse_size(value)
    except ValueError:
        fail(path, "must be a size such as 10G or 512MiB, or a number of MiB (got %s)" % describe(value))


def choice(*choices):
    def check(value, path):
        if not isinstance(value, str) or value not in choices:
            hint = (
                YAML_BOOL_HINT
                if isinstance(value, bool) and any(c in TRUE_WORDS + FALSE_WORDS for c in choices)
                else None
            )
            fail(path, "must be one of %s (got %s)" % (", ".join(choices), describe(value)), hint)
        return value

    check.choices = choices  # read by the test that holds the modules' documented choices to the validators'
    return check


def text(pattern=SAFE_TEXT_RE, what="text", hint=None):
    """A checker of non-empty strings matching pattern. A YAML boolean or number is refused, not str()-ed."""

    def check(value, path):
        if isinstance(value, bool):
            fail(path, "must be %s, not %s" % (what, describe(value)), YAML_BOOL_HINT)
        if isinstance(value, (int, float)):
            fail(path, "must be %s, not %s" % (what, describe(value)), YAML_NUMBER_HINT)
        if not isinstance(value, str) or not value.strip():
            fail(path, "must be %s (got %s)" % (what, describe(value)))
        if not pattern.match(value):
            # what reads "a pool name" for "must be a pool name, not a boolean"; "a valid a pool name" would not do.
            fail(path, "is not a valid %s (got %r)" % (re.sub(r"^an? ", "", what), value), hint)
        return value

    return check


plain_text = text()


def word(value, path):
    """An option value for interfaces(5) or OVS: a string, number or YAML boolean, as one safe word or line."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return str(value)
    return plain_text(value, path)


def ifname(value, path):
    checked = text(what="an interface name")(value, path)
    if len(checked) > 15:
        fail(
            path,
            "interface names are at most 15 characters (got %r, %d)" % (checked, len(checked)),
            "Linux limits IFNAMSIZ to 16 bytes including the terminator",
        )
    if not IFNAME_RE.match(checked):
        fail(
            path,
            "%r is not a valid interface name" % checked,
            "use letters, digits and _ . + @ -, starting with a letter, digit or _",
        )
    return checked


def mac(value, path, unicast=True):
    checked = text(what="a MAC address")(value, path).lower()
    if not MAC_RE.match(checked):
        fail(path, "must be a MAC address such as 52:54:00:12:34:56 (got %r)" % (value,))
    if unicast and int(checked[:2], 16) & 1:
        fail(path, "must be a unicast MAC address (got %r)" % (value,), "the first octet must be even")
    return checked


def uuid(value, path):
    checked = text(what="a UUID")(value, path).lower()
    if not UUID_RE.match(checked):
        fail(path, "must be a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301 (got %r)" % (value,))
    # Dashed, as libvirt writes it back: one UUID spelt two ways would differ on every run.
    digits = checked.replace("-", "")
    return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


def ip(version=None):
    def check(value, path):
        try:
            address = ipaddress.ip_address(text(what="an IP address")(value, path))
        except ValueError:
            fail(path, "must be an IP address such as 192.168.100.1 or fd00::1 (got %r)" % (value,))
        if version and address.version != version:
            fail(path, "must be an IPv%d address (got %r)" % (version, value))
        return address.compressed

    return check


def host(value, path):
    """A host name or an IP address."""
    checked = text(what="a host name or IP address")(value, path)
    try:
        ipaddress.ip_address(checked)
    except ValueError:
        if not DNS_NAME_RE.match(checked):
            fail(path, "is not a host name or IP address (got %r)" % checked)
    return checked


def abs_path(value, path):
    checked = text(what="an absolute path")(value, path)
    if not checked.startswith("/") or "/../" in checked + "/":
        fail(path, "must be an absolute path (got %r)" % checked, "start it with / and avoid '..'")
    return checked


def mapping(value, path):
    if not isinstance(value, dict):
        fail(path, "must be a mapping (got %s)" % describe(value))
    return value


def listing(value, path):
    """A list; None (an unset option) is an empty list. A lone mapping or string is refused, not wrapped."""
    if value is None:
        return []
    if not isinstance(value, list):
        fail(path, "must be a list (got %s)" % describe(value))
    return value


def list_of(check):
    def checked(value, path):
        return [check(item, at(path, i)) for i, item in enumerate(listing(value, path))]

    return checked


class Fields:
    """One input mapping read against its declared keys.

    `aliases` maps a spelling the user may write (an older role's name) to the key it fills; errors
    name the key as the user wrote it. Unknown keys are refused with the list of known ones; a key set
    to None counts as unset (Ansible passes unset suboptions as None).
    """

    def __init__(self, data, path, keys, aliases=None):
        mapping(data, path)
        aliases = aliases or {}
        self.path = path
        self.data = {}
        self.written = {}
        for key, value in data.items():
            if value is None:
                continue
            name = aliases.get(key, key)
            if name not in keys:
                fail(at(path, str(key)), "is not a known option", "known options: %s" % ", ".join(sorted(keys)))
            if name in self.data:
                # Name the other spelling, whichever order the mapping came in.
                other = key if key != name else self.written[name]
                fail(at(path, str(other)), "is another spelling of %s; give only one of them" % name)
            self.data[name] = value
            self.written[name] = key

    def where(self, key):
        """The path of key as the user wrote it (alias included)."""
        return at(self.path, self.written.get(key, key))

    def has(self, key):
        return key in self.data

    def raw(self, key, default=None):
        return self.data.get(key, default)

    def get(self, key, check=plain_text, required=False, default=None):
        if key not in self.data:
            if required:
                fail(at(self.path, key), "is required")
            return default
        return check(self.data[key], self.where(key))

    def each(self, key, read):
        """read(item, path) for each item of the list under key."""
        where = self.where(key)
        return [read(item, at(where, i)) for i, item in enumerate(listing(self.data.get(key), where))]

    def one(self, key, read, default=None):
        return read(self.data[key], self.where(key)) if key in self.data else default


PCI_ADDRESS_RE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")


def pci_address(value, path):
    """A PCI address in full, domain:bus:slot.function (0000:03:10.1), returned in lower case."""
    checked = text(what="a PCI address")(value, path).lower()
    if not PCI_ADDRESS_RE.match(checked):
        fail(
            path,
            "must be a PCI address such as 0000:03:10.1 (got %r)" % (value,),
            "write it as domain:bus:slot.function",
        )
    return checked


def read_set(fields, spec):
    """The keys of spec (key -> checker) that the input sets, each read by its checker; a key whose checker is
    None is read by its own reader."""
    return {key: fields.get(key, check) for key, check in spec.items() if check and fields.has(key)}


def declared(cls, data, path, spec, required=()):
    """cls from the mapping data, whose keys are cls's fields, each read by its checker in spec."""
    return cls(**values(Fields(data, path, spec), spec, required))


def values(fields, spec, required=()):
    """The keys of spec that the input sets (and the required ones), each read by its checker."""
    return {
        key: fields.get(key, check, required=key in required)
        for key, check in spec.items()
        if fields.has(key) or key in required
    }


def _pem_blocks(text):
    return BLOCK_RE.findall(text)


def _pem_der(body, path, number):
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
        fail(path, "PEM block %d does not hold DER data (its base64 text is damaged)" % number, PEM_HINT)
    return True


def _looks_like_path(text):
    return "\n" not in text.strip() and text.strip().startswith(("/", "~", "."))


def pem_certificate(value, path):
    """One or more PEM certificates (a CA bundle may hold several); the text as written, ending in a newline."""
    if not isinstance(value, str) or not value.strip():
        fail(path, "must be PEM text (got %s)" % ("nothing" if not value else type(value).__name__))
    blocks = _pem_blocks(value)
    if any(label in KEY_LABELS or label.endswith("PRIVATE KEY") for label, _body in blocks):
        fail(
            path,
            "holds a private key; a certificate is public and shown in diffs",
            "give the key in its own variable (the _key one) and the certificate alone here",
        )
    certs = [body for label, body in blocks if label in ("CERTIFICATE", "TRUSTED CERTIFICATE")]
    if not certs:
        hint = "give the file's text: lookup('file', %r)" % value.strip() if _looks_like_path(value) else PEM_HINT
        fail(path, "is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block", hint)
    for number, body in enumerate(certs, 1):
        _pem_der(body, path, number)
    return value.strip() + "\n"


def pem_private_key(value, path):
    """Exactly one unencrypted PEM private key (libvirt cannot ask for a passphrase). Errors never quote it."""
    if not isinstance(value, str) or not value.strip():
        fail(path, "must be PEM text (got %s)" % ("nothing" if not value else type(value).__name__))
    blocks = _pem_blocks(value)
    if any(label == "ENCRYPTED PRIVATE KEY" for label, _body in blocks):
        fail(
            path,
            "is an encrypted private key, which libvirt cannot read",
            "decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault",
        )
    keys = [body for label, body in blocks if label in KEY_LABELS]
    if any(label not in KEY_LABELS for label, _body in blocks):
        fail(path, "holds more than a private key (a certificate?)", "give the key alone")
    if not keys:
        hint = "give the file's text: lookup('file', ...)" if _looks_like_path(value) else PEM_HINT
        fail(path, "is not a PEM private key: it has no -----BEGIN PRIVATE KEY----- block", hint)
    if len(keys) > 1:
        fail(path, "holds %d private keys; libvirt reads one" % len(keys), "give the server's key alone")
    if not _pem_der(keys[0], path, 1):
        fail(
            path,
            "is an encrypted private key (Proc-Type: 4,ENCRYPTED), which libvirt cannot read",
            "decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault",
        )
    return value.strip() + "\n"
