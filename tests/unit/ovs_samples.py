"""Open vSwitch samples shared by the ovs tests: inputs converged on a real switch and what ovs-vsctl read back
(tests/unit/fixtures/ovs), an empty switch, and bad input with the path and words its error must have."""

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


# Bad input: (case, bridges, path the error names, words it contains); test_ovs_validate checks the parser,
# test_ovs_module that the module fails before running ovs-vsctl.
def bond(**extra):
    return dict(dict(name="bond0", members=["eth1", "eth2"]), **extra)


def one_bridge(**extra):
    return [dict(dict(name="br0"), **extra)]


def mirrored(**extra):
    """Bridge br0 with ports p1 and p2 and mirror m0 of p1."""
    mirror = dict(dict(name="m0", select_src_port=["p1"]), **extra)
    return one_bridge(ports=[{"name": "p1"}, {"name": "p2"}], mirrors=[mirror])


BAD = [
    ("not a list", {"name": "br0"}, "bridges", "must be a list"),
    ("bridge not a mapping", ["br0"], "bridges[0]", "must be a mapping"),
    ("missing name", [{"fail_mode": "secure"}], "bridges[0].name", "is required"),
    ("name too long", [{"name": "a-very-long-bridge"}], "bridges[0].name", "at most 15 characters"),
    ("unknown option", one_bridge(fail_mod="secure"), "bridges[0].fail_mod", "not a known option"),
    ("duplicate bridge", [{"name": "br0"}, {"bridge": "br0"}], "bridges[1].bridge", "already at bridges[0]"),
    ("name and alias differ", [{"name": "br0", "bridge": "br1"}], "bridges[0].bridge", "another spelling of name"),
    ("unknown fail_mode", one_bridge(fail_mode="open"), "bridges[0].fail_mode", "standalone, secure"),
    ("unknown datapath", one_bridge(datapath_type="dpdk"), "bridges[0].datapath_type", "system, netdev"),
    ("stp and rstp", one_bridge(stp=True, rstp=True), "bridges[0].rstp", "cannot both"),
    ("stp not a bool", one_bridge(stp="sometimes"), "bridges[0].stp", "true or false"),
    ("nested other_config", one_bridge(other_config={"a": {"b": 1}}), "bridges[0].other_config.a", "must be text"),
    (
        "port in two bridges",
        [{"name": "br0", "ports": [{"name": "eth1"}]}, {"name": "br1", "ports": [{"port": "eth1"}]}],
        "bridges[1].ports[0].port",
        "already used at bridges[0].ports[0].name",
    ),
    (
        "port named like a bridge",
        [{"name": "br0"}, {"name": "br1", "ports": [{"name": "br0"}]}],
        "bridges[1].ports[0].name",
        "already used at bridges[0].name",
    ),
    (
        "bond member is a port",
        one_bridge(ports=[{"name": "eth2"}], bonds=[bond()]),
        "bridges[0].bonds[0].members[1]",
        "already used at bridges[0].ports[0].name",
    ),
    (
        "VLAN 0",
        one_bridge(ports=[{"name": "p1", "tag": 0}]),
        "bridges[0].ports[0].tag",
        "from 1 to 4094 (got a number: 0)",
    ),
    (
        "VLAN 4095",
        one_bridge(ports=[{"name": "p1", "tag": 4095}]),
        "bridges[0].ports[0].tag",
        "from 1 to 4094 (got a number: 4095)",
    ),
    ("VLAN text", one_bridge(ports=[{"name": "p1", "tag": "ten"}]), "bridges[0].ports[0].tag", "(got 'ten')"),
    (
        "trunk 4095",
        one_bridge(ports=[{"name": "p1", "trunks": [10, 4095]}]),
        "bridges[0].ports[0].trunks[1]",
        "from 1 to 4094",
    ),
    (
        "access with trunks",
        one_bridge(ports=[{"name": "p1", "vlan_mode": "access", "trunks": [10]}]),
        "bridges[0].ports[0].trunks",
        "access port carries no trunks",
    ),
    (
        "trunk mode with tag",
        one_bridge(ports=[{"name": "p1", "vlan_mode": "trunk", "tag": 10}]),
        "bridges[0].ports[0].tag",
        "ignores tag",
    ),
    (
        "native without tag",
        one_bridge(ports=[{"name": "p1", "vlan_mode": "native-untagged"}]),
        "bridges[0].ports[0].tag",
        "needs the native VLAN",
    ),
    (
        "unknown vlan_mode",
        one_bridge(ports=[{"name": "p1", "vlan_mode": "dot1q"}]),
        "bridges[0].ports[0].vlan_mode",
        "access, trunk",
    ),
    ("unknown port type", one_bridge(ports=[{"name": "p1", "type": "tap"}]), "bridges[0].ports[0].type", "patch"),
    (
        "patch without peer",
        one_bridge(ports=[{"name": "p1", "type": "patch"}]),
        "bridges[0].ports[0].peer",
        "is required",
    ),
    (
        "patch to itself",
        one_bridge(ports=[{"name": "p1", "type": "patch", "peer": "p1"}]),
        "bridges[0].ports[0].peer",
        "own peer",
    ),
    (
        "peer on internal",
        one_bridge(ports=[{"name": "p1", "type": "internal", "peer": "p2"}]),
        "bridges[0].ports[0].peer",
        "only a patch port",
    ),
    (
        "vxlan without remote",
        one_bridge(ports=[{"name": "t1", "type": "vxlan"}]),
        "bridges[0].ports[0].remote_ip",
        "required for a vxlan port",
    ),
    (
        "gre bad remote",
        one_bridge(ports=[{"name": "t1", "type": "gre", "remote_ip": "10.0.0.300"}]),
        "bridges[0].ports[0].remote_ip",
        "IPv4 or IPv6",
    ),
    (
        "geneve bad key",
        one_bridge(ports=[{"name": "t1", "type": "geneve", "remote_ip": "::1", "key": "x"}]),
        "bridges[0].ports[0].key",
        "tunnel key",
    ),
    ("key on system port", one_bridge(ports=[{"name": "p1", "key": 5}]), "bridges[0].ports[0].key", "only a vxlan"),
    (
        "bond with one member",
        one_bridge(bonds=[bond(members=["eth1"])]),
        "bridges[0].bonds[0].members",
        "at least 2 member interfaces (got 1)",
    ),
    (
        "bond member twice",
        one_bridge(bonds=[bond(members=["eth1", "eth1"])]),
        "bridges[0].bonds[0].members[1]",
        "listed twice",
    ),
    (
        "unknown bond mode",
        one_bridge(bonds=[bond(bond_mode="round-robin")]),
        "bridges[0].bonds[0].bond_mode",
        "active-backup, balance-slb, balance-tcp",
    ),
    ("unknown lacp", one_bridge(bonds=[bond(lacp="on")]), "bridges[0].bonds[0].lacp", "active, passive, off"),
    (
        "balance-tcp without lacp",
        one_bridge(bonds=[bond(bond_mode="balance-tcp")]),
        "bridges[0].bonds[0].lacp",
        "needs LACP",
    ),
    ("unknown lacp_time", one_bridge(bonds=[bond(lacp_time="medium")]), "bridges[0].bonds[0].lacp_time", "fast"),
    ("negative updelay", one_bridge(bonds=[bond(bond_updelay=-1)]), "bridges[0].bonds[0].bond_updelay", "from 0 to"),
    (
        "bond in two bridges",
        [{"name": "br0", "bonds": [bond()]}, {"name": "br1", "bonds": [bond(name="bond1")]}],
        "bridges[1].bonds[0].members[0]",
        "already used at bridges[0].bonds[0].members[0]",
    ),
    ("fake bridge without vlan", [{"name": "br0"}, {"name": "v10", "parent": "br0"}], "bridges[1].vlan", "needs"),
    (
        "fake bridge vlan 4095",
        [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 4095}],
        "bridges[1].vlan",
        "from 1 to 4094",
    ),
    ("vlan without parent", [{"name": "v10", "vlan": 10}], "bridges[0].parent", "needs its parent"),
    ("unknown parent", [{"name": "v10", "parent": "br9", "vlan": 10}], "bridges[0].parent", "not in this list"),
    (
        "fake parent",
        [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 10}, {"name": "v11", "parent": "v10", "vlan": 11}],
        "bridges[2].parent",
        "itself a fake bridge",
    ),
    (
        "fake bridge with stp",
        [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 10, "stp": True}],
        "bridges[1].stp",
        "fake bridge takes no stp",
    ),
    (
        "tag under fake bridge",
        [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 10, "ports": [{"name": "p1", "tag": 20}]}],
        "bridges[1].ports[0].tag",
        "carry its VLAN 10",
    ),
    (
        "mirror with two outputs",
        mirrored(output_port="p2", output_vlan=30),
        "bridges[0].mirrors[0].output_vlan",
        "one output",
    ),
    ("mirror without output", mirrored(), "bridges[0].mirrors[0].output_port", "is required"),
    ("mirror output selected", mirrored(output_port="p1"), "bridges[0].mirrors[0].output_port", "also selected"),
    (
        "mirror selects nothing",
        mirrored(select_src_port=[], output_port="p2"),
        "bridges[0].mirrors[0].select_all",
        "selects no packets",
    ),
    (
        "mirror of unknown port",
        mirrored(select_dst_port=["p2", "p9"], output_vlan=30),
        "bridges[0].mirrors[0].select_dst_port[1]",
        "'p9' is not a present port",
    ),
    (
        "mirror of other bridge's port",
        [
            {"name": "br0", "ports": [{"name": "p1"}, {"name": "p2"}]},
            {
                "name": "br1",
                "ports": [{"name": "p3"}],
                "mirrors": [{"name": "m0", "select_all": True, "output_port": "p2"}],
            },
        ],
        "bridges[1].mirrors[0].output_port",
        "of bridge 'br1'",
    ),
    (
        "mirror port twice",
        mirrored(select_src_port=["p1", "p1"], output_vlan=30),
        "bridges[0].mirrors[0].select_src_port[1]",
        "listed twice",
    ),
    (
        "mirror VLAN 4095",
        mirrored(select_vlan=[4095], output_vlan=30),
        "bridges[0].mirrors[0].select_vlan[0]",
        "from 1 to 4094",
    ),
    (
        "mirror listed twice",
        [
            {
                "name": "br0",
                "ports": [{"name": "p1"}, {"name": "p2"}],
                "mirrors": [{"name": "m0", "select_all": True, "output_vlan": 2}] * 2,
            }
        ],
        "bridges[0].mirrors[1].name",
        "already at bridges[0].mirrors[0]",
    ),
    (
        "mirror on fake bridge",
        [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 10, "mirrors": [{"name": "m0"}]}],
        "bridges[1].mirrors",
        "no mirrors",
    ),
    (
        "parent port on fake VLAN",
        [{"name": "br0", "ports": [{"name": "p1", "tag": 10}]}, {"name": "v10", "parent": "br0", "vlan": 10}],
        "bridges[0].ports[0].tag",
        "VLAN of fake bridge 'v10'",
    ),
]


