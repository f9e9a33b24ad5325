"""Pool reconcile against libvirt's test driver: define, no change on rerun, check mode, converge, purge, absent."""

import json

import pytest

libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, UnsupportedError  # noqa: E402
from ansible_collections.essentials.kvm.plugins.modules import libvirt_pool  # noqa: E402
from tests.unit.pool_samples import FS, KEY, RBD, Host, names, run  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

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
