"""New VM disks that do not fit their pool fail while planning, before any volume or domain is made (on
libvirt's test driver, whose default-pool has 97 GiB free once the fixture made its volumes)."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.domain_samples import run, volumes


def vm(*disks):
    return {"name": "big1", "pool": "default-pool", "memory": "1G", "state": "shutdown", "disks": list(disks)}


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_raw_disk_larger_than_the_pool_fails_before_anything_is_made(vm_conn, check_mode):
    before = volumes(vm_conn)
    with pytest.raises(InputError) as caught:
        run(vm_conn, [vm({"size": "10G", "format": "raw"}, {"size": "95G", "format": "raw"})], check_mode=check_mode)
    assert caught.value.path == "kvm_vms[0].disks[1]"
    assert (
        "pool default-pool has 97 GiB free; volume big1-disk1.raw needs 95 GiB after the 10 GiB" in caught.value.message
    ), caught.value.message
    assert volumes(vm_conn) == before and "big1" not in [d.name() for d in vm_conn.listAllDomains()]


def test_thin_qcow2_disks_are_not_counted(vm_conn):
    assert run(vm_conn, [vm({"size": "500G"})], check_mode=True)["changed"]
