"""What build_desired refuses, one table per part of the input (addresses and routes, one item, membership):
(case, config, exact path, words of the message). Each part's tests run its table; the whole-configuration tests
count them all."""

from tests.unit.ifupdown_samples import added, changed

ADDRESS_BAD = [
    (
        "bad address",
        changed("network_interfaces", 0, address="192.0.2.300"),
        "network_interfaces[0].address",
        "IP address",
    ),
    (
        "bad netmask",
        changed("network_interfaces", 0, netmask="255.0.255.0"),
        "network_interfaces[0].netmask",
        "netmask",
    ),
    (
        "address without prefix",
        changed("network_interfaces", 0, netmask=None),
        "network_interfaces[0].address",
        "prefix length",
    ),
    (
        "bad cidr in list",
        changed("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.3/33"]),
        "network_vlans[1].addresses[1]",
        "valid prefix",
    ),
    (
        "duplicate address",
        changed("network_vlans", 1, addresses=["10.20.0.2/24", "10.20.0.2/24"]),
        "network_vlans[1].addresses[1]",
        "twice",
    ),
    (
        "gateway not an address",
        changed("network_interfaces", 0, gateway="gw1"),
        "network_interfaces[0].gateway",
        "IP address",
    ),
    (
        "IPv6 in gateway",
        changed("network_interfaces", 0, gateway="2001:db8::1"),
        "network_interfaces[0].gateway",
        "gateway6",
    ),
    (
        "two IPv4 gateways",
        changed("network_vlans", 1, gateway="10.20.0.1"),
        "network_vlans[1].gateway",
        "network_interfaces[0].gateway",
    ),
    (
        "default route as second gateway",
        changed("network_bridges", 0, routes=[{"to": "default", "via": "10.20.0.1"}]),
        "network_bridges[0].routes",
        "already set",
    ),
    (
        "route to with host bits",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.1/24", "via": "10.20.0.254"}]),
        "network_bridges[0].routes[0].to",
        "network",
    ),
    (
        "route family mix",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "2001:db8::1"}]),
        "network_bridges[0].routes[0].via",
        "IPv6",
    ),
    (
        "route metric",
        changed("network_bridges", 0, routes=[{"to": "198.51.100.0/24", "via": "10.0.0.1", "metric": -1}]),
        "network_bridges[0].routes[0].metric",
        "from 0",
    ),
]


