"""VM input: both input shapes, the kit's value rules, and errors that name the exact field as written."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate_disks import DISK_FIELDS
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate_nics import NIC_FIELDS
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.domain_samples import CTX, ids, names_the_field, vm


def test_defaults_and_sizes():
    got = m.normalise_vm(vm(memory="2G", current_memory=1024, vcpus=2, max_vcpus=4), "vms[0]", CTX)
    assert (got.memory, got.current_memory) == (2 * 1024 * 1024, 1024 * 1024)
    assert (got.vcpus, got.max_vcpus, got.domain_type, got.cpu_mode) == (2, 4, "qemu", None)
    assert got.boot == ["hd"] and got.serial_console and got.rng and got.guest_agent


def test_kvm_chosen_when_usable():
    ctx = m.Context(host="h", networks=[], pools=[], kvm_usable=True)
    got = m.normalise_vm(vm(), "vms[0]", ctx)
    assert (got.domain_type, got.cpu_mode) == ("kvm", "host-passthrough")


def test_older_ansible_kvm_shape():
    old = {
        "name": "test_vm",
        "memory": "512",
        "vcpu": "1",
        "boot_devices": ["network", "hd"],
        "autostart": True,
        "state": "running",
        "cdrom": "/srv/iso/debian.iso",
        "disks": [
            {"disk_driver": "virtio", "name": "test_vm.1", "size": "36864"},
            {"disk_driver": "sata", "name": "test_vm.2", "size": "512"},
        ],
        "network_interfaces": [
            {"source": "default", "network_driver": "virtio", "type": "network"},
            {"source": "vmbr102", "network_driver": "e1000", "type": "bridge"},
        ],
    }
    got = m.normalise_vm(old, "kvm_vms[0]", CTX)
    assert got.memory == 512 * 1024 and got.vcpus == 1 and got.boot == ["network", "hd"] and got.autostart
    assert [(d.kind, d.volume, d.size, d.bus, d.target) for d in got.disks[:2]] == [
        ("new", "test_vm.1", 36864 * 1024**2, "virtio", "vda"),
        ("new", "test_vm.2", 512 * 1024**2, "sata", "sda"),
    ]
    assert (got.disks[2].device, got.disks[2].path, got.disks[2].target) == ("cdrom", "/srv/iso/debian.iso", "sdb")
    assert [(n.type, n.source, n.model) for n in got.nics] == [
        ("network", "default", "virtio"),
        ("bridge", "vmbr102", "e1000"),
    ]


def test_ansible_params_with_none_values():
    raw = dict.fromkeys(m.VM_KEYS)
    raw.update(
        name="a",
        memory="1G",
        state="running",
        disks=[dict(dict.fromkeys(DISK_FIELDS), size="1G")],
        nics=[dict(dict.fromkeys(NIC_FIELDS), type="user", ovs=False)],
    )
    got = m.normalise_vm(raw, "vms[0]", CTX)
    assert got.disks[0].kind == "new" and got.nics[0].type == "user"


def test_cloud_init_adds_a_read_only_virtio_seed_disk():
    got = m.normalise_vm(vm(disks=[{"size": "1G"}], cloud_init={"user_data": {"packages": ["vim"]}}), "vms[0]", CTX)
    seed = got.disks[-1]
    assert (seed.kind, seed.volume, seed.target, seed.bus, seed.device, seed.readonly) == (
        "seed",
        "web1-cidata.iso",
        "vdz",
        "virtio",
        "disk",
        True,
    )
    assert got.cloud_init.user_data.startswith("#cloud-config\n") and '"vim"' in got.cloud_init.user_data
    assert '"local-hostname": "web1"' in got.cloud_init.meta_data and got.seed_digest


BAD = [
    ({"name": "bad name"}, "vms[0].name", "VM name"),
    ({"name": "a" * 101}, "vms[0].name", "at most 100"),
    (vm(state="gone"), "vms[0].state", "must be one of"),
    (vm(memory="lots"), "vms[0].memory", "must be a size"),
    (vm(memory="1G", current_memory="2G"), "vms[0].memory", "below current_memory"),
    (vm(vcpus=0), "vms[0].vcpus", "whole number"),
    (vm(vcpus=4, max_vcpus=2), "vms[0].max_vcpus", "below vcpus"),
    (vm(cpu={"mode": "custom"}), "vms[0].cpu.model", "required when mode is custom"),
    (vm(cpu={"mode": "host-model", "model": "Skylake"}), "vms[0].cpu.model", "only applies to mode custom"),
    (vm(cpu={"mode": "host-passthrough"}, domain_type="qemu"), "vms[0].cpu.mode", "needs domain_type kvm"),
    (vm(secure_boot=True), "vms[0].secure_boot", "needs firmware: uefi"),
    (vm(firmware="uefi", secure_boot=True, machine="pc"), "vms[0].machine", "q35"),
    (vm(firmware="efi"), "vms[0].firmware", "must be one of"),
    (vm(boot=["hd", "usb"]), "vms[0].boot[1]", "must be one of"),
    (vm(graphics={"type": "vnc", "listen": "everywhere"}), "vms[0].graphics.listen", "IP address"),
    (vm(graphics={"type": "rdp"}), "vms[0].graphics.type", "must be one of"),
    (vm(cloud_init={"user_data": 42}), "vms[0].cloud_init.user_data", "mapping or a YAML string"),
    (vm(cloud_init={"pool": "nope"}), "vms[0].cloud_init.pool", "not defined on this host"),
    (vm(vcpus=2, vcpu=2), "vms[0].vcpu", "is another spelling of vcpus"),
    (vm(metadata={"owner": 5}), "vms[0].metadata.owner", "must be text, not a number"),
    (vm(direct_boot={"cmdline": "console=ttyS0"}), "vms[0].direct_boot.kernel", "required for direct kernel boot"),
    (vm(direct_boot={"kernel": "vmlinuz"}), "vms[0].direct_boot.kernel", "must be an absolute path"),
    (
        vm(direct_boot={"kernel": "/boot/vmlinuz", "initrd": "initrd.img"}),
        "vms[0].direct_boot.initrd",
        "must be an absolute path",
    ),
    (
        vm(direct_boot={"kernel": "/boot/vmlinuz", "append": "quiet"}),
        "vms[0].direct_boot.append",
        "is not a known option",
    ),
]


@pytest.mark.parametrize("raw,path,text", BAD, ids=ids(BAD))
def test_bad_input_names_the_field(raw, path, text):
    names_the_field([raw], "vms", path, text)


def test_list_level_errors():
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.name: duplicate VM name"):
        m.normalise_vms([vm(), vm()], "kvm_vms", CTX)
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.disks\[0\]\.volume: .*also created by kvm_vms\[0\]"):
        m.normalise_vms(
            [
                vm(disks=[{"volume": "x.qcow2", "size": "1G"}]),
                {"name": "web2", "disks": [{"volume": "x.qcow2", "size": "1G"}]},
            ],
            "kvm_vms",
            CTX,
        )
    with pytest.raises(InputError, match="must be a list"):
        m.normalise_vms({"name": "a"}, "kvm_vms", CTX)


def test_same_name_on_different_hosts_is_fine():
    got = m.normalise_vms([vm(host="kvm01"), vm(host="kvm02")], "kvm_vms", CTX)
    assert [v.host for v in got] == ["kvm01", "kvm02"]


def test_the_kits_value_rules():
    got = m.normalise_vm(
        vm(
            memory=2048,
            vcpus="2",
            autostart="yes",
            rng="off",
            boot_devices=["network", "hd"],
            disks=[{"size": 10}, {"size": "1.5G", "bus": "sata"}],
        ),
        "vms[0]",
        CTX,
    )
    assert (got.memory, got.vcpus, got.max_vcpus, got.autostart, got.rng) == (2048 * 1024, 2, 2, True, False)
    assert [d.size for d in got.disks] == [10 * 1024**2, 1536 * 1024**2] and got.boot == ["network", "hd"]


def test_graphics_as_the_older_role_wrote_it():
    """graphics: false/true (the older role's shape), a type alone, or the mapping."""
    assert m.normalise_vm(vm(graphics=False), "vms[0]", CTX).graphics == "none"
    assert m.normalise_vm(vm(graphics=True), "vms[0]", CTX).graphics == "spice"
    assert m.normalise_vm(vm(graphics="spice"), "vms[0]", CTX).graphics == "spice"
    got = m.normalise_vm(vm(graphics={"type": "vnc", "listen": "127.0.0.1"}), "vms[0]", CTX)
    assert (got.graphics, got.graphics_listen) == ("vnc", "127.0.0.1")


def test_free_text_may_span_lines():
    got = m.normalise_vm(vm(description="web front\nowner: ops", metadata={"role": "web\nfront"}), "vms[0]", CTX)
    assert got.description == "web front\nowner: ops" and got.metadata == {"role": "web\nfront"}


# The older role's spellings are named as written; YAML booleans and numbers where text belongs say why.
AS_WRITTEN = [
    ({"boot_devices": ["hd", "usb"]}, "kvm_vms[0].boot_devices[1]", "must be one of"),
    ({"vcpu": "two"}, "kvm_vms[0].vcpu", "must be a whole number from 1 to 4096"),
    ({"vcpu": True}, "kvm_vms[0].vcpu", "must be a whole number"),
    ({"autostart": "maybe"}, "kvm_vms[0].autostart", "must be true or false"),
    ({"memory": True}, "kvm_vms[0].memory", "must be a size"),
    ({"memory": 0}, "kvm_vms[0].memory", "more than zero"),
    ({"boot": []}, "kvm_vms[0].boot", "at least one boot device"),
    ({"cdrom": "debian.iso"}, "kvm_vms[0].cdrom", "must be an absolute path"),
    ({"pool": 2024}, "kvm_vms[0].pool", "must be a storage pool name, not a number: 2024"),
    ({"graphics": "rdp"}, "kvm_vms[0].graphics", "must be one of none, vnc, spice"),
    ({"graphics": {"type": "vnc", "listen": 0}}, "kvm_vms[0].graphics.listen", "not a number"),
    ({"metadata": {"bad key": "x"}}, "kvm_vms[0].metadata.bad key", "simple name"),
    ({"host": 10}, "kvm_vms[0].host", "not a number"),
]


@pytest.mark.parametrize("extra,path,text", AS_WRITTEN, ids=ids(AS_WRITTEN))
def test_errors_name_the_key_as_written(extra, path, text):
    names_the_field([dict(vm(), **extra)], "kvm_vms", path, text)


def test_yaml_booleans_and_numbers_where_text_belongs_say_why():
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.name: must be a VM name, not a boolean: true \(unquoted yes"):
        m.normalise_vms([{"name": True}], "kvm_vms", CTX)
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.name: .*not a number: 10 \(YAML reads an unquoted number"):
        m.normalise_vms([{"name": 10}], "kvm_vms", CTX)
