"""A private Open vSwitch for lab tests: its own database, sockets and network namespace.

Nothing here touches the host's switch: every file lives in a temp dir, ovs-vswitchd runs inside a
fresh namespace, and teardown stops exactly the PIDs this fixture started.
"""
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

BINARIES = ("ovsdb-tool", "ovsdb-server", "ovs-vsctl", "ovs-vswitchd", "ovs-appctl", "ip")
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def missing_requirements():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, ovs-vswitchd)"
    for name in BINARIES:
        if shutil.which(name) is None:
            return "%s not installed" % name
    if not os.path.exists(SCHEMA):
        return "%s missing" % SCHEMA
    return None


class OvsLab:
    """Handles to one private switch: `db` for ovs-vsctl --db, `appctl()` for ovs-vswitchd."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.netns = "ekvm-ovs-%s" % uuid.uuid4().hex[:8]
        self.db = "unix:%s" % os.path.join(workdir, "db.sock")
        self.vswitchd_ctl = os.path.join(workdir, "vswitchd.ctl")
        self.env = dict(os.environ, OVS_RUNDIR=workdir, OVS_LOGDIR=workdir,
                        OVS_DBDIR=workdir, OVS_SYSCONFDIR=workdir)
        self.pidfiles = []

    def run(self, *argv, **kwargs):
        return subprocess.run(argv, check=True, capture_output=True, text=True, env=self.env,
                              timeout=60, **kwargs).stdout

    def in_ns(self, *argv):
        """Run a command inside the switch's namespace (veth ends, link state)."""
        return self.run("ip", "netns", "exec", self.netns, *argv)

    def vsctl(self, *argv):
        return self.run("ovs-vsctl", "--db=%s" % self.db, "--timeout=30", *argv)

    def appctl(self, *argv):
        return self.run("ovs-appctl", "-t", self.vswitchd_ctl, *argv)

    def veth(self, left, right):
        self.in_ns("ip", "link", "add", left, "type", "veth", "peer", "name", right)
        self.in_ns("ip", "link", "set", left, "up")
        self.in_ns("ip", "link", "set", right, "up")

    def start(self):
        path = self.workdir
        conf = os.path.join(path, "conf.db")
        self.run("ovsdb-tool", "create", conf, SCHEMA)
        self._daemon("ovsdb-server", conf, "--remote=punix:%s" % self.db[len("unix:"):],
                     "--unixctl=%s" % os.path.join(path, "db.ctl"))
        self.vsctl("--no-wait", "init")
        self.run("ip", "netns", "add", self.netns)
        self._daemon("ip", "netns", "exec", self.netns, "ovs-vswitchd", self.db,
                     "--unixctl=%s" % self.vswitchd_ctl, name="ovs-vswitchd")
        self.in_ns("ip", "link", "set", "lo", "up")

    def _daemon(self, *argv, name=None):
        name = name or argv[0]
        pidfile = os.path.join(self.workdir, "%s.pid" % name)
        log = os.path.join(self.workdir, "%s.log" % name)
        self.run(*argv, "--pidfile=%s" % pidfile, "--detach", "--log-file=%s" % log)
        self.pidfiles.append(pidfile)

    def stop(self):
        for pidfile in reversed(self.pidfiles):
            self._kill(pidfile)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True, check=False)

    @staticmethod
    def _kill(pidfile):
        try:
            with open(pidfile) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        # Wait for the daemon so the namespace and temp dir can go away cleanly.
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def ovs_lab(tmp_path):
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    lab = OvsLab(str(tmp_path))
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()
