"""What a run killed part way leaves in a pool is finished by the next: a volume a run fills (an upload) is marked
unfinished until it holds all its data; a later run that finds the volume and its marker deletes it and makes it
again (volume_fill, storage_pool_volumes); a pool defined but not built is built; the temporary files of a
seed build a killed run left are removed (cloudinit_seed.sweep); a failure after the libvirt daemon or an Open
vSwitch daemon went away names it."""

import os
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import libvirt_access, volume_fill
from ansible_collections.essentials.kvm.plugins.module_utils.cloudinit_seed import sweep, temp_prefix
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl
from tests.unit.pool_samples import run

POOL = {"name": "images", "path": "/srv/images"}


@pytest.fixture(autouse=True)
def markers(tmp_path, monkeypatch):
    monkeypatch.setattr(volume_fill, "FOLDER", str(tmp_path / "unfinished"))
    return tmp_path / "unfinished"


def test_a_marker_lives_from_begin_to_finish_and_names_pool_and_volume_apart(markers):
    volume_fill.begin("images", "a/b.raw")
    assert volume_fill.unfinished("images", "a/b.raw")
    assert not volume_fill.unfinished("images/a", "b.raw")
    assert (markers / "images@a%2Fb.raw").read_text().startswith("pid ")
    volume_fill.finish("images", "a/b.raw")
    volume_fill.finish("images", "a/b.raw")  # twice: nothing left to drop
    assert not volume_fill.unfinished("images", "a/b.raw")


def test_an_upload_cut_short_is_recreated_by_the_next_run(node_conn, tmp_path):
    image = tmp_path / "seed.raw"
    image.write_bytes(b"x" * 4096)
    spec = dict(POOL, volumes=[{"name": "seed.raw", "upload": str(image), "format": "raw"}])
    # The test driver refuses uploads (virStorageVolUpload): the upload fails after the volume was created.
    with pytest.raises(HostError):
        run(node_conn, [spec])
    assert "seed.raw" in node_conn.storagePoolLookupByName("images").listVolumes()
    assert volume_fill.unfinished("images", "seed.raw")
    checked = run(node_conn, [spec], check_mode=True)
    assert checked["pools"][0]["actions"] == ["recreate volume seed.raw (a run was interrupted while it filled it)"]
    # Once the volume needs no upload (or the upload works), the next run deletes the half volume and makes it.
    del spec["volumes"][0]["upload"]
    spec["volumes"][0]["capacity"] = "4K"
    result = run(node_conn, [spec])
    assert result["pools"][0]["actions"] == ["recreate volume seed.raw (a run was interrupted while it filled it)"]
    assert not volume_fill.unfinished("images", "seed.raw")
    assert not run(node_conn, [spec])["changed"]


def test_a_volume_without_marker_is_never_recreated(node_conn):
    spec = dict(POOL, volumes=[{"name": "data.raw", "capacity": "4K", "format": "raw"}])
    run(node_conn, [spec])
    assert not run(node_conn, [spec])["changed"]
    volume_fill.begin("images", "other.raw")  # a marker of another volume changes nothing
    assert not run(node_conn, [spec])["changed"]


def test_deleting_a_volume_drops_its_marker(node_conn):
    spec = dict(POOL, volumes=[{"name": "data.raw", "capacity": "4K", "format": "raw"}])
    run(node_conn, [spec])
    volume_fill.begin("images", "data.raw")
    spec["volumes"][0]["state"] = "absent"
    assert run(node_conn, [spec])["pools"][0]["actions"] == ["delete volume data.raw"]
    assert not volume_fill.unfinished("images", "data.raw")


def test_a_pool_defined_but_never_built_is_built_by_the_next_run(node_conn, tmp_path):
    """A run killed between `define pool` and `build pool` left a pool whose directory is missing."""
    spec = {"name": "later", "path": str(tmp_path / "later")}
    run(node_conn, [dict(spec, state="present")])  # defined only: present leaves the run state
    assert not (tmp_path / "later").exists()
    actions = run(node_conn, [spec])["pools"][0]["actions"]
    assert actions[:2] == ["build pool later", "start pool later"]
    (tmp_path / "later").mkdir()  # the test driver's build makes no directory
    node_conn.storagePoolLookupByName("later").destroy()
    assert run(node_conn, [spec])["pools"][0]["actions"] == ["start pool later"]  # built already: never again


def test_a_file_at_a_defined_pools_path_is_not_built_over(node_conn, tmp_path):
    """Something other than a directory at the path is no interrupted build: the start reports it, run after run."""
    spec = {"name": "blocked", "path": str(tmp_path / "file")}
    (tmp_path / "file").write_text("")
    run(node_conn, [dict(spec, state="present")])
    assert "build pool blocked" not in run(node_conn, [spec])["pools"][0]["actions"]


def test_the_next_seed_build_removes_what_killed_runs_left_in_the_temporary_folder(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = [
        tmp_path / ("essentials-kvm-seed-%d-x1.iso" % dead.pid),
        tmp_path / ("essentials-kvm-cidata-%d-x2" % dead.pid),
    ]
    left[0].write_bytes(b"iso")
    left[1].mkdir()
    (left[1] / "user-data").write_text("password: canary")
    kept = [
        tmp_path / ("essentials-kvm-seed-%d-x3.iso" % os.getpid()),
        tmp_path / "essentials-kvm-other",
        tmp_path / "x",
    ]
    for path in kept:
        path.write_bytes(b"")
    sweep(str(tmp_path))
    assert sorted(tmp_path.iterdir()) == sorted(kept)
    assert temp_prefix("seed") == "essentials-kvm-seed-%d-" % os.getpid()


class _DeadConnection:
    """A libvirt connection whose daemon went away."""

    def isAlive(self):
        return 0

    def close(self):
        raise libvirt_access.LibvirtError("Cannot write data: Broken pipe")


def test_a_failure_after_the_libvirt_daemon_went_away_names_it_and_keeps_what_was_done(monkeypatch):
    monkeypatch.setattr(libvirt_access, "open_connection", lambda uri: _DeadConnection())
    with pytest.raises(HostError) as raised:
        with libvirt_access.connection("qemu:///system"):
            raise HostError("pools[0]: start pool p failed: Cannot write data: Broken pipe", ["define pool p"])
    assert raised.value.message.startswith("pools[0]: start pool p failed: Cannot write data: Broken pipe; ")
    assert "the connection to the libvirt daemon at qemu:///system was lost: libvirtd" in raised.value.message
    assert raised.value.done == ["define pool p"]


@pytest.mark.parametrize(
    "rc,err,says",
    [
        (
            1,
            "ovs-vsctl: unix:/x.sock: database connection failed (No such file or directory)",
            "ovsdb-server does not answer at unix:/x.sock: is it running?",
        ),
        (-14, "fatal_signal|WARN|terminating with signal 14 (Alarm clock)", "ovs-vsctl gave up after timeout=5s"),
        (1, "ovs-vsctl: no bridge named br9", None),
    ],
)
def test_an_ovs_vsctl_failure_names_the_daemon_it_points_at(rc, err, says):
    vsctl = Vsctl(lambda argv: (rc, "", err), db="unix:/x.sock", timeout=5)
    with pytest.raises(HostError) as raised:
        vsctl.apply([["add-br", "br0"]])
    assert err in raised.value.message
    assert (says in raised.value.message) if says else ("ovsdb-server" not in raised.value.message)
