"""Storage pools through the libvirt_pool module against the lab's real libvirtd (issue 3).

The module runs as its own process, as Ansible runs it; loop devices stand in for disks. Every pool, loop
device and file is named after TAG and removed at the end.
"""

import contextlib
import json
import os
import random
import subprocess
import sys

import pytest

from tests.lab.pool_lab import (
    MIB,
    TAG,
    backend_missing,
    changed,
    failed,
    libvirtd_mounts,
    pool_module,
    snapshot,
    unchanged,
)
from tests.labkit import ansible, netns, paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.missing import missing
from tests.labkit.proc import run, stop_pid, wait_for

pytestmark = pytest.mark.lab


def signatures(device):
    return run(["wipefs", "--no-act", "--noheadings", "--output", "TYPE,UUID", device]).stdout.split()


@pytest.fixture
def loops(workdir, conn):
    """loops(name, partitions=False) -> a new 64 MiB loop device on a file of ours, detached afterwards."""
    created = []

    def make(name, partitions=False):
        image = os.path.join(workdir, name + ".img")
        with open(image, "wb") as handle:
            handle.truncate(64 * MIB)
        device = run(["losetup", "-f", "--show"] + (["-P"] if partitions else []) + [image]).stdout.strip()
        created.append(device)
        return device

    yield make
    for pool in conn.listAllStoragePools(0):  # a failed test may leave a pool holding the device
        if pool.name().startswith(TAG) and pool.isActive():
            pool.destroy()
    for device in created:
        run(["losetup", "-d", device], check=False)


def test_dir_pool_volumes_are_created_grown_uploaded_and_deleted(conn, workdir):
    name, target = TAG + "-dir", os.path.join(workdir, "dir")
    image = os.path.join(workdir, "seed.img")
    with open(image, "wb") as handle:
        handle.write(b"EKVM-SEED" * 100000)
    volumes = [
        {"name": "a.qcow2", "capacity": "64M", "format": "qcow2"},
        {"name": "b.raw", "capacity": "8M", "format": "raw"},
        {"name": "seed.raw", "upload": image, "format": "raw"},
    ]
    pools = [{"name": name, "path": target, "volumes": volumes}]

    before = snapshot(conn)
    planned = changed(pools, check=True)
    assert snapshot(conn) == before and not os.path.exists(target)
    first = changed(pools)
    assert first["pools"] == planned["pools"]
    assert first["pools"][0]["actions"] == [
        "define pool %s" % name,
        "build pool %s" % name,
        "start pool %s" % name,
        "enable autostart of pool %s" % name,
        "create volume a.qcow2 (64 MiB)",
        "create volume b.raw (8 MiB)",
        "create volume seed.raw (878.91 KiB)",
    ]
    info = json.loads(run(["qemu-img", "info", "--output=json", os.path.join(target, "a.qcow2")]).stdout)
    assert (info["format"], info["virtual-size"]) == ("qcow2", 64 * MIB)
    with open(os.path.join(target, "seed.raw"), "rb") as uploaded, open(image, "rb") as source:
        assert uploaded.read() == source.read()
    unchanged(pools)

    volumes[1]["capacity"] = "16M"
    grown = changed(pools)
    assert grown["pools"][0]["actions"] == ["grow volume b.raw from 8 MiB to 16 MiB"]
    assert os.path.getsize(os.path.join(target, "b.raw")) == 16 * MIB
    volumes[1]["capacity"] = "4M"
    shrink = unchanged(pools)
    assert "volume b.raw is 16 MiB, larger than asked; volumes are never shrunk" in json.dumps(shrink["warnings"])
    volumes[1]["capacity"] = "16M"

    pools[0]["autostart"] = False
    assert changed(pools)["pools"][0]["actions"] == ["disable autostart of pool %s" % name]
    assert not conn.storagePoolLookupByName(name).autostart()
    unchanged(pools)

    # libvirt applies target permissions only when it makes the directory, and reports the directory's own
    # afterwards: no change (a redefinition would not survive a restart), but a warning saying so.
    pools[0]["target"] = {"permissions": {"mode": "0750"}}
    kept = unchanged(pools)
    assert "the target of pool %s has mode 0711, owner 0, group 0" % name in json.dumps(kept["warnings"])
    assert kept["restart_required"] == []

    pools[0]["volumes"] = [{"name": "b.raw", "state": "absent"}]
    assert changed(pools)["pools"][0]["actions"] == ["delete volume b.raw"]
    assert sorted(os.listdir(target)) == ["a.qcow2", "seed.raw"]
    unchanged(pools)

    gone = [{"name": name, "state": "absent"}]
    assert changed(gone)["pools"][0]["actions"] == ["stop pool %s" % name, "undefine pool %s" % name]
    assert name not in [p.name() for p in conn.listAllStoragePools(0)]
    assert sorted(os.listdir(target)) == ["a.qcow2", "seed.raw"], "removing the pool deleted its data"
    unchanged(gone)


