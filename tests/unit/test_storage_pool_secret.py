"""Auth secrets of pools (storage_pool_secret) on libvirt's test driver with a fake secret driver: a key given
becomes a libvirt secret and never shows, a referenced one must exist, a pool's own secret goes with it."""

import json

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError
from tests.unit.pool_samples import KEY, RBD, Host, Secret, run

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")


def test_ceph_key_becomes_a_secret_and_never_shows(node_conn):  # noqa: F811
    host = Host(node_conn, supported=("rbd",))
    first = run(host, [RBD])
    assert first["pools"][0]["actions"][0] == "define secret essentials.kvm.pool.ceph-a"
    secret = host.secrets["essentials.kvm.pool.ceph-a"]
    assert secret.stored == b"AQBsecretkeyvalue==" and "<name>essentials.kvm.pool.ceph-a</name>" in secret.xml
    assert 'usage="essentials.kvm.pool.ceph-a"' in node_conn.storagePoolLookupByName("ceph-a").XMLDesc(0).replace(
        "'", '"'
    )
    assert not run(host, [RBD])["changed"]
    rotated = dict(RBD, source=dict(RBD["source"], auth={"username": "libvirt", "secret": "TkVXS0VZ"}))
    result = run(host, [rotated])
    assert result["pools"][0]["actions"] == ["set the value of secret essentials.kvm.pool.ceph-a"]
    text = json.dumps([first, result])
    assert KEY not in text and "TkVXS0VZ" not in text and "secretkeyvalue" not in text


class PrivateSecret(Secret):
    def value(self, flags):
        raise libvirt.libvirtError("secret is private")


def test_a_private_secret_is_set_each_run_and_passes_verification(node_conn):  # noqa: F811
    """Its value cannot be read back: planning again finds it to set again, which is no failure."""
    host = Host(node_conn, supported=("rbd",))
    host.secrets["client.libvirt"] = PrivateSecret("<secret/>")
    given = dict(
        RBD, source=dict(RBD["source"], auth={"username": "libvirt", "secret_usage": "client.libvirt", "secret": KEY})
    )
    run(host, [given])
    again = run(host, [given])
    assert again["pools"][0]["actions"] == ["set the value of secret client.libvirt"]
    assert host.secrets["client.libvirt"].stored == b"AQBsecretkeyvalue=="


def test_removing_the_pool_undefines_the_secret_made_for_it_only(node_conn):  # noqa: F811
    host = Host(node_conn, supported=("rbd",))
    run(host, [RBD])
    removed = run(host, [{"name": "ceph-a", "state": "absent"}])
    assert removed["pools"][0]["actions"] == [
        "stop pool ceph-a",
        "undefine pool ceph-a",
        "undefine secret essentials.kvm.pool.ceph-a",
    ]
    assert host.secrets["essentials.kvm.pool.ceph-a"].undefined
    host.secrets["client.libvirt"] = Secret("<secret/>")
    referenced = dict(RBD, source=dict(RBD["source"], auth={"username": "libvirt", "secret_usage": "client.libvirt"}))
    run(host, [referenced])
    assert run(host, [{"name": "ceph-a", "state": "absent"}])["pools"][0]["actions"] == [
        "stop pool ceph-a",
        "undefine pool ceph-a",
    ]
    assert not host.secrets["client.libvirt"].undefined


def test_referenced_secret_must_exist(node_conn):  # noqa: F811
    host = Host(node_conn, supported=("rbd",))
    spec = dict(RBD, source=dict(RBD["source"], auth={"username": "libvirt", "secret_usage": "client.libvirt"}))
    with pytest.raises(InputError) as err:
        run(host, [spec])
    assert err.value.path == "pools[0].source.auth.secret_usage"


def test_driver_without_secrets_is_a_host_error(node_conn):  # noqa: F811
    with pytest.raises(HostError) as err:
        run(node_conn, [RBD])
    assert "no secret driver" in err.value.message
