"""VXLAN, Geneve and GRE tunnels and a patch port pair, converged by the openvswitch module, each
carrying a ping (issue 22).

Two switches, each an ovsdb-server and ovs-vswitchd (userspace datapath) of this test in a network
namespace of its own, so tunnel endpoints are two hosts, as in production, and the lab's shared
switch is left alone. The module reaches each through its `db` option.

    ekvm-ota<tag> (switch A)                                 ekvm-otb<tag> (switch B)
      ekvm-<tag>u (bridge, internal port 10.77.9.1/24)        ekvm-<tag>u (10.77.9.2/24)
        ekvm-<tag>w (veth)  ---------------------------------   ekvm-<tag>w
      ekvm-<tag>vx  vxlan  -> 10.77.9.2, host port 10.77.11.1   <- 10.77.9.1, 10.77.11.2
      ekvm-<tag>gn  geneve -> 10.77.9.2, host port 10.77.12.1   <- 10.77.9.1, 10.77.12.2
      ekvm-<tag>gr  gre    -> 10.77.9.2, host port 10.77.13.1   <- 10.77.9.1, 10.77.13.2
      ekvm-<tag>pa =patch= ekvm-<tag>pb (both on switch A); their internal ports sit in
        ekvm-ota<tag> (10.77.14.1) and ekvm-otp<tag> (10.77.14.2)

The userspace datapath terminates tunnels on the bridge that holds the endpoint address (its internal
port) and resolves the peer with ARP itself: OVS's native tunnelling.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from tests.labkit import netns
from tests.labkit.ansible import ROOT
from tests.labkit.proc import LabError, run, running, stop_pidfile, wait_for

pytestmark = pytest.mark.lab

MODULE = os.path.join(ROOT, "plugins", "modules", "openvswitch.py")
TAG = uuid.uuid4().hex[:3]
TUNNELS = {"vx": ("vxlan", 11), "gn": ("geneve", 12), "gr": ("gre", 13)}
UNDERLAY = {"A": "10.77.9.1", "B": "10.77.9.2"}


def dev(suffix):
    return "ekvm-%s%s" % (TAG, suffix)


class Switch:
    """An ovsdb-server and an ovs-vswitchd of this test in namespace ns, stopped by their PID files."""

    def __init__(self, side, root):
        self.side = side
        self.ns = "ekvm-ot%s%s" % (side.lower(), TAG)
        self.run_dir = os.path.join(root, side)
        self.db = "unix:" + os.path.join(self.run_dir, "db.sock")

    def path(self, name):
        return os.path.join(self.run_dir, name)

    def start(self):
        os.makedirs(self.run_dir)
        netns.add(self.ns)
        run(["ovsdb-tool", "create", self.path("conf.db"), "/usr/share/openvswitch/vswitch.ovsschema"])
        netns.execute(
            self.ns,
            [
                "ovsdb-server",
                self.path("conf.db"),
                "--remote=punix:" + self.path("db.sock"),
                "--pidfile=" + self.path("ovsdb-server.pid"),
                "--detach",
                "--unixctl=" + self.path("ovsdb-server.ctl"),
                "--log-file=" + self.path("ovsdb-server.log"),
            ],
        )
        run(["ovs-vsctl", "--db=" + self.db, "--timeout=10", "--no-wait", "init"])
        # OVS_RUNDIR: the bridges' OpenFlow sockets go to this test's folder, not the lab switch's.
        netns.execute(
            self.ns,
            [
                "env",
                "OVS_RUNDIR=" + self.run_dir,
                "ovs-vswitchd",
                self.db,
                "--pidfile=" + self.path("ovs-vswitchd.pid"),
                "--detach",
                "--unixctl=" + self.path("ovs-vswitchd.ctl"),
                "--log-file=" + self.path("ovs-vswitchd.log"),
            ],
        )
        wait_for(lambda: self.vsctl("--timeout=2", "show", check=False).returncode == 0, 15, what="ovs-vswitchd")

    def stop(self):
        for daemon in ("ovs-vswitchd", "ovsdb-server"):
            stop_pidfile(self.path(daemon + ".pid"))
        netns.delete(self.ns)

    def running(self):
        return all(running(self.path(d + ".pid")) for d in ("ovs-vswitchd", "ovsdb-server"))

    def vsctl(self, *args, check=True):
        return run(["ovs-vsctl", "--db=" + self.db] + list(args), check=check)

    def appctl(self, *args):
        return run(["ovs-appctl", "-t", self.path("ovs-vswitchd.ctl")] + list(args)).stdout

    def tunnel_rx(self, suffix):
        """Packets the tunnel port of bridge dev(suffix) received, as OpenFlow counts them."""
        shown = run(["ovs-ofctl", "dump-ports", "unix:" + self.path(dev(suffix) + ".mgmt"), dev(suffix + "t")]).stdout
        return int(re.search(r"rx pkts=(\d+)", shown).group(1))

    def log(self):
        with open(self.path("ovs-vswitchd.log"), errors="replace") as handle:
            return handle.read()[-3000:]

    def module(self, bridges, check_mode=False):
        """One run of the real module file against this switch's database; returns its JSON result."""
        args = self.path("args.json")
        with open(args, "w") as handle:
            json.dump(
                {
                    "ANSIBLE_MODULE_ARGS": {
                        "bridges": bridges,
                        "db": self.db,
                        "_ansible_check_mode": check_mode,
                        "_ansible_diff": True,
                    }
                },
                handle,
            )
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
        done = subprocess.run([sys.executable, MODULE, args], capture_output=True, text=True, env=env, timeout=120)
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise AssertionError("module printed no JSON (rc %d):\n%s%s" % (done.returncode, done.stdout, done.stderr))


