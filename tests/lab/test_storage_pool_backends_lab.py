"""rbd, gluster and netfs-over-glusterfs pools through the libvirt_pool module against the lab's real libvirtd
(issue 3), with a one-node Ceph and a one-brick Gluster volume run inside the lab namespace for the test.

Every pool is named after TAG and removed at the end; the storage daemons are stopped by their PIDs and their
state folders removed.
"""

import base64
import json
import os

import libvirt
import pytest

# The conn and workdir fixtures come from tests/lab/conftest.py, so both pool files clean up the same way.
from tests.lab.pool_lab import TAG, backend_missing, changed, failed, libvirtd_mounts, pool_module, snapshot, unchanged
from tests.labkit.missing import missing
from tests.labkit.storage_daemons import Ceph, Gluster

pytestmark = pytest.mark.lab

MIB = 1024 * 1024
RBD_POOL = "ekvmrbd"
GLUSTER_VOLUME = "ekvmgl"


def _needs(kind):
    missing(backend_missing(kind))


@pytest.fixture(scope="module")
def ceph(workdir):
    """A one-node Ceph that takes clients with cephx keys and clients without auth, with one rbd pool."""
    _needs("rbd")
    state = os.path.join(workdir, "ceph")
    os.makedirs(state)
    cluster = Ceph(state, auth="cephx, none")
    try:
        cluster.start()
        cluster.create_pool(RBD_POOL)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def gluster(workdir):
    state = os.path.join(workdir, "gluster")
    os.makedirs(state)
    server = Gluster(state)
    try:
        server.start()
        server.create_volume(GLUSTER_VOLUME)
        yield server
    finally:
        server.stop()


def _remove_at_end(request, *names):
    """Undefine the pools even when an assertion fails: a pool left running outlives its storage daemon."""
    request.addfinalizer(lambda: pool_module([{"name": name, "state": "absent"} for name in names]))


def _delete_files(folder, *names):
    for name in names:
        if os.path.exists(os.path.join(folder, name)):
            os.unlink(os.path.join(folder, name))


def test_rbd_pool_is_defined_started_gets_volumes_and_converges(conn, ceph, request):
    name = TAG + "-rbd"
    _remove_at_end(request, name)
    volumes = [{"name": "disk1", "capacity": "16M"}, {"name": "disk2", "capacity": "8M", "format": "raw"}]
    pool = {
        "name": name,
        "type": "rbd",
        "source": {"name": RBD_POOL, "host": ceph.address, "port": ceph.port},
        "volumes": volumes,
    }
    before, images = snapshot(conn), ceph.images(RBD_POOL)  # the cephx test shares the ceph pool

    msg = failed([dict(pool, volumes=[{"name": "disk1", "capacity": "16M", "format": "qcow2"}])])
    assert msg.startswith("pools[0].volumes[0].format: must be one of raw (got 'qcow2')"), msg
    planned = changed([pool], check=True)
    assert snapshot(conn) == before and ceph.images(RBD_POOL) == images
    first = changed([pool])
    assert first["pools"] == planned["pools"]
    assert first["pools"][0]["actions"] == [
        "define pool %s" % name,
        "start pool %s" % name,
        "enable autostart of pool %s" % name,
        "create volume disk1 (16 MiB)",
        "create volume disk2 (8 MiB)",
    ]
    assert ceph.images(RBD_POOL) == dict(images, disk1=16 * MIB, disk2=8 * MIB)
    unchanged([pool])

    volumes[0]["capacity"] = "32M"
    assert changed([pool])["pools"][0]["actions"] == ["grow volume disk1 from 16 MiB to 32 MiB"]
    assert ceph.images(RBD_POOL)["disk1"] == 32 * MIB
    unchanged([pool])

    # A changed field of the definition: the running pool keeps the old one until it is restarted.
    pool["config_opts"] = {"rados_osd_op_timeout": "30"}
    redefined = changed([pool])
    assert redefined["pools"][0]["actions"] == ["redefine pool %s" % name]
    assert redefined["restart_required"] == [name]
    restarted = changed([pool], restart_on_change=True)
    assert restarted["pools"][0]["actions"] == ["stop pool %s" % name, "start pool %s" % name]
    assert snapshot(conn)[name][0].config_opts == {"rados_osd_op_timeout": "30"}
    assert unchanged([pool])["restart_required"] == []

    pool["volumes"] = [{"name": "disk2", "state": "absent"}]
    assert changed([pool])["pools"][0]["actions"] == ["delete volume disk2"]
    assert ceph.images(RBD_POOL) == dict(images, disk1=32 * MIB)

    gone = [{"name": name, "state": "absent"}]
    assert changed(gone)["pools"][0]["actions"] == ["stop pool %s" % name, "undefine pool %s" % name]
    assert snapshot(conn) == before
    assert ceph.images(RBD_POOL) == dict(images, disk1=32 * MIB), "removing the pool deleted its data"
    unchanged(gone)


