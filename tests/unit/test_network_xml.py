"""Network model -> XML: every forward mode and option validates against libvirt's schema and round-trips."""

import copy
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.network_model import canonical, with_live_defaults
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_network
from ansible_collections.essentials.kvm.plugins.module_utils.network_xml import build_xml, parse_xml

NAT_FULL = {
    "name": "nat-full",
    "mode": "nat",
    "bridge_name": "virbr42",
    "stp": False,
    "delay": 2,
    "mtu": 9000,
    "mac": "52:54:00:aa:bb:cc",
    "mac_table_manager": "kernel",
    "zone": "libvirt",
    "domain": "lab.lan",
    "domain_local_only": True,
    "ipv6": True,
    "port_isolated": True,
    "forward": {"dev": "eth0"},
    "nat": {
        "address_start": "203.0.113.10",
        "address_end": "203.0.113.20",
        "port_start": 1024,
        "port_end": 65535,
        "ipv6": True,
    },
    "ips": [
        {
            "address": "192.168.150.1",
            "netmask": "255.255.255.0",
            "local_ptr": True,
            "tftp_root": "/srv/tftp",
            "dhcp_ranges": [{"start": "192.168.150.100", "end": "192.168.150.199"}],
            "dhcp_hosts": [
                {"mac": "52:54:00:00:00:01", "name": "web", "ip": "192.168.150.10"},
                {"name": "db", "ip": "192.168.150.11"},
            ],
            "bootp": {"file": "pxelinux.0", "server": "boot.lab.lan"},
        },
        {
            "address": "fd00:150::1",
            "prefix": 64,
            "dhcp_ranges": [{"start": "fd00:150::100", "end": "fd00:150::1ff"}],
            "dhcp_hosts": [{"id": "00:03:00:01:52:54:00:12:34:56", "ip": "fd00:150::10", "name": "web6"}],
        },
    ],
    "routes": [
        {"address": "10.150.0.0", "prefix": 16, "gateway": "192.168.150.2", "metric": 5},
        {"address": "fd00:151::", "prefix": 64, "gateway": "fd00:150::2"},
    ],
    "dns": {
        "enable": True,
        "forward_plain_names": False,
        "forwarders": [{"addr": "9.9.9.9"}, {"domain": "corp.example", "addr": "10.0.0.53"}, {"domain": "local.only"}],
        "hosts": [{"ip": "192.168.150.5", "hostnames": ["gw", "router"]}],
        "srvs": [
            {
                "service": "ldap",
                "protocol": "tcp",
                "domain": "lab.lan",
                "target": "dc.lab.lan",
                "port": 389,
                "priority": 10,
                "weight": 5,
            }
        ],
        "txts": [{"name": "info", "value": "managed by ansible"}],
    },
    "bandwidth": {"inbound": {"average": 1000, "peak": 5000, "burst": 1024}, "outbound": {"average": 1000}},
}

OVS = {
    "name": "ovs",
    "mode": "bridge",
    "bridge_name": "br-ovs",
    "virtualport_type": "openvswitch",
    "virtualport_parameters": {"interfaceid": "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"},
    "vlan": {"tags": [42]},
    "portgroups": [
        {"name": "vlan10", "default": True, "vlan": {"tags": [10]}},
        {
            "name": "trunk",
            "trust_guest_rx_filters": True,
            "vlan": {"tags": [10, 20, 30], "trunk": True, "native_tag": 10, "native_mode": "untagged"},
            "virtualport_parameters": {"profileid": "trunk-profile"},
            "bandwidth": {"inbound": {"average": 500}, "outbound": {"average": 250, "peak": 300}},
        },
    ],
}

