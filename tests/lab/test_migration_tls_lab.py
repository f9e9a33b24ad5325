"""Moves over libvirt's TLS transport (issue 24), through libvirt_migrate itself: the lab's libvirtd is the source,
the target a second real libvirtd (labkit PrivateLibvirtd) that listens for TLS on an address of the lab namespace's
loopback, with certificates of a throwaway CA made here by openssl. The module builds qemu+tls://ADDRESS/system for
its read of the target and for libvirt's peer-to-peer connection; the client certificate is taken from this test's
folder (pki_path, the URI's pkipath), so nothing is placed in the lab host's /etc/pki.

- the target is read over TLS: a VM on a network the target lacks is refused naming it (only the target's
  contents can say so), nothing moves;
- a client that trusts another CA, and a target whose certificate names another address, are refused naming the
  VM, the target, the address and the fix, nothing moves;
- a running guest (32 MiB, no disk, TCG) moves live, and a shut-off VM's definition moves, over TLS.
"""

import json
import os
import random
import stat
import uuid

import libvirt
import pytest

from tests.labkit import paths
from tests.labkit.counter_guest import guest_xml
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged, state
from tests.labkit.module_process import run_module
from tests.labkit.private_daemons import PrivateLibvirtd
from tests.labkit.tls_ca import Ca

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-t%s" % uuid.uuid4().hex[:4]
NET, NIC, OFF, RUN = TAG + "n", TAG + "nic", TAG + "off", TAG + "run"
# Addresses of the lab namespace's loopback of this run's own: the target's, and the mismatched target's.
_LAST = random.sample(range(2, 250), 2)
ADDRESS, OTHER = "127.0.%d.%d" % (_LAST[0], _LAST[1]), "127.0.%d.%d" % (_LAST[1], _LAST[0])


@pytest.fixture(scope="module")
def pki(tagged_folder):
    """Folders as libvirt reads them: the target's (its certificate names ADDRESS), the mismatched target's (its
    certificate names ADDRESS too, but it listens at OTHER), this host's client one and a client one of another
    CA."""
    ca, rogue = Ca(tagged_folder, "ca"), Ca(tagged_folder, "rogue")
    return {
        "server": ca.pki(
            os.path.join(tagged_folder, "server"), ca.issue("server", "serverAuth", "IP:" + ADDRESS), "server"
        ),
        "mismatch": ca.pki(
            os.path.join(tagged_folder, "mismatch"), ca.issue("other", "serverAuth", "IP:" + ADDRESS), "server"
        ),
        "client": ca.pki(os.path.join(tagged_folder, "client"), ca.issue("kvm1", "clientAuth"), "client"),
        "rogue": rogue.pki(
            os.path.join(tagged_folder, "rogue-client"), rogue.issue("kvm1-rogue", "clientAuth"), "client"
        ),
    }


@pytest.fixture(scope="module")
def target(tagged_folder, pki):
    daemon = PrivateLibvirtd(os.path.join(tagged_folder, "target"), tls=(ADDRESS, pki["server"]))
    os.makedirs(daemon.folder)
    daemon.start()
    try:
        yield daemon
    finally:
        conn = libvirt.open(daemon.uri)
        for dom in conn.listAllDomains(0):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        conn.close()
        daemon.stop()


@pytest.fixture(scope="module")
def source(lab):
    """The lab's libvirtd with a network (defined, never started), a shut-off VM with a NIC on it, a shut-off VM
    and a running guest without NIC nor disk; what is left of them removed afterwards."""
    conn = libvirt.open(LIBVIRT_URI)
    conn.networkDefineXML("<network><name>%s</name><bridge name='%s' stp='off'/></network>" % (NET, TAG[:15]))
    conn.defineXML(guest_xml(NIC, network=NET))
    conn.defineXML(guest_xml(OFF))
    conn.defineXML(guest_xml(RUN)).create()
    try:
        yield conn
    finally:
        remove_tagged(conn, TAG)
        conn.networkLookupByName(NET).undefine()
        conn.close()


def module(moves, pki_path, check_mode=False):
    """One run of libvirt_migrate in the lab namespace, each move over TLS; its JSON result."""
    moves = [dict(move, target="kvm2", transport="tls") for move in moves]
    args = dict(uri=LIBVIRT_URI, source="kvm1", moves=moves, pki_path=pki_path, timeout=120)
    return run_module("libvirt_migrate", dict(args, _ansible_check_mode=check_mode), namespace=paths.NETNS)


def test_the_target_is_read_over_tls_and_a_network_it_lacks_stops_the_move(source, target, pki):
    result = module([{"name": NIC, "address": ADDRESS}], pki["client"])
    assert result.get("failed") and not result["changed"], result
    assert (
        result["msg"]
        == "%s: cannot move to kvm2, which has no network %s: declare it in kvm_virtual_networks "
        % (
            NIC,
            NET,
        )
        + "for kvm2"
    ), result["msg"]
    assert state(source, NIC) == (True, False)


