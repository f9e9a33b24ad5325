"""Live migration between the cluster's hypervisors (issue 24), on the shared host VMs the cluster test left
converged (it runs just before; nothing is booted here). Three test VMs are placed on kvm1: a tiny guest that
writes a counter to its serial console every second (a boot sector, tests/labkit/counter_guest.py) on a raw
volume in the shared NFS pool, with a NIC on the VLAN network; a second such guest whose disk is a volume of a
dir pool of the same name on both hosts (each host's own storage); a shut-off VM on the shared pool.

Then kvm1 goes into maintenance: the three and the example's cluster-app1 move to kvm2 in one run (the shared
guest and cluster-app1 live with their memory only, the local guest live with its disk copied, the shut-off VM
as its definition); maintenance off brings the four back. Then the three's `host:` changed to kvm2 moves them
there, and the next run changes nothing. Both guests keep counting with the same boot id through every move, a
marker written in the local guest's disk on the source before each move is read on the target after (a stale
copy left on the target by an earlier move holds an older one), and each VM ends defined (and running, for the
live ones) only where it belongs. The VMs are kvm1's (Debian 12): kvm2's newer QEMU runs their machine type, not
the other way round, so kvm1 is the host in maintenance, as the first host of a rolling upgrade. Only the kvm
role runs (the host networking and Open vSwitch are converged already), five runs in all. libvirt's measured
downtime and total time of every move, and each run's seconds, go to the test log."""

import base64
import json
import os
import re
import time

import pytest
import yaml

from tests.labkit import ansible, demo
from tests.labkit.counter_guest import counter_sector
from tests.labkit.tls_ca import Ca

pytestmark = pytest.mark.host

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "cluster_kvm_only.yml")
HOST_SETTINGS = os.path.join(HERE, "site_host_settings.yml")
CLUSTER = os.path.join(ansible.ROOT, "examples", "cluster", "inventory.yml")
HOSTS = ("kvm1", "kvm2")
CLUSTER_VARS = os.path.join(ansible.ROOT, "examples", "cluster", "group_vars", "all.yml")
HOST_VARS = os.path.join(ansible.ROOT, "examples", "cluster", "host_vars")
GUEST = "cluster-mig"
VOLUME = GUEST + ".img"
LOCAL = "cluster-mig-local"
LOCAL_VOLUME = LOCAL + ".img"
OFF = "cluster-mig-off"
OFF_VOLUME = OFF + ".img"
GUESTS = (GUEST, LOCAL, OFF)
# The example's VM on kvm1, which moves with kvm1's test VMs while kvm1 is in maintenance; kvm2's stays.
APP1, APP2 = "cluster-app1", "cluster-app2"
# The boot sector runs in far less; a smaller guest has less memory to send under TCG.
MEMORY = "32M"
# A dir pool of the same name on both hosts: each host's own storage, so a live move copies the disk.
LOCAL_POOL = {"name": "cluster-local", "type": "dir", "target": {"path": "/var/lib/libvirt/cluster-local"}}
LOCAL_PATH = "%s/%s" % (LOCAL_POOL["target"]["path"], LOCAL_VOLUME)
# Past the boot sector, in the local guest's disk, written on the source before each move and read on the
# target after: a copy an earlier move left on the target holds the marker before, so the right one read there
# shows the move copied the disk over it. One length for all.
MARKER_OFFSET = 65536
AWAY, BACK, MOVED = "ekvm-marker-away", "ekvm-marker-back", "ekvm-marker-move"
SECTOR = base64.b64encode(counter_sector()).decode()


def write_marker(marker):
    return "printf %%s %s | dd of=%s bs=1 seek=%d conv=notrunc,fsync status=none" % (marker, LOCAL_PATH, MARKER_OFFSET)


