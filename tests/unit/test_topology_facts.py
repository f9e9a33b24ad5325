"""kvm_host_facts' readers on recorded `ip -json`, /proc/net/bonding and `ovs-vsctl --format=json` output,
and on libvirt's test:/// driver; a host without libvirt or Open vSwitch is reported, not failed."""

import json

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import (
    topology_facts,
    topology_libvirt,
    topology_ovs,
    topology_read,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from tests.unit.driver_state import to_stock

# `ip -json -details addr show` of a bond over two NICs, a VLAN on it in a bridge, and a VM tap (trimmed).
IP_JSON = [
    {"ifname": "lo", "link_type": "loopback", "address": "00:00:00:00:00:00", "operstate": "UNKNOWN"},
    {
        "ifname": "eno1",
        "link_type": "ether",
        "address": "0c:c4:7a:00:00:01",
        "operstate": "UP",
        "mtu": 9000,
        "master": "bond0",
        "linkinfo": {"info_slave_kind": "bond", "info_slave_data": {"state": "ACTIVE"}},
    },
    {
        "ifname": "eno2",
        "link_type": "ether",
        "address": "0c:c4:7a:00:00:01",
        "operstate": "UP",
        "mtu": 9000,
        "master": "bond0",
        "linkinfo": {"info_slave_kind": "bond", "info_slave_data": {"state": "BACKUP"}},
    },
    {
        "ifname": "bond0",
        "link_type": "ether",
        "address": "0c:c4:7a:00:00:01",
        "operstate": "UP",
        "mtu": 9000,
        "linkinfo": {"info_kind": "bond", "info_data": {"mode": "active-backup", "active_slave": "eno1"}},
    },
    {
        "ifname": "bond0.10",
        "link": "bond0",
        "link_type": "ether",
        "address": "0c:c4:7a:00:00:01",
        "operstate": "UP",
        "mtu": 9000,
        "master": "br10",
        "linkinfo": {"info_kind": "vlan", "info_data": {"protocol": "802.1Q", "id": 10}, "info_slave_kind": "bridge"},
    },
    {
        "ifname": "br10",
        "link_type": "ether",
        "address": "0c:c4:7a:00:00:01",
        "operstate": "UP",
        "mtu": 9000,
        "linkinfo": {"info_kind": "bridge", "info_data": {"stp_state": 0}},
        "addr_info": [
            {"family": "inet", "local": "10.0.10.2", "prefixlen": 24, "scope": "global"},
            {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"},
        ],
    },
    {
        "ifname": "vnet0",
        "link_type": "ether",
        "address": "fe:54:00:00:00:01",
        "operstate": "UNKNOWN",
        "master": "br10",
        "linkinfo": {"info_kind": "tun", "info_slave_kind": "bridge"},
    },
]
BONDING = """Ethernet Channel Bonding Driver: v5.10.0

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: eno2
MII Status: up

Slave Interface: eno1
MII Status: up

Slave Interface: eno2
MII Status: up
"""


@pytest.fixture
def host_files(tmp_path):
    sysfs, procfs = tmp_path / "net", tmp_path / "bonding"
    for nic in ("eno1", "eno2"):
        (sysfs / nic / "device").mkdir(parents=True)
        (sysfs / nic / "speed").write_text("10000\n")
    procfs.mkdir()
    (procfs / "bond0").write_text(BONDING)
    return str(sysfs), str(procfs)


def test_links_bond_vlan_bridge(host_files):
    links = {
        link["name"]: link for link in topology_read.read_links(lambda argv: (0, json.dumps(IP_JSON), ""), *host_files)
    }
    assert sorted(links) == ["bond0", "bond0.10", "br10", "eno1", "eno2", "vnet0"], "loopback is left out"
    assert links["eno1"]["kind"] == "nic" and links["eno1"]["speed"] == 10000 and links["eno1"]["master"] == "bond0"
    # /proc/net/bonding knows the member that is active now; ip's active_slave is only the fallback.
    assert links["bond0"]["bond"] == {
        "mode": "fault-tolerance (active-backup)",
        "active": "eno2",
        "lacp_partner": None,
        "members": ["eno1", "eno2"],
    }
    assert links["bond0.10"]["vlan"] == {"id": 10, "protocol": "802.1Q"} and links["bond0.10"]["parent"] == "bond0"
    assert links["br10"]["ports"] == ["bond0.10", "vnet0"] and links["br10"]["addresses"] == ["10.0.10.2/24"]
    assert links["vnet0"]["kind"] == "tun" and links["vnet0"]["speed"] is None


def test_bond_without_proc_file_uses_ip_details(tmp_path):
    links = {
        link["name"]: link
        for link in topology_read.read_links(lambda argv: (0, json.dumps(IP_JSON), ""), str(tmp_path), str(tmp_path))
    }
    assert links["bond0"]["bond"]["mode"] == "active-backup" and links["bond0"]["bond"]["active"] == "eno1"
    assert links["eno1"]["kind"] == "other", "no device link in sysfs: not a physical NIC"


def test_lacp_partner_from_proc():
    found = topology_read.parse_bonding(
        "Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n"
        "Currently Active Slave: None\nSlave Interface: eno1\n"
        "Partner Mac Address: 00:1c:73:aa:bb:cc\n"
    )
    assert found == {
        "mode": "IEEE 802.3ad Dynamic link aggregation",
        "active": None,
        "members": ["eno1"],
        "lacp_partner": "00:1c:73:aa:bb:cc",
    }


def test_ip_failure_is_a_host_error():
    with pytest.raises(HostError, match="ip -json -details addr show failed: boom"):
        topology_read.read_links(lambda argv: (1, "", "boom"))


def test_host_resources():
    assert topology_read.host_resources("MemTotal:       16303428 kB\n", "model name\t: EPYC\n", 8) == {
        "cpus": 8,
        "cpu_model": "EPYC",
        "memory_mib": 15921,
    }


# One answer per table, as `ovs-vsctl --format=json --columns=... list <table>` prints them.
OVS = {
    "Bridge": {
        "headings": ["_uuid", "name", "ports"],
        "data": [[["uuid", "b1"], "br0", ["set", [["uuid", "p1"], ["uuid", "p2"], ["uuid", "p3"]]]]],
    },
    "Port": {
        "headings": ["_uuid", "name", "interfaces", "tag", "trunks", "vlan_mode", "bond_mode", "lacp"],
        "data": [
            [["uuid", "p1"], "br0", ["uuid", "i1"], ["set", []], ["set", []], ["set", []], ["set", []], ["set", []]],
            [
                ["uuid", "p2"],
                "bond1",
                ["set", [["uuid", "i2"], ["uuid", "i3"]]],
                ["set", []],
                ["set", [10, 20]],
                "trunk",
                "balance-tcp",
                "active",
            ],
            [["uuid", "p3"], "vnet0", ["uuid", "i4"], 30, ["set", []], ["set", []], ["set", []], ["set", []]],
        ],
    },
    "Interface": {
        "headings": ["_uuid", "name", "type", "mac_in_use", "external_ids", "link_state"],
        "data": [
            [["uuid", "i1"], "br0", "internal", "aa:00:00:00:00:01", ["map", []], "up"],
            [["uuid", "i2"], "eno3", "", "0c:00:00:00:00:03", ["map", []], "up"],
            [["uuid", "i3"], "eno4", "", "0c:00:00:00:00:04", ["map", []], "down"],
            [
                ["uuid", "i4"],
                "vnet0",
                "",
                "fe:54:00:00:00:09",
                ["map", [["attached-mac", "52:54:00:00:00:09"], ["iface-id", "x"]]],
                "up",
            ],
        ],
    },
}


def test_ovs_bridges_ports_bonds_tags_trunks():
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, json.dumps(OVS[argv[-1]]), ""

    found = topology_ovs.read_ovs(run, db="unix:/x.sock")
    assert [c[-1] for c in calls] == ["Bridge", "Port", "Interface"], "one read per table"
    assert all("--format=json" in c and "--db=unix:/x.sock" in c for c in calls)
    assert found["available"] is True and [b["name"] for b in found["bridges"]] == ["br0"]
    ports = {p["name"]: p for p in found["bridges"][0]["ports"]}
    assert ports["bond1"]["bond_mode"] == "balance-tcp" and ports["bond1"]["trunks"] == [10, 20]
    assert ports["bond1"]["lacp"] == "active" and [i["name"] for i in ports["bond1"]["interfaces"]] == ["eno3", "eno4"]
    assert ports["vnet0"]["tag"] == 30 and ports["vnet0"]["bond_mode"] is None
    assert ports["vnet0"]["interfaces"][0]["attached_mac"] == "52:54:00:00:00:09"
    assert ports["br0"]["tag"] is None and ports["br0"]["interfaces"][0]["type"] == "internal"


def test_host_without_ovs_is_reported():
    def missing(argv):
        raise OSError("no such program")

    assert topology_ovs.read_ovs(missing) == {
        "available": False,
        "bridges": [],
        "problem": "Open vSwitch is not installed (no ovs-vsctl)",
    }
    stopped = topology_ovs.read_ovs(lambda argv: (1, "", "database connection failed (No such file)"))
    assert stopped["available"] is False and "database connection failed" in stopped["problem"]


def test_libvirt_test_driver():
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    held = libvirt.open("test:///default")  # keeps the driver's state while the module reads it
    to_stock(held)
    try:
        found = topology_libvirt.read_libvirt("test:///default")
    finally:
        held.close()
    assert found["available"] is True
    assert [n["name"] for n in found["networks"]] == ["default"] and found["networks"][0]["mode"] == "nat"
    assert found["networks"][0]["addresses"] == ["192.168.122.1/24"]
    assert [p["name"] for p in found["pools"]] == ["default-pool"]
    vm = found["vms"][0]
    assert vm["name"] == "test" and vm["state"] == "running" and vm["vcpus"] == 2 and vm["memory_mib"] == 8192


def test_unreachable_libvirt_is_reported():
    found = topology_libvirt.read_libvirt("qemu+unix:///system?socket=/nonexistent/sock")
    assert found["available"] is False and found["vms"] == []
    assert "cannot connect to libvirt" in found["problem"]


def test_missing_bindings_are_reported(monkeypatch):
    monkeypatch.setattr(topology_libvirt, "libvirt", None)
    assert topology_libvirt.connect("qemu:///system") == (
        None,
        "the libvirt Python bindings are missing (install python3-libvirt)",
    )


def test_vm_disks_and_nics_from_xml():
    xml = """<domain type='kvm'><name>web</name><uuid>u</uuid><memory unit='GiB'>2</memory><vcpu>3</vcpu>
      <devices>
        <disk type='volume' device='disk'><source pool='p' volume='web.qcow2'/><target dev='vda'/></disk>
        <disk type='file' device='disk'><source file='/img/data.raw'/><target dev='vdb'/></disk>
        <interface type='network'><mac address='52:54:00:AA:00:01'/><source network='lan' portgroup='v10'/>
          <target dev='vnet3'/><model type='virtio'/></interface>
        <interface type='bridge'><mac address='52:54:00:aa:00:02'/><source bridge='br-ovs'/>
          <virtualport type='openvswitch'/><vlan trunk='yes'><tag id='10'/><tag id='20'/></vlan></interface>
        <interface type='direct'><mac address='52:54:00:aa:00:03'/><source dev='eno1' mode='bridge'/></interface>
      </devices></domain>"""
    leases = {"52:54:00:aa:00:01": [{"address": "10.0.0.9"}]}
    vm = topology_libvirt.vm_from_xml(
        xml,
        "running",
        True,
        {"lan": {"bridge": "br-lan", "virtualport": None}},
        {"/img/data.raw": ("q", "data.raw")},
        leases,
    )
    assert vm["memory_mib"] == 2048 and vm["vcpus"] == 3
    assert [(d["target"], d["pool"], d["volume"]) for d in vm["disks"]] == [
        ("vda", "p", "web.qcow2"),
        ("vdb", "q", "data.raw"),
    ]
    lan, ovs, direct = vm["nics"]
    assert (lan["mac"], lan["network"], lan["bridge"], lan["port"], lan["portgroup"], lan["addresses"]) == (
        "52:54:00:aa:00:01",
        "lan",
        "br-lan",
        "vnet3",
        "v10",
        ["10.0.0.9"],
    )
    assert (ovs["bridge"], ovs["virtualport"], ovs["vlan"], ovs["trunk"]) == ("br-ovs", "openvswitch", [10, 20], True)
    assert (direct["device"], direct["bridge"]) == ("eno1", None)


def test_running_nic_on_a_network_keeps_its_network():
    """A running VM's live XML gives a network NIC the type libvirt resolved it to, and the network in its source:
    the NIC is still the network's (drawn from it), on the network's bridge and VLAN."""
    xml = """<domain type='qemu'><name>app</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><devices>
        <interface type='bridge'><mac address='52:54:00:d4:04:78'/>
          <source network='vlans' portgroup='vlan100' portid='48d8' bridge='ovsbr0'/><vlan><tag id='100'/></vlan>
          <virtualport type='openvswitch'/><target dev='vnet0'/></interface>
      </devices></domain>"""
    vm = topology_libvirt.vm_from_xml(xml, "running", True, {"vlans": {"bridge": "ovsbr0"}}, {}, {})
    nic = vm["nics"][0]
    assert (nic["type"], nic["network"], nic["portgroup"], nic["bridge"], nic["vlan"]) == (
        "bridge",
        "vlans",
        "vlan100",
        "ovsbr0",
        [100],
    )


def test_totals_count_running_and_defined():
    vms = [{"state": "running", "vcpus": 2, "memory_mib": 1024}, {"state": "shutoff", "vcpus": 4, "memory_mib": 4096}]
    assert topology_facts.totals(vms) == {
        "vms": 2,
        "vms_running": 1,
        "vcpus": 6,
        "vcpus_running": 2,
        "memory_mib": 5120,
        "memory_mib_running": 1024,
    }
