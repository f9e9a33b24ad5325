"""The libvirt modules' item lists (networks, pools, vms) through the real module entry points, in check mode on
test:///default: Ansible checks only that each is a list of mappings, so every wrong item is refused by the kind's
validator, with no traceback, and the message starts with the item's path as the user wrote it (alias and role
variable included)."""

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import (
    libvirt_domain,
    libvirt_network,
    libvirt_pool,
    libvirt_resources,
)

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

URI = "test:///default"
ROLE_NAMES = dict(
    networks_input_name="kvm_virtual_networks", pools_input_name="kvm_storage_pools", vms_input_name="kvm_vms"
)
YAML_BOOL_HINT = "(unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it)"
YAML_NUMBER_HINT = "(YAML reads an unquoted number as a number: quote it)"
# The older ansible-kvm role's VM, on the test driver's pool and network.
OLDER_VM = {
    "name": "test_vm",
    "memory": "512",
    "vcpu": "1",
    "boot_devices": ["network", "hd"],
    "graphics": False,
    "pool": "default-pool",
    "disks": [{"disk_driver": "virtio", "name": "test_vm.1", "size": "36864"}],
    "network_interfaces": [{"source": "default", "network_driver": "virtio", "type": "network"}],
}


def call(capsys, module, **args):
    """The module's result; any exception but the module's own exit (a traceback) fails the test."""
    args.setdefault("uri", URI)
    with patch_module_args(dict(args, _ansible_check_mode=True)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def refused(capsys, module, **args):
    result = call(capsys, module, **args)
    assert result.get("failed") and not result["changed"], result
    return result["msg"]


def ovs_network(**extra):
    return dict({"name": "ovs", "mode": "bridge", "bridge_name": "br-ovs", "virtualport_type": "openvswitch"}, **extra)


@pytest.mark.parametrize("dns, got", [(5, "a number: 5"), (False, "a boolean: false"), ("no", "'no'")])
def test_a_scalar_for_a_networks_mapping_names_the_network(capsys, dns, got):
    net = {"name": "lab", "ips": [{"address": "192.168.100.1", "prefix": 24}], "dns": dns}
    message = refused(capsys, libvirt_network, networks=[net])
    assert message == "networks[0].dns: must be a mapping (got %s)" % got


def test_a_scalar_for_a_portgroups_vlan_names_the_portgroup(capsys):
    net = ovs_network(portgroups=[{"name": "vlan10", "vlan": {"tags": [10]}}, {"name": "trunk", "vlan": True}])
    message = refused(capsys, libvirt_resources, networks=[net], declared_bridges=["br-ovs"], **ROLE_NAMES)
    assert message == "kvm_virtual_networks[0].portgroups[1].vlan: must be a mapping (got a boolean: true)"


def test_the_older_roles_graphics_false_is_taken(capsys):
    result = call(capsys, libvirt_domain, vms=[OLDER_VM], input_name="kvm_vms")
    assert not result.get("failed") and result["changed"], result


def test_an_unknown_disk_driver_is_named_as_written(capsys):
    bad = dict(OLDER_VM, disks=[{"disk_driver": "floppyx", "name": "test_vm.1", "size": "1G"}])
    message = refused(capsys, libvirt_domain, vms=[bad])
    assert message.startswith("vms[0].disks[0].disk_driver: must be one of virtio, scsi, sata"), message


def test_an_unknown_disk_driver_is_named_with_the_role_variable_and_index(capsys):
    vms = [dict(OLDER_VM, name="vm%d" % i) for i in range(8)]
    vms[7]["disks"] = [
        {"disk_driver": "virtio", "name": "vm7.0", "size": "1G"},
        {"disk_driver": "floppyx", "name": "vm7.1", "size": "1G"},
    ]
    message = refused(capsys, libvirt_resources, vms=vms, **ROLE_NAMES)
    assert message.startswith("kvm_vms[7].disks[1].disk_driver: must be one of virtio, scsi, sata"), message


NAMES = [(5, "a number: 5", YAML_NUMBER_HINT), (True, "a boolean: true", YAML_BOOL_HINT)]


@pytest.mark.parametrize("name, got, hint", NAMES, ids=["name: 5", "name: yes"])
@pytest.mark.parametrize(
    "kind, item, what",
    [
        ("networks", {"ips": [{"address": "192.168.100.1", "prefix": 24}]}, "a network name"),
        ("pools", {"path": "/srv/images"}, "a pool name"),
        ("vms", {"pool": "default-pool"}, "a VM name"),
    ],
)
def test_a_yaml_bool_or_number_as_a_name_is_refused_with_the_hint(capsys, kind, item, what, name, got, hint):
    message = refused(capsys, libvirt_resources, **dict(ROLE_NAMES, **{kind: [dict(item, name=name)]}))
    assert message == "%s[0].name: must be %s, not %s %s" % (ROLE_NAMES[kind + "_input_name"], what, got, hint)


@pytest.mark.parametrize("module", [libvirt_pool, libvirt_resources])
def test_a_pool_secret_is_masked_in_the_log_line_and_the_result(capsys, monkeypatch, module):
    """Ansible learns no_log values from nested options only; the pools option has none, so the module registers
    the secrets itself before AnsibleModule writes its arguments to the journal or syslog."""
    logged = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic.AnsibleModule, "_log_to_syslog", lambda self, msg: logged.append(msg))
    canary = "c2VjcmV0LWNhbmFyeS1rZXk="
    ceph = {
        "name": "ceph",
        "type": "rbd",
        "source": {"name": "rbd", "host": "mon1", "auth": {"username": "libvirt", "secret": canary}},
        "volumes": [{"name": "v1", "capacity": "ten"}],
    }
    message = refused(capsys, module, pools=[ceph])
    assert message.startswith("pools[0].volumes[0].capacity: must be a size"), message
    assert len(logged) == 1 and "Invoked with" in logged[0] and "pools=" in logged[0]
    assert canary not in logged[0] and "********" in logged[0], logged[0]


def test_an_older_roles_vlan_without_its_id_is_refused_naming_vlan(capsys):
    """Ansible's argument spec required vlans[].vlan; the validator does now."""
    message = refused(capsys, libvirt_network, networks=[ovs_network(vlans=[{"name": "v10"}])])
    assert message.startswith("networks[0].vlans[0].vlan: is required"), message