CASES = {
    "nat-full": NAT_FULL,
    "nat-minimal": {"name": "nat-min", "ips": [{"address": "192.168.151.1", "prefix": 24}]},
    "route": {
        "name": "route",
        "mode": "route",
        "forward": {"dev": "eth1"},
        "ips": [{"address": "10.151.0.1", "prefix": 24}],
    },
    "route-legacy-device": {
        "name": "route-old",
        "mode": "route",
        "route_device": "eth1",
        "ips": [{"address": "10.152.0.1", "prefix": 24}],
    },
    "open": {"name": "open", "mode": "open", "ips": [{"address": "10.153.0.1", "prefix": 24}]},
    "isolated": {
        "name": "isolated",
        "mode": "isolated",
        "bridge_name": "virbr-iso",
        "ips": [
            {"address": "10.154.0.1", "prefix": 24, "dhcp_ranges": [{"start": "10.154.0.10", "end": "10.154.0.20"}]}
        ],
    },
    "isolated-bare": {"name": "isolated-bare", "mode": "isolated"},
    "isolated-no-dns": {
        "name": "isolated-no-dns",
        "mode": "isolated",
        "dns": {"enable": False},
        "ips": [{"address": "10.155.0.1", "prefix": 24}],
    },
    "bridge-linux": {
        "name": "br-linux",
        "mode": "bridge",
        "bridge_name": "br0",
        "mtu": 1500,
        "port_isolated": False,
        "bandwidth": {"outbound": {"average": 100}},
    },
    "bridge-ovs": OVS,
    "bridge-macvtap": {"name": "macvtap", "mode": "bridge", "forward": {"interfaces": ["eth2", "eth3"]}},
    "private": {"name": "private", "mode": "private", "forward": {"dev": "eth2"}, "trust_guest_rx_filters": True},
    "vepa": {
        "name": "vepa",
        "mode": "vepa",
        "forward": {"interfaces": ["eth2", "eth3"]},
        "virtualport_type": "802.1Qbg",
        "virtualport_parameters": {
            "managerid": 11,
            "typeid": 1193047,
            "typeidversion": 2,
            "instanceid": "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f",
        },
    },
    "passthrough-pool": {
        "name": "pt",
        "mode": "passthrough",
        "forward": {"interfaces": ["eth4", "eth5"]},
        "virtualport_type": "802.1Qbh",
        "virtualport_parameters": {"profileid": "finance"},
    },
    "passthrough-pf": {"name": "pt-pf", "mode": "passthrough", "forward": {"pf": "eth6"}},
    "hostdev-pf": {
        "name": "hd",
        "mode": "hostdev",
        "forward": {"pf": "enp3s0f0", "managed": True, "driver": "vfio"},
        "vlan": {"tags": [47]},
        "portgroups": [{"name": "v48", "vlan": {"tags": [48]}}],
    },
    "hostdev-addresses": {
        "name": "hd-pci",
        "mode": "hostdev",
        "forward": {"addresses": ["0000:03:10.1", "0000:03:10.3"], "managed": False},
    },
    "legacy-vlans": {
        "name": "DMZ_ORANGE_VLAN100",
        "mode": "bridge",
        "bridge_name": "vmbr100",
        "virtualport_type": "openvswitch",
        "autostart": True,
        "state": "active",
        "vlans": [{"name": "vlan100", "vlan": 100}, {"name": "trunk", "vlan": [100, 101], "trunk": True}],
    },
}


def render(item):
    return build_xml(read_network(copy.deepcopy(item), "networks[0]").network)


