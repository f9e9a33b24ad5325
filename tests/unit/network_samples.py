"""Networks shared by the network validation tests, and the refusal of a list as the roles' input."""

import copy

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_networks

NAT = {
    "name": "lab",
    "ips": [
        {
            "address": "192.168.100.1",
            "prefix": 24,
            "dhcp_ranges": [{"start": "192.168.100.10", "end": "192.168.100.20"}],
        }
    ],
}
OVS = {
    "name": "ovs",
    "mode": "bridge",
    "bridge_name": "br-ovs",
    "virtualport_type": "openvswitch",
    "portgroups": [{"name": "v10", "vlan": {"tags": [10]}}],
}


def with_(base, **changes):
    item = copy.deepcopy(base)
    item.update(changes)
    return item


def nat_ip(**changes):
    block = copy.deepcopy(NAT["ips"][0])
    block.update(changes)
    return with_(NAT, ips=[block])


def refusal(items):
    """The message read_networks refuses items with, as the kvm role's list with the bridge br-ovs declared."""
    with pytest.raises(InputError) as caught:
        read_networks(items, "kvm_virtual_networks", declared_bridges=["br-ovs"])
    return str(caught.value)
