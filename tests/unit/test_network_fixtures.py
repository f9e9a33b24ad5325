"""Real `virsh net-dumpxml` output (libvirt 9.0, captured in the lab) against the input that produced it.

Each fixture was written by libvirt after the module defined the network from the input below; a second
run must plan nothing, and the parsed model must build schema-valid XML that parses back equal.
"""

import copy
import os
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import network_reconcile as rec
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import canonical
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_network
from ansible_collections.essentials.kvm.plugins.module_utils.network_xml import build_xml, parse_xml

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "network")

NAT = {
    "name": "ekvm-n-nat",
    "mode": "nat",
    "bridge_name": "ekvm-nnat0",
    "domain": "nat.lab",
    "nat": {"address_start": "10.253.199.10", "address_end": "10.253.199.20", "port_start": 1024, "port_end": 65535},
    "dns": {"hosts": [{"ip": "10.253.141.5", "hostnames": ["a"]}]},
    "ips": [
        {"address": "10.253.141.1", "prefix": 24, "dhcp_ranges": [{"start": "10.253.141.100", "end": "10.253.141.160"}]}
    ],
}
OVS = {
    "name": "ekvm-n-ovs",
    "mode": "bridge",
    "bridge_name": "ekvm-novs0",
    "virtualport_type": "openvswitch",
    "portgroups": [
        {"name": "v10", "default": True, "vlan": {"tags": [10]}},
        {"name": "trunk", "vlan": {"tags": [10, 20, 30], "trunk": True, "native_tag": 10}},
    ],
}

INPUTS = {
    "nat-config.xml": NAT,
    # Live XML while a guest is plugged in: connections counters must not look like a change.
    "nat-running-guest.xml": NAT,
    "route.xml": {
        "name": "ekvm-n-route",
        "mode": "route",
        "bridge_name": "ekvm-nrt0",
        "ips": [{"address": "10.253.142.1", "prefix": 24}],
    },
    "open.xml": {
        "name": "ekvm-n-open",
        "mode": "open",
        "bridge_name": "ekvm-nopen0",
        "ips": [{"address": "10.253.143.1", "prefix": 24}],
    },
    # libvirt picks the bridge (virbr1), its MAC and STP settings itself.
    "isolated-ipv6.xml": {"name": "ekvm-n-iso6", "mode": "isolated", "ipv6": True, "trust_guest_rx_filters": True},
    "bridge-linux.xml": {"name": "ekvm-n-br", "mode": "bridge", "bridge_name": "ekvm-nbr0"},
    "ovs-running-guest.xml": OVS,
    "ovs-bandwidth.xml": {
        "name": "ekvm-n-bw",
        "mode": "bridge",
        "bridge_name": "ekvm-novs0",
        "virtualport_type": "openvswitch",
        "virtualport_parameters": {"interfaceid": "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"},
        "bandwidth": {"inbound": {"average": 1000, "peak": 2000, "burst": 512}, "outbound": {"average": 500}},
        "vlan": {"tags": [42]},
        "portgroups": [
            {
                "name": "web",
                "default": True,
                "trust_guest_rx_filters": False,
                "virtualport_parameters": {"profileid": "web-profile"},
                "bandwidth": {"outbound": {"average": 100, "peak": 300}},
                "vlan": {"tags": [100, 200], "native_tag": 200, "native_mode": "tagged"},
            }
        ],
    },
    # libvirt adds dev= (the first pool interface) and per-interface connections.
    "priv-running-guest.xml": {"name": "ekvm-n-priv", "mode": "private", "forward": {"interfaces": ["ekvm-nv1a"]}},
    "vepa-pool.xml": {
        "name": "ekvm-n-pool",
        "mode": "vepa",
        "trust_guest_rx_filters": True,
        "forward": {"interfaces": ["ekvm-nv2b", "ekvm-nv1b"]},
    },
    "bridge-macvtap.xml": {"name": "ekvm-n-mvbr", "mode": "bridge", "forward": {"interfaces": ["ekvm-nv3a"]}},
    "passthrough.xml": {"name": "ekvm-n-pt", "mode": "passthrough", "forward": {"interfaces": ["ekvm-nv4a"]}},
    "rich.xml": {
        "name": "ekvm-n-rich",
        "mode": "nat",
        "bridge_name": "ekvm-nrich0",
        "mtu": 1450,
        "stp": False,
        "delay": 2,
        "mac": "52:54:00:aa:bb:01",
        "domain": "rich.lab",
        "domain_local_only": True,
        "port_isolated": True,
        # A lone forward dev comes back as a one-interface pool too.
        "forward": {"dev": "ekvm-nv4b"},
        "nat": {"port_start": 2000, "port_end": 3000},
        "dns": {
            "forward_plain_names": False,
            "forwarders": [{"addr": "10.253.145.53"}, {"domain": "corp.lab", "addr": "10.253.145.54"}],
            "hosts": [{"ip": "10.253.145.7", "hostnames": ["x", "y"]}],
            "srvs": [
                {
                    "service": "ldap",
                    "protocol": "tcp",
                    "domain": "rich.lab",
                    "target": "x.rich.lab",
                    "port": 389,
                    "priority": 10,
                    "weight": 5,
                }
            ],
            "txts": [{"name": "info", "value": "hello world"}],
        },
        "ips": [
            {
                "address": "10.253.145.1",
                "netmask": "255.255.255.0",
                "local_ptr": True,
                "dhcp_ranges": [
                    {"start": "10.253.145.200", "end": "10.253.145.210"},
                    {"start": "10.253.145.100", "end": "10.253.145.150"},
                ],
                "dhcp_hosts": [
                    {"mac": "52:54:00:AA:00:01", "name": "x", "ip": "10.253.145.7"},
                    {"name": "y", "ip": "10.253.145.8"},
                ],
                "bootp": {"file": "pxelinux.0", "server": "10.253.145.2"},
            },
            {
                "address": "fd00:253:145::1",
                "prefix": 64,
                "dhcp_ranges": [{"start": "fd00:253:145::100", "end": "fd00:253:145::1ff"}],
                "dhcp_hosts": [
                    {"id": "0:3:0:1:52:54:00:aa:00:01", "ip": "fd00:253:145::7"},
                    {"name": "y", "ip": "fd00:253:145::8"},
                ],
            },
        ],
        "routes": [{"address": "10.253.146.0", "prefix": 24, "gateway": "10.253.145.254", "metric": 5}],
    },
}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def live(name):
    text = fixture(name)
    net = parse_xml(text)
    return rec.LiveNetwork(name=net.name, config=net, live=net, active=True, persistent=True, autostart=True)


