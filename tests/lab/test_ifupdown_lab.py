"""The ifupdown_interfaces module with real ifupdown, in network namespaces of this machine.

Every apply runs inside a namespace *and* a private mount namespace whose /etc/network,
/run/network, /var/lib/dhcp and dhclient enter hooks are folders of the test, so neither the
files nor ifupdown's state of the machine are ever read or written.

    ekvm-ifa<pid> (under test)                 ekvm-ifp<pid> (peer)
      ekvm-s0   static 10.77.1.2/24   ----------  ekvm-s0p 10.77.1.1
      ekvm-m0   manual + up hook      ----------  ekvm-m0p 10.77.2.1
      ekvm-d0   dhcp                  ----------  ekvm-d0p 10.77.3.1 + dnsmasq
      ekvm-br0  bridge 10.77.4.2/24
        ekvm-b0 (port)                ----------  ekvm-b0p 10.77.4.1
    ekvm-lab (where the lab's ovs-vswitchd runs)
      ekvm-obN  OVSBridge (netdev datapath)
        ekvm-oiN  OVSIntPort 10.77.5.2/24
        ekvm-opN  OVSPort                 ----------  ekvm-oqN 10.77.5.1 (in the peer)
"""

import json
import os
import re
import shlex
import shutil
import tempfile
import time

import pytest

from tests.lab.ifupdown_sandbox import MAIN_FILE, PYTHON, Ping, Sandbox, links, sha, tree_digest, wait_ping
from tests.labkit import netns, paths
from tests.labkit.ansible import env as ansible_env
from tests.labkit.daemons import Dnsmasq
from tests.labkit.proc import run, stop_pidfile, wait_for

pytestmark = pytest.mark.lab

TAG = "%d" % (os.getpid() % 1000)
NS = "ekvm-ifa" + TAG
PEER = "ekvm-ifp" + TAG
DEST = "/etc/network/interfaces.d/essentials-kvm"


def addresses(ns, dev):
    out = netns.ip(ns, "-4", "-o", "addr", "show", "dev", dev).stdout
    return re.findall(r"inet (\S+)", out)


def base_config():
    return {
        "network_interfaces": [
            {"name": "ekvm-s0", "address": "10.77.1.2", "netmask": "255.255.255.0"},
            {
                "name": "ekvm-m0",
                "method": "manual",
                "up": ["ip link set dev $IFACE up", "ip addr add 10.77.2.2/24 dev $IFACE"],
                "down": ["ip addr flush dev $IFACE"],
            },
            {"name": "ekvm-d0", "method": "dhcp"},
        ],
        "network_bridges": [
            {
                "name": "ekvm-br0",
                "address": "10.77.4.2/24",
                "ports": ["ekvm-b0"],
                "stp": False,
                "fd": 0,
                "comment": "bridge with a veth port",
            },
        ],
    }


def ovs_config():
    return {
        "ovs_bridges": [
            {
                "name": "ekvm-ob" + TAG,
                "ports": ["ekvm-oi" + TAG, "ekvm-op" + TAG],
                "ovs_extra": "set bridge ${IFACE} datapath_type=netdev",
            }
        ],
        "ovs_interfaces": [
            {"name": "ekvm-oi" + TAG, "bridge": "ekvm-ob" + TAG, "type": "OVSIntPort", "address": "10.77.5.2/24"},
            {"name": "ekvm-op" + TAG, "bridge": "ekvm-ob" + TAG, "type": "OVSPort"},
        ],
    }


LINKS = ("ekvm-s0", "ekvm-m0", "ekvm-d0", "ekvm-br0", "ekvm-b0")


@pytest.fixture(scope="module")
def world(lab):
    """The two namespaces, their cables, a DHCP server and a sandbox; removed afterwards."""
    resolv_before, machine_network = sha("/etc/resolv.conf"), tree_digest("/etc/network")
    root = tempfile.mkdtemp(prefix="ekvm-ifupdown-")
    made_run_network = not os.path.isdir("/run/network")
    box = Sandbox(NS, os.path.join(root, "ns"))
    dnsmasq = Dnsmasq(PEER, "ekvm-d0p", "10.77.3.50,10.77.3.60,1h", tag="ifupdown" + TAG)
    try:
        netns.add(NS)
        netns.add(PEER)
        for name in ("s0", "m0", "d0", "b0"):
            netns.veth("ekvm-" + name, NS, "ekvm-%sp" % name, PEER, up=False)
            netns.ip(PEER, "link", "set", "ekvm-%sp" % name, "up")
        for name, cidr in (
            ("s0p", "10.77.1.1/24"),
            ("m0p", "10.77.2.1/24"),
            ("d0p", "10.77.3.1/24"),
            ("b0p", "10.77.4.1/24"),
        ):
            netns.addr(PEER, "ekvm-" + name, cidr)
        dnsmasq.start()
        yield {"sandbox": box, "root": root, "resolv": resolv_before}
    finally:
        if netns.exists(NS):
            # ifdown releases the lease and stops dhclient; the PID file stop is the safety net.
            box.shell("ifdown -a --force", timeout=60)
        stop_pidfile("/run/dhclient.ekvm-d0.pid")
        dnsmasq.stop()
        netns.delete(NS)
        netns.delete(PEER)
        shutil.rmtree(root, ignore_errors=True)
        if made_run_network and os.path.isdir("/run/network") and not os.listdir("/run/network"):
            os.rmdir("/run/network")
    assert sha("/etc/resolv.conf") == resolv_before, "the machine's resolv.conf changed"
    assert tree_digest("/etc/network") == machine_network, "the machine's /etc/network changed"


