"""Open vSwitch: the real openvswitch module SIGKILLed after each ovs-vsctl call it reports (kill_hook: the read,
the one transaction, the verifying read), while it creates a switch and while it changes one; the next run
converges to exactly the state of a run never interrupted, with no port left without its interface (issue #21).

The module changes the switch in one ovs-vsctl transaction, which OVSDB applies whole or not at all, so a kill
leaves the switch as it was before or as declared, never between.
"""

import json
import re
import subprocess
import uuid

import pytest

from tests.lab import kill_lab
from tests.labkit import netns, paths

pytestmark = pytest.mark.lab

TAG = "ekvm-k%s" % uuid.uuid4().hex[:4]
A, B = TAG + "a", TAG + "b"
EVENTS = ["ovs-vsctl list", "ovs-vsctl add-br", "ovs-vsctl list"]  # read, the transaction, the verifying read


def created():
    return {
        "bridges": [
            {
                "name": A,
                "datapath_type": "netdev",
                "ports": [
                    {"name": A + "1", "type": "internal", "tag": 10},
                    {"name": A + "2", "type": "internal", "tag": 20},
                    {"name": A + "p", "type": "patch", "peer": B + "p"},
                ],
                "mirrors": [{"name": A + "m", "select_all": True, "output_port": A + "2"}],
            },
            {"name": B, "datapath_type": "netdev", "ports": [{"name": B + "p", "type": "patch", "peer": A + "p"}]},
        ]
    }


def changed():
    """Port 1 moves to VLAN 30, port 2 and the mirror go (purge), port 3 comes."""
    params = created()
    bridge = params["bridges"][0]
    bridge["ports"] = [dict(bridge["ports"][0], tag=30), {"name": A + "3", "type": "internal"}, bridge["ports"][2]]
    del bridge["mirrors"]
    return dict(params, purge=True, bridges=params["bridges"])


def vsctl(*args):
    return subprocess.run(["ovs-vsctl", "--timeout=30"] + list(args), capture_output=True, text=True, check=True).stdout


def remove():
    vsctl("--if-exists", "del-br", A, "--", "--if-exists", "del-br", B)


def state():
    """This test's bridges, ports (with interfaces and VLANs) and mirrors as OVSDB holds them, the ports without
    an interface, and the internal ports' devices in the lab namespace."""
    tables = {}
    for table, columns in (("Bridge", "name,ports,mirrors"), ("Port", "name,interfaces,tag"), ("Mirror", "name")):
        listed = json.loads(vsctl("--format=json", "--columns=" + columns, "list", table))
        tables[table] = [dict(zip(listed["headings"], row)) for row in listed["data"]]
    ports = sorted(
        (p["name"], str(p["tag"]), len(p["interfaces"][1]) if p["interfaces"][0] == "set" else 1)
        for p in tables["Port"]
        if p["name"].startswith(TAG)
    )
    bridges = sorted(b["name"] for b in tables["Bridge"] if b["name"].startswith(TAG))
    links = netns.ip(paths.NETNS, "-o", "link", "show").stdout
    return {
        "bridges": bridges,
        "ports": ports,
        "ports without interface": [p for p in ports if p[2] != 1],
        "mirrors": sorted(m["name"] for m in tables["Mirror"] if m["name"].startswith(TAG)),
        "devices": sorted(n for n in re.findall(r"^\d+: ([^:@]+)", links, re.M) if n.startswith(TAG)),
    }


@pytest.fixture(scope="module")
def switch(lab):
    """The commands that make the created switch, and the states after an uninterrupted create and change."""
    remove()
    made = kill_lab.converged("openvswitch", created())
    assert made.events == EVENTS, made
    after_create = state()
    kill_lab.converged("openvswitch", changed())
    after_change = state()
    assert after_create["mirrors"] == [A + "m"] and after_change["mirrors"] == []
    yield made.result["commands"], after_create, after_change
    remove()


@pytest.mark.parametrize("point", [1, 2])
def test_a_switch_being_created_converges_after_a_kill(switch, point):
    _commands, want, _changed = switch
    remove()
    kill_lab.killed_at("openvswitch", created(), point)
    # Killed before the transaction: nothing; after it: everything.
    assert state()["bridges"] == ([] if point == 1 else [A, B])
    rerun = kill_lab.converged("openvswitch", created())
    assert rerun.result["changed"] is (point == 1), rerun
    assert state() == want


@pytest.mark.parametrize("point", [1, 2, 3])
def test_a_switch_being_changed_converges_after_a_kill(switch, point):
    commands, before, want = switch
    remove()
    subprocess.run(commands, check=True, capture_output=True)  # the created switch, as the module made it
    assert state() == before
    kill_lab.killed_at("openvswitch", changed(), point)
    assert state() == (before if point == 1 else want)
    rerun = kill_lab.converged("openvswitch", changed())
    assert rerun.result["changed"] is (point == 1), rerun
    assert state() == want
