"""Where the lab keeps its state; everything it creates is named with the `ekvm-` prefix."""

import os

PREFIX = "ekvm-"
NETNS = PREFIX + "lab"
STATE = os.environ.get("EKVM_LAB_STATE", "/var/tmp/ekvm-lab")
CACHE = os.environ.get("EKVM_LAB_CACHE", "/var/cache/ekvm-lab")
RUN = os.path.join(STATE, "run")
LOGS = os.path.join(STATE, "logs")
HOSTS = os.path.join(STATE, "hosts")


def ensure_dirs():
    for path in (STATE, RUN, LOGS, HOSTS, CACHE):
        os.makedirs(path, exist_ok=True)
        # qemu runs as libvirt-qemu and must traverse these folders to reach disks and kernels.
        os.chmod(path, 0o755)
