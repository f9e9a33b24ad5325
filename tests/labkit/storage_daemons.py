"""Storage servers for pool tests, run inside the lab namespace where libvirtd reaches them: a one-node Ceph
(ceph-mon + ceph-osd on memstore) and a one-brick Gluster volume. Every daemon is tracked by its PID and
stopped by that PID; their state lives in a folder the caller owns."""

import glob
import json
import os
import random
import shutil
import subprocess
import uuid

from . import netns, paths
from .proc import LabError, alive, read_pid, run, stop_pid, wait_for

CEPH_CONF = """[global]
fsid = {fsid}
mon host = v1:{address}:{port}
auth cluster required = {auth}
auth service required = {auth}
auth client required = {auth}
ms bind msgr2 = false
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
mon allow pool delete = true
mon warn on pool no redundancy = false
# One small OSD in memory: no disk, no device-mapper.
osd objectstore = memstore
memstore device bytes = 268435456
# The OSD is put into the CRUSH map by hand; updating it at start asks the monitor with a zero fsid.
osd class update on start = false
osd crush update on start = false
run dir = {dir}/run
admin socket = {dir}/run/$name.asok
log file = {dir}/log/$name.log
mon cluster log file = {dir}/log/cluster.log
mon data = {dir}/mon
osd data = {dir}/osd
keyring = {dir}/keyring
[osd]
keyring = {dir}/osd/keyring
"""

GLUSTERD_VOL = """volume management
    type mgmt/glusterd
    option working-directory {dir}/work
    option glusterd-sockfile {dir}/glusterd.sock
    option transport-type socket
    option transport.socket.listen-port 24007
    option ping-timeout 0
    option event-threads 1
end-volume
"""


def _spawn(argv, log):
    with open(log, "ab") as handle:
        return netns.popen(paths.NETNS, argv, stdout=handle, stderr=subprocess.STDOUT)


def _stop(proc):
    stop_pid(proc.pid)
    proc.wait()


class Ceph:
    """One monitor and one OSD on 127.0.0.1:port (messenger v1). auth is ceph's list of accepted methods:
    "none", or "cephx, none" for a cluster that takes keyed clients and clients without auth alike."""

    address = "127.0.0.1"

    def __init__(self, state_dir, auth="none"):
        self.dir = state_dir
        self.auth = auth
        self.port = random.randint(16000, 16999)
        self.conf = os.path.join(state_dir, "ceph.conf")
        self.procs = []

    def ceph(self, *args, tool="ceph"):
        timeout = ["--connect-timeout", "20"] if tool == "ceph" else []
        return netns.execute(paths.NETNS, [tool, "-c", self.conf] + timeout + list(args))

    def start(self):
        for sub in ("mon", "osd", "run", "log"):
            os.makedirs(os.path.join(self.dir, sub))
        fsid = str(uuid.uuid4())
        with open(self.conf, "w") as handle:
            handle.write(
                CEPH_CONF.format(fsid=fsid, address=self.address, port=self.port, auth=self.auth, dir=self.dir)
            )
        monmap = os.path.join(self.dir, "monmap")
        netns.execute(
            paths.NETNS,
            ["monmaptool", "--create", "--fsid", fsid, "--addv", "a", "[v1:%s:%d]" % (self.address, self.port), monmap],
        )
        mkfs = ["ceph-mon", "-c", self.conf, "-i", "a", "--mkfs", "--monmap", monmap]
        if "cephx" in self.auth:
            mkfs += ["--keyring", self._keyring()]
        netns.execute(paths.NETNS, mkfs)
        log = os.path.join(self.dir, "log", "daemons.out")
        self.procs.append(_spawn(["ceph-mon", "-c", self.conf, "-i", "a", "-f"], log))
        osd_uuid = str(uuid.uuid4())
        self.ceph("osd", "new", osd_uuid, "0")
        self.ceph("osd", "crush", "add", "osd.0", "1", "root=default")
        netns.execute(
            paths.NETNS, ["ceph-osd", "-c", self.conf, "-i", "0", "--mkfs", "--mkkey", "--osd-uuid", osd_uuid]
        )
        if "cephx" in self.auth:
            self.ceph(
                "auth",
                "add",
                "osd.0",
                "osd",
                "allow *",
                "mon",
                "allow profile osd",
                "-i",
                os.path.join(self.dir, "osd", "keyring"),
            )
        self.procs.append(_spawn(["ceph-osd", "-c", self.conf, "-i", "0", "-f"], log))
        wait_for(self._osd_up, 60, interval=1, what="ceph-osd to come up")
        return self

    def _keyring(self):
        """Keys of the monitor and of client.admin, which the ceph tools use (keyring in ceph.conf)."""
        keyring = os.path.join(self.dir, "keyring")
        netns.execute(
            paths.NETNS,
            ["ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"],
        )
        netns.execute(
            paths.NETNS,
            [
                "ceph-authtool",
                keyring,
                "--gen-key",
                "-n",
                "client.admin",
                "--cap",
                "mon",
                "allow *",
                "--cap",
                "osd",
                "allow *",
            ],
        )
        return keyring

    def _osd_up(self):
        for proc in self.procs:
            if proc.poll() is not None:
                raise LabError("%s exited %s; see %s/log" % (proc.args[4], proc.returncode, self.dir))
        return json.loads(self.ceph("osd", "stat", "--format", "json").stdout)["num_up_osds"] == 1

    def create_pool(self, name):
        self.ceph("osd", "pool", "create", name, "8", "8")
        self.ceph("pool", "init", name, tool="rbd")

    def client_key(self, user, pool):
        """A new cephx user allowed to use one pool; returns its base64 key."""
        self.ceph("auth", "get-or-create", "client." + user, "mon", "profile rbd", "osd", "profile rbd pool=" + pool)
        return self.ceph("auth", "print-key", "client." + user).stdout.strip()

    def images(self, pool):
        """{image name: size in bytes} of an rbd pool."""
        listing = json.loads(self.ceph("ls", "--long", pool, "--format", "json", tool="rbd").stdout)
        return {image["image"]: image["size"] for image in listing}

    def stop(self):
        for proc in reversed(self.procs):
            _stop(proc)
        self.procs = []


