"""A pool without room for the new volumes fails while planning, before any volume is made, naming the pool, its
free space and what was asked; thin (qcow2) volumes are not counted. On libvirt's test driver."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import Volume
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_space import needed
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size
from tests.unit.pool_samples import run

GIB = 1 << 30


def pool(*volumes):
    return {
        "name": "nfs-a",
        "type": "netfs",
        "source": {"host": "nas", "dir": "/export"},
        "target": {"path": "/mnt/a"},
        "volumes": list(volumes),
    }


@pytest.fixture
def free(node_conn):
    run(node_conn, [pool()])
    return node_conn.storagePoolLookupByName("nfs-a").info()[3]


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_raw_volume_larger_than_the_free_space_fails_before_anything_is_made(node_conn, free, check_mode):
    asked = free + GIB
    with pytest.raises(InputError) as caught:
        run(node_conn, [pool({"name": "big.raw", "capacity": "%dB" % asked})], check_mode=check_mode)
    assert caught.value.path == "pools[0].volumes[0]"
    assert caught.value.message.startswith(
        "pools[0].volumes[0]: pool nfs-a has %s free; volume big.raw needs %s" % (format_size(free), format_size(asked))
    )
    assert node_conn.storagePoolLookupByName("nfs-a").listVolumes() == []


def test_the_volumes_of_one_run_are_counted_together(node_conn, free):
    half = "%dB" % (free // 2 + GIB)
    with pytest.raises(InputError) as caught:
        run(node_conn, [pool({"name": "a.raw", "capacity": half}, {"name": "b.raw", "capacity": half})])
    assert caught.value.path == "pools[0].volumes[1]" and "the volumes before it take" in caught.value.message
    assert node_conn.storagePoolLookupByName("nfs-a").listVolumes() == []


def test_thin_and_partly_allocated_volumes_fit(node_conn, free):
    huge = "%dB" % (free + GIB)
    thin, sparse = (
        {"name": "thin.qcow2", "capacity": huge, "format": "qcow2"},
        {"name": "sparse.raw", "capacity": huge, "allocation": "1G"},
    )
    # Planning lets both through (the test driver itself refuses a qcow2 larger than its free space: check mode).
    assert run(node_conn, [pool(thin, sparse)], check_mode=True)["changed"]
    assert run(node_conn, [pool(sparse)])["changed"]
    assert node_conn.storagePoolLookupByName("nfs-a").listVolumes() == ["sparse.raw"]


def test_what_a_new_volume_takes(tmp_path):
    image = tmp_path / "image.qcow2"
    image.write_bytes(b"\0" * 4096)
    assert needed("dir", Volume("a", capacity=GIB)) == GIB
    assert needed("dir", Volume("a", capacity=GIB, format="raw", allocation=0)) == 0
    assert needed("dir", Volume("a", capacity=GIB, format="qcow2")) == 0
    assert needed("logical", Volume("a", capacity=GIB, format="qcow2")) == GIB
    assert needed("dir", Volume("a", capacity=GIB, format="qcow2", upload=str(image))) == 4096