def test_first_run_through_ansible_playbook_brings_everything_up(world):
    box = world["sandbox"]
    play = os.path.join(world["root"], "play.yml")
    with open(play, "w") as handle:
        json.dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Converge the namespace's interfaces",
                            "essentials.kvm.ifupdown_interfaces": dict(base_config(), state_dir=box.state),
                        }
                    ],
                }
            ],
            handle,
        )
    env = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in ansible_env().items() if k.startswith("ANSIBLE_"))
    command = "env %s %s -c local -i localhost, -e ansible_python_interpreter=%s %s" % (
        env,
        os.path.join(os.path.dirname(PYTHON), "ansible-playbook"),
        PYTHON,
        play,
    )
    done = box.shell(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"localhost\s+: ok=1\s+changed=1\s+unreachable=0\s+failed=0", done.stdout), done.stdout
    # The main file got its source line (it already had one) and the owned file exists.
    assert box.read("interfaces") == MAIN_FILE
    rendered = box.read("interfaces.d/essentials-kvm")
    assert "iface ekvm-br0 inet static" in rendered and "bridge-ports ekvm-b0" in rendered
    # Everything answers from the peer; the DHCP lease came from the peer's dnsmasq.
    for address in ("10.77.1.2", "10.77.2.2", "10.77.4.2"):
        wait_ping(PEER, address)
    leased = wait_for(lambda: addresses(NS, "ekvm-d0"), 20, interval=0.5, what="the DHCP lease on ekvm-d0")
    # Any address of dnsmasq's range: a rerun on the same lab may get another one of it.
    assert len(leased) == 1 and 50 <= int(leased[0].split("/")[0].split(".")[3]) <= 60, leased
    wait_ping(PEER, leased[0].split("/")[0])
    assert netns.execute(NS, ["cat", "/sys/class/net/ekvm-b0/master/ifindex"]).returncode == 0
    # dhclient only ever saw the namespace's own resolv.conf, and never changed the machine's.
    inside = netns.execute(NS, ["cat", "/etc/resolv.conf"]).stdout
    with open("/etc/netns/%s/resolv.conf" % NS) as handle:
        assert inside == handle.read()
    assert sha("/etc/resolv.conf") == world["resolv"]


def test_second_run_bounces_nothing_and_a_ping_across_the_bridge_loses_nothing(world):
    box = world["sandbox"]
    before_links, before_files = links(NS, LINKS), box.files()
    dhclient = open("/run/dhclient.ekvm-d0.pid").read()
    ping = Ping(PEER, "10.77.4.2")
    time.sleep(0.3)
    result = box.module(base_config())
    assert ping.running(), "the run outlasted the ping; raise its count"
    sent, received = ping.result()
    assert result["changed"] is False and result["bounced"] == [] and result["steps"] == [], result
    assert received == sent >= 100, (sent, received)
    assert links(NS, LINKS) == before_links
    assert box.files() == before_files
    assert open("/run/dhclient.ekvm-d0.pid").read() == dhclient


def test_check_mode_reports_the_bounce_and_changes_nothing(world):
    box = world["sandbox"]
    config = base_config()
    config["network_interfaces"][0]["address"] = "10.77.1.3"
    before_links, before_files = links(NS, LINKS), box.files()
    result = box.module(config, check_mode=True)
    assert result["changed"] is True and result["bounced"] == ["ekvm-s0"], result
    assert result["steps"] == ["ifdown ekvm-s0", "ifup ekvm-s0"]
    assert [d["before_header"] for d in result["diff"]] == [DEST]
    assert "address 10.77.1.3/24" in result["diff"][0]["after"]
    assert links(NS, LINKS) == before_links and box.files() == before_files
    assert addresses(NS, "ekvm-s0") == ["10.77.1.2/24"]