def test_rbd_pool_with_cephx_keeps_its_key_in_a_libvirt_secret(conn, ceph, request):
    name = TAG + "-rbdx"
    _remove_at_end(request, name)
    key = ceph.client_key("ekvm-libvirt", RBD_POOL)
    pool = {
        "name": name,
        "type": "rbd",
        "source": {
            "name": RBD_POOL,
            "host": ceph.address,
            "port": ceph.port,
            "auth": {"username": "ekvm-libvirt", "secret": key},
        },
        # A refused key fails the refresh only after this timeout (libvirt's default: 30 s).
        "config_opts": {"client_mount_timeout": "5"},
        "volumes": [{"name": "keyed", "capacity": "8M"}],
    }
    usage = "essentials.kvm.pool." + name

    changed([pool], check=True)
    assert usage not in [s.usageID() for s in conn.listAllSecrets(0)]
    first = changed([pool])
    assert first["pools"][0]["actions"][:2] == ["define secret %s" % usage, "define pool %s" % name]
    secret = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, usage)
    assert secret.value(0) == base64.b64decode(key)
    assert "keyed" in ceph.images(RBD_POOL)
    assert key not in json.dumps(first)
    unchanged([pool])

    # A new key (ceph auth rotated): ceph refuses the old one, so the refresh of the read stops the pool; the run
    # sets the new key on the same secret and starts the pool again. The value shows nowhere.
    ceph.ceph("auth", "rm", "client.ekvm-libvirt")
    new_key = ceph.client_key("ekvm-libvirt", RBD_POOL)
    pool["source"]["auth"]["secret"] = new_key
    rotated = changed([pool])
    assert rotated["pools"][0]["actions"][:2] == ["set the value of secret %s" % usage, "start pool %s" % name]
    assert secret.value(0) == base64.b64decode(new_key) and conn.storagePoolLookupByName(name).isActive()
    assert key not in json.dumps(rotated) and new_key not in json.dumps(rotated)
    unchanged([pool], restart_on_change=True)

    removed = changed([{"name": name, "state": "absent"}])
    assert removed["pools"][0]["actions"] == [
        "stop pool %s" % name,
        "undefine pool %s" % name,
        "undefine secret %s" % usage,
    ]
    assert usage not in [s.usageID() for s in conn.listAllSecrets(0)]
    ceph.ceph("auth", "rm", "client.ekvm-libvirt")


