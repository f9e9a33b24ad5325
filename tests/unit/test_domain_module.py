"""The libvirt_domain module end to end on test:///default: the kvm role's call with the older kvm_vms shape."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import libvirt_domain

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

KVM_VMS = [
    {
        "name": "test_vm",
        "memory": "512",
        "vcpu": "1",
        "boot_devices": ["network", "hd"],
        "state": "running",
        "pool": "default-pool",
        "disks": [{"disk_driver": "virtio", "name": "test_vm.1", "size": "36864"}],
        "network_interfaces": [{"source": "default", "network_driver": "virtio", "type": "network"}],
    },
    {"name": "elsewhere", "host": "kvm02", "pool": "default-pool"},
]


@pytest.fixture
def clean():
    conn = libvirt.open("test:///default")
    yield conn
    for dom in conn.listAllDomains():
        if dom.name() != "test":
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for vol in conn.storagePoolLookupByName("default-pool").listAllVolumes():
        vol.delete(0)
    conn.close()


def call(capsys, **args):
    args.setdefault("uri", "test:///default")
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            libvirt_domain.main()
    return json.loads(capsys.readouterr().out)


def test_kvm_role_call_converges_and_is_idempotent(capsys, clean):
    args = dict(vms=KVM_VMS, input_name="kvm_vms", inventory_hostname="kvm01", _ansible_diff=True)
    first = call(capsys, _ansible_check_mode=True, **args)
    assert first["changed"] and first["other_hosts"] == ["elsewhere"] and first["diff"][0]["before"] == ""
    assert first["invocation"]["module_args"]["vms"] == "2 items"
    assert "test_vm" not in [d.name() for d in clean.listAllDomains()]
    second = call(capsys, **args)
    assert second["changed"] and clean.lookupByName("test_vm").isActive()
    third = call(capsys, **args)
    assert not third["changed"] and third["diff"] == []


def test_bad_input_fails_with_the_field_path(capsys, clean):
    vms = [dict(KVM_VMS[0], network_interfaces=[{"source": "dmz", "type": "network"}])]
    result = call(capsys, vms=vms, input_name="kvm_vms")
    assert result["failed"]
    # The older role's spelling as written: Ansible's argument spec no longer renames network_interfaces to nics.
    assert result["msg"].startswith(
        "kvm_vms[0].network_interfaces[0].source: network 'dmz' is not defined on this host"
    )


def test_a_refused_vm_fails_with_the_vms_converged_before_it(capsys, clean, monkeypatch):
    original = libvirt.virDomain.create

    def refuse_second(dom):
        if dom.name() == "second":
            raise libvirt.libvirtError("refused by test")
        return original(dom)

    monkeypatch.setattr(libvirt.virDomain, "create", refuse_second)
    vms = [{"name": name, "memory": "256M", "state": "running", "pool": "default-pool"} for name in ("first", "second")]
    result = call(capsys, vms=vms)
    assert result["failed"] and result["changed"]
    assert result["msg"] == "VM second: libvirt refused: refused by test"
    assert result["done"] == ["first: define, start (was absent)", "second: define, then failed"]
    assert clean.lookupByName("first").isActive()


def test_a_vm_refused_part_way_counts_as_changed(capsys, clean, monkeypatch):
    def refuse(dom):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(libvirt.virDomain, "create", refuse)
    vms = [{"name": "lone", "memory": "256M", "state": "running", "pool": "default-pool"}]
    result = call(capsys, vms=vms)
    assert result["failed"] and result["changed"]
    assert result["msg"] == "VM lone: libvirt refused: refused by test"
    assert result["done"] == ["lone: define, then failed"]
    assert not clean.lookupByName("lone").isActive()


def test_a_refused_definition_names_the_volume_created_before_it(capsys, clean, monkeypatch):
    def refuse(conn, xml):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(libvirt.virConnect, "defineXML", refuse)
    vms = [{"name": "disky", "memory": "256M", "pool": "default-pool", "disks": [{"name": "disky.1", "size": "1024"}]}]
    result = call(capsys, vms=vms)
    assert result["failed"] and result["changed"]
    assert result["done"] == ["disky: create volume disky.1, then failed"]
    assert "disky.1" in clean.storagePoolLookupByName("default-pool").listVolumes()