class Gluster:
    """glusterd with one single-brick volume. glusterd refuses a brick on a loopback address, so the brick's
    host is a documentation address (TEST-NET-2) put on the namespace's lo."""

    address = "198.51.100.77"
    # Folders glusterd and its bricks write into whatever their configuration says; what appears there is ours.
    SHARED = ("/var/run/gluster", "/var/log/glusterfs", "/var/log/glusterfs/bricks")

    def __init__(self, state_dir):
        self.dir = state_dir
        self.proc = None
        self.volumes = []
        self.shared_before = {}

    def gluster(self, *args, check=True):
        return netns.execute(
            paths.NETNS,
            [
                "gluster",
                "--mode=script",
                "--glusterd-sock=%s/glusterd.sock" % self.dir,
                "--log-file=%s/log/cli.log" % self.dir,
            ]
            + list(args),
            check=check,
        )

    def start(self):
        for sub in ("work", "log", "bricks"):
            os.makedirs(os.path.join(self.dir, sub))
        self.shared_before = {
            folder: set(os.listdir(folder)) if os.path.isdir(folder) else set() for folder in self.SHARED
        }
        volfile = os.path.join(self.dir, "glusterd.vol")
        with open(volfile, "w") as handle:
            handle.write(GLUSTERD_VOL.format(dir=self.dir))
        # At start glusterd configures geo-replication with ~30 runs of gsyncd (python, ~19 s in all). A stub that
        # only tells its version, bound over gsyncd in glusterd's own mount namespace (ip netns exec makes one),
        # skips that; the rest of the machine keeps the real gsyncd.
        stub = os.path.join(self.dir, "gsyncd")
        with open(stub, "w") as handle:
            handle.write("#!/bin/sh\necho gsyncd.py 10\n")
        os.chmod(stub, 0o755)
        gsyncd = os.path.join(run(["glusterd", "--print-libexecdir"]).stdout.strip(), "gsyncd")
        glusterd = [
            "glusterd",
            "-N",
            "-f",
            volfile,
            "-p",
            os.path.join(self.dir, "glusterd.pid"),
            "-l",
            os.path.join(self.dir, "log", "glusterd.log"),
        ]
        netns.addr(paths.NETNS, "lo", self.address + "/32")
        self.proc = _spawn(
            ["sh", "-c", 'mount --bind "$0" "$1" && shift && exec "$@"', stub, gsyncd] + glusterd,
            os.path.join(self.dir, "log", "glusterd.out"),
        )
        wait_for(
            lambda: self._alive() and self.gluster("volume", "list", check=False).returncode == 0,
            30,
            interval=0.5,
            what="glusterd",
        )
        return self

    def _alive(self):
        if self.proc.poll() is not None:
            raise LabError("glusterd exited %s; see %s/log" % (self.proc.returncode, self.dir))
        return True

    def create_volume(self, name):
        self.gluster("volume", "create", name, "%s:%s/bricks/%s" % (self.address, self.dir, name), "force")
        self.volumes.append(name)
        self.gluster("volume", "start", name)

    def brick_path(self, name):
        return os.path.join(self.dir, "bricks", name)

    def stop(self):
        bricks = [
            read_pid(pidfile) for name in self.volumes for pidfile in glob.glob("/var/run/gluster/vols/%s/*.pid" % name)
        ]
        for name in self.volumes:
            self.gluster("volume", "stop", name, "force", check=False)
            self.gluster("volume", "delete", name, check=False)
        for pid in bricks:
            if alive(pid):
                stop_pid(pid)
        if self.proc is not None:
            _stop(self.proc)
        netns.ip(paths.NETNS, "addr", "del", self.address + "/32", "dev", "lo", check=False)
        for folder in reversed(self.SHARED):
            if folder not in self.shared_before:
                continue  # start() failed before it looked
            for entry in set(os.listdir(folder) if os.path.isdir(folder) else ()) - self.shared_before[folder]:
                target = os.path.join(folder, entry)
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    os.unlink(target)
