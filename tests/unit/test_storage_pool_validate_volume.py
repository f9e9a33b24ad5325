"""Volumes of a pool entry (storage_pool_validate_volume): bad input fails naming the exact field; sizes follow
the shared kit (a bare size is MiB); a backing volume given by name is in the same pool."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools

DIR = {"name": "d", "path": "/srv/d"}
DISK = {"name": "d", "type": "disk", "path": "/dev"}

BAD = [
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "abc"}])],
        "pools[0].volumes[0].capacity",
        "must be a size such as 10G",
    ),
    ([dict(DIR, volumes=[{"name": "v", "capacity": "10X"}])], "pools[0].volumes[0].capacity", "10G"),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": -1}])],
        "pools[0].volumes[0].capacity",
        "a number of MiB (got a number: -1)",
    ),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": 1}, {"name": "v", "capacity": 2}])],
        "pools[0].volumes[1].name",
        "listed twice",
    ),
    ([dict(DIR, volumes=[{"name": "../etc", "capacity": 1}])], "pools[0].volumes[0].name", "volume name"),
    (
        [{"name": "m", "type": "mpath", "path": "/dev/mapper", "volumes": [{"name": "v", "capacity": 1}]}],
        "pools[0].volumes[0].name",
        "cannot create volumes",
    ),
    (
        [
            {
                "name": "g",
                "type": "gluster",
                "source": {"name": "gv0", "host": "gl1"},
                "volumes": [{"name": "v.raw", "capacity": "1G"}],
            }
        ],
        "pools[0].volumes[0].name",
        "a netfs pool with format",
    ),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "1G", "allocation": "2G"}])],
        "pools[0].volumes[0].allocation",
        "larger than capacity",
    ),
    ([dict(DIR, volumes=[{"name": "v"}])], "pools[0].volumes[0].capacity", "is required"),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "1G", "format": "vmdk3"}])],
        "pools[0].volumes[0].format",
        "must be one of",
    ),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "1G", "backing": "base"}])],
        "pools[0].volumes[0].backing",
        "format of qcow2",
    ),
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "1G", "upload": "/nonexistent/image.img"}])],
        "pools[0].volumes[0].upload",
        "no such image file",
    ),
    (
        [{"name": "lv", "type": "logical", "volumes": [{"name": "v", "capacity": "1G", "format": "qcow2"}]}],
        "pools[0].volumes[0].format",
        "have no format",
    ),
    (
        [dict(DIR, state="inactive", volumes=[{"name": "v", "capacity": 1}])],
        "pools[0].volumes",
        "only in an active pool",
    ),
    (
        [dict(DISK, source={"device": "/dev/loop3"}, volumes=[{"name": "data", "capacity": "1G"}])],
        "pools[0].volumes[0].name",
        "such as loop3p1",
    ),
    (
        [dict(DISK, source={"device": "/dev/sdb"}, volumes=[{"name": "sdbp1", "capacity": "1G"}])],
        "pools[0].volumes[0].name",
        "such as sdb1",
    ),
    # Found by the generated tests: libvirt makes a luks volume only with its passphrase's secret.
    (
        [dict(DIR, volumes=[{"name": "v", "capacity": "1G", "format": "luks"}])],
        "pools[0].volumes[0].format",
        "luks needs an encryption secret",
    ),
    (
        [
            dict(
                DIR,
                volumes=[{"name": "v", "capacity": "1G", "format": "qcow2", "backing": "/b", "backing_format": "luks"}],
            )
        ],
        "pools[0].volumes[0].backing_format",
        "luks needs an encryption secret",
    ),
]


@pytest.mark.parametrize("raw,path,text", BAD, ids=["%02d-%s" % (i, case[1]) for i, case in enumerate(BAD)])
def test_bad_volume_names_the_field(raw, path, text):
    with pytest.raises(InputError) as err:
        parse_pools(raw)
    assert (err.value.path, err.value.message[: len(path) + 2]) == (path, path + ": ")
    assert text in err.value.message


def test_backing_by_name_resolves_in_the_pool(tmp_path):
    image = tmp_path / "seed.img"
    image.write_bytes(b"x" * 4096)
    spec = parse_pools(
        [
            dict(
                DIR,
                volumes=[
                    {"name": "child", "capacity": "2G", "format": "qcow2", "backing": "base.qcow2"},
                    {"name": "seed", "upload": str(image)},
                ],
            )
        ]
    )[0]
    assert spec.volumes[0].backing == "/srv/d/base.qcow2" and spec.volumes[0].backing_format == "qcow2"
    assert spec.volumes[1].capacity == 4096


def test_a_bare_capacity_is_mib_as_everywhere():
    spec = parse_pools([dict(DIR, volumes=[{"name": "v", "capacity": 512}, {"name": "w", "capacity": "1G"}])])[0]
    assert [vol.capacity for vol in spec.volumes] == [512 * 1024 * 1024, 1 << 30]
