"""A host's /etc/network in a temp dir and a runner that records commands, shared by the ifupdown apply tests
(test_ifupdown_apply.py, test_ifupdown_owner.py)."""

import os
import shlex
import shutil
import subprocess

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import Applier, converge, run_command

HOST = ["lo", "eth0", "eth1", "eth2", "eth3"]
MAIN = """\
# interfaces(5) file used by ifup(8) and ifdown(8)
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp
"""
CONFIG = {
    "network_interfaces": [
        {"name": "eth1", "bond_master": "bond0"},
        {"name": "eth2", "bond_master": "bond0"},
        {"name": "eth3", "address": "192.0.2.3/24"},
    ],
    "network_bonds": [{"name": "bond0", "mode": "active-backup", "miimon": 100}],
    "network_vlans": [{"name": "bond0.10"}],
    "network_bridges": [{"name": "br10", "ports": ["bond0.10"], "stp": False, "fd": 0}],
}


class FakeRunner:
    """Records argv; runs ifquery for real when present; plays cp/rm/date lines of a rollback script."""

    def __init__(self, fail=()):
        self.calls = []
        self.fail = set(fail)

    def __call__(self, argv):
        self.calls.append(list(argv))
        if " ".join(argv) in self.fail:
            return 1, "", "simulated failure"
        if argv[0] == "ifquery":
            return run_command(argv) if shutil.which("ifquery") else (0, "", "")
        if argv[0] == "/bin/sh":
            with open(argv[1]) as handle:
                for line in handle:
                    words = shlex.split(line.split("||")[0].split(">")[0], comments=True)
                    if words and words[0] == "cp":
                        shutil.copy2(words[2], words[3])
                    elif words and words[0] == "rm":
                        if os.path.exists(words[2]):
                            os.unlink(words[2])
                    elif words and words[0] in ("ifup", "ifdown"):
                        self.calls.append(words)
        return 0, "", ""

    def bounces(self):
        return [c for c in self.calls if c[0] in ("ifup", "ifdown")]


def params(root, **extra):
    values = dict(
        CONFIG,
        dest=str(root / "etc" / "interfaces.d" / "essentials-kvm"),
        interfaces_file=str(root / "etc" / "interfaces"),
        bounce=True,
        rollback_timeout=0,
        purge=False,
        manage_main_file=False,
    )
    values.update(extra)
    return values


def snapshot(root):
    found = {}
    for base, _, files in os.walk(str(root / "etc")):
        for name in files:
            with open(os.path.join(base, name)) as handle:
                found[os.path.join(base, name)] = handle.read()
    return found


def exited_pid():
    """The PID of a process that has already exited: the module, as seen by its apply unit."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def run(root, runner, check_mode=False, answer_pid=None, **extra):
    applier = Applier(runner, str(root / "state"), exited_pid() if answer_pid is None else answer_pid)
    return converge(params(root, **extra), HOST, applier, check_mode)
