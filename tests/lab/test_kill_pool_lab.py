"""Pools with volumes: the real libvirt_pool module SIGKILLed after each step it reports (kill_hook), and once
in the middle of an upload; the next run converges to exactly the state of a run never interrupted, and the
volume that holds data is never replaced or emptied (issue #21).

Start: pool P runs with data.raw (4 MiB of known data) and g.raw (1 MiB of known data). Declared: P keeps data.raw,
grows g.raw to 2 MiB, gets a.qcow2 (new) and b.raw (uploaded); pool Q is new (define, build, start, autostart) with
q.qcow2. Volumes of dir pools are made on threads beside the other steps, so their order varies.
"""

import glob
import hashlib
import os
import shutil
import uuid

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import volume_fill
from tests.lab import kill_lab
from tests.labkit.daemons import LIBVIRT_URI

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-k%s" % uuid.uuid4().hex[:4]
P, Q = TAG + "p", TAG + "q"
MIB = 1024 * 1024
STEPS = {
    "grow volume g.raw from 1 MiB to 2 MiB in pool " + P,
    "create volume a.qcow2 (64 MiB) in pool " + P,
    "create volume b.raw (2 MiB) in pool " + P,
    "define pool " + Q,
    "build pool " + Q,
    "start pool " + Q,
    "enable autostart of pool " + Q,
    "create volume q.qcow2 (32 MiB) in pool " + Q,
}
RECREATE_B = "recreate volume b.raw (a run was interrupted while it filled it) in pool " + P


@pytest.fixture(scope="module")
def work(lab):
    folder = "/var/tmp/" + TAG
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    connection = libvirt.open(LIBVIRT_URI)
    yield connection, folder
    for pool in connection.listAllStoragePools(0):
        if pool.name().startswith(TAG):
            if pool.isActive():
                pool.destroy()
            pool.undefine()
    connection.close()
    shutil.rmtree(folder, ignore_errors=True)
    for marker in glob.glob(os.path.join(volume_fill.FOLDER, TAG + "*")):
        os.unlink(marker)


def blob(path, size, seed):
    with open(path, "wb") as handle:
        handle.write(hashlib.sha256(seed).digest() * (size // 32))
    return path


def declared(folder):
    return {
        "uri": LIBVIRT_URI,
        "pools": [
            {
                "name": P,
                "path": folder + "/p",
                "volumes": [
                    {"name": "data.raw", "capacity": "4M", "format": "raw"},
                    {"name": "g.raw", "capacity": "2M", "format": "raw"},
                    {"name": "a.qcow2", "capacity": "64M", "format": "qcow2"},
                    {"name": "b.raw", "upload": folder + "/b.src", "format": "raw"},
                ],
            },
            {"name": Q, "path": folder + "/q", "volumes": [{"name": "q.qcow2", "capacity": "32M", "format": "qcow2"}]},
        ],
    }


def restore(conn, folder):
    """Back to the start state: Q gone, P holding data.raw untouched and g.raw at 1 MiB of known data."""
    for name in (Q,):
        try:
            pool = conn.storagePoolLookupByName(name)
        except libvirt.libvirtError:
            continue
        if pool.isActive():
            pool.destroy()
        pool.undefine()
    shutil.rmtree(folder + "/q", ignore_errors=True)
    for name in ("a.qcow2", "b.raw", "g.raw"):
        if os.path.exists(folder + "/p/" + name):
            os.unlink(folder + "/p/" + name)
    blob(folder + "/p/g.raw", MIB, b"g")
    conn.storagePoolLookupByName(P).refresh(0)
    for marker in glob.glob(os.path.join(volume_fill.FOLDER, TAG + "*")):
        os.unlink(marker)


def digest(path, size=None):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read(size) if size else handle.read()).hexdigest()


def state(conn, folder):
    """Pools of this test (run state, autostart, volumes with format and capacity), the files in their folders,
    what the data-holding volumes hold, and the markers left."""
    out = {}
    for pool in conn.listAllStoragePools(0):
        if pool.name().startswith(TAG):
            pool.refresh(0)
            vols = sorted((v.name(), v.info()[1]) for v in pool.listAllVolumes(0))
            out[pool.name()] = (bool(pool.isActive()), bool(pool.autostart()), vols)
    out["files"] = sorted(os.path.relpath(p, folder) for p in glob.glob(folder + "/*/*") + glob.glob(folder + "/*/.*"))
    out["data.raw"] = digest(folder + "/p/data.raw")
    out["g.raw first MiB"] = digest(folder + "/p/g.raw", MIB)
    out["b.raw"] = digest(folder + "/p/b.raw") if os.path.exists(folder + "/p/b.raw") else None
    out["markers"] = sorted(os.path.basename(p) for p in glob.glob(os.path.join(volume_fill.FOLDER, TAG + "*")))
    return out


@pytest.fixture(scope="module")
def want(work):
    """The start state made once by the module (data written straight to the files), and the state that a run
    never interrupted leaves."""
    conn, folder = work
    blob(folder + "/b.src", 2 * MIB, b"b")
    start = declared(folder)
    start["pools"] = [dict(start["pools"][0], volumes=start["pools"][0]["volumes"][:2])]
    start["pools"][0]["volumes"][1] = dict(start["pools"][0]["volumes"][1], capacity="1M")
    kill_lab.converged("libvirt_pool", start)
    blob(folder + "/p/data.raw", 4 * MIB, b"data")
    restore(conn, folder)
    whole = kill_lab.converged("libvirt_pool", declared(folder))
    assert set(whole.events) == STEPS and len(whole.events) == len(STEPS), whole
    result = state(conn, folder)
    assert result["b.raw"] == digest(folder + "/b.src") and result["markers"] == []
    assert result["files"] == ["p/a.qcow2", "p/b.raw", "p/data.raw", "p/g.raw", "q/q.qcow2"]
    return result


@pytest.mark.parametrize("point", [1, 2, 4, 6, 8])
def test_a_pool_run_killed_after_a_step_converges_on_the_next_run(work, want, point):
    conn, folder = work
    restore(conn, folder)
    killed = kill_lab.killed_at("libvirt_pool", declared(folder), point)
    rerun = kill_lab.converged("libvirt_pool", declared(folder))
    # Every step is done once: by the killed run, or by the rerun (a volume on a thread when the kill came may
    # have been made unreported, or left half-uploaded and is then made again).
    assert not set(killed.events) & set(rerun.events), (killed, rerun)
    assert set(killed.events) | set(rerun.events) <= STEPS | {RECREATE_B}, rerun
    assert state(conn, folder) == want, point


def test_a_pool_run_killed_in_the_middle_of_an_upload_is_made_again_by_the_next_run(work, want):
    conn, folder = work
    restore(conn, folder)
    killed = kill_lab.module("libvirt_pool", declared(folder), in_upload=True)
    assert killed.killed, killed
    assert os.path.exists(folder + "/p/b.raw") and digest(folder + "/p/b.raw") != want["b.raw"]
    assert volume_fill.unfinished(P, "b.raw")
    rerun = kill_lab.converged("libvirt_pool", declared(folder))
    assert RECREATE_B in rerun.events, rerun
    assert state(conn, folder) == want
