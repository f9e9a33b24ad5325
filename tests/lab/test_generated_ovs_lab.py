"""Generated valid switches (issue #26, property 3) applied by the openvswitch module to a real ovsdb and ovs-vswitchd
(Debian 12's): the first run changes the switch, the second reports no change, the rows read back (the module's own
reader) are the declared model, ovs-vswitchd refused no interface of it (a device missing on this machine aside), and
ovs-vswitchd is still running after each case.

The switch is this test's own ovsdb-server and ovs-vswitchd, userspace datapath, in a namespace of its own, as in
test_ovs_tunnels_lab, and the lab's shared ovs-vswitchd is left alone: ovs-vswitchd tells tunnels apart across all
the bridges of a datapath, so generated tunnels on the shared switch could clash with another test's, and a
declaration ovs-vswitchd dies on (RSTP at both ends of a patch pair did, before ovs_validate_datapath refused it)
would stop it for everyone. Every bridge goes before the next case; the daemons and namespace at the end.

The declarations come from tests/unit/generated_ovs.py with the unit tests' seed (FUZZ_SEED), printed with each case;
each real bridge gets datapath_type netdev, the only datapath here (no openvswitch kernel module).
"""

import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.labkit import netns
from tests.labkit.ansible import ROOT
from tests.labkit.daemons import OvsVswitchd
from tests.labkit.proc import LabError, alive, read_pid, run, stop_pidfile, wait_for

# generated_ovs and its helpers import each other by bare name, as the unit tests' folder is on the path there.
sys.path.insert(0, os.path.join(ROOT, "tests", "unit"))

import generated_ovs as go  # noqa: E402

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import to_dict  # noqa: E402
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges  # noqa: E402
from ansible_collections.essentials.kvm.plugins.modules import openvswitch  # noqa: E402
from tests.unit.generated_runs import SEED, exit_result  # noqa: E402

pytestmark = pytest.mark.lab

CASES = 40
NAME = "openvswitch_bridges"
DAEMONS = ("ovsdb-server", "ovs-vswitchd")
# A fragment of a case's JSON -> what it shows the case holds.
KINDS = {
    '"type": "vxlan"': "vxlan",
    '"type": "geneve"': "geneve",
    '"type": "gre"': "gre",
    '"type": "patch"': "patch pair",
    '"rstp": true': "rstp",
    '"stp": true': "stp",
    '"members"': "bond",
    '"mirrors"': "mirror",
    '"parent"': "fake bridge",
    '"trunks"': "trunks",
}


class OwnSwitch:
    """This test's ovsdb-server and ovs-vswitchd in namespace ns, their files under root; stopped by PID file."""

    def __init__(self):
        tag = uuid.uuid4().hex[:4]
        self.ns = "ekvm-og" + tag
        self.root = tempfile.mkdtemp(prefix="ekvm-ovsgen-%s-" % tag)
        self.db = "unix:" + self.file("db.sock")

    def file(self, name):
        return os.path.join(self.root, name)

    def daemon(self, name, argv):
        files = ["--pidfile=" + self.file(name + ".pid"), "--unixctl=" + self.file(name + ".ctl")]
        netns.execute(self.ns, argv + files + ["--detach", "--log-file=" + self.file(name + ".log")])

    def start(self):
        netns.add(self.ns)
        run(["ovsdb-tool", "create", self.file("conf.db"), "/usr/share/openvswitch/vswitch.ovsschema"])
        self.daemon("ovsdb-server", ["ovsdb-server", self.file("conf.db"), "--remote=punix:" + self.file("db.sock")])
        self.vsctl("--no-wait", "init")
        # OVS_RUNDIR keeps the bridges' OpenFlow sockets in root, away from the lab switch's run folder.
        self.daemon("ovs-vswitchd", ["env", "OVS_RUNDIR=" + self.root, "ovs-vswitchd", self.db])
        wait_for(lambda: self.vsctl("--timeout=2", "show", check=False).returncode == 0, 15, what="ovs-vswitchd")
        self.pids = dict((name, read_pid(self.file(name + ".pid"))) for name in DAEMONS)

    def vsctl(self, *args, check=True):
        return run(["ovs-vsctl", "--db=" + self.db, "--timeout=10"] + list(args), check=check)

    def dead(self):
        """The daemons of this switch that are no longer running under their first PID."""
        return [name for name, pid in self.pids.items() if not alive(pid)]

    def empty(self):
        for bridge in self.vsctl("list-br").stdout.split():
            self.vsctl("--if-exists", "del-br", bridge)

    def log(self):
        with open(self.file("ovs-vswitchd.log"), errors="replace") as handle:
            return handle.read()[-2000:]

    def stop(self):
        for name in reversed(DAEMONS):
            stop_pidfile(self.file(name + ".pid"))
        netns.delete(self.ns)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def own_switch(lab):
    switch = OwnSwitch()
    try:
        switch.start()
        yield switch
    finally:
        switch.stop()