# The older per-bridge port lists: (case, bridges, port lists, path, words).
BR0 = {"name": "br0", "ports": [{"name": "p1"}], "bonds": [bond()]}
FAKE = [{"name": "br0"}, {"name": "v10", "parent": "br0", "vlan": 10}]
PORT_LIST_BAD = [
    ("port lists not a list", [BR0], {"bridge": "br0"}, "openvswitch_ports", "must be a list"),
    ("entry not a mapping", [BR0], ["br0"], "openvswitch_ports[0]", "must be a mapping"),
    (
        "entry without bridge",
        [BR0],
        [{"bridge": "br0", "ports": []}, {"ports": [{"port": "p2"}]}],
        "openvswitch_ports[1].bridge",
        "is required (name the bridge these ports belong to)",
    ),
    ("unknown entry key", [BR0], [{"bridge": "br0", "name": "br0"}], "openvswitch_ports[0].name", "not a known option"),
    (
        "bridge name too long",
        [BR0],
        [{"bridge": "a-very-long-bridge"}],
        "openvswitch_ports[0].bridge",
        "at most 15 characters",
    ),
    ("ports not a list", [BR0], [{"bridge": "br0", "ports": "p2"}], "openvswitch_ports[0].ports", "must be a list"),
    (
        "port without name",
        [BR0],
        [{"bridge": "br0", "ports": [{"state": "present"}]}],
        "openvswitch_ports[0].ports[0].name",
        "is required",
    ),
    (
        "bad tag",
        [BR0],
        [{"bridge": "br0", "ports": [{"port": "p2"}]}, {"bridge": "br1", "ports": [{"port": "p3", "tag": 4095}]}],
        "openvswitch_ports[1].ports[0].tag",
        "must be a VLAN id from 1 to 4094 (got a number: 4095)",
    ),
    (
        "port twice in the port lists",
        [BR0],
        [{"bridge": "br0", "ports": [{"port": "p2"}]}, {"bridge": "br1", "ports": [{"port": "p2"}]}],
        "openvswitch_ports[1].ports[0].port",
        "'p2' is already used at openvswitch_ports[0].ports[0].port",
    ),
    (
        "port also under the bridge",
        [BR0],
        [{"bridge": "br0", "ports": [{"port": "p1", "state": "present"}]}],
        "openvswitch_ports[0].ports[0].port",
        "'p1' is already used at openvswitch_bridges[0].ports[0].name",
    ),
    (
        "port is a bond member",
        [BR0],
        [{"bridge": "br1", "ports": [{"name": "eth2"}]}],
        "openvswitch_ports[0].ports[0].name",
        "'eth2' is already used at openvswitch_bridges[0].bonds[0].members[1]",
    ),
    (
        "new bridge named like a port",
        [BR0],
        [{"bridge": "p1"}],
        "openvswitch_bridges[0].ports[0].name",
        "'p1' is already used at openvswitch_ports[0].bridge",
    ),
    (
        "tag under fake bridge",
        FAKE,
        [{"bridge": "v10", "ports": [{"port": "p1", "tag": 20}]}],
        "openvswitch_ports[0].ports[0].tag",
        "carry its VLAN 10",
    ),
    (
        "parent port on fake VLAN",
        FAKE,
        [{"bridge": "br0", "ports": [{"port": "p1", "tag": 10}]}],
        "openvswitch_ports[0].ports[0].tag",
        "VLAN of fake bridge 'v10'",
    ),
]
