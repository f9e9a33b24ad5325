"""Real pool-dumpxml / vol-dumpxml output of the lab's libvirtd 9.0 (tests/unit/fixtures/pool): no false change."""

import os

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_live import LivePool
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import plan_pool
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import parse_pool_xml, parse_volume_xml

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pool")

# The input each fixture's pool was made from.
SPECS = {
    "dir-active.xml": {"name": "ekvm-pdir", "path": "/var/tmp/ekvm-pdir"},
    "fs-active.xml": {
        "name": "ekvm-pfs",
        "type": "fs",
        "source": {"device": "/dev/loop0", "format": "ext4"},
        "path": "/tmp/ekvm-pdev/fsmnt",
        "build": True,
    },
    "disk-gpt-active.xml": {
        "name": "ekvm-pdisk",
        "type": "disk",
        "path": "/dev",
        "build": True,
        "source": {"device": "/dev/loop1", "format": "gpt"},
    },
    "logical-active.xml": {
        "name": "ekvm-plvm",
        "type": "logical",
        "build": True,
        "source": {"device": "/dev/loop2", "name": "ekvm-pvg"},
    },
}


def read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def live_pool(xml, volumes=None):
    model = parse_pool_xml(xml)
    return LivePool(uuid="u", model=model, running=model, active=True, autostart=True, volumes=volumes or {})


def no_probe(device):
    raise AssertionError("probed %s for an existing pool" % device)


def plan(raw, live):
    return plan_pool(None, parse_pools([raw])[0], live, False, no_probe)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_real_dumpxml_is_no_change(name):
    result = plan(SPECS[name], live_pool(read(name)))
    assert (result.actions, result.restart_required, result.warnings) == ([], False, [])


def test_dir_target_permissions_are_reported_as_the_directory_has_them():
    # Defined with mode 0750 over a directory made with 0711: libvirt reports 0711 in both definitions.
    active, inactive = read("dir-mode-changed-active.xml"), read("dir-mode-changed-inactive.xml")
    assert parse_pool_xml(active) == parse_pool_xml(inactive)
    assert parse_pool_xml(active).permissions.mode == "0711"
    raw = dict(SPECS["dir-active.xml"], target={"permissions": {"mode": "0750"}})
    result = plan(raw, live_pool(active))
    assert (result.actions, result.restart_required) == ([], False)
    assert result.warnings == [
        "pools[0].target.permissions: the target of pool ekvm-pdir has mode 0711, owner 0, "
        "group 0; libvirt applies target.permissions only when it creates the directory, "
        "so change them on the host"
    ]


def test_qcow2_volume_is_no_change():
    volume, path = parse_volume_xml(read("volume-dir-qcow2.xml"))
    assert (volume.name, volume.format, volume.capacity, path) == (
        "a.qcow2",
        "qcow2",
        64 << 20,
        "/var/tmp/ekvm-pdir/a.qcow2",
    )
    raw = dict(SPECS["dir-active.xml"], volumes=[{"name": "a.qcow2", "capacity": "64M", "format": "qcow2"}])
    result = plan(raw, live_pool(read("dir-active.xml"), {"a.qcow2": volume}))
    assert (result.actions, result.warnings) == ([], [])


def test_partition_read_back_without_type_and_rounded_up_is_no_change():
    volume, path = parse_volume_xml(read("volume-disk-dos-partition.xml"))
    assert (volume.format, path) == ("none", "/dev/loop1p1") and volume.capacity > 16 << 20
    raw = dict(SPECS["disk-gpt-active.xml"], volumes=[{"name": "loop1p1", "capacity": "16M", "format": "linux"}])
    result = plan(raw, live_pool(read("disk-gpt-active.xml"), {"loop1p1": volume}))
    assert (result.actions, result.warnings) == ([], [])


def test_partition_is_never_grown():
    volume = parse_volume_xml(read("volume-disk-dos-partition.xml"))[0]
    raw = dict(SPECS["disk-gpt-active.xml"], volumes=[{"name": "loop1p1", "capacity": "32M"}])
    result = plan(raw, live_pool(read("disk-gpt-active.xml"), {"loop1p1": volume}))
    assert result.actions == []
    assert result.warnings == [
        "pools[0].volumes[0]: volume loop1p1 is a partition of 16.19 MiB; partitions are never grown"
    ]
