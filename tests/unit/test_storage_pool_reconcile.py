"""Pool reconcile against libvirt's test driver: define, no change on rerun, check mode, converge, purge, absent."""

import json

import pytest

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, UnsupportedError  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools  # noqa: E402
from ansible_collections.essentials.kvm.plugins.modules import libvirt_pool  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

NODE = """<node>
  <pool type='dir'>
    <name>default</name>
    <target><path>/var/lib/libvirt/images</path></target>
  </pool>
</node>
"""
KEY = "QVFCc2VjcmV0a2V5dmFsdWU9PQ=="


@pytest.fixture
def uri(tmp_path):
    """A private test-driver host per test (a custom node file is never shared between connections)."""
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return "test://%s" % path


@pytest.fixture
def conn(uri):
    connection = libvirt.open(uri)
    yield connection
    connection.close()


def names(conn):
    return sorted(p.name() for p in conn.listAllStoragePools(0))


def no_probe(device):
    raise AssertionError("probed %s although nothing is built" % device)


def run(conn, pools, **kwargs):
    kwargs.setdefault("probe", no_probe)
    return reconcile(conn, parse_pools(pools), **kwargs)


NFS = {
    "name": "nfs-a",
    "type": "netfs",
    "source": {"host": "nas", "dir": "/export"},
    "target": {"path": "/mnt/a"},
    "volumes": [{"name": "disk1.qcow2", "capacity": "1G", "format": "qcow2"}],
}


def test_define_then_no_change(conn):
    first = run(conn, [NFS])
    assert first["changed"]
    assert first["pools"][0]["actions"] == [
        "define pool nfs-a",
        "build pool nfs-a",
        "start pool nfs-a",
        "enable autostart of pool nfs-a",
        "create volume disk1.qcow2 (1 GiB)",
    ]
    pool = conn.storagePoolLookupByName("nfs-a")
    assert pool.isActive() and pool.autostart()
    assert pool.storageVolLookupByName("disk1.qcow2").info()[1] == 1 << 30
    second = run(conn, [NFS])
    assert not second["changed"] and second["pools"] == [] and second["diff"] == []


def test_check_mode_changes_nothing_and_shows_the_same_plan(conn, uri):
    before = names(conn)
    planned = run(conn, [NFS], check_mode=True)
    assert planned["changed"] and names(conn) == before
    other = libvirt.open(uri)
    applied = run(other, [NFS])
    other.close()
    assert applied["pools"] == planned["pools"] and applied["diff"] == planned["diff"]
    assert '<host name="nas" />' in planned["diff"][0]["after"] and planned["diff"][0]["before"] == ""


def test_changed_field_of_inactive_pool_converges(conn):
    spec = dict(NFS, state="inactive", volumes=[])
    run(conn, [spec])
    changed = dict(spec, source={"host": "nas2", "dir": "/export"})
    result = run(conn, [changed])
    assert result["pools"][0]["actions"] == ["redefine pool nfs-a"]
    assert "nas2" in result["diff"][0]["after"] and "nas2" not in result["diff"][0]["before"]
    assert "host name='nas2'" in conn.storagePoolLookupByName("nfs-a").XMLDesc(0)
    assert not run(conn, [changed])["changed"]


def test_changed_active_pool_needs_restart_unless_allowed(conn):
    run(conn, [NFS])
    changed = dict(NFS, target={"path": "/mnt/b"})
    planned = run(conn, [changed], check_mode=True)
    assert planned["restart_required"] == ["nfs-a"]
    result = run(conn, [changed], restart_on_change=True)
    assert result["restart_required"] == []
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "redefine pool nfs-a", "start pool nfs-a"]
    pool = conn.storagePoolLookupByName("nfs-a")
    assert pool.isActive() and "/mnt/b" in pool.XMLDesc(0)
    assert not run(conn, [changed], restart_on_change=True)["changed"]


def test_state_and_autostart_converge(conn):
    run(conn, [NFS])
    result = run(conn, [dict(NFS, state="inactive", autostart=False, volumes=[])])
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "disable autostart of pool nfs-a"]
    pool = conn.storagePoolLookupByName("nfs-a")
    assert not pool.isActive() and not pool.autostart()


