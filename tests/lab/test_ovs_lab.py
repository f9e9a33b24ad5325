"""The openvswitch module against real ovsdb-server and ovs-vswitchd (userspace datapath, private namespace).

Topology, no loop: brA =(LACP balance-tcp bond over 2 veth pairs)= brB =(active-backup bond)= brC.
"""
import copy
import functools
import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import parse_bridges
import ovs_daemons

pytestmark = pytest.mark.lab
ovs_lab = ovs_daemons.ovs_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VETHS = (("la1", "lb1"), ("la2", "lb2"), ("ba1", "cb1"), ("ba2", "cb2"), ("tr0", "tr1"))


def switch(lacp_bond_mode="balance-tcp", backup_mode="active-backup"):
    lacp = dict(bond_mode=lacp_bond_mode, lacp="active", lacp_time="fast")
    return [
        {"name": "brA", "datapath_type": "netdev", "fail_mode": "standalone",
         "ports": [{"name": "vmA10", "type": "internal", "tag": 10},
                   {"name": "vmA20", "type": "internal", "tag": 20},
                   {"name": "tr0", "trunks": [10, 20]}],
         "bonds": [dict(name="lacpA", members=["la1", "la2"], **lacp)]},
        {"name": "brB", "datapath_type": "netdev", "mcast_snooping": True,
         "ports": [{"name": "tr1", "vlan_mode": "native-untagged", "tag": 10, "trunks": [10, 20]}],
         "bonds": [dict(name="lacpB", members=["lb1", "lb2"], **lacp),
                   {"name": "abB", "members": ["ba1", "ba2"], "bond_mode": backup_mode, "bond_updelay": 100}]},
        {"name": "brC", "datapath_type": "netdev", "other_config": {"mac-aging-time": 60},
         "bonds": [{"name": "abC", "members": ["cb1", "cb2"], "bond_mode": backup_mode}]},
        {"name": "v30", "parent": "brC", "vlan": 30, "ports": [{"name": "vmC30", "type": "internal"}]},
    ]


class Runner:
    """subprocess runner that counts the write transactions (every call that is not the JSON read)."""

    def __init__(self):
        self.transactions = 0

    def __call__(self, argv):
        if "--format=json" not in argv:
            self.transactions += 1
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        return done.returncode, done.stdout, done.stderr


def run(lab, raw, check_mode=False):
    runner = Runner()
    result = converge(Vsctl(runner, db=lab.db), parse_bridges(raw), check_mode=check_mode)
    return result, runner.transactions


def wait_for(fetch, needle, count=1, seconds=20):
    """Poll fetch() until its text holds `needle` `count` times; return that text."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = fetch()
        if text.count(needle) >= count:
            return text
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %r in:\n%s" % (needle, text))


@pytest.fixture
def wired(ovs_lab):
    for left, right in VETHS:
        ovs_lab.veth(left, right)
    return ovs_lab


def test_converges_once_then_no_command(wired):
    result, transactions = run(wired, switch(), check_mode=True)
    assert result["changed"] and transactions == 0
    assert "brA" not in wired.vsctl("list-br")

    result, transactions = run(wired, switch())
    assert result["changed"] is True and transactions == 1
    assert sorted(result["after"]) == ["brA", "brB", "brC", "v30"]
    assert wired.vsctl("get", "Port", "vmA10", "tag").strip() == "10"
    assert wired.vsctl("get", "Port", "tr0", "trunks").strip() == "[10, 20]"
    assert wired.vsctl("br-to-parent", "v30").strip() == "brC"
    assert wired.vsctl("br-to-vlan", "v30").strip() == "30"

    result, transactions = run(wired, switch())
    assert (result["changed"], result["commands"], transactions) == (False, [], 0)


def test_lacp_negotiates_and_survives_a_member_going_down(wired):
    run(wired, switch())
    for bond in ("lacpA", "lacpB"):
        show = functools.partial(wired.appctl, "lacp/show", bond)
        wait_for(show, "attached", count=2)
        assert "status: active negotiated" in wait_for(show, "negotiated")
    assert "bond_mode: balance-tcp" in wired.appctl("bond/show", "lacpA")
    assert "bond_mode: active-backup" in wired.appctl("bond/show", "abB")

    wired.in_ns("ip", "link", "set", "la1", "down")
    shown = wait_for(functools.partial(wired.appctl, "bond/show", "lacpA"), "member la1: disabled")
    assert "member la2: enabled" in shown
    assert "negotiated" in wired.appctl("lacp/show", "lacpA")


def test_bond_mode_and_members_converge_on_an_existing_bond(wired):
    run(wired, switch())
    wanted = switch(lacp_bond_mode="balance-slb", backup_mode="balance-slb")
    result, transactions = run(wired, wanted)
    assert transactions == 1
    assert result["commands"][3:] == [
        "--", "set", "Port", "lacpA", "bond_mode=balance-slb", "--", "set", "Port", "lacpB", "bond_mode=balance-slb",
        "--", "set", "Port", "abB", "bond_mode=balance-slb", "--", "set", "Port", "abC", "bond_mode=balance-slb"]
    assert "bond_mode: balance-slb" in wired.appctl("bond/show", "abC")
    assert "bond_mode: balance-slb" in wired.appctl("bond/show", "lacpA")
    assert run(wired, wanted)[0]["commands"] == []

    # Swap one member of each side of the active-backup link for a new veth pair.
    wired.veth("ba3", "cb3")
    moved = copy.deepcopy(wanted)
    moved[1]["bonds"][1]["members"] = ["ba1", "ba3"]
    moved[2]["bonds"][0]["members"] = ["cb1", "cb3"]
    result, transactions = run(wired, moved)
    assert transactions == 1
    assert result["commands"][3:] == [
        "--", "del-bond-iface", "abB", "ba2", "--", "del-bond-iface", "abC", "cb2",
        "--", "add-bond-iface", "abB", "ba3", "--", "add-bond-iface", "abC", "cb3"]
    assert wired.vsctl("iface-to-br", "cb3").strip() == "brC"
    assert run(wired, moved)[0]["commands"] == []


def test_module_through_ansible_playbook_with_the_older_shape(wired, tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "converge", "register": "first", "essentials.kvm.openvswitch": {
            "db": wired.db, "input_name": "openvswitch_bridges",
            "bridges": [{"bridge": "br-int", "state": "present", "datapath_type": "netdev",
                         "ports": [{"port": "tr0", "state": "present"}]}]}},
                  {"name": "again", "register": "second", "essentials.kvm.openvswitch": {
                      "db": wired.db, "bridges": [{"bridge": "br-int", "datapath_type": "netdev",
                                                   "ports": [{"port": "tr0"}]}]}},
                  {"ansible.builtin.assert": {"that": ["first is changed", "second is not changed",
                                                       "second.commands == []"]}}],
    }]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    binary = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    if not os.path.exists(binary):
        pytest.skip("ansible-playbook not in %s" % os.path.dirname(binary))
    done = subprocess.run([binary, "-i", "localhost,", "-c", "local", "-e",
                           "ansible_python_interpreter=%s" % sys.executable, str(playbook)], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert wired.vsctl("port-to-br", "tr0").strip() == "br-int"
