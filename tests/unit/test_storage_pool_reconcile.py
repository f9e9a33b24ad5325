"""Pool reconcile against libvirt's test driver: define, no change on rerun, check mode, converge, purge, absent."""

import json

import pytest

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, UnsupportedError  # noqa: E402
from ansible_collections.essentials.kvm.plugins.modules import libvirt_pool  # noqa: E402
from tests.unit.pool_samples import run  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

KEY = "QVFCc2VjcmV0a2V5dmFsdWU9PQ=="


def names(conn):
    return sorted(p.name() for p in conn.listAllStoragePools(0))


NFS = {
    "name": "nfs-a",
    "type": "netfs",
    "source": {"host": "nas", "dir": "/export"},
    "target": {"path": "/mnt/a"},
    "volumes": [{"name": "disk1.qcow2", "capacity": "1G", "format": "qcow2"}],
}


def test_define_then_no_change(node_conn):
    first = run(node_conn, [NFS])
    assert first["changed"]
    assert first["pools"][0]["actions"] == [
        "define pool nfs-a",
        "build pool nfs-a",
        "start pool nfs-a",
        "enable autostart of pool nfs-a",
        "create volume disk1.qcow2 (1 GiB)",
    ]
    pool = node_conn.storagePoolLookupByName("nfs-a")
    assert pool.isActive() and pool.autostart()
    assert pool.storageVolLookupByName("disk1.qcow2").info()[1] == 1 << 30
    second = run(node_conn, [NFS])
    assert not second["changed"] and second["pools"] == [] and second["diff"] == []


def test_check_mode_changes_nothing_and_shows_the_same_plan(node_conn, node_uri):
    before = names(node_conn)
    planned = run(node_conn, [NFS], check_mode=True)
    assert planned["changed"] and names(node_conn) == before
    other = libvirt.open(node_uri)
    applied = run(other, [NFS])
    other.close()
    assert applied["pools"] == planned["pools"] and applied["diff"] == planned["diff"]
    assert '<host name="nas" />' in planned["diff"][0]["after"] and planned["diff"][0]["before"] == ""


def test_changed_field_of_inactive_pool_converges(node_conn):
    spec = dict(NFS, state="inactive", volumes=[])
    run(node_conn, [spec])
    changed = dict(spec, source={"host": "nas2", "dir": "/export"})
    result = run(node_conn, [changed])
    assert result["pools"][0]["actions"] == ["redefine pool nfs-a"]
    assert "nas2" in result["diff"][0]["after"] and "nas2" not in result["diff"][0]["before"]
    assert "host name='nas2'" in node_conn.storagePoolLookupByName("nfs-a").XMLDesc(0)
    assert not run(node_conn, [changed])["changed"]


def test_changed_active_pool_needs_restart_unless_allowed(node_conn):
    run(node_conn, [NFS])
    changed = dict(NFS, target={"path": "/mnt/b"})
    planned = run(node_conn, [changed], check_mode=True)
    assert planned["restart_required"] == ["nfs-a"]
    result = run(node_conn, [changed], restart_on_change=True)
    assert result["restart_required"] == []
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "redefine pool nfs-a", "start pool nfs-a"]
    pool = node_conn.storagePoolLookupByName("nfs-a")
    assert pool.isActive() and "/mnt/b" in pool.XMLDesc(0)
    assert not run(node_conn, [changed], restart_on_change=True)["changed"]


def test_state_and_autostart_converge(node_conn):
    run(node_conn, [NFS])
    result = run(node_conn, [dict(NFS, state="inactive", autostart=False, volumes=[])])
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "disable autostart of pool nfs-a"]
    pool = node_conn.storagePoolLookupByName("nfs-a")
    assert not pool.isActive() and not pool.autostart()


def test_present_defines_and_leaves_the_run_state(node_conn):
    spec = dict(NFS, state="present", volumes=[])
    assert run(node_conn, [spec])["pools"][0]["actions"] == ["define pool nfs-a", "build pool nfs-a"]
    pool = node_conn.storagePoolLookupByName("nfs-a")
    assert not pool.isActive() and not pool.autostart()
    pool.create(0)
    assert not run(node_conn, [spec])["changed"] and pool.isActive()


