"""VM disks input (domain_validate_disks): the disk types' options, pools, targets and shared volumes;
errors name the field as written."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.domain_samples import CTX, ids, names_the_field, vm

BAD_DISKS = [
    (vm(disks=[{"volume": "a.qcow2", "pool": "nope"}]), "vms[0].disks[0].pool", "not defined on this host"),
    (vm(disks=[{"type": "new"}]), "vms[0].disks[0].size", "required for type new"),
    (vm(disks=[{"size": "ten"}]), "vms[0].disks[0].size", "must be a size"),
    (vm(disks=[{"type": "overlay"}]), "vms[0].disks[0].base", "required for type overlay"),
    (vm(disks=[{"base": "b.qcow2", "format": "raw"}]), "vms[0].disks[0].format", "must be qcow2"),
    (
        vm(disks=[{"size": "1G", "target": "vdb"}, {"size": "1G", "target": "vdb"}]),
        "vms[0].disks[1].target",
        "duplicate target device vdb",
    ),
    (vm(disks=[{"size": "1G", "target": "sdb"}]), "vms[0].disks[0].target", "does not fit bus virtio"),
    (vm(disks=[{"size": "1G", "bus": "ide"}]), "vms[0].disks[0].bus", "must be one of"),
    (vm(disks=[{"disk_driver": "usb", "name": "x", "size": 10}]), "vms[0].disks[0].disk_driver", "must be one of"),
    (vm(disks=[{"size": "1G", "cache": "fast"}]), "vms[0].disks[0].cache", "must be one of"),
    (vm(disks=[{"type": "volume"}]), "vms[0].disks[0].volume", "required for type volume"),
    (vm(disks=[{"type": "cdrom", "path": "debian.iso"}]), "vms[0].disks[0].path", "absolute path"),
    (vm(disks=[{"type": "file"}]), "vms[0].disks[0].path", "required for type file"),
    (vm(disks=[{"size": "1G", "sise": 1}]), "vms[0].disks[0].sise", "is not a known option"),
    (vm(disks=[{"volume": "/var/lib/x.qcow2"}]), "vms[0].disks[0].volume", "not a path"),
]


@pytest.mark.parametrize("raw,path,text", BAD_DISKS, ids=ids(BAD_DISKS))
def test_bad_input_names_the_field(raw, path, text):
    names_the_field([raw], "vms", path, text)


AS_WRITTEN_DISKS = [
    ({"disks": [{"disk_driver": "ide", "size": 10}]}, "kvm_vms[0].disks[0].disk_driver", "must be one of virtio"),
    ({"disks": [{"name": "/srv/a.qcow2", "size": 10}]}, "kvm_vms[0].disks[0].name", "not a path"),
    (
        {"disks": [{"bus": "sata", "disk_driver": "sata", "size": 10}]},
        "kvm_vms[0].disks[0].disk_driver",
        "is another spelling of bus",
    ),
]


@pytest.mark.parametrize("extra,path,text", AS_WRITTEN_DISKS, ids=ids(AS_WRITTEN_DISKS))
def test_errors_name_the_key_as_written(extra, path, text):
    names_the_field([dict(vm(), **extra)], "kvm_vms", path, text)


def test_a_shared_volume_is_named_as_written():
    first = vm(disks=[{"name": "x.qcow2", "size": 10}])
    second = {"name": "web2", "disks": [{"size": 10}, {"name": "x.qcow2", "size": 10}]}
    with pytest.raises(
        InputError, match=r"^kvm_vms\[1\]\.disks\[1\]\.name: .*also created by kvm_vms\[0\]\.disks\[0\]"
    ):
        m.normalise_vms([first, second], "kvm_vms", CTX)
