"""`make demo`: boot the demo host VM from a bare Debian image (Debian 13 unless DEMO_SUITE=bookworm),
converge it with the homelab example and playbooks/site.yml twice (the first run installs libvirt,
QEMU and Open vSwitch through the lab's package cache), summarise. The host tests use the same functions
on host VMs of their own."""

import json
import os
import shlex

from . import ansible, hostvm
from .bare_image import SUITES
from .lab import Lab
from .proc import LabError

PLAYBOOK = os.path.join(ansible.ROOT, "playbooks", "site.yml")
HOMELAB = os.path.join(ansible.ROOT, "examples", "homelab", "inventory.yml")
# The host VMs have no spare disk: the homelab's volume group goes on a loop device.
SPARE_IMAGE = "/var/lib/ekvm-spare.img"
SPARE_DISK = (
    f"test -e {SPARE_IMAGE} || truncate -s 2G {SPARE_IMAGE}; "
    f"losetup -j {SPARE_IMAGE} | cut -d: -f1 | grep . || losetup --find --show {SPARE_IMAGE}"
)
# A host VM under TCG on a busy machine may take minutes to confirm a network change.
LAB_VARS = {"config_interfaces_rollback_timeout": 900}
SUMMARY = (
    "echo '== interfaces'; ip -br addr; "
    "echo '== open vswitch'; ovs-vsctl show 2>/dev/null || true; "
    "echo '== storage pools'; virsh pool-list --all; "
    "echo '== networks'; virsh net-list --all; "
    "echo '== virtual machines'; virsh list --all"
)


def connection_inventory(machines, path):
    """An inventory that tells Ansible how to reach each example host: {example host: HostVM}.
    JSON is YAML, and json.dumps quotes the SSH options as one string."""
    options = " ".join(shlex.quote(option) for option in hostvm.ssh_options())
    hosts = dict(
        (
            name,
            {
                "ansible_host": vm.address,
                "ansible_user": "root",
                "ansible_ssh_private_key_file": hostvm.SSH_KEY,
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_ssh_common_args": options,
            },
        )
        for name, vm in machines.items()
    )
    with open(path, "w") as handle:
        json.dump({"all": {"hosts": hosts}}, handle, indent=2)
    return path


def spare_disk(vm):
    """The loop device (created once) that stands in for the homelab's spare disk."""
    return vm.ssh(SPARE_DISK).stdout.split()[0]


def converge(playbook, inventories, names, log=print, args=()):
    """Run the playbook twice: the first run converges, the second must change nothing.
    Returns both results."""
    limit = ["--limit", ",".join(names)] + list(args)
    results = []
    for attempt, label in ((1, "first run: converge"), (2, "second run: expect changed=0")):
        log("demo: %s %s" % (", ".join(names), label))
        result = ansible.playbook(playbook, inventories, args=limit)
        log(result.output)
        if result.rc != 0:
            raise LabError("%s failed on run %d:\n%r" % (os.path.basename(playbook), attempt, result))
        results.append(result)
    changed = dict((name, results[1].changed(name)) for name in names)
    if any(changed.values()):
        raise LabError("the second run changed %s: the roles are not idempotent\n%r" % (changed, results[1]))
    return results


def up(suite="trixie", log=print):
    """The lab first: it runs the package cache the bare image is built and installed through."""
    releases = dict((name, release) for release, name in SUITES.items())
    if suite not in releases:
        raise LabError("DEMO_SUITE is one of %s, not %r" % (", ".join(sorted(releases)), suite))
    Lab().up(log)
    vm = hostvm.HostVM("demo", memory_mib=3072, release=releases[suite])
    hostvm.boot([vm], log)
    inventory = connection_inventory({"homelab": vm}, os.path.join(os.path.dirname(hostvm.INVENTORY), "demo.json"))
    lab_vars = json.dumps(dict(LAB_VARS, homelab_spare_disk=spare_disk(vm)))
    converge(PLAYBOOK, [HOMELAB, inventory], ["homelab"], log, args=["-e", lab_vars])
    log("demo: converged; what the demo host has now:")
    log(vm.ssh(SUMMARY).stdout)
    log("demo: log in with: %s" % shlex.join(vm.ssh_argv()))


def down(log=print):
    hostvm.destroy([hostvm.HostVM("demo")])
    Lab().down(log)
