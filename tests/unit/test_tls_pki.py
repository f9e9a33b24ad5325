"""libvirt's TLS files from the operator's PEM text (tls_pki, libvirt_daemon_config's tls_pki): what is refused
before anything is written, naming the variable; the files written root's, a key 0600 from the start, only when
they differ; the daemon restarted only then; a key's text in no diff, change line or error."""

import base64
import os
import stat

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import daemon_host, tls_pki
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.test_daemon_host import DEBIAN_UNITS, Host, params

# Stand-ins: DER-shaped bodies (an ASN.1 SEQUENCE); the checks read the PEM shape, not the cryptography.
BODY = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x02" * 8).decode()
CERT = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % BODY
KEY_BODY = base64.b64encode(b"\x30\x06\x02\x01\x07\x02\x01\x09" * 8).decode()
KEY = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % KEY_BODY


@pytest.fixture
def root(tmp_path, monkeypatch):
    """test_daemon_host's temp root: drop-ins and AppArmor there, libvirtd's units known."""
    monkeypatch.setattr(daemon_host, "DROPIN", str(tmp_path / "systemd/%s.d/essentials-kvm.conf"))
    monkeypatch.setattr(daemon_host, "APPARMOR_FILE", str(tmp_path / "apparmor/libvirt-qemu"))
    monkeypatch.setattr(daemon_host, "unit_exists", lambda unit, unit_dirs=None: unit.startswith("libvirtd"))
    (tmp_path / "libvirtd.conf").write_text("#listen_tls = 0\n")
    return tmp_path


def pem(label, body=BODY):
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, body, label)


def test_certificates_and_keys_pass_as_written_with_one_final_newline():
    assert tls_pki.certificate(CERT + CERT + "\n\n", "kvm_tls_ca_cert") == CERT + CERT
    assert tls_pki.certificate("Subject: CN=kvm1\n" + CERT, "kvm_tls_ca_cert").endswith(CERT)
    assert tls_pki.private_key(pem("RSA PRIVATE KEY").rstrip(), "kvm_tls_server_key") == pem("RSA PRIVATE KEY")


@pytest.mark.parametrize(
    "check, value, message",
    [
        (tls_pki.certificate, "", "kvm_tls_x: must be PEM text (got nothing)"),
        (tls_pki.certificate, 42, "kvm_tls_x: must be PEM text (got int)"),
        (
            tls_pki.certificate,
            "/srv/ca.pem",
            "is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block "
            "(give the file's text: lookup('file', '/srv/ca.pem'))",
        ),
        (tls_pki.certificate, KEY, "kvm_tls_x: holds a private key; a certificate is public and shown in diffs"),
        (tls_pki.certificate, CERT + KEY, "holds a private key"),
        (tls_pki.certificate, pem("CERTIFICATE", "!!notbase64!!"), "PEM block 1 does not hold DER data"),
        (tls_pki.certificate, pem("CERTIFICATE", base64.b64encode(b"hello").decode()), "does not hold DER data"),
        (tls_pki.private_key, CERT, "kvm_tls_x: holds more than a private key (a certificate?) (give the key alone)"),
        (tls_pki.private_key, KEY + CERT, "holds more than a private key"),
        (tls_pki.private_key, KEY + KEY, "holds 2 private keys; libvirt reads one"),
        (tls_pki.private_key, "secret", "is not a PEM private key: it has no -----BEGIN PRIVATE KEY----- block"),
        (
            tls_pki.private_key,
            pem("ENCRYPTED PRIVATE KEY"),
            "is an encrypted private key, which libvirt cannot "
            "read (decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the plain key in a vault)",
        ),
        (
            tls_pki.private_key,
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


def pki(root):
    return tls_pki.validate(
        [
            {"path": str(root / "CA/cacert.pem"), "certificate": CERT, "input_name": "kvm_tls_ca_cert"},
            {"path": str(root / "libvirt/servercert.pem"), "certificate": CERT, "input_name": "kvm_tls_server_cert"},
            {"path": str(root / "libvirt/private/serverkey.pem"), "key": KEY, "input_name": "kvm_tls_server_key"},
        ]
    )


def test_files_are_written_root_owned_a_key_0600_and_only_when_they_differ_and_restart_once(root):
    host = Host(DEBIAN_UNITS)
    daemon_host.converge_host(params(root), host, apparmor_enabled=True, socket_activation=True)
    again = Host(host.units)
    result, diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), again, apparmor_enabled=True, socket_activation=True
    )
    key = root / "libvirt/private/serverkey.pem"
    assert key.read_text() == KEY and (root / "CA/cacert.pem").read_text() == CERT
    assert (
        stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE((root / "libvirt/private").stat().st_mode) == 0o700
    )
    assert stat.S_IMODE((root / "CA/cacert.pem").stat().st_mode) == 0o644
    assert (key.stat().st_uid, key.stat().st_gid) == ((0, 0) if os.geteuid() == 0 else (os.getuid(), os.getgid()))
    assert "write %s (private key, not shown)" % key in result["changes"]
    assert result["restarted"] == ["libvirtd.service"]
    # Certificates are public and diffed; the key appears in no diff and no change line.
    assert {d["after_header"] for d in diffs} == {str(root / "CA/cacert.pem"), str(root / "libvirt/servercert.pem")}
    assert KEY_BODY not in repr(result) and KEY_BODY not in repr(diffs)
    # Nothing differs: nothing written, nothing restarted.
    third = Host(again.units)
    result, diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), third, apparmor_enabled=True, socket_activation=True
    )
    assert not result["changed"] and diffs == [] and third.switched() == []
    # A key made readable by others is made private again, without a restart (its text is the same).
    os.chmod(key, 0o644)
    result, _diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), Host(third.units), apparmor_enabled=True, socket_activation=True
    )
    assert result["changes"] == ["set mode 600, owner root on %s" % key] and result["restarted"] == []
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_check_mode_writes_no_certificate(root):
    result, _diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)),
        Host(DEBIAN_UNITS),
        check_mode=True,
        apparmor_enabled=True,
        socket_activation=True,
    )
    assert result["changed"] and not (root / "CA").exists()


def test_tls_comes_on_in_the_run_that_places_its_files(root):
    """The files of tls_files this run writes count as there: listen_tls stays 1 and the TLS socket goes on."""
    files = pki(root)
    host = Host(DEBIAN_UNITS)
    daemon_host.converge_host(
        params(root, tls_pki=files),
        host,
        apparmor_enabled=True,
        socket_activation=True,
        missing_tls=[f.path for f in files],
    )
    assert "listen_tls = 1" in (root / "libvirtd.conf").read_text()
    assert "systemctl enable libvirtd-tls.socket" in host.calls