def test_present_defines_and_leaves_the_run_state(conn):
    spec = dict(NFS, state="present", volumes=[])
    assert run(conn, [spec])["pools"][0]["actions"] == ["define pool nfs-a", "build pool nfs-a"]
    pool = conn.storagePoolLookupByName("nfs-a")
    assert not pool.isActive() and not pool.autostart()
    pool.create(0)
    assert not run(conn, [spec])["changed"] and pool.isActive()


def test_volumes_of_an_inactive_pool_are_created_only_if_missing(conn):
    run(conn, [NFS])
    conn.storagePoolLookupByName("nfs-a").destroy()
    result = run(conn, [NFS])
    assert result["pools"][0]["actions"] == ["start pool nfs-a", "create volume disk1.qcow2 (1 GiB)"]
    assert len(conn.storagePoolLookupByName("nfs-a").listVolumes()) == 1
    assert not run(conn, [NFS])["changed"]


def test_purge_undefines_unlisted_pools_only_when_asked(conn):
    run(conn, [NFS])
    kept = run(conn, [])
    assert not kept["changed"] and names(conn) == ["default", "nfs-a"]
    keep = {"name": "default", "path": "/var/lib/libvirt/images", "autostart": False}
    purged = run(conn, [keep], purge=True)
    assert [p["name"] for p in purged["pools"]] == ["nfs-a"]
    assert names(conn) == ["default"]
    assert not run(conn, [keep], purge=True)["changed"]


def test_absent_removes_the_pool_but_keeps_volumes_unless_asked(conn):
    run(conn, [NFS])
    result = run(conn, [{"name": "nfs-a", "state": "absent"}])
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "undefine pool nfs-a"]
    assert names(conn) == ["default"]
    assert not run(conn, [{"name": "nfs-a", "state": "absent"}])["changed"]


def test_absent_with_delete_data_deletes_volumes_first(conn):
    run(conn, [NFS])
    result = run(conn, [{"name": "nfs-a", "state": "absent", "delete_data": True}], check_mode=True)
    assert result["pools"][0]["actions"] == [
        "delete volume disk1.qcow2",
        "stop pool nfs-a",
        "delete the storage of pool nfs-a",
        "undefine pool nfs-a",
    ]


def test_volumes_are_deleted_only_when_absent_and_never_shrunk(conn):
    run(conn, [NFS])
    extra = conn.storagePoolLookupByName("nfs-a").createXML(
        "<volume><name>keep.img</name><capacity>1024</capacity><target/></volume>", 0
    )
    smaller = dict(NFS, volumes=[{"name": "disk1.qcow2", "capacity": "512M", "format": "raw"}])
    result = run(conn, [smaller])
    assert not result["changed"]
    assert any("never shrunk" in w for w in result["warnings"])
    assert any("never recreated" in w for w in result["warnings"])
    grow = run(conn, [dict(NFS, volumes=[{"name": "disk1.qcow2", "capacity": "2G"}])], check_mode=True)
    assert grow["pools"][0]["actions"] == ["grow volume disk1.qcow2 from 1 GiB to 2 GiB"]
    gone = run(conn, [dict(NFS, volumes=[{"name": "disk1.qcow2", "state": "absent"}])])
    assert gone["pools"][0]["actions"] == ["delete volume disk1.qcow2"]
    assert [v.name() for v in conn.storagePoolLookupByName("nfs-a").listAllVolumes(0)] == [extra.name()]


FS = {"name": "fs-a", "type": "fs", "build": True, "source": {"device": "/dev/vdz"}, "target": {"path": "/mnt/fs"}}


def test_build_on_empty_device_or_with_overwrite(conn):
    host, probed = Host(conn), []
    result = run(host, [FS], probe=lambda device: probed.append(device) or [])
    assert probed == ["/dev/vdz"] and "build pool fs-a" in result["pools"][0]["actions"]
    forced = dict(FS, name="fs-b", target={"path": "/mnt/fs-b"}, source={"device": "/dev/vdy"}, overwrite=True)
    assert "build pool fs-b" in run(host, [FS, forced])["pools"][0]["actions"]
    assert host.builds == [
        ("fs-a", libvirt.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE),
        ("fs-b", libvirt.VIR_STORAGE_POOL_BUILD_OVERWRITE),
    ]


def test_existing_pool_is_never_built_again(conn):
    host = Host(conn)
    run(host, [FS], probe=lambda device: [])
    assert not run(host, [FS])["changed"] and len(host.builds) == 1


