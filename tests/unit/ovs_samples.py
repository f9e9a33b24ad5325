"""Open vSwitch samples shared by the ovs tests: inputs converged on a real switch and what ovs-vsctl read back
(tests/unit/fixtures/ovs), plus an empty switch."""

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "ovs")


def _read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


# The input that was converged with ovs-vsctl 3.1.0 (an ovsdb-server of its own) before RECORDED was read.
RECORDED_INPUT = [
    {
        "name": "br0",
        "datapath_type": "netdev",
        "fail_mode": "secure",
        "external_ids": {"owner": "ekvm"},
        "ports": [
            {"name": "vm1", "type": "internal", "tag": 10},
            {"name": "up0", "type": "internal", "trunks": [10, 20], "vlan_mode": "native-untagged", "tag": 30},
            {"name": "tun0", "type": "gre", "remote_ip": "192.0.2.1", "key": 7},
        ],
        "bonds": [
            {
                "name": "bond0",
                "members": ["eth1", "eth2"],
                "bond_mode": "balance-tcp",
                "lacp": "active",
                "lacp_time": "fast",
                "bond_updelay": 100,
            }
        ],
    },
    {"name": "v20", "parent": "br0", "vlan": 20, "ports": [{"name": "vm2", "type": "internal"}]},
]

# Output of the query in read_args() on that switch (one table per line).
RECORDED = _read("recorded.jsonl")

# Mirrors (select_all, port and VLAN selections, output port or VLAN), converged and read the same way.
MIRRORED_INPUT = [
    {
        "name": "br1",
        "datapath_type": "netdev",
        "ports": [
            {"name": "vm1", "type": "internal"},
            {"name": "vm2", "type": "internal", "tag": 20},
            {"name": "tap0", "type": "internal"},
        ],
        "mirrors": [
            {"name": "vm-spy", "select_src_port": ["vm1"], "select_dst_port": ["vm2", "vm1"], "output_port": "tap0"},
            {"name": "all", "select_all": True, "select_vlan": [20, 10], "output_vlan": 30},
        ],
    },
]

MIRRORED = _read("mirrored.jsonl")

# A switch without bridges.
EMPTY = (
    '{"data":[],"headings":["name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
    '{"data":[],"headings":["_uuid","name"]}\n'
)
