"""The operator's PEM texts (checks.pem_certificate, checks.pem_private_key; tls_pki.validate): what is refused
before anything is written, naming the variable, and never quoting a key. Their writing is in test_daemon_host."""

import base64

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import checks, tls_pki
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

# Stand-ins: DER-shaped bodies (an ASN.1 SEQUENCE); the checks read the PEM shape, not the cryptography.
BODY = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x02" * 8).decode()
CERT = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % BODY
KEY_BODY = base64.b64encode(b"\x30\x06\x02\x01\x07\x02\x01\x09" * 8).decode()
KEY = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % KEY_BODY


def pem(label, body=BODY):
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, body, label)


def test_certificates_and_keys_pass_as_written_with_one_final_newline():
    assert checks.pem_certificate(CERT + CERT + "\n\n", "kvm_tls_ca_cert") == CERT + CERT
    assert checks.pem_certificate("Subject: CN=kvm1\n" + CERT, "kvm_tls_ca_cert").endswith(CERT)
    assert checks.pem_private_key(pem("RSA PRIVATE KEY").rstrip(), "kvm_tls_server_key") == pem("RSA PRIVATE KEY")


@pytest.mark.parametrize(
    "check, value, message",
    [
        (checks.pem_certificate, "", "kvm_tls_x: must be PEM text (got nothing)"),
        (checks.pem_certificate, 42, "kvm_tls_x: must be PEM text (got int)"),
        (
            checks.pem_certificate,
            "/srv/ca.pem",
            "is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block "
            "(give the file's text: lookup('file', '/srv/ca.pem'))",
        ),
        (checks.pem_certificate, KEY, "kvm_tls_x: holds a private key; a certificate is public and shown in diffs"),
        (checks.pem_certificate, CERT + KEY, "holds a private key"),
        (checks.pem_certificate, pem("CERTIFICATE", "!!notbase64!!"), "PEM block 1 does not hold DER data"),
        (checks.pem_certificate, pem("CERTIFICATE", base64.b64encode(b"hello").decode()), "does not hold DER data"),
        (checks.pem_private_key, CERT, "holds more than a private key (a certificate?) (give the key alone)"),
        (checks.pem_private_key, KEY + CERT, "holds more than a private key"),
        (checks.pem_private_key, KEY + KEY, "holds 2 private keys; libvirt reads one"),
        (checks.pem_private_key, "secret", "is not a PEM private key: it has no -----BEGIN PRIVATE KEY----- block"),
        (
            checks.pem_private_key,
            pem("ENCRYPTED PRIVATE KEY"),
            "is an encrypted private key, which libvirt cannot "
            "read (decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault)",
        ),
        (
            checks.pem_private_key,
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
            "%s\n-----END RSA PRIVATE KEY-----\n" % BODY,
            "Proc-Type: 4,ENCRYPTED",
        ),
    ],
)
def test_text_that_is_no_pem_certificate_or_key_is_refused_naming_the_variable(check, value, message):
    with pytest.raises(InputError) as raised:
        check(value, "kvm_tls_x")
    assert raised.value.message.startswith("kvm_tls_x: ") and message in raised.value.message
    assert BODY not in raised.value.message and KEY_BODY not in raised.value.message


def test_an_item_gives_one_text_per_file_and_one_file_per_item():
    with pytest.raises(InputError, match=r"^kvm_tls_server_key: gives both a certificate and a key"):
        tls_pki.validate([{"path": "/k.pem", "certificate": CERT, "key": KEY, "input_name": "kvm_tls_server_key"}])
    with pytest.raises(InputError, match=r"^tls_pki\[1\]: writes /c.pem, which tls_pki\[0\] writes too"):
        tls_pki.validate([{"path": "/c.pem", "certificate": CERT}, {"path": "/c.pem", "certificate": CERT}])
    with pytest.raises(InputError, match=r"^tls_pki\[0\].path: must be an absolute path"):
        tls_pki.validate([{"path": "c.pem", "certificate": CERT}])
    # Neither: the file is left as it is (placed by hand).
    assert tls_pki.validate([{"path": "/c.pem", "certificate": None, "key": None}]) == []