def test_failure_in_planning_changes_nothing(conn):
    with pytest.raises(InputError):
        run(conn, [NFS, FS], probe=lambda device: ["dos"])
    assert names(conn) == ["default"]


class Host:
    """The test driver plus what it lacks: pool capabilities and a secret store."""

    def __init__(self, conn, supported=None):
        self._conn = conn
        self._supported = supported
        self.secrets = {}
        self.builds = []

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def storagePoolLookupByName(self, name):
        return BuildRecorder(self._conn.storagePoolLookupByName(name), self.builds)

    def getStoragePoolCapabilities(self, flags):
        if self._supported is None:
            return self._conn.getStoragePoolCapabilities(flags)
        pools = "".join(
            "<pool type='%s' supported='%s'/>" % (t, "yes" if t in self._supported else "no")
            for t in ("dir", "netfs", "rbd", "sheepdog", "vstorage")
        )
        return "<storagepoolCapabilities>%s</storagepoolCapabilities>" % pools

    def secretLookupByUsage(self, usage_type, usage):
        if usage not in self.secrets:
            err = libvirt.libvirtError("no secret")
            err.err = (66, 0, "no secret", 0, "", None, None, 0, 0)
            raise err
        return self.secrets[usage]

    def secretDefineXML(self, xml, flags):
        usage = xml.split("<name>")[1].split("</name>")[0]
        self.secrets[usage] = Secret(xml)
        return self.secrets[usage]


class BuildRecorder:
    """A pool whose build() records its flags; the test driver accepts no build flags."""

    def __init__(self, pool, builds):
        self._pool = pool
        self._builds = builds

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def build(self, flags):
        self._builds.append((self._pool.name(), flags))
        return self._pool.build(0)


class Secret:
    def __init__(self, xml):
        self.xml = xml
        self.stored = None
        self.undefined = False

    def value(self, flags):
        return self.stored

    def setValue(self, value, flags):
        self.stored = value

    def undefine(self):
        self.undefined = True


@pytest.mark.parametrize("kind", ["sheepdog", "vstorage"])
def test_unsupported_backend_fails_before_any_change(conn, kind):
    host = Host(conn, supported=("dir", "netfs", "rbd"))
    spec = {"name": "x-" + kind, "type": kind, "source": {"name": "c", "host": "h"}}
    if kind == "vstorage":
        spec = {"name": "x-vs", "type": kind, "source": {"name": "c"}, "path": "/mnt/vs"}
    with pytest.raises(UnsupportedError) as err:
        run(host, [NFS, spec])
    assert "pools[1]: pool %s has type %s" % (spec["name"], kind) in err.value.message
    assert "supported types: dir, netfs, rbd" in err.value.message
    assert names(conn) == ["default"]


def test_driver_without_capabilities_skips_the_check(conn):
    assert run(conn, [{"name": "vs", "type": "vstorage", "source": {"name": "c"}, "path": "/mnt/vs"}])["changed"]


RBD = {
    "name": "ceph-a",
    "type": "rbd",
    "source": {"name": "vms", "host": "mon1", "auth": {"username": "libvirt", "secret": KEY}},
}


def run_module(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        libvirt_pool.main()
    return json.loads(capsys.readouterr().out)


def test_module_check_mode_and_error_paths(uri, capsys):
    pools = [{"name": "images", "path": "/srv/images", "volumes": [{"name": "a.qcow2", "capacity": "1G"}]}]
    result = run_module({"uri": uri, "pools": pools, "_ansible_check_mode": True}, capsys)
    assert result["changed"] and result["pools"][0]["name"] == "images"
    failed = run_module(
        {
            "uri": uri,
            "input_name": "kvm_storage_pools",
            "pools": pools + [{"name": "n", "type": "netfs", "source": {"dir": "/e"}, "path": "/mnt/n"}],
        },
        capsys,
    )
    assert failed["failed"]
    assert failed["msg"].startswith("kvm_storage_pools[1].source.host: is required for a netfs pool")
    assert failed["invocation"]["module_args"]["pools"] == "2 items"


def test_module_never_returns_the_secret(uri, capsys):
    result = run_module({"uri": uri, "pools": [RBD], "_ansible_verbosity": 4}, capsys)
    assert result["failed"] and "no secret driver" in result["msg"]
    assert KEY not in json.dumps(result) and "invocation" in result