def on_netdev(bridges):
    return [dict(bridge, datapath_type="netdev") if "parent" not in bridge else bridge for bridge in bridges]


def module(switch, bridges):
    """One run of the openvswitch module in process against switch's database (it runs the real ovs-vsctl)."""
    args = {"bridges": bridges, "db": switch.db, "input_name": NAME, "_ansible_check_mode": False}
    return exit_result(openvswitch, args)


def declared(bridges):
    """The Bridge objects the declaration asks for, in the order the reader gives (ports and bonds by name)."""
    model = []
    for bridge in parse_bridges(bridges, NAME):
        ports, bonds = (sorted(items, key=lambda item: item.name) for items in (bridge.ports, bridge.bonds))
        model.append(replace(bridge, ports=ports, bonds=bonds))
    return model


def read_back(switch):
    return Vsctl(_run, db=switch.db).read()


def refused_interfaces(switch):
    """Interfaces ovs-vswitchd refused (its error column), but for the system ports and bond members this machine
    has no device for: what OVSDB took and ovs-vswitchd did not."""
    shown = json.loads(switch.vsctl("--format=json", "--columns=name,type,error", "list", "Interface").stdout)
    found = {}
    for name, kind, error in shown["data"]:
        missing = kind in ("", "system") and "No such device" in str(error)
        if error not in (["set", []], "") and not missing:
            found[name] = error
    return found


def kinds(cases):
    """How many of the cases hold each kind of thing, for the log."""
    found = dict((kind, sum(kind in case for case in cases)) for kind in KINDS)
    return ", ".join("%s %d" % (KINDS[kind], count) for kind, count in found.items())


def _run(argv):
    done = run(argv, check=False)
    return done.returncode, done.stdout, done.stderr


def test_every_generated_switch_converges_on_a_real_ovs_vswitchd_and_reads_back_as_declared(own_switch, capsys):
    lab_vswitchd = read_pid(OvsVswitchd().pidfile)
    done = []
    # The last case applied: Hypothesis runs a failing case once more to report it, after the switch died of it.
    applied = ["the switch started"]
    started = time.monotonic()

    def still_running(case):
        """ovs-vswitchd may die a moment after a case (RSTP's first BPDUs did, two seconds on): checked after each
        case, before and while the next one starts, and once more after the last."""
        dead = own_switch.dead() + ([] if alive(lab_vswitchd) else ["the lab's ovs-vswitchd"])
        assert not dead, "%s died after %s\n%s" % (" and ".join(dead), case, own_switch.log())

    @seed(SEED)
    @settings(
        max_examples=CASES,
        database=None,
        deadline=None,
        # A failing declaration is reported as drawn: shrinking would apply dozens more to the switch.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(go.bridges())
    def converges(generated):
        bridges = on_netdev(generated)
        case = "case %d (seed %d): %s" % (len(done) + 1, SEED, json.dumps(bridges, sort_keys=True))
        print(case)
        still_running(applied[-1])
        try:
            own_switch.empty()
        except LabError:
            still_running(applied[-1])
            raise
        applied.append(case)
        try:
            first = module(own_switch, bridges)
            assert not first.get("failed") and first["changed"], (case, first)
            second = module(own_switch, bridges)
            assert not second.get("failed") and (second["changed"], second["commands"]) == (False, []), (case, second)
            assert refused_interfaces(own_switch) == {}, case
            after = read_back(own_switch)
            for bridge in declared(bridges):
                # Dataclass equality: a mirror's row UUID is not part of the model.
                assert after.get(bridge.name) == bridge, (case, to_dict([after[bridge.name]]), to_dict([bridge]))
        finally:
            still_running(case)
        done.append(case)

    converges()
    seconds = time.monotonic() - started
    time.sleep(3)
    still_running(done[-1])
    own_switch.empty()
    with capsys.disabled():
        print(
            "\ngenerated OVS on a real ovs-vswitchd: seed %d (FUZZ_SEED), %d cases in %.1f s, %.2f cases/s; %s"
            % (SEED, len(done), seconds, len(done) / seconds, kinds(done))
        )
    assert len(done) == CASES
