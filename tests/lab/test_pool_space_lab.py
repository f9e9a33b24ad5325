"""A dir pool on a 16 MiB tmpfs mounted in the mount namespace of the lab's libvirtd (it has one of its own):
libvirt_pool refuses a volume that does not fit before it makes any file, naming the pool, its free space and the
size asked; one that fits is made; thin qcow2 passes."""

import json
import os
import subprocess
import sys

import libvirt
import pytest

from tests.labkit import paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import read_pid, run

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "ansible_collections.essentials.kvm.plugins.modules.libvirt_pool"
POOL = "ekvm-rel-full"


def in_libvirtd(*argv, check=True):
    """A command in libvirtd's mount namespace, where the tmpfs is."""
    pid = read_pid(os.path.join(paths.RUN, "libvirtd.pid"))
    return run(["nsenter", "-t", str(pid), "-m", "--"] + list(argv), check=check)


def files(folder):
    return sorted(in_libvirtd("ls", "-A", os.path.join(folder, "mnt")).stdout.split())


def module(folder, volumes, check_mode=False):
    args = os.path.join(folder, "args.json")
    pools = [{"name": POOL, "type": "dir", "target": {"path": os.path.join(folder, "mnt")}, "volumes": volumes}]
    with open(args, "w") as handle:
        json.dump(
            {"ANSIBLE_MODULE_ARGS": {"uri": LIBVIRT_URI, "pools": pools, "_ansible_check_mode": check_mode}}, handle
        )
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    done = subprocess.run(
        ["ip", "netns", "exec", paths.NETNS, sys.executable, "-m", MODULE, args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return json.loads(done.stdout)


@pytest.fixture
def folder(lab, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    in_libvirtd("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "ekvm-rel-full", str(mnt))
    yield str(tmp_path)
    conn = libvirt.open(LIBVIRT_URI)
    try:
        pool = conn.storagePoolLookupByName(POOL)
        if pool.isActive():
            for vol in pool.listAllVolumes():
                vol.delete(0)
            pool.destroy()
        pool.undefine()
    except libvirt.libvirtError:
        pass
    conn.close()
    in_libvirtd("umount", str(mnt), check=False)


def test_a_volume_that_does_not_fit_fails_before_any_file_is_made(folder):
    assert not module(folder, []).get("failed")
    free = libvirt.open(LIBVIRT_URI).storagePoolLookupByName(POOL).info()[3]
    assert free <= 16 << 20
    for check_mode in (True, False):
        failed = module(folder, [{"name": "big.raw", "capacity": "64M"}], check_mode=check_mode)
        assert failed.get("failed") and not failed["changed"], failed
        assert failed["msg"].startswith("pools[0].volumes[0]: pool %s has " % POOL), failed["msg"]
        assert "volume big.raw needs 64 MiB" in failed["msg"]
        assert files(folder) == []
    assert not module(
        folder, [{"name": "big.qcow2", "capacity": "64M", "format": "qcow2"}, {"name": "small.raw", "capacity": "4M"}]
    ).get("failed")
    assert sorted(files(folder)) == ["big.qcow2", "small.raw"]
