# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moves over libvirt's TLS transport (qemu+tls, port 16514) instead of SSH: which transport a move takes, the
target's URI (both for the module's read of the target and for libvirt's peer-to-peer connection), and what a
refused TLS connection means for the operator: the target's certificate does not name the migration address,
or it is signed by another CA than the one this host trusts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import socket
import ssl
from urllib.parse import quote

TRANSPORTS = ("auto", "ssh", "tls")
TLS_PORT = 16514
# libvirt's client files when the URI names no pkipath folder.
CLIENT_FILES = ("/etc/pki/CA/cacert.pem", "/etc/pki/libvirt/clientcert.pem", "/etc/pki/libvirt/private/clientkey.pem")


def tls_uri(address, pki_path=""):
    """The target's libvirt over TLS at its migration address; pki_path: the folder with this host's client
    certificate, key and CA (cacert.pem, clientcert.pem, clientkey.pem) when not libvirt's /etc/pki ones."""
    host = "[%s]" % address if ":" in address else address
    uri = "qemu+tls://%s/system" % host
    return uri + ("?pkipath=%s" % quote(pki_path, safe="/")) if pki_path else uri


def choose(source, source_offer, target, target_offer):
    """(transport, refusal) of one move from source to target: the source's kvm_migration_transport (its offer's
    `transport`) decides; the offers say whether the source has a client certificate (tls_client) and the target
    listens for TLS (tls_server). auto takes TLS when both are ready, else SSH; tls when one is not ready is
    refused, naming what is missing."""
    wanted = source_offer.get("transport") or "ssh"
    ready_source, ready_target = bool(source_offer.get("tls_client")), bool(target_offer.get("tls_server"))
    if wanted == "ssh" or (wanted == "auto" and not (ready_source and ready_target)):
        return "ssh", None
    lacks = []
    if not ready_source:
        lacks.append(
            "%s has no TLS client certificate (set kvm_tls_client_cert, kvm_tls_client_key and kvm_tls_ca_cert for it)"
            % source
        )
    if not ready_target:
        lacks.append(
            "%s does not listen for TLS at its migration address (kvm_enable_tls off; its server certificate, key "
            "or CA missing: set kvm_tls_server_cert, kvm_tls_server_key and kvm_tls_ca_cert for it; or "
            "kvm_listen_addr neither empty nor its kvm_migration_address)" % target
        )
    if lacks:
        return "tls", "kvm_migration_transport of %s is tls, but %s" % (source, " and ".join(lacks))
    return "tls", None


def client_ready(pki_path=""):
    """Whether this host has what a TLS client needs: the CA, its client certificate and key."""
    files = [os.path.join(pki_path, name) for name in ("cacert.pem", "clientcert.pem", "clientkey.pem")]
    return all(os.path.isfile(path) for path in (files if pki_path else CLIENT_FILES))


def diagnose(address, pki_path="", port=TLS_PORT, timeout=10):
    """Why the target's certificate was refused: libvirt says only "Failed to verify peer's certificate" (the
    reason goes to its log). One TLS handshake of our own with this host's CA and client files tells: "ca" (another
    CA signed it), "name" (it does not name the address), or None (it passes both, or the target cannot be
    reached)."""
    ca, cert, key = (
        tuple(os.path.join(pki_path, name) for name in ("cacert.pem", "clientcert.pem", "clientkey.pem"))
        if pki_path
        else CLIENT_FILES
    )
    for check_name in (False, True):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = check_name
        try:
            context.load_verify_locations(ca)
            context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError):
            return None
        try:
            with socket.create_connection((address, port), timeout) as sock:
                with context.wrap_socket(sock, server_hostname=address):
                    pass
        except ssl.SSLCertVerificationError:
            return "name" if check_name else "ca"
        except (OSError, ssl.SSLError):
            return None
    return None


def _san_kind(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return "DNS"
    return "IP"


def refusal(name, target, address, source, message, reason=None):
    """The error of a target whose libvirt refused the TLS connection, naming the VM, the target and the address;
    message: libvirt's; reason: diagnose's."""
    lowered = message.lower()
    if reason == "name" or "does not match the hostname" in lowered or "owner does not match" in lowered:
        why = (
            "the certificate %s's libvirt presents does not name %s, the address the move reaches it at; give its "
            "server certificate a subjectAltName %s:%s (docs/migration_between_hosts.md) or set "
            "kvm_migration_address to a name the certificate has" % (target, address, _san_kind(address), address)
        )
    elif reason == "ca" or any(text in lowered for text in ("known issuer", "not trusted", "unknown ca")):
        why = (
            "the certificate %s's libvirt presents is not signed by the CA this host trusts; give every hypervisor "
            "the same kvm_tls_ca_cert, and each a server certificate that CA signed" % target
        )
    elif "cannot read" in lowered and ("certificate" in lowered or "key" in lowered):
        why = "this host lacks its TLS client files; set kvm_tls_client_cert, kvm_tls_client_key and kvm_tls_ca_cert"
    else:
        why = "check that %s listens for TLS on port %d at %s and trusts this host's client certificate" % (
            target,
            TLS_PORT,
            address,
        )
    return "%s: cannot move to %s over TLS at %s: %s (libvirt: %s); nothing moved, the VM stays on %s" % (
        name,
        target,
        address,
        why,
        message,
        source,
    )
