"""Volume growth (libvirt first, lvextend where libvirt's logical backend cannot resize) and the report of
what changed before a failure, against libvirt's test driver."""

import subprocess

import pytest

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")

from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_resize  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_resize import grow_volume  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools  # noqa: E402
from tests.unit.pool_samples import LVM_POOL  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

MIB = 1024 * 1024
NO_SUPPORT = (
    "this function is not supported by the connection driver: storage pool does not support changing of volume capacity"
)


def libvirt_error(code, message):
    err = libvirt.libvirtError(message)
    err.err = (code, 0, message, 0, "", None, None, 0, 0)
    return err


def set_capacity(conn, pool, name, size):
    """The test driver cannot resize volumes at all (no support, as libvirt 9.0's logical backend): recreate."""
    pool = conn.storagePoolLookupByName(pool)
    pool.storageVolLookupByName(name).delete(0)
    pool.createXML("<volume><name>%s</name><capacity>%d</capacity><target/></volume>" % (name, size), 0)


class Lvm:
    """subprocess.run for lvextend: records the command and grows the test driver's volume as LVM would."""

    def __init__(self, conn, pool, returncode=0, stderr=""):
        self.conn, self.pool, self.returncode, self.stderr = conn, pool, returncode, stderr
        self.calls = []

    def __call__(self, argv, **kwargs):
        self.calls.append(argv)
        if self.returncode == 0:
            set_capacity(self.conn, self.pool, argv[3].split("/")[1], int(argv[2].rstrip("b")))
        return subprocess.CompletedProcess(argv, self.returncode, "", self.stderr)


class Host:
    """The test driver with a chosen answer to resize(): None grows the volume, otherwise that error code.
    It records the resizes and refreshes asked of it."""

    def __init__(self, conn, code=3):
        self._conn, self.code = conn, code
        self.resized, self.refreshed = [], []

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def storagePoolLookupByName(self, name):
        return Pool(self._conn.storagePoolLookupByName(name), self)


class Pool:
    def __init__(self, pool, host):
        self._pool, self._host = pool, host

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def storageVolLookupByName(self, name):
        return Volume(self._pool, name, self._host)

    def refresh(self, flags):
        self._host.refreshed.append(self._pool.name())
        return self._pool.refresh(flags)


class Volume:
    def __init__(self, pool, name, host):
        self._pool, self._name, self._host = pool, name, host

    def __getattr__(self, name):
        return getattr(self._pool.storageVolLookupByName(self._name), name)

    def resize(self, capacity, flags):
        if self._host.code is not None:
            raise libvirt_error(self._host.code, NO_SUPPORT if self._host.code == 3 else "internal error")
        self._host.resized.append((self._name, capacity))
        set_capacity(self._host._conn, self._pool.name(), self._name, capacity)


def grown(lv1="24M"):
    return [dict(LVM_POOL, volumes=[{"name": "lv1", "capacity": lv1}, {"name": "lv2", "capacity": "8M"}])]


def capacity(conn, pool, vol):
    return conn.storagePoolLookupByName(pool).storageVolLookupByName(vol).info()[1]


def test_libvirt_resizes_when_it_can_and_lvm_is_not_called(node_conn, monkeypatch):
    reconcile(node_conn, parse_pools([LVM_POOL]))
    host, lvm = Host(node_conn, code=None), Lvm(node_conn, "vg0")
    monkeypatch.setattr(storage_pool_resize.subprocess, "run", lvm)
    result = reconcile(host, parse_pools(grown()))
    assert result["pools"][0]["actions"] == ["grow volume lv1 from 16 MiB to 24 MiB"]
    assert host.resized == [("lv1", 24 * MIB)] and lvm.calls == []
    assert capacity(node_conn, "vg0", "lv1") == 24 * MIB


def test_logical_volume_grows_with_lvextend_when_libvirt_refuses(node_conn, monkeypatch):
    reconcile(node_conn, parse_pools([LVM_POOL]))
    host, lvm = Host(node_conn), Lvm(node_conn, "vg0")
    monkeypatch.setattr(storage_pool_resize.subprocess, "run", lvm)

    planned = reconcile(host, parse_pools(grown()), check_mode=True)
    assert planned["pools"][0]["actions"] == ["grow volume lv1 from 16 MiB to 24 MiB"]
    assert "volume lv1: 16 MiB" in planned["diff"][0]["before"] and "volume lv1: 24 MiB" in planned["diff"][0]["after"]
    assert lvm.calls == [] and capacity(node_conn, "vg0", "lv1") == 16 * MIB

    applied = reconcile(host, parse_pools(grown()))
    assert applied["pools"] == planned["pools"] and applied["diff"] == planned["diff"]
    assert lvm.calls == [["lvextend", "--size", "%db" % (24 * MIB), "vmvg/lv1"]]
    assert host.refreshed == ["vg0"] and capacity(node_conn, "vg0", "lv1") == 24 * MIB
    assert not reconcile(host, parse_pools(grown()))["changed"]


