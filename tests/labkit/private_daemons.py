"""Daemons of one test, never the lab's own (other sessions use those): a libvirtd and an OVS pair with their
own state, sockets and PIDs, so that a test may stop and restart them under a module run (issue #21).

PrivateLibvirtd runs in the lab namespace, in a mount namespace of its own where private folders cover
/etc/libvirt, /run/libvirt, /var/lib/libvirt and /var/cache/libvirt: it sees no object of the lab's libvirtd, and
its socket is reached at `uri`. It runs storage pools and guests without NICs (a second host for migrations); its
networks would share the lab namespace's firewall with the lab's libvirtd. Opt-in, it also listens for TLS (`tls`:
an address of the lab namespace's loopback and a folder with cacert.pem, servercert.pem and serverkey.pem;
libvirt's port 16514, so that a client reaches it at qemu+tls://ADDRESS/system).

PrivateOvs runs ovsdb-server and ovs-vswitchd in a network namespace of their own (a second ovs-vswitchd in the lab
namespace would delete the datapaths it does not know: the lab's), with OVS_RUNDIR, database and logs in the
test's folder; `db` is the database socket for ovs-vsctl --db.

Each process is started in the foreground of a Popen (ip netns exec, unshare and sh exec it), so its PID is the
Popen's, and stopped by that PID.
"""

import os
import shutil
import subprocess

from . import netns, paths
from .proc import run, stop_pid, wait_for


class _Process:
    def __init__(self, folder, name):
        self.folder, self.name = folder, name
        self.log = os.path.join(folder, name + ".log")
        self.proc = None

    def pid(self):
        return self.proc.pid if self.proc and self.proc.poll() is None else None

    def _spawn(self, ns, argv, env=None):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                netns.exec_argv(ns, argv), stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )

    def stop(self):
        if self.proc is not None:
            stop_pid(self.proc.pid)
            self.proc.wait()
            self.proc = None


class PrivateLibvirtd(_Process):
    MOUNTS = ("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt")

    def __init__(self, folder, tls=None):
        super().__init__(folder, "libvirtd")
        self.tls = tls  # (address, pki folder): listen for TLS there
        self.dirs = {mount: os.path.join(folder, mount.strip("/").replace("/", "-")) for mount in self.MOUNTS}
        self.uri = "qemu+unix:///system?socket=%s" % os.path.join(self.dirs["/run/libvirt"], "libvirt-sock")

    def start(self):
        for path in self.dirs.values():
            os.makedirs(path, exist_ok=True)
        etc = self.dirs["/etc/libvirt"]
        with open("/etc/libvirt/libvirtd.conf") as src, open(os.path.join(etc, "libvirtd.conf"), "w") as dst:
            dst.write(src.read() + '\nlog_outputs = "3:file:%s"\n' % self.log)
            if self.tls:
                address, pki = self.tls
                dst.write('listen_tls = 1\nlisten_tcp = 0\nlisten_addr = "%s"\n' % address)
                for setting, name in (("ca_file", "cacert"), ("cert_file", "servercert"), ("key_file", "serverkey")):
                    dst.write('%s = "%s"\n' % (setting, os.path.join(pki, name + ".pem")))
        # The lab's QEMU settings (no per-guest /dev namespaces) and its probed capabilities: with /dev/kvm masked
        # alike, this libvirtd takes them from the cache instead of probing QEMU again (15-60 s).
        shutil.copy(os.path.join(paths.RUN, "qemu.conf"), os.path.join(etc, "qemu.conf"))
        # Its /run/libvirt is private, so the lab's virtlogd is out of reach: QEMU's console and log go to files,
        # which lets this libvirtd run guests (and receive migrations) too.
        with open(os.path.join(etc, "qemu.conf"), "a") as conf:
            conf.write('\nstdio_handler = "file"\n')
        cache = os.path.join(self.dirs["/var/cache/libvirt"], "qemu")
        if not os.path.isdir(cache):
            shutil.copytree("/var/cache/libvirt/qemu", cache)
        binds = " && ".join("mount --bind %s %s" % (self.dirs[m], m) for m in self.MOUNTS)
        nokvm = os.path.join(paths.RUN, "no-kvm")
        script = "mount --bind %s /dev/kvm 2>/dev/null; %s && exec libvirtd %s-f %s/libvirtd.conf --pid-file %s/pid" % (
            nokvm,
            binds,
            "--listen " if self.tls else "",
            etc,
            self.folder,
        )
        self._spawn(paths.NETNS, ["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
        wait_for(
            lambda: self.pid() and run(["virsh", "-c", self.uri, "version"], check=False).returncode == 0,
            120,
            interval=0.3,
            what="the private libvirtd to answer",
        )


class PrivateOvs:
    def __init__(self, folder, ns):
        self.folder, self.ns = folder, ns
        self.db = "unix:" + os.path.join(folder, "db.sock")
        self.server = _Process(folder, "ovsdb-server")
        self.switch = _Process(folder, "ovs-vswitchd")
        self.env = dict(os.environ, OVS_RUNDIR=folder, OVS_LOGDIR=folder, OVS_DBDIR=folder)

    def start(self):
        if not netns.exists(self.ns):
            netns.add(self.ns)
        self.start_server()
        self.start_switch()

    def start_switch(self):
        argv = ["ovs-vswitchd", self.db, "--pidfile=%s/vswitchd.pid" % self.folder]
        self.switch._spawn(self.ns, argv + ["--unixctl=%s/vswitchd.ctl" % self.folder], self.env)
        wait_for(
            lambda: run(["ovs-vsctl", "--db=" + self.db, "--timeout=2", "show"], check=False).returncode == 0,
            30,
            what="the private ovs-vswitchd",
        )

    def start_server(self):
        conf = os.path.join(self.folder, "conf.db")
        if not os.path.exists(conf):
            run(["ovsdb-tool", "create", conf, "/usr/share/openvswitch/vswitch.ovsschema"])
        argv = ["ovsdb-server", conf, "--remote=p" + self.db, "--pidfile=%s/ovsdb.pid" % self.folder]
        argv += ["--unixctl=%s/ovsdb.ctl" % self.folder]
        self.server._spawn(self.ns, argv, self.env)
        wait_for(lambda: os.path.exists(self.db[len("unix:") :]), 15, what="the private ovsdb socket")
        run(["ovs-vsctl", "--db=" + self.db, "--no-wait", "init"])

    def stop(self):
        self.switch.stop()
        self.server.stop()
        if netns.exists(self.ns):
            netns.delete(self.ns)
