"""Portgroups, VLANs, virtualport parameters and bandwidth (network_validate_portgroup), refused with the exact
input path where the network cannot carry them."""

import pytest

from tests.unit.network_samples import NAT, OVS, refusal, with_

BAD = [
    (
        "bad interfaceid",
        [with_(OVS, virtualport_parameters={"interfaceid": "nope"})],
        "kvm_virtual_networks[0].virtualport_parameters.interfaceid: must be a UUID",
    ),
    (
        "vlan 0",
        [with_(OVS, portgroups=[{"name": "p", "vlan": {"tags": [0]}}])],
        "kvm_virtual_networks[0].portgroups[0].vlan.tags[0]: must be a VLAN id from 1 to 4094",
    ),
    (
        "vlan 4095",
        [with_(OVS, portgroups=[{"name": "p", "vlan": {"tags": [10, 4095]}}])],
        "kvm_virtual_networks[0].portgroups[0].vlan.tags[1]: must be a VLAN id from 1 to 4094 (got a number: 4095)",
    ),
    (
        "legacy vlan 5000",
        [with_(OVS, portgroups=None, vlans=[{"name": "p", "vlan": 5000}])],
        "kvm_virtual_networks[0].vlans[0].vlan.tags[0]: must be a VLAN id from 1 to 4094",
    ),
    (
        "untrunked tags",
        [with_(OVS, portgroups=[{"name": "p", "vlan": {"tags": [10, 20], "trunk": False}}])],
        "kvm_virtual_networks[0].portgroups[0].vlan.trunk: must be true when several tags",
    ),
    (
        "native not in tags",
        [with_(OVS, portgroups=[{"name": "p", "vlan": {"tags": [10, 20], "native_tag": 30}}])],
        "kvm_virtual_networks[0].portgroups[0].vlan.native_tag: must be one of the tags",
    ),
    (
        "vlan on linux bridge",
        [
            {
                "name": "b",
                "mode": "bridge",
                "bridge_name": "br-ovs",
                "portgroups": [{"name": "p", "vlan": {"tags": [10]}}],
            }
        ],
        "kvm_virtual_networks[0].portgroups[0].vlan: is not supported by this network",
    ),
    (
        "two default portgroups",
        [with_(OVS, portgroups=[{"name": "a", "default": True}, {"name": "b", "default": True}])],
        "kvm_virtual_networks[0].portgroups: marks more than one portgroup as default (a, b)",
    ),
    (
        "duplicate portgroup",
        [with_(OVS, portgroups=[{"name": "a"}, {"name": "a"}])],
        "kvm_virtual_networks[0].portgroups[1].name: 'a' is used by another portgroup",
    ),
    (
        "bandwidth zero",
        [with_(NAT, bandwidth={"inbound": {"average": 0}})],
        "kvm_virtual_networks[0].bandwidth.inbound.average: must be a whole number from 1",
    ),
    (
        "peak without average",
        [with_(NAT, bandwidth={"outbound": {"peak": 10}})],
        "kvm_virtual_networks[0].bandwidth.outbound.average: is required",
    ),
    (
        "floor in a network",
        [with_(NAT, bandwidth={"inbound": {"average": 10, "floor": 5}})],
        "kvm_virtual_networks[0].bandwidth.inbound.floor: is not a known option",
    ),
    (
        "portgroup vlan as a boolean",
        [with_(OVS, portgroups=[{"name": "p", "vlan": True}])],
        "kvm_virtual_networks[0].portgroups[0].vlan: must be a mapping (got a boolean: true)",
    ),
    (
        "legacy vlan as a boolean",
        [with_(OVS, portgroups=None, vlans=[{"name": "p", "vlan": True}])],
        "kvm_virtual_networks[0].vlans[0].vlan.tags[0]: must be a VLAN id from 1 to 4094 (got a boolean: true)",
    ),
    (
        "portgroups as a mapping",
        [with_(OVS, portgroups={"name": "p"})],
        "kvm_virtual_networks[0].portgroups: must be a list (got a mapping)",
    ),
    (
        "long profile id",
        [
            {
                "name": "v",
                "mode": "vepa",
                "forward": {"dev": "eth1"},
                "virtualport_type": "802.1Qbh",
                "virtualport_parameters": {"profileid": "p" * 40},
            }
        ],
        "kvm_virtual_networks[0].virtualport_parameters.profileid: must be at most 39 characters long",
    ),
]


@pytest.mark.parametrize("items,message", [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_portgroup_input_names_the_field(items, message):
    assert message in refusal(items)
