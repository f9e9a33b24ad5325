"""An OVSBond and an OVSIntPort with a VLAN tag, written by ifupdown_interfaces and brought up by
the real ifupdown and Open vSwitch hook in the lab namespace (userspace datapath), with traffic
through the bond, failover to the backup member and the tag's isolation checked (issue 22).

    ekvm-lab (the lab's ovs-vswitchd)
      ekvm-bb<t>  OVSBridge (stanza)                    ekvm-bp<t>  partner bridge (made by the test)
        ekvm-bo<t> OVSBond active-backup
          ekvm-b1<t>  ----------------------------------  ekvm-c1<t>  plain port
          ekvm-b2<t>  ----------------------------------  ekvm-c2<t>  plain port
        ekvm-bi<t> OVSIntPort tag 10, 10.77.15.2/24         ekvm-bt<t> tag 10 -> namespace ekvm-bv<t>, 10.77.15.1
                                                            ekvm-bu<t> tag 20 -> namespace ekvm-bw<t>, 10.77.15.3
"""

import os
import re
import shutil
import tempfile
import time

import pytest

from tests.lab.ifupdown_sandbox import Ping, Sandbox, links, wait_ping
from tests.labkit import netns, paths
from tests.labkit.proc import LabError, run, wait_for

pytestmark = pytest.mark.lab

TAG = "%03d" % (os.getpid() % 1000)
BRIDGE, BOND, INTPORT, PARTNER = ("ekvm-%s%s" % (kind, TAG) for kind in ("bb", "bo", "bi", "bp"))
MEMBERS = ("ekvm-b1" + TAG, "ekvm-b2" + TAG)
FACING = ("ekvm-c1" + TAG, "ekvm-c2" + TAG)
VLAN10, VLAN20 = "ekvm-bv" + TAG, "ekvm-bw" + TAG
ACTIVE_MEMBER = re.compile(r"^active member mac: \S+\((\S+)\)$", re.M)


def config():
    return {
        "ovs_bridges": [
            {"name": BRIDGE, "ports": [BOND, INTPORT], "ovs_extra": "set bridge ${IFACE} datapath_type=netdev"}
        ],
        "ovs_bonds": [{"name": BOND, "bridge": BRIDGE, "ports": list(MEMBERS), "bond_mode": "active-backup"}],
        "ovs_interfaces": [
            {"name": INTPORT, "bridge": BRIDGE, "type": "OVSIntPort", "tag": 10, "address": "10.77.15.2/24"}
        ],
    }


def vsctl(*args):
    return run(["ovs-vsctl", "--timeout=30"] + list(args)).stdout.strip()


def bond_show():
    return run(["ovs-appctl", "bond/show", BOND]).stdout


def active_member():
    found = ACTIVE_MEMBER.search(bond_show())
    return found.group(1) if found else None


@pytest.fixture(scope="module")
def box(lab):
    root = tempfile.mkdtemp(prefix="ekvm-ifupdown-ovsbond-")
    sandbox = Sandbox(paths.NETNS, os.path.join(root, "ns"))
    try:
        for member, facing in zip(MEMBERS, FACING):
            netns.veth(member, paths.NETNS, facing, paths.NETNS, up=False)
        vsctl(
            "add-br",
            PARTNER,
            "--",
            "set",
            "bridge",
            PARTNER,
            "datapath_type=netdev",
            "--",
            "add-port",
            PARTNER,
            FACING[0],
            "--",
            "add-port",
            PARTNER,
            FACING[1],
            "--",
            "add-port",
            PARTNER,
            "ekvm-bt" + TAG,
            "tag=10",
            "--",
            "set",
            "Interface",
            "ekvm-bt" + TAG,
            "type=internal",
            "--",
            "add-port",
            PARTNER,
            "ekvm-bu" + TAG,
            "tag=20",
            "--",
            "set",
            "Interface",
            "ekvm-bu" + TAG,
            "type=internal",
        )
        for facing in FACING:
            netns.ip(paths.NETNS, "link", "set", facing, "up")
        for ns, port, cidr in ((VLAN10, "ekvm-bt" + TAG, "10.77.15.1/24"), (VLAN20, "ekvm-bu" + TAG, "10.77.15.3/24")):
            netns.add(ns)
            netns.ip(paths.NETNS, "link", "set", port, "netns", ns)
            netns.addr(ns, port, cidr)
            netns.ip(ns, "link", "set", port, "up")
        yield sandbox
    finally:
        sandbox.shell("ifdown -a --force", timeout=60)
        for bridge in (BRIDGE, PARTNER):
            run(["ovs-vsctl", "--timeout=30", "--if-exists", "del-br", bridge], check=False)
        for member in MEMBERS:
            netns.ip(paths.NETNS, "link", "delete", member, check=False)
        for ns in (VLAN10, VLAN20):
            netns.delete(ns)
        shutil.rmtree(root, ignore_errors=True)


def test_bond_and_tagged_port_come_up_and_carry_only_their_vlan(box):
    result = box.module(config())
    assert result["changed"] is True and not result.get("failed"), result
    assert set(result["bounced"]) == {BRIDGE, BOND, INTPORT}, result
    rendered = box.read("interfaces.d/essentials-kvm")
    for line in ("ovs_type OVSBond", "ovs_bonds %s %s" % MEMBERS, "ovs_type OVSIntPort"):
        assert line in rendered, rendered
    assert vsctl("get", "Port", INTPORT, "tag") == "10"
    assert vsctl("get", "Port", BOND, "bond_mode") == "active-backup"
    assert sorted(vsctl("--columns=name", "--bare", "list", "Interface", *MEMBERS).split()) == sorted(MEMBERS)
    assert "bond_mode: active-backup" in bond_show()
    wait_ping(VLAN10, "10.77.15.2")
    # One subnet, another VLAN: the tag keeps the VLAN 20 port away from the tagged internal port.
    assert not netns.ping(VLAN20, "10.77.15.2", count=2, wait=1)


def test_traffic_moves_to_the_backup_member_when_the_active_one_goes_down(box):
    active = wait_for(active_member, 15, what="an active member of %s" % BOND)
    netns.ip(paths.NETNS, "link", "set", active, "down")
    try:
        wait_for(lambda: active_member() not in (None, active), 15, what="the backup member to take over")
        wait_ping(VLAN10, "10.77.15.2")
    finally:
        netns.ip(paths.NETNS, "link", "set", active, "up")
    try:
        wait_for(lambda: "may_enable: true" in bond_show().split(active, 1)[1][:200], 15, what="%s back" % active)
    except (LabError, IndexError):
        pytest.fail("member %s did not come back:\n%s" % (active, bond_show()))


def test_second_run_changes_nothing_and_the_bond_loses_nothing(box):
    names = (BRIDGE, INTPORT) + MEMBERS  # the bond is an OVS port, not a kernel link
    before_links, before_files = links(paths.NETNS, names), box.files()
    ping = Ping(VLAN10, "10.77.15.2", count=60)
    time.sleep(0.3)
    result = box.module(config())
    sent, received = ping.result()
    assert result["changed"] is False and result["bounced"] == [] and result["steps"] == [], result
    assert received == sent, (sent, received)
    assert links(paths.NETNS, names) == before_links and box.files() == before_files
