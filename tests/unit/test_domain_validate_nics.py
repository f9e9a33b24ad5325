"""VM NICs input (domain_validate_nics): the NIC types' options, networks, MACs and PCI devices;
errors name the field as written."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m
from tests.unit.domain_samples import CTX, ids, names_the_field, vm


def test_mac_is_deterministic_and_local():
    one = m.normalise_vm(vm(nics=[{"network": "default"}, {"network": "lan"}]), "vms[0]", CTX)
    two = m.normalise_vm(vm(nics=[{"network": "default"}, {"network": "lan"}]), "vms[0]", CTX)
    assert [n.mac for n in one.nics] == [n.mac for n in two.nics]
    assert one.nics[0].mac != one.nics[1].mac and one.nics[0].mac.startswith("52:54:00:")
    other_host = m.normalise_vm(
        vm(nics=[{"network": "default"}]), "vms[0]", m.Context("kvm02", ["default"], ["default"])
    )
    assert other_host.nics[0].mac != one.nics[0].mac


def test_pci_address_is_the_full_form_in_lower_case():
    got = m.normalise_vm(vm(nics=[{"type": "hostdev", "pci": "0000:03:0A.1"}]), "vms[0]", CTX)
    assert (got.nics[0].source, got.nics[0].model) == ("0000:03:0a.1", None)


BAD_NICS = [
    (vm(nics=[{"network": "dmz"}]), "vms[0].nics[0].network", "not defined on this host"),
    (vm(nics=[{"type": "bridge"}]), "vms[0].nics[0].bridge", "required for type bridge"),
    (vm(nics=[{"type": "direct", "dev": "eth0", "mode": "tap"}]), "vms[0].nics[0].mode", "must be one of"),
    (vm(nics=[{"type": "hostdev", "pci": "3:0"}]), "vms[0].nics[0].pci", "PCI address"),
    (vm(nics=[{"network": "default", "mac": "52:54:00:zz:00:01"}]), "vms[0].nics[0].mac", "must be a MAC address"),
    (vm(nics=[{"network": "default", "mac": "01:00:5e:00:00:01"}]), "vms[0].nics[0].mac", "unicast MAC"),
    (
        vm(nics=[{"network": "default", "mac": "52:54:00:00:00:01"}, {"network": "lan", "mac": "52:54:00:00:00:01"}]),
        "vms[0].nics[1].mac",
        "duplicate MAC",
    ),
    (vm(nics=[{"type": "bridge", "bridge": "br0", "vlan": 10}]), "vms[0].nics[0].vlan", "Open vSwitch"),
    (
        vm(nics=[{"type": "bridge", "bridge": "br0", "ovs": True, "vlan": 5000}]),
        "vms[0].nics[0].vlan",
        "from 1 to 4094",
    ),
    (
        vm(nics=[{"type": "bridge", "bridge": "br0", "portgroup": "web"}]),
        "vms[0].nics[0].portgroup",
        "only applies to type network",
    ),
    (vm(nics=[{"network": "default", "mtu": 20}]), "vms[0].nics[0].mtu", "from 68 to 65535"),
    (
        vm(nics=[{"network": "default", "bandwidth": {"inbound": {"peak": 10}}}]),
        "vms[0].nics[0].bandwidth.inbound.average",
        "required",
    ),
    (
        vm(nics=[{"type": "hostdev", "pci": "0000:03:00.1", "model": "virtio"}]),
        "vms[0].nics[0].model",
        "does not apply",
    ),
    (vm(nics=[{"type": "user", "bridge": "br0"}]), "vms[0].nics[0].bridge", "does not apply to type user"),
]


@pytest.mark.parametrize("raw,path,text", BAD_NICS, ids=ids(BAD_NICS))
def test_bad_input_names_the_field(raw, path, text):
    names_the_field([raw], "vms", path, text)


AS_WRITTEN_NICS = [
    (
        {"network_interfaces": [{"network": "default", "network_driver": "ne2k"}]},
        "kvm_vms[0].network_interfaces[0].network_driver",
        "must be one of virtio",
    ),
    (
        {"network_interfaces": [{"network": "default", "mac": "52:54:00:00:00"}]},
        "kvm_vms[0].network_interfaces[0].mac",
        "must be a MAC address",
    ),
    (
        {"network_interfaces": [{"source": "dmz", "type": "network"}]},
        "kvm_vms[0].network_interfaces[0].source",
        "network 'dmz' is not defined on this host",
    ),
    (
        {"network_interfaces": [{"type": "bridge", "source": "br0", "bridge": "br1"}]},
        "kvm_vms[0].network_interfaces[0].source",
        "is ambiguous here",
    ),
    (
        {
            "network_interfaces": [
                {"network": "default"},
                {"network": "lan", "mac": "52:54:00:00:00:01"},
                {"network": "lan", "mac": "52:54:00:00:00:01"},
            ]
        },
        "kvm_vms[0].network_interfaces[2].mac",
        "duplicate MAC 52:54:00:00:00:01 (also kvm_vms[0].network_interfaces[1])",
    ),
    ({"nics": [{"network": True}]}, "kvm_vms[0].nics[0].network", "must be a network name, not a boolean"),
    ({"nics": [{"type": "bridge", "bridge": "br:0"}]}, "kvm_vms[0].nics[0].bridge", "not a valid interface name"),
    ({"nics": [{"type": "hostdev", "pci": "03:00.1"}]}, "kvm_vms[0].nics[0].pci", "must be a PCI address"),
    ({"nics": [{"network": "default", "trunk": [10, 4095]}]}, "kvm_vms[0].nics[0].trunk[1]", "VLAN id"),
]


@pytest.mark.parametrize("extra,path,text", AS_WRITTEN_NICS, ids=ids(AS_WRITTEN_NICS))
def test_errors_name_the_key_as_written(extra, path, text):
    names_the_field([dict(vm(), **extra)], "kvm_vms", path, text)
