"""The lab itself: daemons in their namespace, OVS userspace datapath, veth NICs, DHCP."""

import os
import uuid

import libvirt
import pytest

from tests.labkit import netns, paths
from tests.labkit.daemons import LIBVIRT_URI, Dnsmasq
from tests.labkit.proc import run

pytestmark = pytest.mark.lab


def _netns_inode(pid):
    return os.stat("/proc/%d/ns/net" % pid).st_ino


def test_daemons_run_inside_the_lab_namespace(lab):
    ours = _netns_inode(os.getpid())
    for daemon in lab.daemons:
        pid = daemon.pid()
        assert pid, "%s is not running" % daemon.name
        assert _netns_inode(pid) != ours, "%s runs in the machine's own namespace" % daemon.name


def test_lab_up_again_reuses_running_daemons(lab):
    before = [d.pid() for d in lab.daemons]
    assert lab.up(log=lambda _msg: None) is False
    assert [d.pid() for d in lab.daemons] == before


def test_libvirtd_answers_and_starts_a_network_inside_the_namespace(lab):
    name = "ekvm-t-%s" % uuid.uuid4().hex[:6]
    conn = libvirt.open(LIBVIRT_URI)
    try:
        net = conn.networkCreateXML(
            "<network><name>%s</name><bridge name='%s'/><ip address='10.253.1.1' prefix='24'/></network>"
            % (name, name[:15])
        )
        try:
            assert netns.link_exists(paths.NETNS, name[:15])
            assert run(["ip", "link", "show", name[:15]], check=False).returncode != 0, (
                "the network's bridge leaked into the machine's namespace"
            )
        finally:
            net.destroy()
    finally:
        conn.close()


@pytest.fixture
def peers(lab):
    """Two peer namespaces, removed afterwards."""
    names = [netns.add("ekvm-p%s" % uuid.uuid4().hex[:6]) for _ in range(2)]
    yield names
    for name in names:
        netns.delete(name)


def test_ovs_userspace_bridge_carries_traffic_between_namespaces(lab, peers):
    bridge = "ekvm-b%s" % uuid.uuid4().hex[:5]
    run(["ovs-vsctl", "add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"])
    try:
        for index, peer in enumerate(peers):
            port = "%s-%d" % (bridge, index)
            netns.veth("eth0", peer, port, paths.NETNS)
            run(["ovs-vsctl", "add-port", bridge, port])
            netns.addr(peer, "eth0", "10.253.2.%d/24" % (index + 1))
        assert netns.ping(peers[0], "10.253.2.2", count=3, wait=3)
    finally:
        run(["ovs-vsctl", "--if-exists", "del-br", bridge])


def test_dnsmasq_in_a_peer_namespace_hands_out_a_lease(lab, peers):
    server, client = peers
    netns.veth("eth0", server, "eth0", client)
    netns.addr(server, "eth0", "10.253.3.1/24")
    dhcp = Dnsmasq(server, "eth0", "10.253.3.50,10.253.3.60,1h", tag=server)
    dhcp.start()
    try:
        address = netns.dhcp_lease(client, "eth0", paths.RUN)
        assert address.startswith("10.253.3.")
    finally:
        dhcp.stop()
    assert dhcp.pid() is None
