"""Domain XML: every disk and NIC kind validates against libvirt's schema and reads back without a change."""

import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as v
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

CTX = v.Context(host="kvm01", networks=["default"], pools=["default-pool"])

DISKS = {
    "volume": {"type": "volume", "volume": "data.qcow2", "format": "qcow2"},
    "new": {"size": "10G", "bus": "scsi", "cache": "none", "io": "native", "discard": "unmap"},
    "copy": {"type": "copy", "base": "debian.qcow2", "bus": "sata"},
    "overlay": {"base": "debian.qcow2", "size": "20G", "cache": "writeback", "io": "threads"},
    "cdrom_volume": {"type": "cdrom", "volume": "debian.iso"},
    "cdrom_path": {"type": "cdrom", "path": "/srv/iso/debian.iso"},
    "file": {"type": "file", "path": "/var/lib/images/raw.img", "format": "raw", "bus": "virtio"},
}
NICS = {
    "network_portgroup": {"network": "default", "portgroup": "web", "mtu": 1400},
    "linux_bridge": {"type": "bridge", "bridge": "br0", "model": "e1000e"},
    "ovs_vlan": {"type": "bridge", "bridge": "ovsbr0", "ovs": True, "vlan": 20},
    "ovs_trunk": {"type": "bridge", "bridge": "ovsbr0", "ovs": True, "vlan": 1, "trunk": [10, 20]},
    "direct_bridge": {"type": "direct", "dev": "eth1"},
    "direct_private": {"type": "direct", "dev": "eth1", "mode": "private"},
    "direct_vepa": {"type": "direct", "dev": "eth1", "mode": "vepa"},
    "direct_passthrough": {"type": "direct", "dev": "eth1", "mode": "passthrough"},
    "user": {"type": "user"},
    "ethernet": {"type": "ethernet", "target_dev": "tap-web1"},
    "hostdev": {"type": "hostdev", "pci": "0000:03:00.1", "vlan": 30},
    "bandwidth": {
        "network": "default",
        "bandwidth": {"inbound": {"average": 1000, "peak": 2000, "burst": 512}, "outbound": {"average": 500}},
    },
}
VARIANTS = {
    "bios_vnc": {"graphics": {"type": "vnc", "listen": "127.0.0.1"}},
    "uefi_secure_spice": {
        "firmware": "uefi",
        "secure_boot": True,
        "machine": "q35",
        "graphics": {"type": "spice"},
        "nvram": "/var/lib/libvirt/qemu/nvram/web1_VARS.fd",
    },
    "custom_cpu_minimal": {
        "cpu": {"mode": "custom", "model": "qemu64"},
        "serial_console": False,
        "rng": False,
        "guest_agent": False,
        "boot": ["network", "cdrom", "hd"],
    },
    "host_model_metadata": {
        "domain_type": "kvm",
        "cpu": {"mode": "host-model"},
        "description": "web server",
        "metadata": {"owner": "ops", "tier": "web"},
        "memory": "4G",
        "current_memory": "2G",
        "vcpus": 2,
        "max_vcpus": 8,
        "iothreads": 2,
        "cloud_init": {"user_data": {"hostname": "web1"}},
    },
    "kvm_host_passthrough": {"domain_type": "kvm", "cpu": {"mode": "host-passthrough"}, "machine": "pc"},
    "direct_kernel_boot": {
        "direct_boot": {
            "kernel": "/var/lib/libvirt/boot/vmlinuz",
            "initrd": "/var/lib/libvirt/boot/initrd.img",
            "cmdline": "root=/dev/vda rw console=ttyS0",
        }
    },
}


def validate(tmp_path, text):
    path = tmp_path / "domain.xml"
    path.write_text(text)
    result = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + text


def round_trip(vm):
    conn = libvirt.open("test:///default")  # one driver state per process: leave no domain behind
    try:
        dom = conn.defineXML(x.to_string(x.build(vm)))
        text = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        dom.undefine()
        return x.parse(text)
    finally:
        conn.close()


def cases():
    for name, disk in DISKS.items():
        yield "disk_" + name, {"name": "web1", "pool": "default-pool", "disks": [disk]}
    for name, nic in NICS.items():
        yield "nic_" + name, {"name": "web1", "nics": [nic]}
    for name, extra in VARIANTS.items():
        raw = {"name": "web1", "pool": "default-pool"}
        raw.update(extra)
        yield name, raw