def bridges(side):
    """Switch `side`'s whole configuration: the underlay bridge, one bridge per tunnel, and on A the patch pair."""
    other = UNDERLAY["B" if side == "A" else "A"]
    found = [{"name": dev("u"), "datapath_type": "netdev", "ports": [{"name": dev("w")}]}]
    for suffix, (kind, _subnet) in sorted(TUNNELS.items()):
        found.append(
            {
                "name": dev(suffix),
                "datapath_type": "netdev",
                "ports": [
                    {"name": dev(suffix + "t"), "type": kind, "remote_ip": other, "key": 77},
                    {"name": dev(suffix + "h"), "type": "internal"},
                ],
            }
        )
    if side == "A":
        found += [
            {
                "name": dev("pa"),
                "datapath_type": "netdev",
                "ports": [
                    {"name": dev("pap"), "type": "patch", "peer": dev("pbp")},
                    {"name": dev("pah"), "type": "internal"},
                ],
            },
            {
                "name": dev("pb"),
                "datapath_type": "netdev",
                "ports": [
                    {"name": dev("pbp"), "type": "patch", "peer": dev("pap")},
                    {"name": dev("pbh"), "type": "internal"},
                ],
            },
        ]
    return found


def up(ns, device, cidr):
    netns.addr(ns, device, cidr)
    netns.ip(ns, "link", "set", device, "up")


def answers(ns, address, timeout=15):
    try:
        return wait_for(lambda: netns.ping(ns, address, 1, 1), timeout, interval=0.3, what="ping %s" % address)
    except LabError:
        return False


@pytest.fixture(scope="module")
def switches(lab):
    root = tempfile.mkdtemp(prefix="ekvm-ovs-tunnels-")
    pair = {side: Switch(side, root) for side in "AB"}
    patch_host = "ekvm-otp" + TAG
    try:
        for switch in pair.values():
            switch.start()
        netns.add(patch_host)
        netns.veth(dev("w"), pair["A"].ns, dev("w"), pair["B"].ns)
        yield pair, patch_host
    finally:
        for switch in pair.values():
            switch.stop()
        netns.delete(patch_host)
        shutil.rmtree(root, ignore_errors=True)


def test_first_run_converges_both_switches_and_every_tunnel_and_the_patch_pair_carry_a_ping(switches):
    pair, patch_host = switches
    for side, switch in pair.items():
        result = switch.module(bridges(side))
        assert result["changed"] is True and not result.get("failed"), result
        assert switch.vsctl("get", "Interface", dev("vxt"), "type").stdout.strip() == "vxlan"
        assert switch.vsctl("get", "Interface", dev("gnt"), "options:remote_ip").stdout.strip() == (
            '"%s"' % UNDERLAY["B" if side == "A" else "A"]
        )
        # Addresses: the tunnel endpoint on the underlay bridge's own port, one host port per tunnel.
        up(switch.ns, dev("u"), UNDERLAY[side] + "/24")
        for suffix, (_kind, subnet) in TUNNELS.items():
            up(switch.ns, dev(suffix + "h"), "10.77.%d.%d/24" % (subnet, 1 if side == "A" else 2))
    netns.ip(pair["A"].ns, "link", "set", dev("pbh"), "netns", patch_host)
    up(pair["A"].ns, dev("pah"), "10.77.14.1/24")
    up(patch_host, dev("pbh"), "10.77.14.2/24")

    assert answers(pair["A"].ns, UNDERLAY["B"]), pair["A"].log()
    failures = [
        kind for suffix, (kind, subnet) in sorted(TUNNELS.items()) if not answers(pair["A"].ns, "10.77.%d.2" % subnet)
    ]
    assert failures == [], "no ping through %s\n%s\n%s" % (
        failures,
        pair["A"].appctl("ovs/route/show"),
        pair["A"].appctl("tnl/arp/show"),
    )
    assert answers(pair["A"].ns, "10.77.14.2"), "no ping through the patch pair"
    # The pings went through the tunnels: each tunnel port received packets on both switches, and B's
    # datapath decapsulated (tnl_pop) VXLAN (UDP 4789), Geneve (UDP 6081) and GRE (IP protocol 47).
    for switch in pair.values():
        assert {suffix: switch.tunnel_rx(suffix) > 0 for suffix in TUNNELS} == dict.fromkeys(TUNNELS, True)
    pops = [line for line in pair["B"].appctl("dpctl/dump-flows").splitlines() if "actions:tnl_pop" in line]
    for outer in ("udp(dst=4789)", "udp(dst=6081)", "proto=47"):
        assert any(outer in line for line in pops), (outer, pops)


def test_second_run_changes_nothing_and_traffic_still_flows(switches):
    pair, _patch_host = switches
    for side, switch in pair.items():
        result = switch.module(bridges(side))
        assert result["changed"] is False and result["commands"] == [], result
    for _suffix, (kind, subnet) in sorted(TUNNELS.items()):
        assert answers(pair["B"].ns, "10.77.%d.1" % subnet), kind
    assert pair["A"].running() and pair["B"].running()
