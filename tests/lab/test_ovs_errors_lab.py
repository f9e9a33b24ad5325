"""What ovs-vswitchd refuses, on Debian 12's Open vSwitch 3.1: the openvswitch module fails naming the port's input
path and OVS's message when a declared tunnel clashes with one the input does not declare, warns about a declared
system port whose device does not exist, and renames a tunnel keeping its settings in one run (two transactions:
3.1 creates the new tunnel before it lets the old one go and says "File exists").

The switch is an ovsdb-server and ovs-vswitchd of this test (labkit's PrivateOvs; userspace datapath) in a
namespace of its own, its files in a temporary folder: ovs-vswitchd tells tunnels apart across all the bridges of a
datapath, so the lab's shared switch is left alone. The module runs as Ansible runs it, a process per run, against
it through its `db` option.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from tests.labkit.ansible import ROOT
from tests.labkit.private_daemons import PrivateOvs
from tests.labkit.proc import run

pytestmark = pytest.mark.lab

TAG = uuid.uuid4().hex[:4]
BRIDGE = "ekvm-oe" + TAG
NAME = "openvswitch_bridges"
REMOTE = "192.0.2.31"
MODULE = os.path.join(ROOT, "plugins", "modules", "openvswitch.py")


class PrivateSwitch(PrivateOvs):
    """labkit's private ovsdb-server and ovs-vswitchd, with what these tests ask of them."""

    def vsctl(self, *args, check=True):
        return run(["ovs-vsctl", "--db=" + self.db, "--timeout=10"] + list(args), check=check)

    def errors(self):
        listed = json.loads(self.vsctl("--format=json", "--columns=name,error", "list", "Interface").stdout)
        return dict((name, error) for name, error in listed["data"] if error != ["set", []])

    def module(self, ports, purge=False):
        bridge = {"name": BRIDGE, "datapath_type": "netdev", "ports": ports}
        args = {"bridges": [bridge], "db": self.db, "input_name": NAME, "purge": purge, "_ansible_diff": True}
        # A process per run: in process, Ansible would carry one run's warnings over to the next.
        done = subprocess.run(
            [sys.executable, MODULE],
            input=json.dumps({"ANSIBLE_MODULE_ARGS": args}),
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections")),
            timeout=120,
        )
        result = json.loads(done.stdout)
        result["warnings"] = [warning["event"]["msg"] for warning in result.get("warnings", [])]
        return result


@pytest.fixture(scope="module")
def switch(lab, request):
    folder = tempfile.mkdtemp(prefix="ekvm-ovserr-")
    private = PrivateSwitch(folder, "ekvm-oe" + TAG)
    # Registered first: a switch that fails to come up is taken down too.
    request.addfinalizer(lambda: (private.stop(), shutil.rmtree(folder, ignore_errors=True)))
    private.start()
    return private


@pytest.fixture
def empty(switch):
    yield switch
    switch.vsctl("--if-exists", "del-br", BRIDGE)


def tunnel(name, key=7):
    return {"name": name, "type": "vxlan", "remote_ip": REMOTE, "key": key}


def test_declared_tunnel_clashing_with_an_undeclared_one_fails_naming_its_path_and_ovs_message(empty):
    empty.vsctl("add-br", BRIDGE, "--", "set", "Bridge", BRIDGE, "datapath_type=netdev")
    empty.vsctl("add-port", BRIDGE, "old0", "--", "set", "Interface", "old0", "type=vxlan")
    empty.vsctl("set", "Interface", "old0", "options:remote_ip=" + REMOTE, "options:key=7")
    ports = [{"name": "int0", "type": "internal"}, tunnel("new0")]
    for run_number in (1, 2):
        result = empty.module(ports)
        assert result.get("failed") is True, result
        assert result["msg"].startswith(
            "%s[0].ports[1]: ovs-vswitchd refused interface new0: could not add network device new0 to ofproto "
            "(File exists)" % NAME
        ), result["msg"]
        # The first run applied its transaction and says so; the second has nothing to change and fails the same.
        assert (result["changed"], len(result["done"])) == ((True, 1) if run_number == 1 else (False, 0)), result
    assert list(empty.errors()) == ["new0"]
    # The fix the hint gives: another key.
    result = empty.module([{"name": "int0", "type": "internal"}, tunnel("new0", key=8)])
    assert not result.get("failed") and result["changed"] is True, result
    assert empty.errors() == {}


def test_declared_system_port_without_device_is_a_warning_and_the_port_stays(empty):
    ports = [{"name": "int0", "type": "internal"}, {"name": "ekvm-no" + TAG}]
    result = empty.module(ports)
    assert not result.get("failed") and result["changed"] is True, result
    assert result["warnings"] == [
        "%s[0].ports[1]: interface ekvm-no%s has no device on this host yet; Open vSwitch attaches it when it "
        "appears" % (NAME, TAG)
    ]
    again = empty.module(ports)
    assert (again["changed"], again["commands"], len(again["warnings"])) == (False, [], 1), again


def test_renamed_tunnel_with_the_same_settings_converges_in_one_run_then_changes_nothing(empty):
    assert empty.module([tunnel("ta")])["changed"] is True
    result = empty.module([tunnel("tb")], purge=True)
    assert not result.get("failed") and result["changed"] is True, result
    assert [argv[3:5] for argv in result["transactions"]] == [["--", "del-port"], ["--", "add-port"]]
    assert "two ovs-vsctl transactions" in result["diff"]["after_header"]
    assert empty.errors() == {}
    assert empty.vsctl("get", "Interface", "tb", "ofport").stdout.strip() not in ("-1", "[]")
    again = empty.module([tunnel("tb")], purge=True)
    assert (again["changed"], again["commands"], again["warnings"]) == (False, [], []), again