# kvm1 exports the shared pool's directory; both hosts list the volumes once their pool is refreshed. The local
# guest's disk is written on kvm1 before its pool is defined (the pool's directory takes it as it is).
WRITE_VOLUMES = (
    "printf '%%s' %s | base64 -d > /srv/cluster-shared/%s && truncate -s 1M /srv/cluster-shared/%s && "
    "truncate -s 1M /srv/cluster-shared/%s && mkdir -p %s && printf '%%s' %s | base64 -d > %s && "
    "truncate -s 1M %s && %s"
    % (
        SECTOR,
        VOLUME,
        VOLUME,
        OFF_VOLUME,
        LOCAL_POOL["target"]["path"],
        SECTOR,
        LOCAL_PATH,
        LOCAL_PATH,
        write_marker(AWAY),
    )
)
READ_MARKER = "dd if=%s bs=1 skip=%d count=%d status=none" % (LOCAL_PATH, MARKER_OFFSET, len(AWAY))
# Written into the stale copy a move left on a host (if it did) where the disk has zeros (a hole of the sparse
# file): a copy back onto that volume must leave it an exact copy, zeros there too.
STALE_OFFSET, STALE = 131072, "ekvm-stale-data!"
WRITE_STALE = "if [ -e %s ]; then printf %%s %s | dd of=%s bs=1 seek=%d conv=notrunc,fsync status=none; fi" % (
    LOCAL_PATH,
    STALE,
    LOCAL_PATH,
    STALE_OFFSET,
)
READ_STALE = "dd if=%s bs=1 skip=%d count=%d status=none | tr -d '\\000'" % (LOCAL_PATH, STALE_OFFSET, len(STALE))
# Whatever is gone already is fine: a VM or pool never made, a local volume a move removed from its source.
REMOVE = (
    "for d in %s; do virsh destroy $d; virsh undefine $d; done; virsh pool-destroy {name}; "
    "virsh pool-undefine {name}; rm -rf {path}" % " ".join(GUESTS)
).format(name=LOCAL_POOL["name"], path=LOCAL_POOL["target"]["path"])
RUN_TIMEOUT = 900
TICK = re.compile(r"tick ([0-9A-F]{8}) ([0-9A-F]{8})")
# A line of the role's report of the moves (plugins/filter/migration.py, migration_line).
MOVE = re.compile(
    r"^(?P<name>\S+): (?P<source>\S+) -> (?P<target>\S+) \((?P<how>[^)]*)\) in (?P<seconds>[0-9.]+) s"
    r"(, downtime (?P<downtime_ms>\d+) ms, (?P<time_ms>\d+) ms in all by libvirt's measure)?$"
)
# How each VM moves, as the report starts it (what follows, if anything, is the move's own detail).
HOW = {
    APP1: "live, memory only",
    GUEST: "live, memory only",
    LOCAL: "live, disks vda copied",
    OFF: "shut off",
}
# QEMU drops what the guest writes while nobody reads the pty: read a few fresh seconds.
READ_TICKS = "t=$(virsh ttyconsole %s) && stty -F $t raw -echo && timeout 4 cat $t || true"
# Per host, from one extra variable: only kvm1 is in maintenance. Its four VMs move at once.
MAINTENANCE = {"kvm_maintenance": "{{ inventory_hostname == 'kvm1' }}", "kvm_migration_parallel": 4}
# Three runs in the maintenance test, each up to a few minutes under TCG inside TCG on a loaded machine.
TEST_TIMEOUT = 2400


def guests(host):
    counter = {
        "name": GUEST,
        "host": host,
        "memory": MEMORY,
        "vcpus": 1,
        "pool": "cluster-shared",
        "disks": [{"type": "volume", "volume": VOLUME, "format": "raw"}],
        "nics": [{"network": "cluster-vlans", "portgroup": "vlan100"}],
        "serial_console": True,
    }
    local = dict(counter, name=LOCAL, pool=LOCAL_POOL["name"], nics=[])
    local["disks"] = [{"type": "volume", "volume": LOCAL_VOLUME, "format": "raw"}]
    off = dict(counter, name=OFF, state="shutdown", nics=[], serial_console=False)
    off["disks"] = [{"type": "volume", "volume": OFF_VOLUME, "format": "raw"}]
    return [counter, local, off]


