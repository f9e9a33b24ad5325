"""The forward section and what the forward mode allows (network_validate_forward), refused with the exact
input path."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_networks
from tests.unit.network_samples import NAT, OVS, refusal, with_

BAD = [
    ("nat without ip", [{"name": "n", "mode": "nat"}], "kvm_virtual_networks[0].ips: needs at least one"),
    (
        "nat range reversed",
        [with_(NAT, nat={"address_start": "203.0.113.20", "address_end": "203.0.113.10"})],
        "kvm_virtual_networks[0].nat.address_end: must not be below address_start",
    ),
    (
        "nat port zero",
        [with_(NAT, nat={"port_start": 0, "port_end": 100})],
        "kvm_virtual_networks[0].nat.port_start: must be a whole number from 1 to 65535",
    ),
    (
        "nat half range",
        [with_(NAT, nat={"port_start": 1024})],
        "kvm_virtual_networks[0].nat.port_end: is required with port_start",
    ),
    (
        "nat on route",
        [with_(NAT, mode="route", nat={"port_start": 1, "port_end": 2})],
        "kvm_virtual_networks[0].nat: is only valid with mode nat",
    ),
    (
        "ip on bridge",
        [with_(OVS, ips=[{"address": "10.0.0.1", "prefix": 24}])],
        "kvm_virtual_networks[0].ips: is only valid when libvirt manages the bridge",
    ),
    ("stp on bridge", [with_(OVS, stp=True)], "kvm_virtual_networks[0].stp: is only valid when libvirt manages"),
    ("bridge without target", [{"name": "b", "mode": "bridge"}], "kvm_virtual_networks[0].bridge_name: is required"),
    ("vepa without nic", [{"name": "v", "mode": "vepa"}], "kvm_virtual_networks[0].forward.interfaces: is required"),
    ("hostdev without pf", [{"name": "h", "mode": "hostdev"}], "kvm_virtual_networks[0].forward.pf: is required"),
    (
        "bad pci",
        [{"name": "h", "mode": "hostdev", "forward": {"addresses": ["03:10.1"]}}],
        "kvm_virtual_networks[0].forward.addresses[0]: must be a PCI address",
    ),
    ("pf on bridge", [with_(OVS, forward={"pf": "eth0"})], "kvm_virtual_networks[0].forward.pf: is only valid"),
    (
        "ovs on nat",
        [with_(NAT, virtualport_type="openvswitch")],
        "kvm_virtual_networks[0].virtualport_type: openvswitch needs mode bridge with bridge_name",
    ),
    (
        "forward dev too long",
        [{"name": "v", "mode": "vepa", "forward": {"dev": "enp3s0f0np0-long"}}],
        "kvm_virtual_networks[0].forward.dev: interface names are at most 15 characters",
    ),
]


@pytest.mark.parametrize("items,message", [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_forward_input_names_the_field(items, message):
    assert message in refusal(items)


def test_pci_addresses_are_stored_in_lower_case():
    [want] = read_networks([{"name": "h", "mode": "hostdev", "forward": {"addresses": ["0000:03:1F.1"]}}])
    assert want.network.forward.addresses == ["0000:03:1f.1"]