@pytest.mark.parametrize("raw", [c[1] for c in cases()], ids=[c[0] for c in cases()])
def test_builds_valid_xml_and_reads_back_unchanged(tmp_path, raw):
    vm = v.normalise_vm(raw, "vms[0]", CTX)
    validate(tmp_path, x.to_string(x.build(vm)))
    assert m.differences(vm, round_trip(vm)) == []


def test_every_kind_together(tmp_path):
    raw = {"name": "all", "pool": "default-pool", "disks": list(DISKS.values()), "nics": list(NICS.values())}
    raw["disks"][2] = dict(raw["disks"][2], bus="scsi")
    vm = v.normalise_vm(raw, "vms[0]", CTX)
    validate(tmp_path, x.to_string(x.build(vm)))
    back = round_trip(vm)
    assert m.differences(vm, back) == []
    assert sorted(d.target for d in back.disks) == sorted(d.target for d in vm.disks)


def test_a_real_change_is_reported():
    vm = v.normalise_vm({"name": "web1", "nics": [{"network": "default"}], "graphics": {"type": "vnc"}}, "v", CTX)
    back = round_trip(vm)
    vm.graphics = "spice"
    vm.nics[0].model = "e1000"
    vm.nics.append(m.Nic(type="user", mac="52:54:00:00:00:09", model="virtio"))
    changes = m.differences(vm, back)
    assert ("graphics", "vnc", "spice") in changes
    assert ("nics[mac=%s].model" % vm.nics[0].mac, "virtio", "e1000") in changes
    assert ("nics[mac=52:54:00:00:00:09]", None, "added") in changes


def test_parse_reads_libvirt_defaults_of_a_qemu_host():
    """What the QEMU driver adds on define (expanded machine, pflash loader, default CPU) is no change."""
    vm = v.normalise_vm(
        {"name": "web1", "machine": "q35", "firmware": "uefi", "disks": [{"type": "cdrom", "path": "/x.iso"}]}, "v", CTX
    )
    dumped = """<domain type='qemu'><name>web1</name><uuid>0b3c4a56-7b1e-4a55-9a43-000000000001</uuid>
      <memory unit='KiB'>1048576</memory><currentMemory unit='KiB'>1048576</currentMemory>
      <vcpu placement='static'>1</vcpu>
      <os firmware='efi'><type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
        <firmware><feature enabled='no' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware>
        <loader readonly='yes' secure='no' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
        <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/web1_VARS.fd</nvram>
        <boot dev='hd'/></os>
      <features><acpi/><apic/></features>
      <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
      <clock offset='utc'/><on_poweroff>destroy</on_poweroff>
      <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
        <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/x.iso'/>
          <target dev='sda' bus='sata'/><readonly/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>
        <controller type='usb' index='0' model='qemu-xhci' ports='15'/><controller type='pci' index='0' model='pcie-root'/>
        <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
        <console type='pty'><target type='serial' port='0'/></console>
        <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial'/></channel>
        <input type='mouse' bus='ps2'/><audio id='1' type='none'/>
        <memballoon model='virtio'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
      </devices></domain>"""
    assert m.differences(vm, x.parse(dumped)) == []


def test_dropping_direct_boot_is_a_change():
    boot = {"kernel": "/srv/boot/vmlinuz", "initrd": "/srv/boot/initrd.img", "cmdline": "root=/dev/vda"}
    back = round_trip(v.normalise_vm({"name": "web1", "direct_boot": boot}, "v", CTX))
    assert (back.kernel, back.initrd, back.cmdline) == (boot["kernel"], boot["initrd"], boot["cmdline"])
    changes = m.differences(v.normalise_vm({"name": "web1"}, "v", CTX), back)
    assert ("kernel", boot["kernel"], None) in changes and ("cmdline", boot["cmdline"], None) in changes


def test_memory_in_any_unit_libvirt_writes_reads_in_kib():
    vm = x.parse(
        "<domain type='kvm'><name>web1</name><memory unit='GiB'>4</memory>"
        "<currentMemory unit='MiB'>2048</currentMemory><vcpu current='2'>8</vcpu></domain>"
    )
    assert (vm.memory, vm.current_memory, vm.vcpus, vm.max_vcpus) == (4194304, 2097152, 2, 8)
    bare = x.parse("<domain type='kvm'><name>web1</name><memory>1024</memory></domain>")
    assert (bare.memory, bare.current_memory, bare.vcpus, bare.max_vcpus, bare.cpu_mode) == (1024, 1024, 1, 1, None)