def test_gluster_pool_lists_the_volume_files_and_converges(conn, gluster, request):
    _needs("gluster")
    name = TAG + "-gl"
    _remove_at_end(request, name)
    seed = os.path.join(gluster.brick_path(GLUSTER_VOLUME), "seed.raw")
    with open(seed, "wb") as handle:
        handle.truncate(4 * MIB)
    request.addfinalizer(lambda: _delete_files(*os.path.split(seed)))
    pool = {"name": name, "type": "gluster", "source": {"name": GLUSTER_VOLUME, "host": gluster.address}}
    before = snapshot(conn)

    msg = failed([dict(pool, volumes=[{"name": "new.raw", "capacity": "8M"}])])
    assert msg.startswith("pools[0].volumes[0].name: a gluster pool cannot create volumes"), msg
    assert snapshot(conn) == before
    first = changed([pool])
    assert first["pools"][0]["actions"] == [
        "define pool %s" % name,
        "start pool %s" % name,
        "enable autostart of pool %s" % name,
    ]
    assert snapshot(conn)[name][3] == ["seed.raw"]
    unchanged([pool])

    # glusterd on the lab's loopback serves the same volume. Every gluster connection of libvirt takes ~10 s,
    # so this test leaves the restart to the rbd and netfs tests.
    pool["source"]["host"] = "127.0.0.1"
    moved = changed([pool])
    assert moved["pools"][0]["actions"] == ["redefine pool %s" % name] and moved["restart_required"] == [name]
    assert snapshot(conn)[name][0].source.hosts[0].name == "127.0.0.1"

    changed([{"name": name, "state": "absent"}])
    assert snapshot(conn) == before
    assert os.path.exists(seed), "removing the pool deleted its data"


def test_netfs_pool_mounts_a_gluster_volume_and_gets_volumes(conn, gluster, workdir, request):
    _needs("netfs")
    name, target = TAG + "-glfs", os.path.join(workdir, "glfs")
    _remove_at_end(request, name)
    brick = gluster.brick_path(GLUSTER_VOLUME)
    request.addfinalizer(lambda: _delete_files(brick, "a.qcow2", "b.raw"))
    volumes = [{"name": "a.qcow2", "capacity": "16M", "format": "qcow2"}, {"name": "b.raw", "capacity": "8M"}]
    pool = {
        "name": name,
        "type": "netfs",
        "path": target,
        "volumes": volumes,
        "source": {"host": gluster.address, "dir": GLUSTER_VOLUME, "format": "glusterfs"},
    }
    before = snapshot(conn)

    changed([pool], check=True)
    assert snapshot(conn) == before and not os.path.exists(target)
    first = changed([pool])
    assert first["pools"][0]["actions"] == [
        "define pool %s" % name,
        "build pool %s" % name,
        "start pool %s" % name,
        "enable autostart of pool %s" % name,
        "create volume a.qcow2 (16 MiB)",
        "create volume b.raw (8 MiB)",
    ]
    assert "%s:%s %s fuse.glusterfs" % (gluster.address, GLUSTER_VOLUME, target) in libvirtd_mounts()
    assert {"a.qcow2", "b.raw"} <= set(os.listdir(brick))
    unchanged([pool])

    volumes[1]["capacity"] = "12M"
    assert changed([pool])["pools"][0]["actions"] == ["grow volume b.raw from 8 MiB to 12 MiB"]
    assert os.path.getsize(os.path.join(brick, "b.raw")) == 12 * MIB
    unchanged([pool])

    pool["source"]["host"] = "127.0.0.1"
    assert changed([pool])["restart_required"] == [name]
    assert changed([pool], restart_on_change=True)["pools"][0]["actions"] == [
        "stop pool %s" % name,
        "start pool %s" % name,
    ]
    assert "127.0.0.1:%s %s fuse.glusterfs" % (GLUSTER_VOLUME, target) in libvirtd_mounts()
    unchanged([pool])

    removed = changed([{"name": name, "state": "absent", "delete_data": False}])
    assert removed["pools"][0]["actions"] == ["stop pool %s" % name, "undefine pool %s" % name]
    assert target not in libvirtd_mounts() and snapshot(conn) == before
    assert {"a.qcow2", "b.raw"} <= set(os.listdir(brick)), "removing the pool deleted its data"