@pytest.fixture(scope="module")
def cluster(host_vms, tmp_path_factory):
    hosts = host_vms[0]
    assert len(hosts) >= 2, "the cluster needs two host VMs (EKVM_HOSTS)"
    vms = dict(zip(HOSTS, hosts))
    connection = demo.connection_inventory(vms, str(tmp_path_factory.mktemp("migration") / "hosts.json"))
    with open(CLUSTER_VARS) as handle:
        example = yaml.safe_load(handle)
    # The example's pools with its NFS server's address filled in (extra variables are given as data), and
    # the dir pool.
    pools = json.loads(
        json.dumps(example["kvm_storage_pools"])
        .replace("{{ cluster_nfs_server }}", example["cluster_nfs_server"])
        .replace("{{ cluster_nfs_dir }}", example["cluster_nfs_dir"])
    )
    for vm in vms.values():
        vm.ssh(REMOVE, check=False)
    vms["kvm1"].ssh(WRITE_VOLUMES)
    for vm in vms.values():
        vm.ssh("virsh pool-refresh cluster-shared")
    yield {"vms": vms, "inventories": [CLUSTER, connection], "declared": example["kvm_vms"], "pools": pools}
    for vm in vms.values():
        vm.ssh(REMOVE, check=False)
    vms["kvm1"].ssh("rm -f /srv/cluster-shared/%s /srv/cluster-shared/%s" % (VOLUME, OFF_VOLUME), check=False)
    for vm in vms.values():
        vm.ssh("virsh pool-refresh cluster-shared", check=False)


def domains(vm, names):
    """{name: (state, defined for good)} of those of the VMs the host has, from two virsh calls in one SSH login
    (each login and each virsh call costs a second or so under TCG)."""
    listed, transient = vm.ssh("virsh list --all && echo == && virsh list --all --transient --name").stdout.split("==")
    found = {}
    for line in listed.splitlines()[2:]:
        fields = line.split(None, 2)
        if len(fields) == 3 and fields[1] in names:
            found[fields[1]] = (fields[2].strip(), fields[1] not in transient.split())
    return found


def converge(cluster, host, runs, what, **extra):
    """The kvm role's run with the test VMs declared on host; its seconds go to runs for the test log."""
    variables = dict(
        demo.LAB_VARS,
        kvm_vms=cluster["declared"] + guests(host),
        kvm_storage_pools=cluster["pools"] + [LOCAL_POOL],
        kvm_migration_parallel=3,
    )
    variables.update(extra)
    args = ["--limit", ",".join(HOSTS), "-e", "@" + HOST_SETTINGS]
    started = time.monotonic()
    result = ansible.playbook_with_vars(PLAYBOOK, cluster["inventories"], variables, args=args, timeout=RUN_TIMEOUT)
    runs.append("%s %.0f s" % (what, time.monotonic() - started))
    print("run: " + runs[-1])
    return result


def ticks(vm, names):
    """{name: (boot id, last counter)} each guest wrote to its serial console in a few seconds (the consoles read
    side by side in one SSH login); a guest that wrote none is left out."""
    script = " ".join("({ %s; } | sed 's/^/%s /') &" % (READ_TICKS % name, name) for name in names) + " wait"
    lines = vm.ssh(script).stdout.splitlines()
    found = {}
    for name in names:
        seen = TICK.findall("\n".join(line for line in lines if line.split(" ", 1)[0] == name))
        if seen:
            found[name] = (seen[-1][0], int(seen[-1][1], 16))
    return found


