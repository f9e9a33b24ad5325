"""Daemons of the lab, started by hand without systemd, each tracked by a PID file."""

import os

from . import netns, paths
from .proc import run, running, stop_pidfile, wait_for

LIBVIRT_URI = "qemu:///system"
OVS_RUN = "/var/run/openvswitch"
OVS_SOCK = os.path.join(OVS_RUN, "db.sock")


def _pidfile(name):
    return os.path.join(paths.RUN, name + ".pid")


def _log(name):
    return os.path.join(paths.LOGS, name + ".log")


class Daemon:
    """One background process with a PID file; start() reuses a live one."""

    name = None

    @property
    def pidfile(self):
        return _pidfile(self.name)

    @property
    def log(self):
        return _log(self.name)

    def pid(self):
        return running(self.pidfile)

    def start(self):
        if self.pid():
            return False
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        self._launch()
        wait_for(self.pid, 30, what="%s pid file" % self.name)
        self._ready()
        return True

    def stop(self):
        stop_pidfile(self.pidfile)

    def _ready(self):
        """Block until the daemon serves; the PID file alone comes too early for most."""


class Virtlogd(Daemon):
    name = "virtlogd"

    def _launch(self):
        netns.execute(paths.NETNS, ["virtlogd", "-d", "--pid-file", self.pidfile])


class Libvirtd(Daemon):
    name = "libvirtd"

    def _launch(self):
        # Logs go to a file of ours; the daemon otherwise logs only to journald/syslog.
        env_conf = os.path.join(paths.RUN, "libvirtd.conf")
        with open("/etc/libvirt/libvirtd.conf") as src, open(env_conf, "w") as dst:
            dst.write(src.read())
            dst.write('\nlog_outputs = "3:file:%s"\n' % self.log)
        # /dev/kvm here is PVM and unusable by QEMU; while libvirt sees it accessible, it
        # re-probes QEMU (30-60 s) on every domain define. Hide it from this libvirtd only, and
        # keep guests out of per-domain /dev namespaces, which cannot copy the masked node.
        nokvm = os.path.join(paths.RUN, "no-kvm")
        with open(nokvm, "w"):
            pass
        os.chmod(nokvm, 0)
        qemu_conf = os.path.join(paths.RUN, "qemu.conf")
        with open("/etc/libvirt/qemu.conf") as src, open(qemu_conf, "w") as dst:
            dst.write(src.read())
            dst.write("\nnamespaces = [ ]\n")
        launch = (
            f"mount --bind {nokvm} /dev/kvm 2>/dev/null; mount --bind {qemu_conf} /etc/libvirt/qemu.conf && "
            f"exec libvirtd -d -f {env_conf} --pid-file {self.pidfile}"
        )
        netns.execute(paths.NETNS, ["unshare", "--mount", "--propagation", "slave", "sh", "-c", launch])

    def _ready(self):
        # The first start probes QEMU's capabilities (~15 s); wait until the API answers.
        wait_for(
            lambda: run(["virsh", "-c", LIBVIRT_URI, "version"], check=False).returncode == 0,
            120,
            interval=0.5,
            what="libvirtd to answer",
        )


class OvsDaemon(Daemon):
    """OVS tools (ovs-appctl, the ifupdown hooks) look for the PID files in OVS's run folder."""

    @property
    def pidfile(self):
        return os.path.join(OVS_RUN, self.name + ".pid")


class OvsdbServer(OvsDaemon):
    name = "ovsdb-server"

    @property
    def db(self):
        return os.path.join(paths.RUN, "ovs-conf.db")

    def _launch(self):
        os.makedirs(OVS_RUN, exist_ok=True)
        if not os.path.exists(self.db):
            run(["ovsdb-tool", "create", self.db, "/usr/share/openvswitch/vswitch.ovsschema"])
        netns.execute(
            paths.NETNS,
            [
                "ovsdb-server",
                self.db,
                "--remote=punix:" + OVS_SOCK,
                "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                "--pidfile=" + self.pidfile,
                "--detach",
                "--log-file=" + self.log,
            ],
        )

    def _ready(self):
        wait_for(lambda: os.path.exists(OVS_SOCK), 15, what="ovsdb socket")
        run(["ovs-vsctl", "--no-wait", "init"])

    def stop(self):
        super().stop()
        if os.path.exists(self.db):
            os.unlink(self.db)


class OvsVswitchd(OvsDaemon):
    name = "ovs-vswitchd"

    def _launch(self):
        netns.execute(
            paths.NETNS,
            [
                "ovs-vswitchd",
                "unix:" + OVS_SOCK,
                "--pidfile=" + self.pidfile,
                "--detach",
                "--log-file=" + self.log,
            ],
        )

    def _ready(self):
        wait_for(
            lambda: run(["ovs-vsctl", "--timeout=2", "show"], check=False).returncode == 0, 15, what="ovs-vswitchd"
        )


class Dnsmasq(Daemon):
    """A DHCP server on one interface of a peer namespace (for dhcp stanzas under test)."""

    def __init__(self, ns, iface, dhcp_range, tag=None):
        self.ns, self.iface, self.dhcp_range = ns, iface, dhcp_range
        self.name = "dnsmasq-" + (tag or ns)

    def _launch(self):
        netns.execute(
            self.ns,
            [
                "dnsmasq",
                "--conf-file=/dev/null",
                "--port=0",
                "--bind-interfaces",
                "--interface=" + self.iface,
                "--dhcp-range=" + self.dhcp_range,
                "--dhcp-leasefile=" + os.path.join(paths.RUN, self.name + ".leases"),
                "--pid-file=" + self.pidfile,
                "--log-facility=" + self.log,
                "--log-dhcp",
            ],
        )


def tail(path, lines=60):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""
