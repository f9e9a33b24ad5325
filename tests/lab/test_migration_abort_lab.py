"""A move whose stream cannot reach the target (issue 24): the target's libvirt answers, but the migration
address swallows QEMU's packets (a filtered port, a dead backplane VLAN). libvirt_migrate aborts the job once
kvm_migration_timeout has passed, and the guest keeps running on the source with the same boot id and its
counter going on; the target is left without the VM and without the volume the move created for its disk.

The source is the lab's libvirtd with a running counter guest whose disk is a volume of a dir pool; the target
is a second real libvirtd in the lab namespace (PrivateLibvirtd) with a dir pool of the same name, so the move
copies the disk as well as the memory. A move's `uri` names the private libvirtd (over its socket), and its
migration address is a loopback address of the lab namespace whose TCP packets a firewall rule there drops:
QEMU's connection hangs as it would at a filtered port, until the abort."""

import os
import shutil
import time
import uuid

import libvirt
import pytest

from tests.labkit import netns, paths
from tests.labkit.counter_guest import console_ticks, counter_sector, guest_xml
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module
from tests.labkit.private_daemons import PrivateLibvirtd

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-a%s" % uuid.uuid4().hex[:4]
POOL, GUEST, VOLUME = TAG + "p", TAG + "run", "run.img"
MIB = 1024 * 1024
FOLDER = "/var/lib/libvirt/" + TAG
# Past the boot sector, data that does not compress: at 1 MiB/s its copy outlasts the timeout.
COPIED_MIB = 32
# The target listens on every address of the lab namespace; TCP to this one is dropped without an answer.
SWALLOWED, TABLE = "127.0.0.47", "ekvm_drop_%s" % TAG[-4:]
TIMEOUT = 8


def dir_pool(conn):
    pool = conn.storagePoolDefineXML(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (POOL, FOLDER), 0
    )
    pool.create(0)
    return pool


@pytest.fixture(scope="module")
def hosts(lab, tmp_path_factory):
    """The lab's libvirtd running the guest, the private one with the pool, the dropping rule; all removed
    afterwards. The pool has the same path on both, as on two hosts: the private libvirtd's /var/lib/libvirt
    is a folder of its own."""
    target = PrivateLibvirtd(str(tmp_path_factory.mktemp("target-libvirtd")))
    os.makedirs(os.path.join(target.dirs["/var/lib/libvirt"], TAG))
    os.makedirs(FOLDER)
    with open(os.path.join(FOLDER, VOLUME), "wb") as handle:
        handle.write(counter_sector().ljust(MIB, b"\0") + os.urandom(COPIED_MIB * MIB))
    source_conn = libvirt.open(LIBVIRT_URI)
    dir_pool(source_conn)
    try:
        netns.execute(paths.NETNS, ["nft", "add", "table", "ip", TABLE])
        netns.execute(paths.NETNS, ["nft", "add chain ip %s out { type filter hook output priority 0 ; }" % TABLE])
        netns.execute(
            paths.NETNS,
            ["nft", "add", "rule", "ip", TABLE, "out", "ip", "daddr", SWALLOWED, "ip", "protocol", "tcp", "drop"],
        )
        target.start()
        target_conn = libvirt.open(target.uri)
        target_pool = dir_pool(target_conn)
        source_conn.defineXML(guest_xml(GUEST, disk=os.path.join(FOLDER, VOLUME), serial=True)).create()
        yield {"source": source_conn, "target": target_conn, "uri": target.uri, "target_pool": target_pool}
    finally:
        remove_tagged(source_conn, TAG)  # the guest, and the pool with its volume
        source_conn.close()
        target.stop()
        netns.execute(paths.NETNS, ["nft", "delete", "table", "ip", TABLE], check=False)
        shutil.rmtree(FOLDER, ignore_errors=True)


def move(hosts, address, **options):
    """One run of libvirt_migrate in the lab namespace moving the guest to the private libvirtd; (result, s)."""
    started = time.monotonic()
    result = run_module(
        "libvirt_migrate",
        dict(
            {
                "uri": LIBVIRT_URI,
                "source": "kvm1",
                "moves": [{"name": GUEST, "target": "kvm2", "address": address, "uri": hosts["uri"]}],
            },
            **options,
        ),
        namespace=paths.NETNS,
        timeout=300,
    )
    return result, time.monotonic() - started


def assert_still_here(hosts, before):
    """The guest runs here, defined, with the same boot id and a higher counter; the target has no VM and no
    volume of it."""
    dom = hosts["source"].lookupByName(GUEST)
    assert dom.isActive() and dom.isPersistent()
    after = console_ticks(hosts["source"], GUEST)
    assert after and after[0] == before[0] and after[1] > before[1], (before, after)
    assert not hosts["target"].listAllDomains(0)
    hosts["target_pool"].refresh(0)
    assert hosts["target_pool"].listVolumes() == []


def test_a_migration_address_whose_stream_ports_are_filtered_is_refused_before_anything_moves(hosts):
    before = console_ticks(hosts["source"], GUEST)
    assert before, "the guest wrote no tick"
    result, seconds = move(hosts, SWALLOWED, timeout=TIMEOUT)
    assert result.get("failed") and not result["changed"], result
    assert result["msg"] == (
        "%s: cannot move to kvm2: QEMU's migration stream would not reach %s (a TCP connection to port 49215 got "
        "no answer within 5 s); nothing moved, the VM stays on kvm1 (open TCP ports 49152-49215 from this host's "
        "migration address to that one)" % (GUEST, SWALLOWED)
    ), result["msg"]
    print("refused after %.1f s" % seconds)
    assert_still_here(hosts, before)


def test_a_move_still_copying_at_the_timeout_is_aborted_and_the_guest_runs_on(hosts):
    """The disk's copy is held to 1 MiB/s, so the move cannot end within the timeout: the abort stops it mid-
    stream, the guest never paused for a switch-over, and the volume the move created on the target is gone."""
    before = console_ticks(hosts["source"], GUEST)
    assert before, "the guest wrote no tick"
    result, seconds = move(hosts, "127.0.0.1", timeout=TIMEOUT, bandwidth=1)
    assert result.get("failed") and not result["changed"], result
    assert result["msg"].startswith(
        "%s: the move to kvm2 did not finish within %d s and was aborted; the VM stays on kvm1" % (GUEST, TIMEOUT)
    ), result["msg"]
    assert result["stayed"] == [GUEST]
    print("aborted after %.1f s (timeout %d s)" % (seconds, TIMEOUT))
    assert_still_here(hosts, before)