def counting(vm, names, timeout=120):
    """Each guest's first ticks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = ticks(vm, names)
        if len(got) == len(names):
            return got
        time.sleep(5)
    pytest.fail(
        "%s wrote no counter to the console within %ss" % (", ".join(n for n in names if n not in got), timeout)
    )


def counted_on(vm, before):
    """Each guest's ticks on vm, asserted to go on from before ({name: (boot id, counter)}): the same boot id
    and a higher counter, so no reset. Returns the new ticks."""
    after = counting(vm, sorted(before), timeout=60)
    for name in before:
        assert after[name][0] == before[name][0] and after[name][1] > before[name][1], (name, before[name], after)
    return after


def reported_moves(result, host):
    """The moves the role reported for the source host (a line each in the message of its report task)."""
    text = result.output.split("TASK [essentials.kvm.kvm : Report the moves]", 1)[1]
    start = text.index("ok: [%s] => " % host) + len("ok: [%s] => " % host)
    lines = json.JSONDecoder().raw_decode(text[start:])[0]["msg"]
    return [MOVE.match(line).groupdict() for line in lines]


def assert_moves(moves, source, target, names):
    """The report names exactly these VMs, each moved from source to target the way HOW says."""
    assert sorted(move["name"] for move in moves) == sorted(names), moves
    for move in moves:
        assert (move["source"], move["target"]) == (source, target), move
        assert move["how"].startswith(HOW[move["name"]]), move


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


def log_runs(record_property, what, runs):
    line = "%s: %s" % (what, ", ".join(runs))
    print(line)
    record_property("runs " + what, line)


def read(path):
    with open(path) as handle:
        return handle.read()


def tls_variables(folder):
    """The operator's CA and each hypervisor's certificates and keys as PEM text, the way an inventory gives them
    (per host by inventory_hostname): server certificates naming the host's migration address (its storage
    network's, as the example sends migrations there), client certificates for the moves it makes. libvirt's TLS
    socket listens on that address (the site's host settings keep the sockets on 127.0.0.1)."""
    ca = Ca(folder, "ekvm-cluster-ca")
    pem = {}
    for host in HOSTS:
        with open(os.path.join(HOST_VARS, host + ".yml")) as handle:
            address = yaml.safe_load(handle)["cluster_storage_address"]
        server = ca.issue(host + "-server", "serverAuth", "IP:%s,DNS:%s" % (address, host))
        client = ca.issue(host + "-client", "clientAuth")
        pem[host] = dict(zip(("server_key", "server_cert", "client_key", "client_cert"), map(read, server + client)))
    variables = {
        "ekvm_test_tls": pem,
        "kvm_tls_ca_cert": read(ca.cert),
        "kvm_listen_addr": "{{ cluster_storage_address }}",
    }
    for name in ("server_key", "server_cert", "client_key", "client_cert"):
        variables["kvm_tls_" + name] = "{{ ekvm_test_tls[inventory_hostname].%s }}" % name
    return variables


def warned(result):
    """The run's warnings: why a source's copy stayed, if it did."""
    return [line for line in result.output.splitlines() if "WARNING" in line]


def local_copy(vm):
    """Whether the host still has a volume file of the local guest's disk: a move that copied it deletes the
    source's copy once the guest runs on the target."""
    return vm.ssh("test -e %s && echo kept || echo gone" % LOCAL_PATH).stdout.strip() == "kept"


def placed_on(where):
    """What domains() must find for the VMs a host has: where is {name: state}, and each is defined for good."""
    return dict((name, (state, True)) for name, state in where.items())


@pytest.mark.timeout(TEST_TIMEOUT)
def test_maintenance_moves_the_hosts_vms_away_uninterrupted_and_back_after(cluster, record_property):
    """kvm1 (Debian 12, the older QEMU) goes into maintenance, as the first host of a rolling upgrade would: a
    VM defined on Debian 13 has its machine type (pc-i440fx-10.0) and cannot run on Debian 12, so kvm2's VMs
    could not be its subject (the move refuses them before anything moves, test_migration_read)."""
    kvm1, kvm2 = cluster["vms"]["kvm1"], cluster["vms"]["kvm2"]
    everything = GUESTS + (APP1, APP2)
    kvm1_vms = {GUEST: "running", LOCAL: "running", OFF: "shut off", APP1: "running"}
    runs = []
    placed = converge(cluster, "kvm1", runs, "placing the test VMs")
    assert placed.rc == 0, placed
    assert (domains(kvm1, everything), domains(kvm2, everything)) == (
        placed_on(kvm1_vms),
        placed_on({APP2: "running"}),
    )
    before = counting(kvm1, [GUEST, LOCAL])

    # Defined (and running, for the live ones) on kvm2 for good, and kvm1 forgot them.
    away = converge(cluster, "kvm1", runs, "maintenance on", **MAINTENANCE)
    assert away.rc == 0, away
    assert (domains(kvm1, everything), domains(kvm2, everything)) == (
        {},
        placed_on(dict(kvm1_vms, **{APP2: "running"})),
    )
    moves = reported_moves(away, "kvm1")
    assert_moves(moves, "kvm1", "kvm2", GUESTS + (APP1,))
    log_moves(record_property, "maintenance on, 4 at a time", moves)
    away_ticks = counted_on(kvm2, before)
    # The local disk was copied into a volume created on kvm2, marker and all, and kvm1's copy was deleted.
    assert kvm2.ssh(READ_MARKER).stdout == AWAY
    assert not local_copy(kvm1), warned(away)
    kvm2.ssh(write_marker(BACK))
    kvm1.ssh(WRITE_STALE)

    back = converge(cluster, "kvm1", runs, "maintenance off", kvm_maintenance=False, kvm_migration_parallel=4)
    assert back.rc == 0, back
    assert (domains(kvm1, everything), domains(kvm2, everything)) == (
        placed_on(kvm1_vms),
        placed_on({APP2: "running"}),
    )
    moves = reported_moves(back, "kvm2")
    assert_moves(moves, "kvm2", "kvm1", GUESTS + (APP1,))
    log_moves(record_property, "maintenance off, 4 at a time", moves)
    counted_on(kvm1, away_ticks)
    # The disk copied back over kvm1's copy from before maintenance (marker AWAY, and the stale data written
    # since), or into a volume created again if the move away removed that copy.
    marker, stale = kvm1.ssh(READ_MARKER + "; echo; " + READ_STALE).stdout.split("\n")
    assert marker == BACK
    assert stale == "", "kvm1's copy of %s keeps data the disk copied back does not have" % LOCAL
    assert not local_copy(kvm2), warned(back)
    log_runs(record_property, "maintenance", runs)
    cluster["ticks"] = before


def test_a_changed_host_moves_running_guests_live_and_a_shut_off_vm_as_its_definition_over_tls(
    cluster, record_property, tmp_path
):
    """The same run gives both hypervisors the operator's CA, certificates and keys (kvm_tls_*): libvirt's TLS
    socket comes on where the other reaches it, and the moves go over qemu+tls (kvm_migration_transport auto),
    without the SSH trust of the maintenance moves."""
    kvm1, kvm2 = cluster["vms"]["kvm1"], cluster["vms"]["kvm2"]
    tls = tls_variables(str(tmp_path))
    assert "ticks" in cluster, "the maintenance test runs first and leaves the VMs back on kvm1"
    test_vms = {GUEST: "running", LOCAL: "running", OFF: "shut off"}
    assert (domains(kvm1, GUESTS), domains(kvm2, GUESTS)) == (placed_on(test_vms), {})
    before = counted_on(kvm1, cluster["ticks"])
    kvm1.ssh(write_marker(MOVED))

    runs = []
    moved = converge(cluster, "kvm2", runs, "host changed to kvm2, over TLS", **tls)
    assert moved.rc == 0, moved
    assert moved.changed("kvm1") > 0, moved
    # Defined (and running, for the guests) on kvm2 for good, and kvm1 forgot them.
    assert (domains(kvm1, GUESTS), domains(kvm2, GUESTS)) == ({}, placed_on(test_vms))
    counted_on(kvm2, before)
    # The local disk was copied into a volume created on kvm2 (the move back deleted kvm2's), and kvm1's deleted.
    assert kvm2.ssh(READ_MARKER).stdout == MOVED
    assert not local_copy(kvm1), warned(moved)

    moves = reported_moves(moved, "kvm1")
    assert_moves(moves, "kvm1", "kvm2", GUESTS)
    assert all(move["how"].endswith(", over TLS") for move in moves), moves
    log_moves(record_property, "host change over TLS, 3 at a time", moves)

    again = converge(cluster, "kvm2", runs, "a run that changes nothing", **tls)
    assert again.rc == 0, again
    assert again.changed("kvm1") == 0 and again.changed("kvm2") == 0, again
    assert counting(kvm2, [GUEST])[GUEST][0] == before[GUEST][0]
    log_runs(record_property, "host change", runs)