def test_reading_the_host_leaves_pools_it_does_not_manage_running(conn, workdir):
    """libvirt stops a pool whose refresh fails; the module refreshes only the pools it was given."""
    other, target = TAG + "-other", os.path.join(workdir, "other")
    changed([{"name": other, "path": target}])
    try:
        os.rmdir(target)  # a refresh of this pool now fails
        changed([{"name": TAG + "-managed", "path": os.path.join(workdir, "managed")}])
        assert conn.storagePoolLookupByName(other).isActive()
    finally:
        pool_module([{"name": other, "state": "absent"}, {"name": TAG + "-managed", "state": "absent"}])


def test_fs_pool_formats_a_device_only_when_asked_and_never_over_data(conn, workdir, loops):
    device = loops(TAG + "-fs")
    name, target = TAG + "-fs", os.path.join(workdir, "fs")
    pool = {
        "name": name,
        "type": "fs",
        "source": {"device": device, "format": "ext4"},
        "path": target,
        "volumes": [{"name": "disk.qcow2", "capacity": "16M", "format": "qcow2"}],
    }
    before = snapshot(conn)

    msg = failed([pool])
    assert msg.startswith("pools[0].source.device: %s holds no filesystem" % device), msg
    assert "build: true" in msg and signatures(device) == [] and snapshot(conn) == before

    pool["build"] = True
    first = changed([pool])
    assert first["pools"][0]["actions"][:3] == ["define pool %s" % name, "build pool %s" % name, "start pool %s" % name]
    assert signatures(device)[0] == "ext4"
    assert "%s %s ext4" % (device, target) in libvirtd_mounts()
    unchanged([pool])

    pool["mount_opts"] = ["noatime"]
    assert changed([pool])["restart_required"] == [name]
    assert changed([pool], restart_on_change=True)["pools"][0]["actions"] == [
        "stop pool %s" % name,
        "start pool %s" % name,
    ]
    mount = [line for line in libvirtd_mounts().splitlines() if line.startswith(device + " ")]
    assert len(mount) == 1 and "noatime" in mount[0].split()[3].split(","), mount
    unchanged([pool])

    fs_uuid = signatures(device)
    changed([{"name": name, "state": "absent"}])
    assert device not in libvirtd_mounts() and signatures(device) == fs_uuid
    assert "disk.qcow2" in run(["debugfs", "-R", "ls", device]).stdout, "removing the pool deleted its data"

    again = dict(pool, name=TAG + "-fs2", volumes=[])
    msg = failed([again])
    assert msg.startswith("pools[0].source.devices[0]: %s already holds data (ext4" % device), msg
    assert "overwrite: true" in msg and signatures(device) == fs_uuid and snapshot(conn) == before
    again["overwrite"] = True
    changed([again])
    assert signatures(device)[0] == "ext4" and signatures(device) != fs_uuid
    unchanged([again])
    changed([{"name": again["name"], "state": "absent"}])
    assert snapshot(conn) == before


