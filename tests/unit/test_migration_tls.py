"""Moves over TLS (migration_tls): the target's URI each transport builds, and what a refused TLS connection
tells the operator (the VM, the target, the address, and the fix)."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import transport_uri
from ansible_collections.essentials.kvm.plugins.module_utils.migration_reconcile import Request, validate
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import refusal, tls_uri


def test_the_uri_of_each_transport():
    assert transport_uri("192.168.30.12", "/k") == "qemu+ssh://root@192.168.30.12/system?keyfile=/k&no_tty=1"
    assert transport_uri("192.168.30.12", "/k", "tls") == "qemu+tls://192.168.30.12/system"
    assert transport_uri("kvm2.lan", "/k", "tls", "/etc/pki/x y") == "qemu+tls://kvm2.lan/system?pkipath=/etc/pki/x%20y"
    assert tls_uri("fd00::2") == "qemu+tls://[fd00::2]/system"


def test_a_move_names_its_transport_ssh_by_default():
    moves = validate(Request(uri="qemu:///system", moves=[{"name": "a", "target": "kvm2", "address": "10.0.0.2"}]))
    assert moves[0].transport == "ssh"
    tls = dict(name="a", target="kvm2", address="10.0.0.2", transport="tls")
    assert validate(Request(uri="qemu:///system", moves=[tls]))[0].transport == "tls"
    with pytest.raises(InputError, match=r"^moves\[0\].transport: must be one of ssh, tls \(got 'scp'\)"):
        validate(Request(uri="qemu:///system", moves=[dict(tls, transport="scp")]))


@pytest.mark.parametrize(
    "libvirt_says, expected",
    [
        (
            "Certificate [session] owner does not match the hostname 10.0.0.2",
            "the certificate kvm2's libvirt presents does not name 10.0.0.2, the address the move reaches it at; give "
            "its server certificate a subjectAltName IP:10.0.0.2 (docs/migration_between_hosts.md) or set "
            "kvm_migration_address to a name the certificate has",
        ),
        (
            "authentication failed: Failed to verify peer's certificate",
            "check that kvm2 listens for TLS on port 16514 at 10.0.0.2 and trusts this host's client certificate",
        ),
        (
            "Unable to verify TLS peer: The certificate hasn't got a known issuer",
            "is not signed by the CA this host trusts; give every hypervisor the same kvm_tls_ca_cert",
        ),
        (
            "Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory",
            "this host lacks its TLS client files; set kvm_tls_client_cert, kvm_tls_client_key and kvm_tls_ca_cert",
        ),
    ],
)
def test_a_refused_tls_connection_names_the_vm_the_target_the_address_and_the_fix(libvirt_says, expected):
    text = refusal("web1", "kvm2", "10.0.0.2", "kvm1", libvirt_says)
    assert text.startswith("web1: cannot move to kvm2 over TLS at 10.0.0.2: ")
    assert expected in text and "(libvirt: %s)" % libvirt_says in text
    assert text.endswith("nothing moved, the VM stays on kvm1")


def test_libvirts_generic_refusal_is_explained_by_the_diagnosis():
    """libvirt 9 says only "Failed to verify peer's certificate"; diagnose's handshake tells why (lab-tested)."""
    generic = "authentication failed: Failed to verify peer's certificate"
    assert "does not name 10.0.0.2" in refusal("web1", "kvm2", "10.0.0.2", "kvm1", generic, "name")
    assert "not signed by the CA this host trusts" in refusal("web1", "kvm2", "10.0.0.2", "kvm1", generic, "ca")
    by_name = refusal("web1", "kvm2", "kvm2.storage.lan", "kvm1", generic, "name")
    assert "subjectAltName DNS:kvm2.storage.lan (" in by_name
