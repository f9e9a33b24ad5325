"""What the VM tests share: the validation context and its check, a web VM with every disk kind, and the converge
call (with the volumes it leaves) on the conn fixture's test:///default."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_reconcile as r
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

CTX = m.Context(host="kvm01", networks=["default", "lan"], pools=["default", "images"])


def vm(**extra):
    base = {"name": "web1"}
    base.update(extra)
    return base


def ids(cases):
    return [case[1] + ":" + case[2] for case in cases]


def names_the_field(items, input_name, path, text):
    """normalise_vms refuses the items with an error at path that says text."""
    with pytest.raises(InputError) as err:
        m.normalise_vms(items, input_name, CTX)
    assert (err.value.path, text in err.value.message) == (path, True), err.value.message


def web(**extra):
    vm = {
        "name": "web1",
        "pool": "default-pool",
        "memory": "1G",
        "vcpus": 1,
        "max_vcpus": 4,
        "autostart": True,
        "disks": [
            {"type": "overlay", "base": "debian.qcow2", "size": "20G"},
            {"size": "1G", "bus": "scsi"},
            {"type": "volume", "volume": "data.raw"},
        ],
        "nics": [{"network": "default"}, {"type": "user"}],
        "cloud_init": {"user_data": {"ssh_authorized_keys": ["ssh-ed25519 AAAA test"]}},
    }
    vm.update(extra)
    return vm


def volumes(conn):
    return sorted(v.name() for v in conn.storagePoolLookupByName("default-pool").listAllVolumes())


def run(conn, vms, **kw):
    kw.setdefault("host", "kvm01")
    return r.converge(conn, vms, "kvm_vms", **kw)


def cloud_init():
    raw = {
        "name": "web1",
        "cloud_init": {
            "user_data": {"hostname": "web1", "ssh_authorized_keys": ["ssh-ed25519 AAAA admin"], "packages": ["vim"]},
            "network_config": {"version": 2, "ethernets": {"eth0": {"dhcp4": True}}},
        },
    }
    return m.normalise_vm(raw, "vms[0]", m.Context(pools=["default"])).cloud_init