def test_a_smaller_logical_volume_is_never_shrunk(node_conn, monkeypatch):
    reconcile(node_conn, parse_pools(grown()))
    lvm = Lvm(node_conn, "vg0")
    monkeypatch.setattr(storage_pool_resize.subprocess, "run", lvm)
    result = reconcile(Host(node_conn), parse_pools(grown("16M")))
    assert not result["changed"] and lvm.calls == []
    assert result["warnings"] == [
        "pools[0].volumes[0]: volume lv1 is 24 MiB, larger than asked; volumes are never shrunk"
    ]


def test_lvextend_failure_names_the_command_and_its_error(node_conn, monkeypatch):
    reconcile(node_conn, parse_pools([LVM_POOL]))
    lvm = Lvm(
        node_conn, "vg0", returncode=5, stderr="  Insufficient free space: 2 extents needed, but only 0 available\n"
    )
    monkeypatch.setattr(storage_pool_resize.subprocess, "run", lvm)
    with pytest.raises(HostError) as err:
        reconcile(Host(node_conn), parse_pools(grown()))
    assert err.value.message == (
        "pools[0]: grow volume lv1 from 16 MiB to 24 MiB failed: lvextend --size 25165824b vmvg/lv1 failed: "
        "Insufficient free space: 2 extents needed, but only 0 available"
    )
    assert err.value.done == [] and capacity(node_conn, "vg0", "lv1") == 16 * MIB


def test_other_refusals_and_other_pool_types_are_not_worked_around(node_conn, monkeypatch):
    lvm = Lvm(node_conn, "vg0")
    monkeypatch.setattr(storage_pool_resize.subprocess, "run", lvm)
    reconcile(node_conn, parse_pools([LVM_POOL]))
    with pytest.raises(libvirt.libvirtError):
        grow_volume(Host(node_conn, code=1).storagePoolLookupByName("vg0"), "lv1", 24 * MIB, "vmvg")
    files = {"name": "files", "path": "/srv/files", "volumes": [{"name": "a.raw", "capacity": "1M"}]}
    reconcile(node_conn, parse_pools([files]))
    with pytest.raises(HostError) as err:
        reconcile(Host(node_conn), parse_pools([dict(files, volumes=[{"name": "a.raw", "capacity": "2M"}])]))
    assert "grow volume a.raw from 1 MiB to 2 MiB failed: %s" % NO_SUPPORT in err.value.message
    assert lvm.calls == []


def test_lvextend_missing_is_a_host_error(monkeypatch):
    def missing(argv, **kwargs):
        raise FileNotFoundError(2, "No such file or directory: 'lvextend'")

    monkeypatch.setattr(storage_pool_resize.subprocess, "run", missing)
    with pytest.raises(HostError) as err:
        storage_pool_resize.lvextend("vmvg", "lv1", MIB)
    assert err.value.message.startswith("cannot run lvextend:")


class FailingStart:
    """The test driver, except that starting the pools named fails as on a host whose storage is unreachable."""

    def __init__(self, conn, pools):
        self._conn, self._pools = conn, pools

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def storagePoolLookupByName(self, name):
        pool = self._conn.storagePoolLookupByName(name)
        return Unstartable(pool) if name in self._pools else pool


class Unstartable:
    def __init__(self, pool):
        self._pool = pool

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def create(self, flags):
        raise libvirt_error(38, "cannot open directory '/srv/b': Not a directory")


def test_failure_after_changes_reports_what_was_done(node_conn):
    pools = [
        {"name": "a", "path": "/srv/a", "volumes": [{"name": "one.raw", "capacity": "1M"}]},
        {"name": "b", "path": "/srv/b"},
        {"name": "c", "path": "/srv/c"},
    ]
    with pytest.raises(HostError) as err:
        reconcile(FailingStart(node_conn, ("b",)), parse_pools(pools))
    assert err.value.message == ("pools[1]: start pool b failed: cannot open directory '/srv/b': Not a directory")
    assert err.value.done == [
        "define pool a",
        "build pool a",
        "start pool a",
        "enable autostart of pool a",
        "create volume one.raw (1 MiB) in pool a",
        "define pool b",
        "build pool b",
    ]
    assert sorted(p.name() for p in node_conn.listAllStoragePools(0)) == ["a", "b", "default"]


def test_verify_reports_a_volume_left_smaller_with_what_was_done(node_conn, monkeypatch):
    reconcile(node_conn, parse_pools([LVM_POOL]))
    # lvextend reports success but the size stays: the run must not end as if it had grown the volume.
    monkeypatch.setattr(
        storage_pool_resize.subprocess, "run", lambda argv, **kwargs: subprocess.CompletedProcess(argv, 0, "", "")
    )
    with pytest.raises(HostError) as err:
        reconcile(Host(node_conn), parse_pools(grown()))
    assert err.value.message == "pool vg0 still differs after the change (grow volume lv1 from 16 MiB to 24 MiB)"
    assert err.value.done == ["grow volume lv1 from 16 MiB to 24 MiB in pool vg0"]
