"""`make demo`: boot the demo host VM, converge it with playbooks/site.yml twice, summarise."""
import os
import shlex

from . import ansible, hostvm
from .lab import Lab
from .proc import LabError

PLAYBOOK = os.path.join(ansible.ROOT, "playbooks", "site.yml")
INVENTORY = os.path.join(ansible.ROOT, "examples", "demo", "inventory.yml")
SUMMARY = (
    "echo '== interfaces'; ip -br addr; "
    "echo '== open vswitch'; ovs-vsctl show 2>/dev/null || true; "
    "echo '== storage pools'; virsh pool-list --all; "
    "echo '== networks'; virsh net-list --all; "
    "echo '== virtual machines'; virsh list --all"
)


def up(log=print):
    Lab().up(log)
    host = hostvm.HostVM("demo", memory_mib=3072)
    connection = hostvm.boot([host], log)
    inventories = [connection, INVENTORY]
    for attempt, label in ((1, "first run: converge"), (2, "second run: expect changed=0")):
        log("demo: %s" % label)
        result = ansible.playbook(PLAYBOOK, inventories, args=["--limit", "demo"])
        log(result.output)
        if result.rc != 0:
            raise LabError("site.yml failed on run %d" % attempt)
    if result.changed("demo") != 0:
        raise LabError("the second run changed %d things: the roles are not idempotent"
                       % result.changed("demo"))
    log("demo: converged; what the demo host has now:")
    log(host.ssh(SUMMARY).stdout)
    log("demo: log in with: %s" % shlex.join(host.ssh_argv()))


def down(log=print):
    hostvm.destroy([hostvm.HostVM("demo")])
    Lab().down(log)