ITEM_BAD = [
    ("missing name", added("network_interfaces", {"method": "dhcp"}), "network_interfaces[4].name", "is required"),
    (
        "name too long",
        added("network_bridges", {"name": "bridge-for-guests0"}),
        "network_bridges[1].name",
        "at most 15",
    ),
    ("name with space", changed("network_interfaces", 0, name="eth 0"), "network_interfaces[0].name", "not a valid"),
    ("unknown key", changed("network_bonds", 0, slave="eth1"), "network_bonds[0].slave", "not a known key"),
    ("bad method", changed("network_interfaces", 2, method="ppp"), "network_interfaces[2].method", "one of"),
    ("bad start", changed("network_interfaces", 2, start="boot"), "network_interfaces[2].start", "one of"),
    (
        "static without address",
        changed("network_interfaces", 2, method="static", bond_master=None),
        "network_interfaces[2].method",
        "no IPv4 address",
    ),
    (
        "address on dhcp",
        changed("network_interfaces", 0, method="dhcp", gateway=None),
        "network_interfaces[0].address",
        "method static",
    ),
    (
        "v6 address with method6 manual",
        changed("network_vlans", 1, method6="manual"),
        "network_vlans[1].addresses[1]",
        "method6 static",
    ),
    ("mtu too small", changed("network_interfaces", 0, mtu=20), "network_interfaces[0].mtu", "from 68"),
    (
        "bad mac",
        changed("network_interfaces", 0, hwaddress="52:54:00:zz:00:01"),
        "network_interfaces[0].hwaddress",
        "MAC",
    ),
    (
        "bad dns server",
        changed("network_interfaces", 0, dns_nameservers="192.0.2.53 dns.example"),
        "network_interfaces[0].dns_nameservers[1]",
        "IP address",
    ),
    (
        "hook with newline",
        changed("network_interfaces", 0, post_up=["echo a\necho b"]),
        "network_interfaces[0].post_up[0]",
        "one line",
    ),
    (
        "parameter without val",
        changed("network_interfaces", 0, parameters=[{"param": "ethtool-wol"}]),
        "network_interfaces[0].parameters[0].val",
        "needs a value",
    ),
    (
        "parameter shadows key",
        changed("network_interfaces", 0, parameters=[{"param": "address", "val": "1.2.3.4"}]),
        "network_interfaces[0].parameters[0].param",
        "own key",
    ),
    (
        "parameter conflicts",
        changed("network_bonds", 0, mode="802.3ad"),
        "network_bonds[0].parameters[0]",
        "already set",
    ),
    (
        "bad bond mode",
        changed("network_bonds", 0, parameters=[{"param": "bond_mode", "val": "fastest"}]),
        "network_bonds[0].parameters[0].val",
        "active-backup",
    ),
    (
        "bad miimon",
        changed("network_bonds", 0, parameters=[{"param": "bond-miimon", "val": "often"}]),
        "network_bonds[0].parameters[0].val",
        "whole number",
    ),
    (
        "bad xmit policy",
        changed("network_bonds", 0, xmit_hash_policy="layer9"),
        "network_bonds[0].xmit_hash_policy",
        "layer3+4",
    ),
    ("slave listed twice", changed("network_bonds", 0, slaves=["eth1", "eth1"]), "network_bonds[0].slaves[1]", "twice"),
    ("vlan id out of range", added("network_vlans", {"name": "eth0.4095"}), "network_vlans[2].name", "4094"),
    (
        "vlan id zero",
        added("network_vlans", {"name": "vlan0", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "from 1",
    ),
    (
        "vlan name scheme",
        added("network_vlans", {"name": "guests", "vlan_device": "eth0"}),
        "network_vlans[2].name",
        "RAW.ID",
    ),
    ("vlanID needs device", added("network_vlans", {"name": "vlan30"}), "network_vlans[2].vlan_device", "required"),
    ("vlan device mismatch", changed("network_vlans", 1, vlan_device="eth0"), "network_vlans[1].vlan_device", "bond0"),
    ("vlan id mismatch", changed("network_vlans", 1, vlan_id=21), "network_vlans[1].vlan_id", "encodes VLAN 20"),
    (
        "bad vids range",
        changed("network_bridges", 0, vlan_aware=True, vids=["10", "30-20"]),
        "network_bridges[0].vids[1]",
        "1-4094",
    ),
    (
        "stp not bool",
        changed("network_bridges", 0, parameters=[{"param": "bridge_stp", "val": "sometimes"}]),
        "network_bridges[0].parameters[0].val",
        "true or false",
    ),
    ("ovs tag range", changed("ovs_interfaces", 0, tag=5000), "ovs_interfaces[0].tag", "4094"),
    ("ovs port type", changed("ovs_interfaces", 1, type="OVSTunnel"), "ovs_interfaces[1].type", "OVSIntPort"),
    ("ovs port without bridge", changed("ovs_interfaces", 0, bridge=None), "ovs_interfaces[0].bridge", "required"),
    (
        "ovs bond mode",
        changed("ovs_bonds", 0, options=[{"opt": "bond_mode", "val": "802.3ad"}]),
        "ovs_bonds[0].options[0].val",
        "balance-tcp",
    ),
    (
        "ovs option with space",
        changed("ovs_bonds", 0, options=[{"opt": "other_config:x", "val": "a b"}]),
        "ovs_bonds[0].options[0]",
        "spaces",
    ),
    (
        "ovs option shape",
        changed("ovs_bonds", 0, options=[{"param": "x"}]),
        "ovs_bonds[0].options[0].param",
        "known options: opt, val",
    ),
]


MEMBER_BAD = [
    (
        "slave missing on host",
        changed("network_bonds", 0, slaves=["eth1", "eth2", "eth7"]),
        "network_bonds[0].slaves[2]",
        "neither an interface on the host nor declared",
    ),
    (
        "port in two masters",
        changed("network_bridges", 0, ports=["vlan100", "eth2"]),
        "network_bridges[0].ports[1]",
        "already a member of bond0",
    ),
    (
        "bond_master disagrees",
        added("network_bonds", {"name": "bond1", "slaves": ["eth2", "eth6"]}),
        "network_bonds[1].slaves[0]",
        "already a member of bond0",
    ),
    (
        "bond_master undeclared",
        added("network_interfaces", {"name": "eth6", "bond_master": "bond5"}),
        "network_interfaces[4].bond_master",
        "not declared",
    ),
    (
        "primary not a member",
        changed("network_bonds", 0, parameters=[{"param": "primary", "val": "eth3"}]),
        "network_bonds[0].primary",
        "not a member",
    ),
    ("bond without members", added("network_bonds", {"name": "bond1"}), "network_bonds[1].slaves", "no members"),
    ("vlan raw device missing", added("network_vlans", {"name": "eth8.5"}), "network_vlans[2].vlan_device", "neither"),
    ("vids without vlan_aware", changed("network_bridges", 0, vids=["10"]), "network_bridges[0].vids", "vlan_aware"),
    (
        "ovs port on unknown bridge",
        changed("ovs_interfaces", 0, bridge="vmbr9"),
        "ovs_interfaces[0].bridge",
        "not declared",
    ),
    (
        "ovs port not listed",
        added("ovs_interfaces", {"name": "mgmt0", "bridge": "vmbr0"}),
        "ovs_interfaces[2].bridge",
        "ovs_bridges[0].ports",
    ),
    (
        "ovs bridge port undeclared",
        changed("ovs_bridges", 0, ports=["obond0", "vlan1", "eth5", "eth0"]),
        "ovs_bridges[0].ports[3]",
        "ovs_bonds or ovs_interfaces",
    ),
    ("ovs bond one member", changed("ovs_bonds", 0, ports=["eth3"]), "ovs_bonds[0].ports", "at least two"),
    (
        "bridge port missing",
        added("network_bridges", {"name": "br7", "ports": ["eth7.7"]}),
        "network_bridges[1].ports[0]",
        "neither",
    ),
]