def test_volumes_of_an_inactive_pool_are_created_only_if_missing(node_conn):
    run(node_conn, [NFS])
    node_conn.storagePoolLookupByName("nfs-a").destroy()
    result = run(node_conn, [NFS])
    assert result["pools"][0]["actions"] == ["start pool nfs-a", "create volume disk1.qcow2 (1 GiB)"]
    assert len(node_conn.storagePoolLookupByName("nfs-a").listVolumes()) == 1
    assert not run(node_conn, [NFS])["changed"]


def test_purge_undefines_unlisted_pools_only_when_asked(node_conn):
    run(node_conn, [NFS])
    kept = run(node_conn, [])
    assert not kept["changed"] and names(node_conn) == ["default", "nfs-a"]
    keep = {"name": "default", "path": "/var/lib/libvirt/images", "autostart": False}
    purged = run(node_conn, [keep], purge=True)
    assert [p["name"] for p in purged["pools"]] == ["nfs-a"]
    assert names(node_conn) == ["default"]
    assert not run(node_conn, [keep], purge=True)["changed"]


def test_absent_removes_the_pool_but_keeps_volumes_unless_asked(node_conn):
    run(node_conn, [NFS])
    result = run(node_conn, [{"name": "nfs-a", "state": "absent"}])
    assert result["pools"][0]["actions"] == ["stop pool nfs-a", "undefine pool nfs-a"]
    assert names(node_conn) == ["default"]
    assert not run(node_conn, [{"name": "nfs-a", "state": "absent"}])["changed"]


def test_absent_with_delete_data_deletes_volumes_first(node_conn):
    run(node_conn, [NFS])
    result = run(node_conn, [{"name": "nfs-a", "state": "absent", "delete_data": True}], check_mode=True)
    assert result["pools"][0]["actions"] == [
        "delete volume disk1.qcow2",
        "stop pool nfs-a",
        "delete the storage of pool nfs-a",
        "undefine pool nfs-a",
    ]


def test_volumes_are_deleted_only_when_absent_and_never_shrunk(node_conn):
    run(node_conn, [NFS])
    extra = node_conn.storagePoolLookupByName("nfs-a").createXML(
        "<volume><name>keep.img</name><capacity>1024</capacity><target/></volume>", 0
    )
    smaller = dict(NFS, volumes=[{"name": "disk1.qcow2", "capacity": "512M", "format": "raw"}])
    result = run(node_conn, [smaller])
    assert not result["changed"]
    assert any("never shrunk" in w for w in result["warnings"])
    assert any("never recreated" in w for w in result["warnings"])
    grow = run(node_conn, [dict(NFS, volumes=[{"name": "disk1.qcow2", "capacity": "2G"}])], check_mode=True)
    assert grow["pools"][0]["actions"] == ["grow volume disk1.qcow2 from 1 GiB to 2 GiB"]
    gone = run(node_conn, [dict(NFS, volumes=[{"name": "disk1.qcow2", "state": "absent"}])])
    assert gone["pools"][0]["actions"] == ["delete volume disk1.qcow2"]
    assert [v.name() for v in node_conn.storagePoolLookupByName("nfs-a").listAllVolumes(0)] == [extra.name()]


FS = {"name": "fs-a", "type": "fs", "build": True, "source": {"device": "/dev/vdz"}, "target": {"path": "/mnt/fs"}}


def test_build_refuses_a_device_with_data(node_conn):
    with pytest.raises(InputError) as err:
        run(node_conn, [FS], probe=lambda device: ["ext4 0x438"])
    assert err.value.path == "pools[0].source.devices[0]"
    assert "/dev/vdz already holds data (ext4 0x438)" in err.value.message and "overwrite" in err.value.message
    assert names(node_conn) == ["default"]


def test_build_on_empty_device_or_with_overwrite(node_conn):
    host, probed = Host(node_conn), []
    result = run(host, [FS], probe=lambda device: probed.append(device) or [])
    assert probed == ["/dev/vdz"] and "build pool fs-a" in result["pools"][0]["actions"]
    forced = dict(FS, name="fs-b", target={"path": "/mnt/fs-b"}, source={"device": "/dev/vdy"}, overwrite=True)
    assert "build pool fs-b" in run(host, [FS, forced])["pools"][0]["actions"]
    assert host.builds == [
        ("fs-a", libvirt.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE),
        ("fs-b", libvirt.VIR_STORAGE_POOL_BUILD_OVERWRITE),
    ]


