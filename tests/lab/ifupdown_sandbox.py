"""What the ifupdown lab tests share: a sandbox of ifupdown's files and state for one network namespace (in a
private mount namespace, so the machine's own are never read or written) that runs the real module file, and the
link and ping helpers that tell whether an interface was bounced or traffic interrupted."""

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

from tests.labkit import netns
from tests.labkit.ansible import ROOT
from tests.labkit.proc import wait_for

MODULE = os.path.join(ROOT, "plugins", "modules", "ifupdown_interfaces.py")
PYTHON = sys.executable
MAIN_FILE = (
    "# interfaces(5) file used by ifup(8) and ifdown(8)\nauto lo\niface lo inet loopback\n\n"
    "source /etc/network/interfaces.d/*\n"
)
# dhclient's resolv.conf update is switched off inside the sandbox: belt and braces on top of
# the namespace's own resolv.conf, which `ip netns exec` binds over /etc/resolv.conf.
NO_RESOLV_HOOK = "make_resolv_conf() { :; }\n"


def sha(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def tree_digest(top):
    """Path -> sha256 of every regular file below top (symlinks by target)."""
    found = {}
    for folder, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, top)] = os.readlink(path) if os.path.islink(path) else sha(path)
    return found


class Sandbox:
    """ifupdown's files and state for one network namespace, bound in a private mount namespace."""

    def __init__(self, ns, root):
        self.ns = ns
        self.root = root
        self.etc = os.path.join(root, "etc-network")
        self.run_dir = os.path.join(root, "run-network")
        self.dhcp = os.path.join(root, "var-lib-dhcp")
        self.hooks = os.path.join(root, "dhclient-enter-hooks")
        self.state = os.path.join(root, "state")
        # The hook scripts (bridge-utils, openvswitch) are the machine's; the files are ours.
        shutil.copytree(
            "/etc/network",
            self.etc,
            symlinks=True,
            ignore=lambda d, names: [n for n in names if n.startswith("interfaces")],
        )
        os.makedirs(os.path.join(self.etc, "interfaces.d"))
        with open(os.path.join(self.etc, "interfaces"), "w") as handle:
            handle.write(MAIN_FILE)
        for folder in (self.run_dir, self.dhcp, self.hooks, self.state):
            os.makedirs(folder)
        with open(os.path.join(self.hooks, "no-resolv-conf"), "w") as handle:
            handle.write(NO_RESOLV_HOOK)

    def shell(self, command, check=False, timeout=180):
        binds = ["mkdir -p /run/network"]
        binds += [
            "mount --bind %s %s" % (shlex.quote(src), dst)
            for src, dst in (
                (self.etc, "/etc/network"),
                (self.run_dir, "/run/network"),
                (self.dhcp, "/var/lib/dhcp"),
                (self.hooks, "/etc/dhcp/dhclient-enter-hooks.d"),
            )
        ]
        script = " && ".join(binds) + " && " + command
        return netns.execute(
            self.ns,
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            check=check,
            timeout=timeout,
        )

    def module(self, config, check_mode=False):
        """One run of the real module file, as Ansible would run it; returns its JSON result."""
        args = dict(config, state_dir=self.state, _ansible_check_mode=check_mode, _ansible_diff=True)
        path = os.path.join(self.root, "args.json")
        with open(path, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
        env = "PYTHONPATH=%s" % shlex.quote(os.path.join(ROOT, "build", "collections"))
        done = self.shell("%s exec %s %s %s" % (env, PYTHON, MODULE, shlex.quote(path)))
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        assert lines, "module printed no result (rc %d)\n%s%s" % (done.returncode, done.stdout, done.stderr)
        return json.loads(lines[-1])

    def files(self):
        return tree_digest(self.etc)

    def read(self, relpath):
        with open(os.path.join(self.etc, relpath)) as handle:
            return handle.read()


def links(ns, names):
    """name -> (ifindex, carrier changes): a bounced interface gets a new carrier change."""
    script = "; ".join("cat /sys/class/net/%s/ifindex /sys/class/net/%s/carrier_changes" % (n, n) for n in names)
    values = netns.execute(ns, ["sh", "-c", script]).stdout.split()
    return {name: (values[2 * i], values[2 * i + 1]) for i, name in enumerate(names)}


class Ping:
    """A fast ping running while something else happens; 0 lost means no interruption."""

    def __init__(self, ns, address, count=120, interval=0.05):
        self.proc = netns.popen(
            ns,
            ["ping", "-n", "-q", "-i", str(interval), "-c", str(count), "-W", "2", address],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def running(self):
        return self.proc.poll() is None

    def result(self):
        out = self.proc.communicate(timeout=30)[0]
        match = re.search(r"(\d+) packets transmitted, (\d+) received", out)
        assert match, out
        return int(match.group(1)), int(match.group(2))


def wait_ping(ns, address, timeout=20):
    wait_for(lambda: netns.ping(ns, address, 1, 1), timeout, interval=0.5, what="%s to answer ping" % address)
