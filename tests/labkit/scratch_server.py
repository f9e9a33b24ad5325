"""A test's own HTTP server for a few small files, inside the lab namespace (on its loopback), with an access
log to count requests; started and stopped by the test (by its PID), unlike the lab's image server."""

import contextlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

from . import netns, paths
from .proc import stop_pid, wait_for


@contextlib.contextmanager
def serving(directory, log_path):
    """Serve directory; yields its base URL (ending in /). `python -m http.server` writes one log line per request."""
    port = random.randint(20000, 39999)
    url = "http://127.0.0.1:%d/" % port
    with open(log_path, "w") as log:
        server = netns.popen(
            paths.NETNS,
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", directory],
            stdout=log,
            stderr=log,
        )
        try:
            probe = ["curl", "-s", "-o", "/dev/null", url]
            wait_for(lambda: netns.execute(paths.NETNS, probe, check=False).returncode == 0, 20, what="the server")
            yield url
        finally:
            stop_pid(server.pid)
            server.wait()


def gets(log_path, path):
    """How many GET requests for path (such as /tiny.qcow2) the log holds."""
    if not os.path.exists(log_path):
        return 0
    with open(log_path, errors="replace") as handle:
        return sum(1 for line in handle if '"GET %s ' % path in line)


@contextlib.contextmanager
def qcow2_site(tag, sizes):
    """A work directory under /var/tmp (libvirtd sees it there) whose `served` folder holds empty qcow2 images of
    the sizes given by name, served; yields {"work", "served", "log", "url"}, removed afterwards."""
    work = tempfile.mkdtemp(prefix=tag + "-", dir="/var/tmp")
    os.chmod(work, 0o755)
    served = os.path.join(work, "served")
    os.mkdir(served)
    try:
        for name, size in sizes.items():
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", os.path.join(served, name), size], check=True)
        site = {"work": work, "served": served, "log": os.path.join(work, "http.log")}
        with serving(served, site["log"]) as url:
            site["url"] = url
            yield site
    finally:
        shutil.rmtree(work, ignore_errors=True)