def test_changing_one_address_bounces_exactly_that_interface(world):
    box = world["sandbox"]
    config = base_config()
    config["network_interfaces"][0]["address"] = "10.77.1.3"
    before = links(NS, LINKS)
    ping = Ping(PEER, "10.77.4.2")
    result = box.module(config)
    sent, received = ping.result()
    assert result["changed"] is True and result["bounced"] == ["ekvm-s0"], result
    assert result["steps"] == ["ifdown ekvm-s0", "ifup ekvm-s0"]
    after = links(NS, LINKS)
    assert after["ekvm-s0"][0] == before["ekvm-s0"][0] and after["ekvm-s0"][1] != before["ekvm-s0"][1]
    assert {n: after[n] for n in LINKS if n != "ekvm-s0"} == {n: before[n] for n in LINKS if n != "ekvm-s0"}
    assert received == sent, "the bridge lost traffic while ekvm-s0 bounced: %s/%s" % (received, sent)
    assert addresses(NS, "ekvm-s0") == ["10.77.1.3/24"]
    wait_ping(PEER, "10.77.1.3")
    assert not netns.ping(PEER, "10.77.1.2")
    again = box.module(config)
    assert again["changed"] is False and again["bounced"] == []


BAD = [
    ("network_bridges[0].ports[0]", lambda c: c["network_bridges"][0].update(ports=["ekvm-nope"])),
    ("network_interfaces[0].address", lambda c: c["network_interfaces"][0].update(address="10.77.1.300")),
    ("network_vlans[0].name", lambda c: c.update(network_vlans=[{"name": "ekvm-s0.5000"}])),
    ("network_bridges[1].ports[0]", lambda c: c["network_bridges"].append({"name": "ekvm-br1", "ports": ["ekvm-b0"]})),
    ("network_interfaces[1].pre_up[0]", lambda c: c["network_interfaces"][1].update(pre_up=["two\nlines"])),
]


@pytest.mark.parametrize("field,breakage", BAD, ids=[b[0] for b in BAD])
def test_bad_input_fails_naming_the_field_and_leaves_files_byte_identical(world, field, breakage):
    box = world["sandbox"]
    config = base_config()
    config["network_interfaces"][0]["address"] = "10.77.1.3"
    breakage(config)
    before_links, before_files = links(NS, LINKS), box.files()
    before_state = tree_digest(box.state)
    result = box.module(config)
    assert result.get("failed") is True, result
    assert result["msg"].startswith(field), result["msg"]
    assert box.files() == before_files and tree_digest(box.state) == before_state
    assert links(NS, LINKS) == before_links


@pytest.fixture(scope="module")
def ovs_world(world, lab):
    """The OVS stanzas run where the lab's ovs-vswitchd runs: the lab namespace, with a sandbox
    of their own; the bridge is deleted afterwards whatever happened."""
    port, peer_port = "ekvm-op" + TAG, "ekvm-oq" + TAG
    box = Sandbox(paths.NETNS, os.path.join(world["root"], "ovs"))
    netns.veth(port, paths.NETNS, peer_port, PEER, up=False)
    try:
        netns.ip(PEER, "link", "set", peer_port, "up")
        netns.addr(PEER, peer_port, "10.77.5.1/24")
        yield box
    finally:
        box.shell("ifdown -a --force", timeout=60)
        run(["ovs-vsctl", "--if-exists", "del-br", "ekvm-ob" + TAG], check=False)
        netns.ip(paths.NETNS, "link", "delete", port, check=False)


def test_ovs_stanzas_come_up_pass_pings_and_a_second_run_bounces_nothing(ovs_world):
    box = ovs_world
    bridge, intport, port = "ekvm-ob" + TAG, "ekvm-oi" + TAG, "ekvm-op" + TAG
    first = box.module(ovs_config())
    assert first["changed"] is True, first
    assert first["bounced"] == [bridge, intport, port], first
    assert run(["ovs-vsctl", "get", "bridge", bridge, "datapath_type"]).stdout.strip() == "netdev"
    assert sorted(run(["ovs-vsctl", "list-ports", bridge]).stdout.split()) == sorted([intport, port])
    wait_ping(PEER, "10.77.5.2")
    rendered = box.read("interfaces.d/essentials-kvm")
    assert "allow-ovs %s" % bridge in rendered and "ovs_type OVSIntPort" in rendered
    ping = Ping(PEER, "10.77.5.2")
    time.sleep(0.3)
    second = box.module(ovs_config())
    assert ping.running(), "the run outlasted the ping; raise its count"
    sent, received = ping.result()
    assert second["changed"] is False and second["bounced"] == [], second
    assert received == sent >= 100, (sent, received)
