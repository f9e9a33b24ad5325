"""The first run on bare host VMs: playbooks/site.yml with nothing declared, so the roles install
libvirt, QEMU and Open vSwitch from Debian's archive (through the lab's package cache) and start
them, as on a user's fresh server. The host tests that share the VMs then find a hypervisor."""

import os
import time

from . import ansible, hostvm
from .proc import LabError

SITE = os.path.join(ansible.ROOT, "playbooks", "site.yml")
# site.yml runs on the group `hypervisors`; the lab's inventory calls its hosts `lab_hosts`.
GROUP = "[hypervisors:children]\nlab_hosts\n"
# Generous: `make test` runs it in the background at a low priority while the lab tests run (shared_hosts.py).
TIMEOUT = 3000


def install(hosts, log=print):
    """Converge the given HostVMs with nothing declared; returns the seconds it took."""
    group = os.path.join(os.path.dirname(hostvm.INVENTORY), "hypervisors.ini")
    with open(group, "w") as handle:
        handle.write(GROUP)
    names = [h.name for h in hosts]
    log("host VMs %s: first run on a bare host, the roles install the hypervisor" % ", ".join(names))
    started = time.monotonic()
    result = ansible.playbook(SITE, [hostvm.INVENTORY, group], timeout=TIMEOUT, args=["--limit", ",".join(names)])
    seconds = time.monotonic() - started
    if result.rc != 0:
        raise LabError("site.yml with nothing declared failed on %s:\n%r" % (", ".join(names), result))
    unchanged = [name for name in names if not result.changed(name)]
    if unchanged:
        raise LabError("the first run on bare hosts %s changed nothing: were they bare?\n%r" % (unchanged, result))
    log("host VMs %s: installed in %.0f s" % (", ".join(names), seconds))
    return seconds
