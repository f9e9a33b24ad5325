"""An 802.3ad bond built by the config_interfaces role negotiates LACP against an Open vSwitch
bond on the lab side.

Two NICs are hot-plugged into the first host VM as plain taps (libvirtd creates them inside the
lab namespace, where ovs-vswitchd runs); a netdev OVS bridge there bonds the two taps with
`lacp=active` and holds the lab side's address on its internal port.

The Linux bond runs LACP only on full-duplex members, and virtio NICs report an unknown duplex
until told otherwise. The host image has no ethtool, so the test sets 10 Gbit/s full duplex with
the ethtool ioctl from the guest's Python, as a physical NIC would report it.
"""

import re
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.host.config_interfaces_play import DEST, STATE, WATCHED, digest, play, write_inventory
from tests.labkit import netns
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.paths import NETNS
from tests.labkit.proc import run, wait_for

pytestmark = pytest.mark.host

NICS = (3, 4)
# ETHTOOL_GSET, then ETHTOOL_SSET with speed 10000 and full duplex (struct ethtool_cmd), per NIC named
# in argv. virtio-net accepts a new speed and duplex when everything else stays as read.
FULL_DUPLEX = r"""
import array, fcntl, socket, struct, sys
LAYOUT = "=IIIHBBBBBBIIHBBI8x"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for name in sys.argv[1:]:
    cmd = array.array("B", struct.pack(LAYOUT, 1, *[0] * 15))
    request = lambda: struct.pack("16sP", name.encode(), cmd.buffer_info()[0])
    fcntl.ioctl(sock, 0x8946, request())
    fields = list(struct.unpack(LAYOUT, cmd.tobytes()))
    fields[0], fields[3], fields[4], fields[12] = 2, 10000, 1, 0
    cmd[:] = array.array("B", struct.pack(LAYOUT, *fields))
    fcntl.ioctl(sock, 0x8946, request())
"""


def names(host):
    """Lab-side names for this host: two taps, the OVS bridge and its bond (at most 15 characters)."""
    return {
        "taps": ["ekvm-lacp%d%s" % (host.index, s) for s in "ab"],
        "bridge": "ekvm-lacpbr%d" % host.index,
        "bond": "ekvm-lacpbd%d" % host.index,
    }


def lab_address(host):
    return "10.215.%d.1" % host.index


def guest_address(host):
    return "10.215.%d.2" % host.index


def nic_xml(host, nic, tap):
    iface = ET.Element("interface", type="ethernet")
    ET.SubElement(iface, "mac", address=host.mac(nic))
    ET.SubElement(iface, "target", dev=tap)
    ET.SubElement(iface, "model", type="virtio")
    return ET.tostring(iface, encoding="unicode")


def guest_nic(host, mac):
    """Name the guest kernel gave the NIC with this MAC address, or None."""
    out = host.ssh("grep -l -i '^%s$' /sys/class/net/*/address" % mac, check=False).stdout.strip()
    return out.split("/")[4] if out else None


def plugged(dom, mac):
    return mac in [m.get("address") for m in ET.fromstring(dom.XMLDesc(0)).findall("./devices/interface/mac")]


def vsctl(*args):
    return run(["ovs-vsctl", "--timeout=10"] + list(args)).stdout


def lacp_show(bond):
    return run(["ovs-appctl", "lacp/show", bond], check=False).stdout


def bonding(host):
    return host.ssh("cat /proc/net/bonding/bond1").stdout


def lacp_config(host, nics, purge=False):
    if purge:
        return {"config_network_interfaces": True, "config_interfaces_purge": True}
    return {
        "config_network_interfaces": True,
        # Leaves room for four module calls and two reconnects on a loaded TCG host.
        "config_interfaces_rollback_timeout": 300,
        "network_interfaces": [{"name": nic, "bond_master": "bond1"} for nic in nics],
        "network_bonds": [
            {
                "name": "bond1",
                "mode": "802.3ad",
                "lacp_rate": "fast",
                "miimon": 100,
                "xmit_hash_policy": "layer3+4",
                "address": "%s/24" % guest_address(host),
            }
        ],
    }


