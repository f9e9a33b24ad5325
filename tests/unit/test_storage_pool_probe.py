"""What a pool's device holds, probed before anything is defined (storage_pool_probe): a build never destroys
data unless overwrite is set, and an fs pool that is not built needs a filesystem to mount."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.pool_samples import FS, names, run

FS_UNBUILT = {"name": "fs-b", "type": "fs", "source": {"device": "/dev/loop9", "format": "ext4"}, "path": "/mnt/fs-b"}


def test_build_refuses_a_device_with_data(node_conn):  # noqa: F811
    with pytest.raises(InputError) as err:
        run(node_conn, [FS], probe=lambda device: ["ext4 0x438"])
    assert err.value.path == "pools[0].source.devices[0]"
    assert "/dev/vdz already holds data (ext4 0x438)" in err.value.message and "overwrite" in err.value.message
    assert names(node_conn) == ["default"]


def test_new_fs_pool_without_build_refuses_an_empty_device(node_conn):  # noqa: F811
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
