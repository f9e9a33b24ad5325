"""The lab's package cache for host VMs, which have no route out: apt-cacher-ng, unpacked from its
.deb (no service, no package install) and run with a config of its own on 127.0.0.1, plus two
socat relays that carry the lab namespace's port 3142 to it through a unix socket, so no network
of this machine is touched. A VM's apt uses it as its HTTP proxy (see bare_image.py)."""

import glob
import os
import socket

from . import netns, paths
from .daemons import Daemon
from .proc import run, wait_for

PORT = 3142
HOME = os.path.join(paths.CACHE, "apt-cacher-ng")
ROOT = os.path.join(HOME, "root")  # the unpacked packages
STORE = os.path.join(HOME, "cache")  # what it has cached; kept across labs
BINARY = os.path.join(ROOT, "usr/sbin/apt-cacher-ng")
SOCKET = os.path.join(paths.RUN, "apt-cacher-ng.sock")
# apt-cacher-ng and the libraries it links that a minimal machine may lack.
DEBS = ["apt-cacher-ng", "libc-ares2", "libevent-2.1-7", "libevent-pthreads-2.1-7", "libfuse2", "libwrap0"]
PROXY = "http://127.0.0.1:%d" % PORT


def unpack():
    """apt-get download + dpkg-deb -x, once per cache folder."""
    if os.path.exists(BINARY):
        return
    debs = os.path.join(HOME, "debs")
    os.makedirs(debs, exist_ok=True)
    # apt's sandbox user cannot write into root's folders; the download runs as root then.
    run(
        ["sh", "-c", "cd %s && apt-get download -q -o APT::Sandbox::User=root %s" % (debs, " ".join(DEBS))], timeout=300
    )
    for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
        run(["dpkg-deb", "-x", deb, ROOT])


def _answers(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class AptCacherNg(Daemon):
    name = "apt-cacher-ng"

    def _launch(self):
        unpack()
        confdir = os.path.join(paths.RUN, "apt-cacher-ng")
        logdir = os.path.join(paths.LOGS, "apt-cacher-ng")
        for folder in (confdir, logdir, STORE):
            os.makedirs(folder, exist_ok=True)
        settings = [
            ("CacheDir", STORE),
            ("LogDir", logdir),
            ("SupportDir", os.path.join(ROOT, "usr/lib/apt-cacher-ng")),
            # No Remap lines: it works as a plain HTTP proxy for whatever mirror apt names.
            ("BindAddress", "127.0.0.1"),
            ("Port", PORT),
            ("ForeGround", 1),
        ]
        with open(os.path.join(confdir, "acng.conf"), "w") as handle:
            handle.writelines("%s: %s\n" % item for item in settings)
        libs = os.path.join(ROOT, "usr/lib/x86_64-linux-gnu")
        # Always with -c: called any other way it daemonises on every address.
        launch = "exec </dev/null >>{log} 2>&1; LD_LIBRARY_PATH={libs} {binary} -c {conf} & echo $! > {pid}"
        run(["sh", "-c", launch.format(log=self.log, libs=libs, binary=BINARY, conf=confdir, pid=self.pidfile)])

    def _ready(self):
        wait_for(lambda: _answers(PORT), 15, what="apt-cacher-ng on 127.0.0.1:%d" % PORT)


class CacheRelayOut(Daemon):
    """Outside the namespace: the unix socket to apt-cacher-ng's loopback port."""

    name = "apt-cache-relay-out"

    def _launch(self):
        launch = (
            "exec </dev/null >>{log} 2>&1; socat UNIX-LISTEN:{sock},fork,unlink-early,mode=600 "
            "TCP:127.0.0.1:{port} & echo $! > {pid}"
        )
        run(["sh", "-c", launch.format(log=self.log, sock=SOCKET, port=PORT, pid=self.pidfile)])

    def _ready(self):
        wait_for(lambda: os.path.exists(SOCKET), 10, what=SOCKET)


class CacheRelayIn(Daemon):
    """Inside the lab namespace: port 3142 on every address of the namespace (the gateway of each
    lab network), to the unix socket."""

    name = "apt-cache-relay-in"

    def _launch(self):
        launch = (
            "exec </dev/null >>{log} 2>&1; socat TCP-LISTEN:{port},fork,reuseaddr UNIX-CONNECT:{sock} & echo $! > {pid}"
        )
        netns.execute(paths.NETNS, ["sh", "-c", launch.format(log=self.log, sock=SOCKET, port=PORT, pid=self.pidfile)])

    def _ready(self):
        probe = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % PORT]
        wait_for(
            lambda: netns.execute(paths.NETNS, probe, check=False).returncode == 0,
            10,
            what="the cache relay in the lab namespace",
        )


def services():
    return [AptCacherNg(), CacheRelayOut(), CacheRelayIn()]