def test_existing_pool_is_never_built_again(node_conn):
    host = Host(node_conn)
    run(host, [FS], probe=lambda device: [])
    assert not run(host, [FS])["changed"] and len(host.builds) == 1


def test_failure_in_planning_changes_nothing(node_conn):
    with pytest.raises(InputError):
        run(node_conn, [NFS, FS], probe=lambda device: ["dos"])
    assert names(node_conn) == ["default"]


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
def test_unsupported_backend_fails_before_any_change(node_conn, kind):
    host = Host(node_conn, supported=("dir", "netfs", "rbd"))
    spec = {"name": "x-" + kind, "type": kind, "source": {"name": "c", "host": "h"}}
    if kind == "vstorage":
        spec = {"name": "x-vs", "type": kind, "source": {"name": "c"}, "path": "/mnt/vs"}
    with pytest.raises(UnsupportedError) as err:
        run(host, [NFS, spec])
    assert "pools[1]: pool %s has type %s" % (spec["name"], kind) in err.value.message
    assert "supported types: dir, netfs, rbd" in err.value.message
    assert names(node_conn) == ["default"]


def test_driver_without_capabilities_skips_the_check(node_conn):
    assert run(node_conn, [{"name": "vs", "type": "vstorage", "source": {"name": "c"}, "path": "/mnt/vs"}])["changed"]


RBD = {
    "name": "ceph-a",
    "type": "rbd",
    "source": {"name": "vms", "host": "mon1", "auth": {"username": "libvirt", "secret": KEY}},
}


def test_ceph_key_becomes_a_secret_and_never_shows(node_conn):
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


def test_a_private_secret_is_set_each_run_and_passes_verification(node_conn):
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


def test_removing_the_pool_undefines_the_secret_made_for_it_only(node_conn):
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


def test_referenced_secret_must_exist(node_conn):
    host = Host(node_conn, supported=("rbd",))
    spec = dict(RBD, source=dict(RBD["source"], auth={"username": "libvirt", "secret_usage": "client.libvirt"}))
    with pytest.raises(InputError) as err:
        run(host, [spec])
    assert err.value.path == "pools[0].source.auth.secret_usage"


def test_driver_without_secrets_is_a_host_error(node_conn):
    with pytest.raises(HostError) as err:
        run(node_conn, [RBD])
    assert "no secret driver" in err.value.message


def run_module(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        libvirt_pool.main()
    return json.loads(capsys.readouterr().out)


def test_module_check_mode_and_error_paths(node_uri, capsys):
    pools = [{"name": "images", "path": "/srv/images", "volumes": [{"name": "a.qcow2", "capacity": "1G"}]}]
    result = run_module({"uri": node_uri, "pools": pools, "_ansible_check_mode": True}, capsys)
    assert result["changed"] and result["pools"][0]["name"] == "images"
    failed = run_module(
        {
            "uri": node_uri,
            "input_name": "kvm_storage_pools",
            "pools": pools + [{"name": "n", "type": "netfs", "source": {"dir": "/e"}, "path": "/mnt/n"}],
        },
        capsys,
    )
    assert failed["failed"]
    assert failed["msg"].startswith("kvm_storage_pools[1].source.host: is required for a netfs pool")
    assert failed["invocation"]["module_args"]["pools"] == "2 items"


def test_module_never_returns_the_secret(node_uri, capsys):
    result = run_module({"uri": node_uri, "pools": [RBD], "_ansible_verbosity": 4}, capsys)
    assert result["failed"] and "no secret driver" in result["msg"]
    assert KEY not in json.dumps(result) and "invocation" in result


FS_UNBUILT = {"name": "fs-b", "type": "fs", "source": {"device": "/dev/loop9", "format": "ext4"}, "path": "/mnt/fs-b"}


def test_new_fs_pool_without_build_refuses_an_empty_device(node_conn):
    before = names(node_conn)
    with pytest.raises(InputError) as err:
        run(node_conn, [FS_UNBUILT], probe=lambda device: [])
    assert err.value.message == (
        "pools[0].source.device: /dev/loop9 holds no filesystem, so pool fs-b cannot "
        "mount it (set build: true to make an ext4 filesystem on it)"
    )
    assert names(node_conn) == before
    planned = run(node_conn, [FS_UNBUILT], probe=lambda device: ["ext4 0x438"], check_mode=True)
    assert planned["pools"][0]["actions"][0] == "define pool fs-b"
