"""Live migration between the cluster's hypervisors (issue 24), on the shared host VMs the cluster test left
converged (it runs just before; nothing is booted here). A tiny guest (a boot sector that writes a counter to
the serial console every second, tests/labkit/counter_guest.py, on a raw volume in the shared NFS pool, and a
NIC on the VLAN network) is placed on kvm1; changing its `host:` to kvm2 moves it live: it keeps counting
without a reset, ends defined and running only on kvm2, and the next run changes nothing. Only the kvm role
runs (the host networking and Open vSwitch are converged already). libvirt's measured downtime and total time
go to the test log. Maintenance mode's host test (kvm2's VMs away and back) failed in the session 12 rehearsal
and is on branch maint12 (commit e6fea79) until that is understood."""

import base64
import json
import os
import re
import time

import pytest
import yaml

from tests.labkit import ansible, demo
from tests.labkit.counter_guest import counter_sector

pytestmark = pytest.mark.host

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "cluster_kvm_only.yml")
HOST_SETTINGS = os.path.join(HERE, "site_host_settings.yml")
CLUSTER = os.path.join(ansible.ROOT, "examples", "cluster", "inventory.yml")
HOSTS = ("kvm1", "kvm2")
CLUSTER_VARS = os.path.join(ansible.ROOT, "examples", "cluster", "group_vars", "all.yml")
GUEST = "cluster-mig"
VOLUME = GUEST + ".img"
# kvm1 exports the shared pool's directory; both hosts list the volume once their pool is refreshed.
WRITE_VOLUME = "printf '%%s' %s | base64 -d > /srv/cluster-shared/%s && truncate -s 1M /srv/cluster-shared/%s" % (
    base64.b64encode(counter_sector()).decode(),
    VOLUME,
    VOLUME,
)
RUN_TIMEOUT = 900
TICK = re.compile(r"tick ([0-9A-F]{8}) ([0-9A-F]{8})")
# A line of the role's report of the moves (plugins/filter/migration.py, migration_line).
MOVE = re.compile(
    r"^(?P<name>\S+): (?P<source>\S+) -> (?P<target>\S+) \((?P<how>[^)]*)\) in (?P<seconds>[0-9.]+) s"
    r"(, downtime (?P<downtime_ms>\d+) ms, (?P<time_ms>\d+) ms in all by libvirt's measure)?$"
)
# QEMU drops what the guest writes while nobody reads the pty: read a few fresh seconds.
READ_TICKS = "t=$(virsh ttyconsole %s) && stty -F $t raw -echo && timeout 4 cat $t || true"


def guest(host):
    return {
        "name": GUEST,
        "host": host,
        "memory": "64M",
        "vcpus": 1,
        "pool": "cluster-shared",
        "disks": [{"type": "volume", "volume": VOLUME, "format": "raw"}],
        "nics": [{"network": "cluster-vlans", "portgroup": "vlan100"}],
        "serial_console": True,
    }


@pytest.fixture(scope="module")
def cluster(host_vms, tmp_path_factory):
    hosts = host_vms[0]
    assert len(hosts) >= 2, "the cluster needs two host VMs (EKVM_HOSTS)"
    vms = dict(zip(HOSTS, hosts))
    connection = demo.connection_inventory(vms, str(tmp_path_factory.mktemp("migration") / "hosts.json"))
    with open(CLUSTER_VARS) as handle:
        declared = yaml.safe_load(handle)["kvm_vms"]
    vms["kvm1"].ssh(WRITE_VOLUME)
    for vm in vms.values():
        vm.ssh("virsh pool-refresh cluster-shared")
    yield {"vms": vms, "inventories": [CLUSTER, connection], "declared": declared}
    for vm in vms.values():
        vm.ssh("virsh destroy %s; virsh undefine %s" % (GUEST, GUEST), check=False)
    vms["kvm1"].ssh("rm -f /srv/cluster-shared/" + VOLUME, check=False)
    for vm in vms.values():
        vm.ssh("virsh pool-refresh cluster-shared", check=False)


def state(vm, name=GUEST):
    """The VM's state on that host, or None when the host has no such VM."""
    out = vm.ssh("virsh domstate %s" % name, check=False)
    return out.stdout.strip() if out.returncode == 0 else None


def converge(cluster, host, **extra):
    variables = dict(demo.LAB_VARS, kvm_vms=cluster["declared"] + [guest(host)], **extra)
    args = ["--limit", ",".join(HOSTS), "-e", "@" + HOST_SETTINGS]
    return ansible.playbook_with_vars(PLAYBOOK, cluster["inventories"], variables, args=args, timeout=RUN_TIMEOUT)


def ticks(vm):
    """(boot id, last counter) the guest wrote to its serial console in a few seconds, or None."""
    found = TICK.findall(vm.ssh(READ_TICKS % GUEST).stdout)
    return (found[-1][0], int(found[-1][1], 16)) if found else None


def counting(vm, timeout=120):
    """The guest's first ticks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = ticks(vm)
        if got:
            return got
        time.sleep(5)
    pytest.fail("%s wrote no counter to its console within %ss" % (GUEST, timeout))


def reported_moves(result, host):
    """The moves the role reported for the source host (a line each in the message of its report task)."""
    text = result.output.split("TASK [essentials.kvm.kvm : Report the moves]", 1)[1]
    start = text.index("ok: [%s] => " % host) + len("ok: [%s] => " % host)
    lines = json.JSONDecoder().raw_decode(text[start:])[0]["msg"]
    return [MOVE.match(line).groupdict() for line in lines]


def log_moves(record_property, what, moves):
    for move in moves:
        line = "%s: %s %s -> %s (%s), %s s in all, libvirt measured %s ms (downtime %s ms)" % (
            what,
            move["name"],
            move["source"],
            move["target"],
            move["how"],
            move["seconds"],
            move["time_ms"],
            move["downtime_ms"],
        )
        print(line)
        record_property("migration %s %s" % (what, move["name"]), line)


def test_a_changed_host_moves_the_running_guest_live_without_a_reset(cluster, record_property):
    kvm1, kvm2 = cluster["vms"]["kvm1"], cluster["vms"]["kvm2"]
    placed = converge(cluster, "kvm1")
    assert placed.rc == 0, placed
    assert (state(kvm1), state(kvm2)) == ("running", None)
    boot_id, before = counting(kvm1)

    moved = converge(cluster, "kvm2")
    assert moved.rc == 0, moved
    assert moved.changed("kvm1") > 0, moved
    assert (state(kvm1), state(kvm2)) == (None, "running")
    # Defined on kvm2 for good: the definition survives there, and kvm1 forgot it.
    assert kvm2.ssh("virsh dominfo %s | grep -c '^Persistent: *yes'" % GUEST).stdout.strip() == "1"
    after = counting(kvm2, timeout=60)
    assert after[0] == boot_id and after[1] > before, (boot_id, before, after)

    [report] = reported_moves(moved, "kvm1")
    assert (report["name"], report["source"], report["target"], report["how"]) == (
        GUEST,
        "kvm1",
        "kvm2",
        "live, memory only",
    ), report
    log_moves(record_property, "host change, 64 MiB guest, shared NFS disk", [report])

    again = converge(cluster, "kvm2")
    assert again.rc == 0, again
    assert again.changed("kvm1") == 0 and again.changed("kvm2") == 0, again
    assert counting(kvm2, timeout=60)[0] == boot_id
