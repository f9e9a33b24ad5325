"""What converges at once, against libvirt's test driver: volumes of file pools a few at a time (other
backends one by one), networks beside pools; and what a failure among them reports as done."""

import threading

import pytest

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools  # noqa: E402
from tests.unit.driver_state import names  # noqa: E402
from tests.unit.pool_samples import LVM_POOL  # noqa: E402
from tests.unit.resources_calls import ROLE_NAMES, all_three, call  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def dir_pools(*names):
    return [
        {"name": name, "path": "/srv/" + name, "volumes": [{"name": "disk.qcow2", "capacity": "1M"}]} for name in names
    ]


def meet(monkeypatch, *methods, parties=2):
    """Make each (class, method) wait for `parties` callers before it runs: calls made one after another
    never meet and fail with BrokenBarrierError after the timeout."""
    barrier = threading.Barrier(parties, timeout=5)
    for cls, name in methods:
        original = getattr(cls, name)

        def waiting(self, *args, original=original):
            barrier.wait()
            return original(self, *args)

        monkeypatch.setattr(cls, name, waiting)


def test_volumes_of_dir_pools_are_created_at_the_same_time(node_conn, monkeypatch):
    meet(monkeypatch, (libvirt.virStoragePool, "createXML"))
    result = reconcile(node_conn, parse_pools(dir_pools("a", "b")))
    assert result["changed"]
    for name in ("a", "b"):
        assert node_conn.storagePoolLookupByName(name).listVolumes() == ["disk.qcow2"]


def test_volumes_of_a_logical_pool_are_created_one_by_one(node_conn, monkeypatch):
    running, most = [], []
    original = libvirt.virStoragePool.createXML

    def counting(self, *args):
        running.append(1)
        most.append(len(running))
        try:
            return original(self, *args)
        finally:
            running.pop()

    monkeypatch.setattr(libvirt.virStoragePool, "createXML", counting)
    reconcile(node_conn, parse_pools([LVM_POOL]))
    assert most == [1, 1]


def test_a_failed_volume_lists_everything_else_done_in_plan_order(node_conn, monkeypatch):
    original = libvirt.virStoragePool.createXML

    def refuse_in_b(self, *args):
        if self.name() == "b":
            raise libvirt.libvirtError("no space left on device")
        return original(self, *args)

    monkeypatch.setattr(libvirt.virStoragePool, "createXML", refuse_in_b)
    with pytest.raises(HostError) as err:
        reconcile(node_conn, parse_pools(dir_pools("a", "b")))
    assert err.value.message == "pools[1]: create volume disk.qcow2 (1 MiB) failed: no space left on device"
    assert err.value.done == [
        "define pool a",
        "build pool a",
        "start pool a",
        "enable autostart of pool a",
        "create volume disk.qcow2 (1 MiB) in pool a",
        "define pool b",
        "build pool b",
        "start pool b",
        "enable autostart of pool b",
    ]


def test_networks_start_while_pools_start(capsys, default_conn, tmp_path, monkeypatch):
    meet(monkeypatch, (libvirt.virNetwork, "create"), (libvirt.virStoragePool, "create"))
    result = call(capsys, **all_three(tmp_path))
    assert result["changed"] and not result.get("failed")
    assert default_conn.networkLookupByName("rnet").isActive()
    assert default_conn.storagePoolLookupByName("rpool").isActive()


def test_a_failed_network_lists_what_the_pools_did_and_leaves_vms_alone(capsys, default_conn, tmp_path, monkeypatch):
    def refuse(*_args):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(libvirt.virNetwork, "create", refuse)
    result = call(capsys, **all_three(tmp_path))
    assert result["failed"] and result["changed"]
    assert result["msg"] == "cannot start network rnet: refused by test"
    assert result["done"] == [
        "rpool: define pool rpool, build pool rpool, start pool rpool, enable autostart of pool rpool, "
        "create volume data.qcow2 (1 GiB)",
        "define network rnet",
    ]
    networks, pools, domains = names(default_conn)
    assert "rnet" in networks and "rpool" in pools and domains == ["test"]


def test_networks_and_pools_failing_together_report_both(capsys, default_conn, tmp_path, monkeypatch):
    def refuse(*_args):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(libvirt.virNetwork, "create", refuse)
    monkeypatch.setattr(libvirt.virStoragePool, "create", refuse)
    result = call(capsys, **dict(ROLE_NAMES, **all_three(tmp_path)))
    assert result["failed"] and result["changed"]
    assert result["msg"] == (
        "cannot start network rnet: refused by test; kvm_storage_pools[0]: start pool rpool failed: refused by test"
    )
    assert result["done"] == ["define network rnet", "define pool rpool", "build pool rpool"]