def test_every_fixture_has_its_input():
    assert sorted(os.listdir(FIXTURES)) == sorted(INPUTS)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_second_run_against_real_dumpxml_plans_nothing(name):
    want = read_network(copy.deepcopy(INPUTS[name]), "networks[0]")
    plan = rec.plan_network(want, live(name))
    assert plan.actions == [] and not plan.restart_required, plan.before + plan.after


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_real_dumpxml_builds_schema_valid_xml_that_parses_back(name, tmp_path):
    net = parse_xml(fixture(name))
    path = tmp_path / name
    path.write_text(build_xml(net))
    run = subprocess.run(["virt-xml-validate", str(path), "network"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + path.read_text()
    assert canonical(parse_xml(path.read_text())) == canonical(net)


def test_passthrough_given_as_dev_matches_libvirts_pool():
    want = read_network({"name": "ekvm-n-pt", "mode": "passthrough", "forward": {"dev": "ekvm-nv4a"}}, "n[0]")
    assert rec.plan_network(want, live("passthrough.xml")).actions == []


def test_dhcp_range_change_against_real_dumpxml_is_a_live_update():
    item = copy.deepcopy(NAT)
    item["ips"][0]["dhcp_ranges"][0]["end"] = "10.253.141.170"
    plan = rec.plan_network(read_network(item, "networks[0]"), live("nat-running-guest.xml"))
    assert plan.actions == ["update live"] and not plan.restart_required
    assert [(u.command, u.section) for u in plan.updates] == [
        ("delete", "ip-dhcp-range"),
        ("add-last", "ip-dhcp-range"),
    ]
