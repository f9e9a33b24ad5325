"""Bad network input fails before anything changes, with the exact input path in the message."""

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


BAD = [
    ("name missing", [{"mode": "nat"}], "kvm_virtual_networks[0].name: is required"),
    ("name with slash", [with_(NAT, name="a/b")], "kvm_virtual_networks[0].name: must not contain '/'"),
    (
        "duplicate name",
        [NAT, with_(NAT, ips=[{"address": "10.1.0.1", "prefix": 24}])],
        "kvm_virtual_networks[1].name: 'lab' is also used by kvm_virtual_networks[0]",
    ),
    ("unknown mode", [with_(NAT, mode="nated")], "kvm_virtual_networks[0].mode: must be one of nat, route"),
    ("unknown state", [with_(NAT, state="running")], "kvm_virtual_networks[0].state: must be one of"),
    ("unknown key", [with_(NAT, bridge="br0")], "kvm_virtual_networks[0].bridge: is not a known option"),
    ("mtu too small", [with_(NAT, mtu=10)], "kvm_virtual_networks[0].mtu: must be a whole number from 68"),
    ("multicast mac", [with_(NAT, mac="01:00:5e:00:00:01")], "kvm_virtual_networks[0].mac: must be a unicast"),
    ("bad mac", [with_(NAT, mac="52:54:00:zz:00:01")], "kvm_virtual_networks[0].mac: must be a MAC address"),
    (
        "long bridge name",
        [with_(NAT, bridge_name="a-very-long-bridge-name")],
        "kvm_virtual_networks[0].bridge_name: interface names are at most 15 characters",
    ),
    ("bad ip", [nat_ip(address="192.168.100.300")], "kvm_virtual_networks[0].ips[0].address: must be an IP"),
    ("prefix too big", [nat_ip(prefix=33)], "kvm_virtual_networks[0].ips[0].prefix: must be a whole number"),
    (
        "prefix and netmask",
        [nat_ip(netmask="255.255.255.0")],
        "kvm_virtual_networks[0].ips[0].netmask: cannot be combined with prefix",
    ),
    ("no prefix", [nat_ip(prefix=None)], "kvm_virtual_networks[0].ips[0].prefix: is required"),
    (
        "network address",
        [nat_ip(address="192.168.100.0")],
        "kvm_virtual_networks[0].ips[0].address: must be a host address inside 192.168.100.0/24",
    ),
    (
        "range outside subnet",
        [nat_ip(dhcp_ranges=[{"start": "192.168.101.10", "end": "192.168.100.20"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_ranges[0].start: 192.168.101.10 lies outside the subnet",
    ),
    (
        "range end outside subnet",
        [
            nat_ip(
                dhcp_ranges=[
                    {"start": "192.168.100.10", "end": "192.168.100.255"},
                    {"start": "192.168.100.30", "end": "192.168.102.1"},
                ]
            )
        ],
        "kvm_virtual_networks[0].ips[0].dhcp_ranges[1].end: 192.168.102.1 lies outside",
    ),
    (
        "range reversed",
        [nat_ip(dhcp_ranges=[{"start": "192.168.100.20", "end": "192.168.100.10"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_ranges[0].end: must not be below start",
    ),
    (
        "dhcp host outside",
        [nat_ip(dhcp_hosts=[{"mac": "52:54:00:00:00:01", "ip": "10.0.0.5"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_hosts[0].ip: 10.0.0.5 lies outside",
    ),
    (
        "dhcp host anonymous",
        [nat_ip(dhcp_hosts=[{"ip": "192.168.100.5"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_hosts[0]: needs mac, id or name",
    ),
    (
        "ipv6 host by mac",
        [
            with_(
                NAT,
                ips=[
                    {"address": "fd00::1", "prefix": 64, "dhcp_hosts": [{"mac": "52:54:00:00:00:01", "ip": "fd00::5"}]}
                ],
            )
        ],
        "kvm_virtual_networks[0].ips[0].dhcp_hosts[0].mac: cannot identify an IPv6 DHCP host",
    ),
    (
        "bad duid",
        [with_(NAT, ips=[{"address": "fd00::1", "prefix": 64, "dhcp_hosts": [{"id": "0:1:2", "ip": "fd00::5"}]}])],
        "kvm_virtual_networks[0].ips[0].dhcp_hosts[0].id: must be a DHCP unique identifier",
    ),
    (
        "two dhcp blocks",
        [
            with_(
                NAT,
                ips=NAT["ips"]
                + [
                    {
                        "address": "192.168.110.1",
                        "prefix": 24,
                        "dhcp_ranges": [{"start": "192.168.110.10", "end": "192.168.110.20"}],
                    }
                ],
            )
        ],
        "kvm_virtual_networks[0].ips[1]: is a second ipv4 block with DHCP",
    ),
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
    (
        "bridge undeclared",
        [with_(OVS, bridge_name="br-nowhere")],
        "kvm_virtual_networks[0].bridge_name: bridge 'br-nowhere' neither exists on this host nor is declared",
    ),
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
        "vlans and portgroups",
        [with_(OVS, vlans=[{"name": "p", "vlan": 10}])],
        "kvm_virtual_networks[0].vlans: cannot be combined with portgroups",
    ),
    (
        "same bridge twice",
        [with_(NAT, bridge_name="virbr5"), {"name": "b", "mode": "isolated", "bridge_name": "virbr5"}],
        "kvm_virtual_networks[1].bridge_name: bridge 'virbr5' is also claimed by kvm_virtual_networks[0].bridge_name",
    ),
    (
        "same subnet twice",
        [NAT, {"name": "other", "mode": "isolated", "ips": [{"address": "192.168.100.129", "prefix": 25}]}],
        "kvm_virtual_networks[1].ips[0].address: subnet 192.168.100.128/25 overlaps 192.168.100.0/24 of "
        "kvm_virtual_networks[0].ips[0]",
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
        "srv protocol",
        [with_(NAT, dns={"srvs": [{"service": "ldap", "protocol": "sctp"}]})],
        "kvm_virtual_networks[0].dns.srvs[0].protocol: must be one of tcp, udp",
    ),
    (
        "dns host without names",
        [with_(NAT, dns={"hosts": [{"ip": "192.168.100.5", "hostnames": []}]})],
        "kvm_virtual_networks[0].dns.hosts[0].hostnames: needs at least one host name",
    ),
    ("autostart not bool", [with_(NAT, autostart="maybe")], "kvm_virtual_networks[0].autostart: must be true or"),
    ("not a list", {"name": "x"}, "kvm_virtual_networks: must be a list"),
    # The shared kit's rules (checks.py): the same words and paths as every other kind.
    (
        "bridge name with colon",
        [with_(NAT, bridge_name="br:1")],
        "kvm_virtual_networks[0].bridge_name: 'br:1' is not a valid interface name",
    ),
    (
        "forward dev too long",
        [{"name": "v", "mode": "vepa", "forward": {"dev": "enp3s0f0np0-long"}}],
        "kvm_virtual_networks[0].forward.dev: interface names are at most 15 characters",
    ),
    (
        "name as a number",
        [with_(NAT, name=5)],
        "kvm_virtual_networks[0].name: must be a network name, not a number: 5 (YAML reads an unquoted number",
    ),
    (
        "zone as a boolean",
        [with_(NAT, zone=True)],
        "kvm_virtual_networks[0].zone: must be text, not a boolean: true (unquoted yes/no",
    ),
    (
        "dns host name as a number",
        [with_(NAT, dns={"hosts": [{"ip": "192.168.100.5", "hostnames": [42]}]})],
        "kvm_virtual_networks[0].dns.hosts[0].hostnames[0]: must be a DNS name, not a number: 42",
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
        "unknown nested key",
        [nat_ip(dhcp_ranges=[{"start": "192.168.100.10", "begin": "192.168.100.20"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_ranges[0].begin: is not a known option (known options: end, start)",
    ),
    ("stp not a bool word", [with_(NAT, stp="enabled")], "kvm_virtual_networks[0].stp: must be true or false"),
    (
        "mtu as a fraction",
        [with_(NAT, mtu=1500.5)],
        "kvm_virtual_networks[0].mtu: must be a whole number from 68 to 65535 (got a number: 1500.5)",
    ),
    (
        "relative tftp root",
        [nat_ip(tftp_root="srv/tftp")],
        "kvm_virtual_networks[0].ips[0].tftp_root: must be an absolute path",
    ),
    (
        "bootp server not a host",
        [nat_ip(bootp={"file": "pxelinux.0", "server": "boot server"})],
        "kvm_virtual_networks[0].ips[0].bootp.server: is not a host name or IP address",
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
def test_bad_input_names_the_field(items, message):
    with pytest.raises(InputError) as caught:
        read_networks(items, "kvm_virtual_networks", declared_bridges=["br-ovs"])
    assert message in str(caught.value)


def test_good_input_passes_and_defaults_autostart():
    nets = read_networks(
        [NAT, OVS, {"name": "old", "state": "absent"}, with_(OVS, name="p", state="present", bridge_name="br-host")],
        "kvm_virtual_networks",
        declared_bridges=["br-ovs"],
        interface_exists=lambda name: name == "br-host",
    )
    assert [(n.state, n.autostart) for n in nets] == [
        ("active", True),
        ("active", True),
        ("absent", None),
        ("present", None),
    ]


def test_absent_network_needs_only_its_name():
    assert read_networks([{"name": "gone", "state": "absent", "mode": "nat"}])[0].state == "absent"


def test_bridge_of_absent_network_is_not_checked():
    item = {"name": "gone", "state": "absent", "mode": "bridge", "bridge_name": "br-nowhere"}
    [gone] = read_networks([item])
    assert (gone.state, gone.network.name, gone.network.bridge_name, gone.autostart) == ("absent", "gone", None, None)
    with pytest.raises(InputError, match=r"networks\[0\]\.bridge_name: bridge 'br-nowhere' neither exists"):
        read_networks([with_(item, state="present")])


@pytest.mark.parametrize("dns,got", [(5, "a number: 5"), (False, "a boolean: false"), ("on", "'on'")])
def test_dns_must_be_a_mapping(dns, got):
    with pytest.raises(InputError) as caught:
        read_networks([with_(NAT, dns=dns)])
    assert str(caught.value) == "networks[0].dns: must be a mapping (got %s)" % got


def test_kit_words_and_numbers_are_accepted():
    [want] = read_networks(
        [
            with_(
                NAT,
                stp="yes",
                mtu="9000",
                autostart="no",
                bridge_name="virbr+1",
                dns={"enable": "on", "srvs": [{"service": "ldap", "protocol": "tcp", "port": "389"}]},
            )
        ]
    )
    net = want.network
    assert (net.stp, net.mtu, want.autostart, net.bridge_name) == (True, 9000, False, "virbr+1")
    assert (net.dns.enable, net.dns.srvs[0].port) == (True, 389)
    [group] = read_networks(
        [with_(OVS, portgroups=[{"name": "v10", "default": "y", "vlan": {"tags": ["10"]}}])],
        declared_bridges=["br-ovs"],
    )[0].network.portgroups
    assert (group.default, group.vlan.tags, group.vlan.trunk) == (True, [10], False)


def test_pci_addresses_are_stored_in_lower_case():
    [want] = read_networks([{"name": "h", "mode": "hostdev", "forward": {"addresses": ["0000:03:1F.1"]}}])
    assert want.network.forward.addresses == ["0000:03:1f.1"]