@pytest.fixture(scope="module")
def lacp_lab(host_vms, tmp_path_factory):
    """The first host VM with two more NICs bonded by OVS on the lab side; everything removed
    afterwards and the host's files as before."""
    hosts, _ = host_vms
    host = hosts[0]
    inventory = write_inventory([host], str(tmp_path_factory.mktemp("inventory") / "hosts.yml"))
    lab = names(host)
    before = digest(host, WATCHED + " " + STATE)
    conn = libvirt.open(LIBVIRT_URI)
    dom = conn.lookupByName(host.domain)
    cleanup, nics = None, []
    try:
        for nic, tap in zip(NICS, lab["taps"]):
            dom.attachDeviceFlags(nic_xml(host, nic, tap), libvirt.VIR_DOMAIN_AFFECT_LIVE)
            # The userspace datapath reads the taps with packet sockets, so the lab namespace's own IP
            # stack sees their frames too: it must not answer ARP or ND there, or the guest learns the
            # tap's MAC address for the lab address and traffic hashed onto the other member is lost.
            netns.execute(
                NETNS,
                ["sysctl", "-q", "-w", "net.ipv4.conf.%s.arp_ignore=8" % tap, "net.ipv6.conf.%s.disable_ipv6=1" % tap],
            )
        wait_for(
            lambda: all(guest_nic(host, host.mac(n)) for n in NICS),
            60,
            interval=1,
            what="the guest to see the hot-plugged NICs",
        )
        nics = [guest_nic(host, host.mac(n)) for n in NICS]
        run(host.ssh_argv("python3 - %s" % " ".join(nics)), input=FULL_DUPLEX)
        vsctl(
            "add-br",
            lab["bridge"],
            "--",
            "set",
            "bridge",
            lab["bridge"],
            "datapath_type=netdev",
            "--",
            "add-bond",
            lab["bridge"],
            lab["bond"],
            lab["taps"][0],
            lab["taps"][1],
            "lacp=active",
            "bond_mode=balance-tcp",
            "other_config:lacp-time=fast",
        )
        wait_for(lambda: netns.link_exists(NETNS, lab["bridge"]), 20, what="the OVS bridge's internal port")
        netns.addr(NETNS, lab["bridge"], lab_address(host) + "/24")
        netns.ip(NETNS, "link", "set", lab["bridge"], "up")
        yield host, inventory, nics, lab
    finally:
        if nics:
            cleanup = play([host], inventory, lacp_config(host, nics, purge=True))
        host.ssh(
            "systemctl stop essentials-kvm-ifupdown-rollback.timer 2>/dev/null; ip link delete bond1 2>/dev/null;"
            " for n in bond1 %s; do [ -e /run/network/ifstate.$n ] && : > /run/network/ifstate.$n; done;"
            " rm -rf %s %s; true" % (" ".join(nics), DEST, STATE),
            check=False,
        )
        run(["ovs-vsctl", "--timeout=10", "--if-exists", "del-br", lab["bridge"]], check=False)
        for nic, tap in zip(NICS, lab["taps"]):
            if plugged(dom, host.mac(nic)):
                dom.detachDeviceFlags(nic_xml(host, nic, tap), libvirt.VIR_DOMAIN_AFFECT_LIVE)
        wait_for(
            lambda: not any(plugged(dom, host.mac(n)) for n in NICS), 60, interval=1, what="libvirt to unplug the NICs"
        )
        conn.close()
    assert cleanup is not None and cleanup.rc == 0, cleanup
    assert digest(host, WATCHED + " " + STATE) == before
    assert not any(netns.link_exists(NETNS, tap) for tap in lab["taps"])


def test_an_802_3ad_bond_negotiates_lacp_with_open_vswitch_and_carries_traffic(lacp_lab):
    host, inventory, nics, lab = lacp_lab
    result = play([host], inventory, lacp_config(host, nics))
    assert result.rc == 0 and result.changed(host.name) >= 1, result
    wait_for(
        lambda: "status: active negotiated" in lacp_show(lab["bond"]),
        60,
        interval=1,
        what="OVS to negotiate LACP with the guest's bond",
    )
    show = lacp_show(lab["bond"])
    assert len(re.findall(r": current attached", show)) == 2, show
    system = re.search(r"sys_id: (\S+)", show).group(1)
    status = bonding(host)
    assert "Bonding Mode: IEEE 802.3ad Dynamic link aggregation" in status and "LACP rate: fast" in status, status
    assert re.findall(r"Slave Interface: (\S+)", status) == nics, status
    # Both members sit in the active aggregator, whose partner is the OVS bond.
    active = re.search(r"Active Aggregator Info:\s+Aggregator ID: (\d+)", status).group(1)
    assert re.findall(r"Slave Interface: \S+\n(?:.*\n)*?Aggregator ID: (\d+)", status) == [active, active], status
    assert re.search(r"Partner Mac Address: (\S+)", status).group(1) == system, status
    assert "0% packet loss" in host.ssh("ping -n -q -c 3 -i 0.2 -W 2 %s" % lab_address(host)).stdout
    assert netns.ping(NETNS, guest_address(host), count=3, wait=2)


def test_a_second_run_bounces_nothing(lacp_lab):
    host, inventory, nics, lab = lacp_lab
    ifindex = host.ssh("cat /sys/class/net/bond1/ifindex").stdout
    again = play([host], inventory, lacp_config(host, nics))
    assert again.rc == 0 and again.changed(host.name) == 0, again
    assert host.ssh("cat /sys/class/net/bond1/ifindex").stdout == ifindex
    assert "status: active negotiated" in lacp_show(lab["bond"])