def test_disk_pool_partitions_a_fresh_device_and_keeps_them(conn, loops):
    device = loops(TAG + "-disk", partitions=True)
    part = os.path.basename(device) + "p1"
    name = TAG + "-disk"
    pool = {
        "name": name,
        "type": "disk",
        "source": {"device": device, "format": "dos"},
        "path": "/dev",
        "build": True,
        "volumes": [{"name": part, "capacity": "16M", "format": "linux"}],
    }
    before = snapshot(conn)

    msg = failed([dict(pool, volumes=[{"name": "data", "capacity": "16M"}])])
    assert msg.startswith(
        "pools[0].volumes[0].name: a volume of disk pool %s must be named after its partition, "
        "such as %s" % (name, part)
    ), msg
    assert snapshot(conn) == before and signatures(device) == []

    changed([pool])
    assert signatures(device)[0] == "dos" and os.path.exists("/dev/" + part)
    assert snapshot(conn)[name][3] == [part]
    unchanged([pool])

    pool["autostart"] = False
    assert changed([pool])["pools"][0]["actions"] == ["disable autostart of pool %s" % name]
    unchanged([pool])

    changed([{"name": name, "state": "absent"}])
    assert signatures(device)[0] == "dos", "removing the pool deleted the partition table"
    msg = failed([pool])
    assert msg.startswith("pools[0].source.devices[0]: %s already holds data (dos" % device), msg
    # Without build the pool adopts the partitions already there.
    adopted = dict(pool, build=False, volumes=[])
    changed([adopted])
    assert snapshot(conn)[name][3] == [part]
    unchanged([adopted])
    changed([{"name": name, "state": "absent"}])
    assert snapshot(conn) == before


def test_logical_pool_builds_a_volume_group_and_reports_lvcreate_failure(conn, loops):
    device = loops(TAG + "-lvm")
    name, group = TAG + "-lvm", TAG.replace("-", "_") + "_vg"
    pool = {"name": name, "type": "logical", "source": {"device": device, "name": group}, "build": True}
    before = snapshot(conn)

    changed([pool])
    assert signatures(device)[0] == "LVM2_member"
    assert run(["vgs", "--noheadings", "-o", "pv_name", group]).stdout.split() == [device]
    unchanged([pool])

    # This kernel has no device-mapper: lvcreate fails; the error says so and nothing changes.
    built = snapshot(conn)
    msg = failed([dict(pool, volumes=[{"name": "lv1", "capacity": "8M"}])])
    assert msg.startswith("pools[0]: create volume lv1 (8 MiB) failed:") and "device-mapper" in msg, msg
    assert snapshot(conn) == built
    unchanged([pool])

    pool["autostart"] = False
    assert changed([pool])["pools"][0]["actions"] == ["disable autostart of pool %s" % name]

    changed([{"name": name, "state": "absent"}])
    assert run(["vgs", "--noheadings", "-o", "pv_name", group]).stdout.split() == [device], "the volume group is gone"
    msg = failed([dict(pool, name=TAG + "-lvm2")])
    assert msg.startswith("pools[0].source.devices[0]: %s already holds data (LVM2_member" % device), msg

    # Adopt the existing group, then remove it with its data, as asked.
    changed([dict(pool, build=False)])
    removed = changed([{"name": name, "state": "absent", "delete_data": True}])
    assert removed["pools"][0]["actions"] == [
        "stop pool %s" % name,
        "delete the storage of pool %s" % name,
        "undefine pool %s" % name,
    ]
    assert run(["vgs", group], check=False).returncode != 0 and signatures(device) == []
    assert snapshot(conn) == before


