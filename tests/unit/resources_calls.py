"""Calls of the libvirt_resources module on test:///default and their input, shared by the tests that run it."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import libvirt_resources

URI = "test:///default"
ROLE_NAMES = dict(
    networks_input_name="kvm_virtual_networks",
    pools_input_name="kvm_storage_pools",
    vms_input_name="kvm_vms",
    inventory_hostname="kvm01",
)


def call(capsys, **args):
    args.setdefault("uri", URI)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            libvirt_resources.main()
    return json.loads(capsys.readouterr().out)


def net(name="rnet", third=77, **extra):
    return dict({"name": name, "ips": [{"address": "10.%d.0.1" % third, "prefix": 24}]}, **extra)


def pool(tmp_path, **extra):
    # The test driver keeps dir pools in memory: nothing is made under the path.
    return dict(
        {
            "name": "rpool",
            "path": str(tmp_path / "rpool"),
            "volumes": [{"name": "data.qcow2", "capacity": "1G", "format": "qcow2"}],
        },
        **extra,
    )


def vm(**extra):
    return dict(
        {"name": "rvm", "memory": "512M", "pool": "rpool", "disks": [{"size": "2G"}], "nics": [{"network": "rnet"}]},
        **extra,
    )


def all_three(tmp_path):
    return dict(ROLE_NAMES, networks=[net()], pools=[pool(tmp_path)], vms=[vm()])
