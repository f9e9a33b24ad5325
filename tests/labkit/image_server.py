"""The lab's HTTP server for disk images: `python3 -m http.server` inside the lab namespace,
bound to a lab-only address, serving CACHE/www (cloud_image.SERVED). Its access log (one line per
request) is kept in the lab's logs so tests can count what guests and tests fetched."""

import os
import sys

from . import netns, paths
from .cloud_image import SERVED
from .daemons import Daemon
from .proc import LabError, wait_for

# An address of the lab namespace's loopback: reachable from the namespace and its libvirt
# networks, never from this machine's own network.
ADDRESS = "10.254.250.1"
PORT = 8000
URL = "http://%s:%d" % (ADDRESS, PORT)


class ImageServer(Daemon):
    name = "image-server"

    def _launch(self):
        os.makedirs(SERVED, exist_ok=True)
        os.chmod(SERVED, 0o755)
        netns.addr(paths.NETNS, "lo", ADDRESS + "/32")
        # The shell puts the server in the background and exits, so the server outlives the
        # caller (a CLI run or a test session) as the other lab daemons do.
        launch = (
            "exec </dev/null >>{log} 2>&1; {py} -u -m http.server --bind {addr} --directory {dir} {port} & "
            "echo $! > {pid}"
        )
        netns.execute(
            paths.NETNS,
            [
                "sh",
                "-c",
                launch.format(log=self.log, py=sys.executable, addr=ADDRESS, dir=SERVED, port=PORT, pid=self.pidfile),
            ],
        )

    def _ready(self):
        probe = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", URL + "/"]
        wait_for(
            lambda: netns.execute(paths.NETNS, probe, check=False).stdout == "200",
            15,
            interval=0.3,
            what="the image server to answer",
        )

    def requests(self, path):
        """How many GET requests for `path` (for example /debian-12/SHA256SUMS) the log holds."""
        try:
            with open(self.log, errors="replace") as handle:
                return sum(1 for line in handle if '"GET %s HTTP/' % path in line)
        except FileNotFoundError:
            return 0


def fetch(url, dest, timeout=600):
    """Download url into dest from inside the lab namespace (the server is reachable only there)."""
    result = netns.execute(paths.NETNS, ["curl", "-sS", "-f", "-o", dest, url], check=False, timeout=timeout)
    if result.returncode != 0:
        raise LabError("GET %s failed: %s" % (url, result.stderr.strip()))
    return dest