@pytest.fixture
def iscsi_target(workdir):
    """A userspace iSCSI target (tgtd, tracked by its PID) with one 32 MiB LUN, inside the lab namespace where
    libvirtd's initiator (libiscsi) reaches it on 127.0.0.1."""
    control, port = str(random.randint(4700, 4999)), random.randint(13260, 13999)
    iqn = "iqn.2026-01.org.essentials:%s" % TAG
    lun = os.path.join(workdir, "lun.img")
    with open(lun, "wb") as handle:
        handle.truncate(32 * MIB)
    daemon = netns.popen(
        paths.NETNS,
        ["tgtd", "-f", "-C", control, "--iscsi", "portal=127.0.0.1:%d" % port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def tgtadm(*args, check=True):
            return netns.execute(
                paths.NETNS, ["tgtadm", "-C", control, "--lld", "iscsi", "--mode"] + list(args), check=check
            )

        wait_for(lambda: tgtadm("target", "--op", "show", check=False).returncode == 0, 10, what="tgtd")
        tgtadm("target", "--op", "new", "--tid", "1", "-T", iqn)
        tgtadm("logicalunit", "--op", "new", "--tid", "1", "--lun", "1", "-b", lun)
        tgtadm("target", "--op", "bind", "--tid", "1", "-I", "ALL")
        yield iqn, port
        # tgtd ignores SIGTERM while it serves a target: take the target down, then the daemon.
        tgtadm("target", "--op", "delete", "--tid", "1", "--force", check=False)
    finally:
        netns.execute(paths.NETNS, ["tgtadm", "-C", control, "--mode", "sys", "--op", "delete"], check=False)
        stop_pid(daemon.pid, timeout=5)
        daemon.wait()
        for suffix in ("", ".lock"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink("/var/run/tgtd/socket.%s%s" % (control, suffix))


def test_iscsi_direct_pool_lists_the_luns_of_a_tgt_target(conn, request):
    missing(backend_missing("iscsi-direct"))
    iqn, port = request.getfixturevalue("iscsi_target")
    name = TAG + "-iscsi"
    pool = {
        "name": name,
        "type": "iscsi-direct",
        "source": {
            "host": "127.0.0.1",
            "port": port,
            "device": iqn,
            "initiator": "iqn.2026-01.org.essentials:%s-host" % TAG,
        },
    }
    before = snapshot(conn)
    # Undefine the pool even when an assertion fails: once the target is gone, a refresh of it fails.
    request.addfinalizer(lambda: pool_module([{"name": name, "state": "absent"}]))
    msg = failed([dict(pool, volumes=[{"name": "lun", "capacity": "1G"}])])
    assert msg.startswith("pools[0].volumes[0].name: an iscsi-direct pool cannot create volumes"), msg
    first = changed([pool])
    assert first["pools"][0]["actions"] == [
        "define pool %s" % name,
        "start pool %s" % name,
        "enable autostart of pool %s" % name,
    ]
    # libiscsi lists LUN 0 too: tgt's controller LUN.
    assert snapshot(conn)[name][3] == ["unit:0:0:0", "unit:0:0:1"]
    # libvirt 9.0 sizes the LUN from READ CAPACITY's last block address: one 512-byte block short.
    assert conn.storagePoolLookupByName(name).storageVolLookupByName("unit:0:0:1").info()[1] in (
        32 * MIB - 512,
        32 * MIB,
    )
    unchanged([pool])
    pool["autostart"] = False
    assert changed([pool])["pools"][0]["actions"] == ["disable autostart of pool %s" % name]
    unchanged([pool])
    changed([{"name": name, "state": "absent"}])
    assert snapshot(conn) == before


@pytest.mark.parametrize(
    "kind,source", [("sheepdog", {"host": "127.0.0.1", "name": "ekvm"}), ("vstorage", {"name": "ekvm"})]
)
def test_type_without_backend_fails_before_any_change(conn, workdir, kind, source):
    supported = run(["virsh", "-c", LIBVIRT_URI, "pool-capabilities"]).stdout
    assert "type='%s' supported='no'" % kind in supported
    names = sorted(line.split("'")[1] for line in supported.splitlines() if "supported='yes'" in line)
    pools = [
        {"name": TAG + "-ok", "path": os.path.join(workdir, "ok")},
        {"name": TAG + "-" + kind, "type": kind, "source": source},
    ]
    if kind == "vstorage":
        pools[1]["path"] = os.path.join(workdir, kind)
    before = snapshot(conn)
    msg = failed(pools)
    assert msg == (
        "pools[1]: pool %s has type %s, which this host's libvirt has no storage backend for; "
        "supported types: %s" % (pools[1]["name"], kind, ", ".join(names))
    ), msg
    assert snapshot(conn) == before and not os.path.exists(os.path.join(workdir, "ok"))


BAD_LISTS = [
    (
        [{"name": "x", "type": "netfs", "source": {"dir": "/export"}, "path": "/mnt/x"}],
        "pools[1].source.host: is required for a netfs pool",
    ),
    ([{"name": "x", "path": "relative/dir"}], "pools[1].path: must be an absolute path"),
    ([{"name": "x'y", "path": "/srv/x"}], "pools[1].name: is not a valid pool name"),
    (
        [{"name": "x", "path": "/srv/x", "volumes": [{"name": "a", "capacity": "lots"}]}],
        "pools[1].volumes[0].capacity: must be a size",
    ),
    (
        [{"name": "x", "type": "fs", "source": {"device": "/dev/x", "format": "ntfs"}, "path": "/srv/x"}],
        "pools[1].source.format: must be one of",
    ),
    ([{"name": TAG + "-bad", "path": "/srv/y"}], "pools[1].name: pool '%s-bad' is already listed" % TAG),
]


def test_bad_input_fails_before_any_change(conn, workdir):
    good = {"name": TAG + "-bad", "path": os.path.join(workdir, "bad")}
    before = snapshot(conn)
    for extra, text in BAD_LISTS:
        msg = failed([good] + extra)
        assert msg.startswith(text), msg
    assert snapshot(conn) == before and not os.path.exists(good["path"])


def test_failure_after_changes_reports_changed_and_what_was_done(conn, workdir):
    """Input and plan are fine, but the host refuses to start the second pool (its target is a regular file):
    the run fails with changed=true and lists the steps done, the first pool's among them."""
    ok, bad = TAG + "-done", TAG + "-nodir"
    blocker = os.path.join(workdir, "not-a-dir")
    with open(blocker, "w"):
        pass
    pools = [
        {"name": ok, "path": os.path.join(workdir, "done"), "volumes": [{"name": "a.raw", "capacity": "1M"}]},
        {"name": bad, "path": blocker},
    ]
    before = snapshot(conn)
    try:
        result = pool_module(pools)
        assert result.get("failed") and result["changed"], result
        assert result["msg"].startswith("pools[1]: start pool %s failed: " % bad), result
        assert "Not a directory" in result["msg"], result
        assert result["done"] == [
            "define pool %s" % ok,
            "build pool %s" % ok,
            "start pool %s" % ok,
            "enable autostart of pool %s" % ok,
            "create volume a.raw (1 MiB) in pool %s" % ok,
            "define pool %s" % bad,
            "build pool %s" % bad,
        ], result
        assert snapshot(conn)[ok][1:] == (True, True, ["a.raw"])
        # The rerun does what is left, fails on the same step and has changed nothing this time.
        again = pool_module(pools)
        assert again.get("failed") and not again["changed"] and again["done"] == [], again
        assert again["msg"].startswith("pools[1]: start pool %s failed: " % bad), again
    finally:
        pool_module([{"name": ok, "state": "absent"}, {"name": bad, "state": "absent"}])
    assert snapshot(conn) == before


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: kvm
        tasks_from: libvirt_resources
"""


def test_role_takes_the_older_role_shape_through_ansible_playbook(conn, workdir):
    name = TAG + "-role"
    playbook = os.path.join(workdir, "pools.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK)

    def play(state, check=False):
        extra = os.path.join(workdir, "vars.json")
        with open(extra, "w") as handle:
            json.dump(
                {
                    "ansible_python_interpreter": sys.executable,
                    "kvm_libvirt_uri": LIBVIRT_URI,
                    "kvm_storage_pools": [
                        {"name": name, "path": os.path.join(workdir, "role"), "state": state, "autostart": True}
                    ],
                },
                handle,
            )
        result = ansible.playbook(
            playbook, ["localhost,"], check=check, diff=True, args=["-c", "local", "-e", "@" + extra]
        )
        assert result.rc == 0, result
        return result

    before = snapshot(conn)
    assert play("active", check=True).changed("localhost") == 1 and snapshot(conn) == before
    assert play("active").changed("localhost") == 1
    assert snapshot(conn)[name][1:3] == (True, True)
    assert play("active").changed("localhost") == 0
    assert play("undefined").changed("localhost") == 1
    assert snapshot(conn) == before
