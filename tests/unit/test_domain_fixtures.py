"""Real `virsh dumpxml` of guests the lab test defined (QEMU 7.2, libvirt 9.0) read back with no false change.

The cloud-init guest's seed disk was edited by hand from the SATA CD-ROM of that run into the read-only virtio
disk (vdz) the module now defines; the rest is as captured."""

import os

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as v
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "domain")

# The input that defined each fixture (tests/lab/test_domain_lab.py), with the names of that run.
EVERY_NIC = (
    "every-nic",
    "localhost",
    ["ekvm-dx1n"],
    [],
    {
        "name": "ekvm-dx1nics",
        "memory": "64M",
        "boot": ["network"],
        "nics": [
            {"network": "ekvm-dx1n", "portgroup": "web"},
            {"type": "bridge", "bridge": "ekvm-dx1b"},
            {"type": "bridge", "bridge": "ekvm-dx1o", "ovs": True, "vlan": 42},
            {"type": "direct", "dev": "ekvm-dx1va"},
            {"type": "user"},
            {"type": "ethernet", "target_dev": "ekvm-dx1t"},
        ],
    },
)
CLOUD_INIT_GUEST = (
    "cloud-init-guest",
    "lab",
    ["ekvm-d072en"],
    ["ekvm-d072ep", "ekvm-d072ei"],
    {
        "name": "ekvm-d072evm",
        "memory": "768M",
        "machine": "pc",
        "pool": "ekvm-d072ep",
        "direct_boot": {
            "kernel": "/var/tmp/ekvm-lab/ekvm-d072ep/vmlinuz",
            "initrd": "/var/tmp/ekvm-lab/ekvm-d072ep/initrd.img",
            "cmdline": "root=/dev/vda rw console=ttyS0 net.ifnames=0 cloud-init=enabled ds=nocloud",
        },
        "disks": [{"type": "overlay", "base": "base.qcow2", "base_pool": "ekvm-d072ei", "cache": "unsafe"}],
        "cloud_init": {
            "user_data": {
                "hostname": "ekvm-d072evm",
                "disable_root": False,
                "ssh_authorized_keys": [
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINLMnKgq4N46+M1f541/7wR1VJJdThEkfmQtatn2ZcNk ekvm-d072e"
                ],
            },
            "network_config": {"config": "disabled"},
        },
        "nics": [{"network": "ekvm-d072en"}],
    },
)
# The same guest after a NIC was hot-plugged and a machine change was applied by restart_on_change.
RESTARTED = (
    "cloud-init-guest-restarted",
    CLOUD_INIT_GUEST[1],
    CLOUD_INIT_GUEST[2],
    CLOUD_INIT_GUEST[3],
    dict(
        CLOUD_INIT_GUEST[4],
        machine="pc-i440fx-7.1",
        nics=CLOUD_INIT_GUEST[4]["nics"] + [{"network": "ekvm-d072en", "portgroup": "web", "mac": "52:54:00:d5:00:02"}],
    ),
)


def _read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


@pytest.mark.parametrize(
    "case,kind",
    [
        (EVERY_NIC, "inactive"),
        (EVERY_NIC, "live"),
        (CLOUD_INIT_GUEST, "inactive"),
        (CLOUD_INIT_GUEST, "live"),
        (RESTARTED, "live"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_real_dumpxml_reads_back_with_no_change(case, kind):
    name, host, networks, pools, raw = case
    vm = v.normalise_vm(raw, "vms[0]", v.Context(host=host, networks=networks, pools=pools))
    for disk in vm.disks:  # what the plan reads from the volume when the input leaves the format out
        disk.format = disk.format or "raw"
    have = x.parse(_read("%s-%s.xml" % (name, kind)))
    assert m.differences(vm, have) == []
    assert have.machine.startswith("pc-i440fx-") and have.cpu_mode == "custom"


def test_a_machine_change_shows_against_the_running_guest():
    name, host, networks, pools, raw = RESTARTED
    vm = v.normalise_vm(
        dict(raw, machine="pc-i440fx-7.0"), "vms[0]", v.Context(host=host, networks=networks, pools=pools)
    )
    have = x.parse(_read("cloud-init-guest-restarted-live.xml"))
    assert [c for c in m.differences(vm, have) if c[0] == "machine"] == [("machine", "pc-i440fx-7.1", "pc-i440fx-7.0")]


def test_real_dumpxml_of_the_cloud_init_guest_keeps_what_the_module_compares():
    have = x.parse(_read("cloud-init-guest-live.xml"))
    assert [(d.target, d.device, d.pool, d.volume, d.format) for d in have.disks] == [
        ("vda", "disk", "ekvm-d072ep", "ekvm-d072evm-disk0.qcow2", "qcow2"),
        ("vdz", "disk", "ekvm-d072ep", "ekvm-d072evm-cidata.iso", "raw"),
    ]
    assert have.kernel == "/var/tmp/ekvm-lab/ekvm-d072ep/vmlinuz"
    assert have.cmdline.endswith("cloud-init=enabled ds=nocloud")
    assert have.seed_digest and have.nics[0].mac == m.derive_mac("lab", "ekvm-d072evm", 0)
