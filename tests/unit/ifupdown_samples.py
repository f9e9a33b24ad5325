"""The ifupdown_interfaces input the ifupdown tests share: the host's interfaces, a good configuration in the older
role's shape, changed or added items, and what build_desired refuses."""

import copy

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_validate import build_desired

HOST = ["lo", "eth0", "eth1", "eth2", "eth3", "eth4", "eth5", "eth6"]

GOOD = {
    "network_interfaces": [
        {
            "name": "eth0",
            "configure": True,
            "method": "static",
            "address": "192.0.2.10",
            "netmask": "255.255.255.0",
            "gateway": "192.0.2.1",
            "parameters": [{"param": "pre-up sleep", "val": 2}],
        },
        {
            "name": "eth1",
            "comment": "bond0 member",
            "method": "manual",
            "parameters": [{"param": "bond_master", "val": "bond0"}],
        },
        {"name": "eth2", "bond_master": "bond0"},
        {"name": "eth9", "configure": False, "method": "nonsense"},
    ],
    "network_bonds": [
        {
            "name": "bond0",
            "method": "manual",
            "slaves": "eth1 eth2",
            "parameters": [
                {"param": "bond_mode", "val": "active-backup"},
                {"param": "miimon", "val": 100},
                {"param": "primary", "val": "eth1"},
            ],
        },
    ],
    "network_vlans": [
        {"name": "vlan100", "vlan_device": "bond0", "method": "manual"},
        {"name": "bond0.20", "addresses": ["10.20.0.2/24", "2001:db8:20::2/64"], "gateway6": "2001:db8:20::1"},
    ],
    "network_bridges": [
        {
            "name": "br100",
            "ports": ["vlan100"],
            "parameters": [{"param": "bridge_stp", "val": False}, {"param": "bridge_fd", "val": 0}],
            "routes": [{"to": "198.51.100.0/24", "via": "10.20.0.254", "metric": 5}],
            "enable": False,
        },
    ],
    "ovs_bridges": [{"name": "vmbr0", "ports": ["obond0", "vlan1", "eth5"]}],
    "ovs_bonds": [
        {
            "name": "obond0",
            "bridge": "vmbr0",
            "ports": ["eth3", "eth4"],
            "options": [
                {"opt": "bond_mode", "val": "balance-tcp"},
                {"opt": "lacp", "val": "active"},
                {"opt": "other_config:lacp-time", "val": "fast"},
            ],
        }
    ],
    "ovs_interfaces": [
        {"name": "vlan1", "bridge": "vmbr0", "tag": 1, "method": "dhcp"},
        {"name": "eth5", "bridge": "vmbr0", "type": "OVSPort", "options": [{"opt": "vlan_mode", "val": "trunk"}]},
    ],
}


def changed(section, index, **changes):
    config = copy.deepcopy(GOOD)
    config[section][index].update(changes)
    return config


def added(section, item):
    config = copy.deepcopy(GOOD)
    config.setdefault(section, []).append(item)
    return config


def refused(config):
    """The InputError build_desired raises for config on the host interfaces HOST."""
    with pytest.raises(InputError) as caught:
        build_desired(config, HOST)
    return caught.value


def assert_refused(config, path, words):
    """build_desired refuses config with an error that starts with the field path and says words."""
    message = refused(config).message
    assert message.startswith(path), message
    assert words in message