def test_a_client_that_trusts_another_ca_is_refused_and_nothing_moves(source, target, pki):
    result = module([{"name": RUN, "address": ADDRESS}], pki["rogue"])
    assert result.get("failed") and not result["changed"], result
    assert result["msg"].startswith("%s: cannot move to kvm2 over TLS at %s: " % (RUN, ADDRESS)), result["msg"]
    assert "is not signed by the CA this host trusts; give every hypervisor the same kvm_tls_ca_cert" in result["msg"]
    assert result["msg"].endswith("nothing moved, the VM stays on kvm1")
    there = libvirt.open(target.uri)
    assert state(source, RUN) == (True, True) and state(there, RUN) is None
    there.close()


def test_a_certificate_that_does_not_name_the_migration_address_is_refused_and_nothing_moves(
    source, tagged_folder, pki
):
    """A target whose server certificate names ADDRESS, reached at OTHER (its listening address)."""
    daemon = PrivateLibvirtd(os.path.join(tagged_folder, "mismatch-target"), tls=(OTHER, pki["mismatch"]))
    os.makedirs(daemon.folder)
    daemon.start()
    try:
        result = module([{"name": RUN, "address": OTHER}], pki["client"])
    finally:
        daemon.stop()
    assert result.get("failed") and not result["changed"], result
    assert result["msg"].startswith(
        "%s: cannot move to kvm2 over TLS at %s: the certificate kvm2's libvirt presents does not name %s, the "
        "address the move reaches it at; give its server certificate a subjectAltName IP:%s (docs/"
        % (RUN, OTHER, OTHER, OTHER)
    ), result["msg"]
    assert state(source, RUN) == (True, True)


def test_a_running_guest_moves_live_and_a_shut_off_vm_as_its_definition_over_tls(source, target, pki):
    check = module([{"name": RUN, "address": ADDRESS}, {"name": OFF, "address": ADDRESS}], pki["client"], True)
    assert check["changed"] and [m["name"] for m in check["moves"]] == [RUN, OFF], check
    assert state(source, RUN) == (True, True)
    result = module([{"name": RUN, "address": ADDRESS}, {"name": OFF, "address": ADDRESS}], pki["client"])
    assert not result.get("failed") and result["changed"], result
    live, offline = result["moves"]
    assert live["name"] == RUN and live["live"] and live["to"] == "kvm2" and live["downtime_ms"] is not None, live
    assert offline["name"] == OFF and not offline["live"], offline
    there = libvirt.open(target.uri)
    try:
        assert state(there, RUN) == (True, True) and state(there, OFF) == (True, False)
    finally:
        there.close()
    assert state(source, RUN) is None and state(source, OFF) is None
    # The next run finds nothing left to move here.
    again = module([{"name": RUN, "address": ADDRESS}, {"name": OFF, "address": ADDRESS}], pki["client"])
    assert not again.get("failed") and not again["changed"] and again["moves"] == [], again


def test_the_operators_pem_texts_are_written_root_owned_and_the_keys_never_shown(tagged_folder, pki):
    """libvirt_daemon_config's tls_pki as the kvm role passes it (kvm_tls_ca_cert, kvm_tls_server_cert, ...), in a
    real module run in diff mode: the files land with their modes, the key's text is in no output, the second run
    changes nothing, and a certificate given as a path is refused naming the variable."""
    texts = {}
    for name in ("cacert", "servercert", "serverkey"):
        with open(os.path.join(pki["server"], name + ".pem")) as handle:
            texts[name] = handle.read()
    etc = os.path.join(tagged_folder, "etc-pki")
    files = {
        "cacert": os.path.join(etc, "CA/cacert.pem"),
        "servercert": os.path.join(etc, "libvirt/servercert.pem"),
        "serverkey": os.path.join(etc, "libvirt/private/serverkey.pem"),
    }
    items = [
        {"path": files["cacert"], "certificate": texts["cacert"], "input_name": "kvm_tls_ca_cert"},
        {"path": files["servercert"], "certificate": texts["servercert"], "input_name": "kvm_tls_server_cert"},
        {"path": files["serverkey"], "key": texts["serverkey"], "input_name": "kvm_tls_server_key"},
    ]
    args = {"tls_pki": items, "tls_files": list(files.values()), "report_host": False, "_ansible_diff": True}
    first = run_module("libvirt_daemon_config", args)
    assert not first.get("failed") and first["changed"], first
    body = texts["serverkey"].split("-----")[2].strip().splitlines()[1]  # a line of the key's base64
    assert body not in json.dumps(first)
    assert "write %s (private key, not shown)" % files["serverkey"] in first["changes"]
    for name, path in files.items():
        with open(path) as handle:
            assert handle.read() == texts[name]
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, 0o600 if "key" in name else 0o644)
    assert stat.S_IMODE(os.stat(os.path.dirname(files["serverkey"])).st_mode) == 0o700
    second = run_module("libvirt_daemon_config", args)
    assert not second.get("failed") and not second["changed"] and second["changes"] == [], second
    wrong = dict(args, tls_pki=[dict(items[0], certificate=files["cacert"])])
    refused = run_module("libvirt_daemon_config", wrong)
    assert refused.get("failed") and refused["msg"] == (
        "kvm_tls_ca_cert: is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block (give the file's "
        "text: lookup('file', %r))" % files["cacert"]
    ), refused
