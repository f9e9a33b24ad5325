"""`make demo`: boot the demo host VM from a bare Debian image (Debian 13 unless DEMO_SUITE=bookworm),
converge it with the homelab example and playbooks/site.yml twice (the first run installs libvirt,
QEMU and Open vSwitch through the lab's package cache), summarise, and log into one of the homelab's
guests through the host. The guests boot the lab's tiny image (tiny_image.py), declared as a user
declares a cloud image. The host tests use the same functions on host VMs of their own."""

import copy
import json
import os
import shlex
import time

import yaml

from . import ansible, hostvm, image_server
from .bare_image import SUITES
from .lab import Lab
from .proc import LabError, run
from .tiny_image import QCOW2, TinyImage

PLAYBOOK = os.path.join(ansible.ROOT, "playbooks", "site.yml")
HOMELAB = os.path.join(ansible.ROOT, "examples", "homelab", "inventory.yml")
HOMELAB_VARS = os.path.join(ansible.ROOT, "examples", "homelab", "host_vars", "homelab.yml")
# The guest the demo logs into: on the homelab's NAT network, whose DHCP server is the host.
GUEST = "homelab-db"
GUEST_NETWORK = "homelab-nat"
# Two guests nested under TCG in a 2-vCPU host VM: one took 686 s alone, the pair 15 minutes.
GUEST_TIMEOUT = 1800
# The host VMs' management network is isolated (no default route): the image server's address is
# reached through the lab namespace, the management network's DHCP server.
IMAGE_SERVER_ROUTE = "ip route replace %s/32 via %s1" % (image_server.ADDRESS, hostvm.MGMT_PREFIX)
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


def guest_vars(image, pubkey):
    """The homelab's VMs on the lab's tiny image, declared as the example's comment tells a user to
    boot a cloud image: kvm_images names the served file with its checksum, each VM's first disk is
    `{image: homelab-os}` of the example's size, and the user-data carries the lab's SSH key."""
    with open(HOMELAB_VARS) as handle:
        vms = copy.deepcopy(yaml.safe_load(handle)["kvm_vms"])
    for vm in vms:
        # The example's first disk (type new) becomes the image, keeping its size and format; a raw
        # disk (the logical volume) is a full copy, since an overlay is qcow2.
        disk = dict(((k, v) for k, v in vm["disks"][0].items() if k != "type"), image="homelab-os")
        vm["disks"][0] = dict(disk, clone="full") if disk.get("format") == "raw" else disk
        for user in vm["cloud_init"]["user_data"]["users"]:
            user["ssh_authorized_keys"] = [pubkey.strip()]
    images = [
        {
            "name": "homelab-os",
            "url": "%s/tiny/%s" % (image_server.URL, QCOW2),
            "checksum": "sha256:" + image.sha256(),
            "pool": "homelab-images",
        }
    ]
    return {"kvm_images": images, "kvm_vms": vms}


def guest_address(vm, timeout=GUEST_TIMEOUT):
    """The guest's address from the host's DHCP leases: the guest asks once its kernel is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leases = vm.ssh("virsh -q net-dhcp-leases %s" % GUEST_NETWORK, check=False).stdout.split()
        found = [word.split("/")[0] for word in leases if word.count(".") == 3 and "/" in word]
        if found:
            return found[0]
        time.sleep(10)
    raise LabError("%s got no DHCP lease on %s within %ss" % (GUEST, GUEST_NETWORK, timeout))


def guest_ssh_argv(vm, address, command=None):
    """ssh to a guest with its host VM as the jump host: the host VM's own ProxyCommand (through the
    lab namespace) is spelled out with its address, so the outer ssh expands only its own %h:%p."""
    jump = [word.replace("%h", vm.address).replace("%p", "22") for word in vm.ssh_argv()]
    options = hostvm.ssh_options()
    pairs = [options[i : i + 2] for i in range(0, len(options), 2)]
    rest = [word for pair in pairs if not pair[1].startswith("ProxyCommand=") for word in pair]
    proxy = "ProxyCommand=%s -W %%h:%%p" % shlex.join(jump)
    return ["ssh", "-i", hostvm.SSH_KEY, "-o", proxy] + rest + ["root@" + address] + ([command] if command else [])


def log_into_guest(vm, log=print):
    """Wait for the guest's lease and SSH, then print its hostname and uptime."""
    address = guest_address(vm)
    deadline = time.monotonic() + GUEST_TIMEOUT
    while True:
        result = run(guest_ssh_argv(vm, address, "hostname; uptime"), check=False, timeout=120)
        if result.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise LabError("%s (%s) did not answer SSH: %s" % (GUEST, address, result.stderr.strip()))
        time.sleep(10)
    log("demo: %s answers through the host:\n%s" % (GUEST, result.stdout.strip()))
    return result.stdout


def up(suite="trixie", log=print):
    """The lab first: it runs the package cache the bare image is built and installed through."""
    releases = dict((name, release) for release, name in SUITES.items())
    if suite not in releases:
        raise LabError("DEMO_SUITE is one of %s, not %r" % (", ".join(sorted(releases)), suite))
    Lab().up(log)
    image = TinyImage().ensure(log)
    vm = hostvm.HostVM("demo", memory_mib=3072, release=releases[suite])
    hostvm.boot([vm], log)
    converge_homelab(vm, image, log)
    log("demo: converged; what the demo host has now:")
    log(vm.ssh(SUMMARY).stdout)
    log_into_guest(vm, log)
    log("demo: log in with: %s" % shlex.join(vm.ssh_argv()))


def converge_homelab(vm, image, log=print):
    """The homelab example on the host VM, its guests on the tiny image: site.yml twice."""
    folder = os.path.dirname(hostvm.INVENTORY)
    inventory = connection_inventory({"homelab": vm}, os.path.join(folder, "%s.json" % vm.name))
    guests = os.path.join(folder, "%s-guests.json" % vm.name)
    with open(guests, "w") as handle:
        json.dump(guest_vars(image, hostvm.ensure_key()), handle, indent=2)
    vm.ssh(IMAGE_SERVER_ROUTE)
    lab_vars = json.dumps(dict(LAB_VARS, homelab_spare_disk=spare_disk(vm)))
    converge(PLAYBOOK, [HOMELAB, inventory], ["homelab"], log, args=["-e", lab_vars, "-e", "@" + guests])


def down(log=print):
    hostvm.destroy([hostvm.HostVM("demo")])
    Lab().down(log)