@pytest.mark.parametrize("case", sorted(CASES))
def test_xml_validates_against_libvirt_schema(case, tmp_path):
    path = tmp_path / ("%s.xml" % case)
    path.write_text(render(CASES[case]))
    run = subprocess.run(["virt-xml-validate", str(path), "network"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + path.read_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip(case):
    net = read_network(copy.deepcopy(CASES[case]), "networks[0]").network
    assert canonical(parse_xml(build_xml(net))) == canonical(net)


def test_legacy_vlans_become_portgroups():
    net = read_network(copy.deepcopy(CASES["legacy-vlans"]), "kvm_virtual_networks[0]").network
    assert [(g.name, g.vlan.tags, g.vlan.trunk) for g in net.portgroups] == [
        ("vlan100", [100], False),
        ("trunk", [100, 101], True),
    ]
    assert '<tag id="101" />' in build_xml(net)


def test_isolated_has_no_forward_and_native_vlan_is_marked():
    assert "<forward" not in render(CASES["isolated"])
    assert '<tag id="10" nativeMode="untagged" />' in render(OVS)
    assert '<dns enable="no" />' in render(CASES["isolated-no-dns"])
    assert render(CASES["private"]).startswith('<network trustGuestRxFilters="yes">')


# What `virsh net-dumpxml` prints for a running nat network defined from NAT_MINIMAL-like input: libvirt adds a
# uuid, a generated MAC, the virbrN bridge with stp/delay, a connections count and prints single quotes.
DUMPXML_NAT = """<network connections='2'>
  <name>nat-min</name>
  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>
  <forward mode='nat'>
    <nat>
      <port start='1024' end='65535'/>
    </nat>
  </forward>
  <bridge name='virbr3' stp='on' delay='0'/>
  <mac address='52:54:00:0A:CD:21'/>
  <ip address='192.168.151.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.151.200' end='192.168.151.254'/>
      <range start='192.168.151.100' end='192.168.151.150'/>
    </dhcp>
  </ip>
</network>
"""

DUMPXML_HOSTDEV = """<network connections='1'>
  <name>hd</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <forward mode='hostdev' managed='yes'>
    <pf dev='enp3s0f0'/>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1' connections='1'/>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x3'/>
  </forward>
</network>
"""

DUMPXML_OVS = """<network connections='3'>
  <name>ovs</name>
  <uuid>4d6a5a1e-1f0a-4b0c-9d9b-6f3e2b1c0a11</uuid>
  <forward mode='bridge'/>
  <bridge name='br-ovs'/>
  <virtualport type='openvswitch'/>
  <portgroup name='vlan10' default='yes'>
    <vlan>
      <tag id='10'/>
    </vlan>
  </portgroup>
</network>
"""


def test_dumpxml_of_nat_network_equals_input_after_normalising():
    want = read_network(
        {
            "name": "nat-min",
            "ips": [
                {
                    "address": "192.168.151.1",
                    "prefix": 24,
                    "dhcp_ranges": [
                        {"start": "192.168.151.100", "end": "192.168.151.150"},
                        {"start": "192.168.151.200", "end": "192.168.151.254"},
                    ],
                }
            ],
            "nat": {"port_start": 1024, "port_end": 65535},
        },
        "networks[0]",
    ).network
    live = parse_xml(DUMPXML_NAT)
    assert live.mac == "52:54:00:0a:cd:21" and live.bridge_name == "virbr3"
    assert canonical(with_live_defaults(want, live)) == canonical(live)


def test_dumpxml_of_hostdev_network_equals_input_after_normalising():
    want = read_network({"name": "hd", "mode": "hostdev", "forward": {"pf": "enp3s0f0"}}, "n[0]").network
    live = parse_xml(DUMPXML_HOSTDEV)
    assert live.forward.addresses == ["0000:03:10.1", "0000:03:10.3"]
    assert canonical(with_live_defaults(want, live)) == canonical(live)


def test_dumpxml_of_ovs_network_equals_input():
    want = read_network(
        {
            "name": "ovs",
            "mode": "bridge",
            "bridge_name": "br-ovs",
            "virtualport_type": "openvswitch",
            "portgroups": [{"name": "vlan10", "default": True, "vlan": {"tags": [10]}}],
        },
        "n[0]",
    ).network
    assert canonical(with_live_defaults(want, parse_xml(DUMPXML_OVS))) == canonical(parse_xml(DUMPXML_OVS))


def test_a_real_difference_survives_normalising():
    want = read_network(
        {"name": "nat-min", "mtu": 1400, "ips": [{"address": "192.168.151.1", "prefix": 24}]}, "n[0]"
    ).network
    live = parse_xml(DUMPXML_NAT)
    assert canonical(with_live_defaults(want, live)) != canonical(live)
