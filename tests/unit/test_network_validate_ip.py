"""Network address blocks (network_validate_ip): addresses, prefixes, DHCP ranges and hosts, bootp and routes
are refused with the exact input path."""

import pytest

from tests.unit.network_samples import NAT, nat_ip, refusal, with_

BAD = [
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
    (
        "unknown nested key",
        [nat_ip(dhcp_ranges=[{"start": "192.168.100.10", "begin": "192.168.100.20"}])],
        "kvm_virtual_networks[0].ips[0].dhcp_ranges[0].begin: is not a known option (known options: end, start)",
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
]


@pytest.mark.parametrize("items,message", [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_ip_input_names_the_field(items, message):
    assert message in refusal(items)
