"""The interfaces kill points on a host VM (issue #21), controller side; the tests are in
tests/host/test_config_interfaces_role.py. The real ifupdown_interfaces module with a rollback timeout, SIGKILLed
after each step it reports while it arms a change; then the next run, the wait for the apply unit and the
confirmation, as the role does them, and the host's state after each.

The lab's kill test (tests/lab/test_kill_interfaces_lab.py) has no systemd, so it kills the module only on its path
without a rollback timeout; this is the path through the timer. The module runs on the host, each run a process
forked from a driver that imported it once (tests/host/interfaces_kill_driver.py, with the collection, Ansible's
module_utils and the lab's kill hook copied there), the whole sequence in one SSH call, in the background: on a TCG
guest a playbook run, or even a connection or a Python start, costs more than a kill point.

A bridge without ports, so that it can run beside the bond the other tests converge on the same host:

    ekvmk0: A 10.211.1.H/24 MTU 1500, B 10.211.2.H/24 MTU 1400 (each change bounces it)
"""

import io
import json
import os
import subprocess
import tarfile
import tempfile

import ansible

from tests.labkit.ansible import ROOT

BUNDLE = "/var/tmp/ekvm-ifkill"
STATE_DIR = "/var/lib/ekvm-ifkill/ifupdown"
DEST = "/etc/network/interfaces.d/ekvm-ifkill"
NAMES = ("ekvmk0",)
# Never reached: each change is confirmed within seconds. A run that fails half way is rolled back by it.
ROLLBACK_TIMEOUT = 180

CLEANUP = f"""
systemctl stop essentials-kvm-ifupdown-rollback.timer essentials-kvm-ifupdown-apply.service
[ -f {DEST} ] && ifdown --force ekvmk0
rm -f {DEST}
ip link delete ekvmk0
[ -e /run/network/ifstate.ekvmk0 ] && : > /run/network/ifstate.ekvmk0
rm -rf {os.path.dirname(STATE_DIR)} {BUNDLE}
"""

# What the module reports while it arms a change: the owner file, the rollback script, the staged file, the apply
# script, the timer, the apply unit, the end of its apply (the change then belongs to the unit and the timer).
EVENTS = [
    "write %s/applying" % STATE_DIR,
    "write %s/rollback.sh" % STATE_DIR,
    "write %s/staged/%s" % (STATE_DIR, DEST.strip("/").replace("/", "__")),
    "write %s/apply.sh" % STATE_DIR,
    "systemd-run essentials-kvm-ifupdown-rollback",
    "systemd-run essentials-kvm-ifupdown-apply",
    "apply done",
]
# Every step before the hand-over but the staged file (the apply script right after it leaves the same to undo); a
# kill after "apply done" is the controller gone before the confirmation, the role test's.
POINTS = (1, 2, 4, 5, 6)
# Uninterrupted: from nothing to A, then A to B; then the kill points, alternating, so that each starts from the
# state the one before converged to.
STEPS = [("first A", 0), ("B", 0)] + [("AB"[i % 2], point) for i, point in enumerate(POINTS)]
BACKUP = "%s/backup/%s" % (STATE_DIR, DEST.strip("/").replace("/", "__"))


def expected_state(runs, name):
    """The state an uninterrupted change to `name` leaves: to B, the run from A to B; to A, the run from nothing to A
    and the backup of B's file that a change from B keeps (the run to B kept A's), for a rollback to put back."""
    if name == "B":
        return runs[1]["state"]
    want = json.loads(json.dumps(runs[0]["state"]))
    want["files"][BACKUP] = runs[1]["state"]["files"][DEST]
    return want


def configs(host):
    bridge = {
        "name": "ekvmk0",
        "ports": [],
        "stp": False,
        "fd": 0,
        "mtu": 1500,
        "address": "10.211.1.%d/24" % host.index,
    }
    a = {
        "network_bridges": [bridge],
        "dest": DEST,
        "state_dir": STATE_DIR,
        "rollback_timeout": ROLLBACK_TIMEOUT,
    }
    b = json.loads(json.dumps(a))
    b["network_bridges"][0].update(mtu=1400, address="10.211.2.%d/24" % host.index)
    return {"A": a, "B": b, "first A": dict(a, packages=["ifupdown", "bridge-utils"])}


def bundle(plan):
    """The tar the driver runs from: Ansible's module_utils (what AnsiballZ would ship), the collection's, the
    module, the lab's kill hook, the driver and its plan."""
    here = os.path.dirname(os.path.abspath(__file__))
    data = io.BytesIO()

    def skip(info):
        return None if "__pycache__" in info.name else info

    def text(name, content):
        info = tarfile.TarInfo(name)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))

    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        text("lib/ansible/__init__.py", b"")
        ansible_utils = os.path.join(os.path.dirname(ansible.__file__), "module_utils")
        tar.add(ansible_utils, "lib/ansible/module_utils", filter=skip)
        plugins = "lib/ansible_collections/essentials/kvm/plugins/"
        tar.add(os.path.join(ROOT, "plugins", "module_utils"), plugins + "module_utils", filter=skip)
        module = "modules/ifupdown_interfaces.py"
        tar.add(os.path.join(ROOT, "plugins", module), plugins + module)
        tar.add(os.path.join(ROOT, "tests", "lab", "kill_hook", "sitecustomize.py"), "hook/sitecustomize.py")
        tar.add(os.path.join(here, "interfaces_kill_driver.py"), "driver.py")
        text("plan.json", json.dumps(plan).encode())
    return data.getvalue()


class KillPoints:
    """The whole sequence on one host in one SSH call: unpack, run, put the host back (the main file too), in the
    background from start() until result()."""

    def __init__(self, host):
        self.host = host
        self.proc = None
        self.out = tempfile.TemporaryFile()
        self.entries = None

    def start(self):
        plan = {
            "bundle": BUNDLE,
            "state_dir": STATE_DIR,
            "names": NAMES,
            "configs": configs(self.host),
            "steps": [{"config": name, "kill_after": point} for name, point in STEPS],
        }
        data = tempfile.TemporaryFile()
        data.write(bundle(plan))
        data.seek(0)
        quiet = "{ %s} >/dev/null 2>&1" % CLEANUP
        main, saved = "/etc/network/interfaces", "/var/tmp/ekvm-ifkill-main"
        command = (
            f"{quiet}; mkdir -p {BUNDLE} && tar -C {BUNDLE} -xzf - && cp -p {main} {saved}"
            f" && PYTHONPATH={BUNDLE}/hook:{BUNDLE}/lib EKVM_KILL_LOG={BUNDLE}/events"
            f" python3 {BUNDLE}/driver.py {BUNDLE}/plan.json; rc=$?; cp -p {saved} {main}; rm -f {saved};"
            f" {quiet}; exit $rc"
        )
        self.proc = subprocess.Popen(self.host.ssh_argv(command), stdin=data, stdout=self.out, stderr=subprocess.STDOUT)
        data.close()

    def result(self, timeout=900):
        """What the driver recorded, a dict per step; starts the sequence if nothing did."""
        if self.entries is None:
            if self.proc is None:
                self.start()
            self.proc.wait(timeout)
            self.out.seek(0)
            text = self.out.read().decode(errors="replace")
            assert self.proc.returncode == 0, text[-6000:]
            self.entries = json.loads(text)
        return self.entries

    def stop(self):
        """After a failure: the SSH call ended, the host put back."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.entries is None:
            self.host.ssh(CLEANUP, check=False)
