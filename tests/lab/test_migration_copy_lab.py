"""Moves that copy disks (issue 24), through libvirt_migrate with the lab's libvirtd as the source and a second real
libvirtd as the target (labkit/private_daemons.PrivateLibvirtd: its own /var/lib/libvirt, so a dir pool of the same
name and path is another host's own storage; a move's `uri` names its socket), which runs guests too.

Proven: a shut-off VM with a dir-pool disk moves as its definition plus its disk, copied over libvirt streams (a
marker written at an offset is in the target's volume), the source's volume is deleted, and neither a second run
nor check mode changes anything; keep_source_disks keeps it, and so does another VM of the source using it. A
copy that fails (the target's pool too small, a copy aborted past the move's timeout) leaves the VM and its disk
on the source and no volume on the target. A CPU feature the target's QEMU (TCG) lacks refuses the move naming the
feature, nothing moved. A running guest (host-model: its expanded CPU is compared and found on the target) moves
live with its disk copied, and its source volume is deleted after.
"""

import os
import shutil
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.filter.migration import migration_line
from tests.labkit import paths
from tests.labkit.counter_guest import counter_sector
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged, state
from tests.labkit.module_process import run_module
from tests.labkit.private_daemons import PrivateLibvirtd
from tests.labkit.proc import run

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-c%s" % uuid.uuid4().hex[:4]
POOL, SMALL = TAG + "p", TAG + "s"
# The same path on both daemons: the lab's real folder, the private daemon's own /var/lib/libvirt.
POOL_PATH, SMALL_PATH = "/var/lib/libvirt/" + POOL, "/var/lib/libvirt/" + SMALL
MIB = 1024 * 1024
MARKER, MARKER_AT = b"ekvm-copy-marker", 5 * MIB + 12345
# A CPU feature QEMU's TCG does not give (virsh domcapabilities --virttype qemu lists no avx512f).
MISSING_FEATURE = "avx512f"


def pool_xml(name, path):
    pool = ET.Element("pool", type="dir")
    ET.SubElement(pool, "name").text = name
    ET.SubElement(ET.SubElement(pool, "target"), "path").text = path
    return ET.tostring(pool, encoding="unicode")


def add_pool(conn, name, path):
    pool = conn.storagePoolDefineXML(pool_xml(name, path), 0)
    pool.build(0)
    pool.create(0)
    return pool


@pytest.fixture(scope="module")
def target(tagged_folder):
    """The private libvirtd with the pool POOL, and SMALL: a pool on a 2 MiB tmpfs mounted in the
    daemon's own mount namespace (gone with it)."""
    daemon = PrivateLibvirtd(os.path.join(tagged_folder, "target"))
    os.makedirs(daemon.folder)
    daemon.start()
    conn = libvirt.open(daemon.uri)
    try:
        add_pool(conn, POOL, POOL_PATH)
        os.makedirs(os.path.join(daemon.dirs["/var/lib/libvirt"], SMALL))
        run(["nsenter", "-t", str(daemon.pid()), "-m", "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", SMALL_PATH])
        add_pool(conn, SMALL, SMALL_PATH)
        yield {"conn": conn, "uri": daemon.uri, "root": daemon.dirs["/var/lib/libvirt"]}
    finally:
        remove_tagged(conn, TAG)
        conn.close()
        daemon.stop()


@pytest.fixture(scope="module")
def source(lab):
    conn = libvirt.open(LIBVIRT_URI)
    try:
        add_pool(conn, POOL, POOL_PATH)
        add_pool(conn, SMALL, SMALL_PATH)
        yield conn
    finally:
        remove_tagged(conn, TAG)
        conn.close()
        for path in (POOL_PATH, SMALL_PATH):
            shutil.rmtree(path, ignore_errors=True)


def volume(conn, pool, name, size_mib, content=b"", random=False):
    """A raw volume of pool: content at its start (random bytes throughout when random), MARKER at MARKER_AT."""
    vol = conn.storagePoolLookupByName(pool).createXML(
        "<volume><name>%s</name><capacity unit='MiB'>%d</capacity><allocation>0</allocation>"
        "<target><format type='raw'/></target></volume>" % (name, size_mib),
        0,
    )
    with open(vol.path(), "r+b") as handle:
        if random:
            handle.write(os.urandom(size_mib * MIB))
        handle.seek(0)
        handle.write(content)
        handle.seek(MARKER_AT)
        handle.write(MARKER)
    return vol


def domain_xml(name, path, cpu_feature=None, host_model=False):
    """A 32 MiB TCG guest booting the raw disk at path; its CPU qemu64 requiring cpu_feature, or host-model."""
    dom = ET.Element("domain", type="qemu")
    ET.SubElement(dom, "name").text = name
    ET.SubElement(dom, "memory", unit="MiB").text = "32"
    os_el = ET.SubElement(dom, "os")
    ET.SubElement(os_el, "type", arch="x86_64", machine="pc").text = "hvm"
    if cpu_feature:
        cpu = ET.SubElement(dom, "cpu", mode="custom", match="exact")
        ET.SubElement(cpu, "model", fallback="forbid").text = "qemu64"
        ET.SubElement(cpu, "feature", policy="require", name=cpu_feature)
    if host_model:
        ET.SubElement(dom, "cpu", mode="host-model")
    devices = ET.SubElement(dom, "devices")
    disk = ET.SubElement(devices, "disk", type="file", device="disk")
    ET.SubElement(disk, "driver", name="qemu", type="raw")
    ET.SubElement(disk, "source", file=path)
    ET.SubElement(disk, "target", dev="vda", bus="virtio")
    return ET.tostring(dom, encoding="unicode")


def shut_off_vm(conn, name, pool=POOL, size_mib=8, random=False, cpu_feature=None):
    vol = volume(conn, pool, name + ".img", size_mib, random=random)
    conn.defineXML(domain_xml(name, vol.path(), cpu_feature))
    return vol.path()


def move(target, name, check_mode=False, **options):
    params = dict(options, uri=LIBVIRT_URI, source="kvm1", _ansible_check_mode=check_mode)
    params["moves"] = [{"name": name, "target": "kvm2", "address": "127.0.0.1", "uri": target["uri"]}]
    return run_module("libvirt_migrate", params, namespace=paths.NETNS, timeout=300)


def volumes(conn, pool):
    return sorted(conn.storagePoolLookupByName(pool).listVolumes())


def marker_in(path):
    with open(path, "rb") as handle:
        handle.seek(MARKER_AT)
        return handle.read(len(MARKER)) == MARKER


def test_a_shut_off_vm_moves_with_its_disk_and_the_source_copy_is_deleted(source, target):
    name = TAG + "off"
    path = shut_off_vm(source, name)
    before = os.stat(path).st_size

    planned = move(target, name, check_mode=True)
    assert planned["changed"] and not planned.get("failed"), planned
    assert planned["moves"] == [{"name": name, "from": "kvm1", "to": "kvm2"}]
    assert state(source, name) == (True, False) and state(target["conn"], name) is None
    assert volumes(target["conn"], POOL) == [] and os.path.exists(path)

    moved = move(target, name)
    assert moved["changed"] and not moved.get("failed"), moved
    [report] = moved["moves"]
    assert (report["live"], report["copied"], report["removed"]) == (False, ["vda"], ["%s/%s.img" % (POOL, name)])
    print(migration_line(report))
    assert migration_line(report).startswith("%s: kvm1 -> kvm2 (shut off, disks vda copied) in " % name)
    assert moved["done"] == [
        "%s: move kvm1 -> kvm2 (shut off, disks vda copied) in %.1f s" % (name, report["seconds"]),
        "%s: delete volume %s/%s.img on kvm1 (copied to kvm2)" % (name, POOL, name),
    ]
    assert state(target["conn"], name) == (True, False) and state(source, name) is None
    # The copy: the target's own volume, the same size, the marker at its offset; the definition names it.
    copy = target["conn"].storagePoolLookupByName(POOL).storageVolLookupByName(name + ".img")
    physical = os.path.join(target["root"], POOL, name + ".img")
    assert copy.info()[1] == before == 8 * MIB and marker_in(physical)
    disk = ET.fromstring(target["conn"].lookupByName(name).XMLDesc(0)).find("devices/disk/source")
    assert disk.get("file") == copy.path() == os.path.join(POOL_PATH, name + ".img")
    # The source's copy is gone, from the pool and from the disk.
    assert volumes(source, POOL) == [] and not os.path.exists(path)

    for check_mode in (False, True):
        again = move(target, name, check_mode=check_mode)
        assert not again["changed"] and again["moves"] == [] and not again.get("failed"), again
    assert state(target["conn"], name) == (True, False) and state(source, name) is None


def test_keep_source_disks_keeps_the_source_copy(source, target):
    name = TAG + "keep"
    path = shut_off_vm(source, name, size_mib=2)
    moved = move(target, name, keep_source_disks=True)
    assert moved["changed"] and not moved.get("failed"), moved
    assert moved["moves"][0]["removed"] == [] and moved["moves"][0]["copied"] == ["vda"]
    assert state(target["conn"], name) == (True, False) and state(source, name) is None
    assert marker_in(path) and marker_in(os.path.join(target["root"], POOL, name + ".img"))


def test_a_volume_another_vm_here_uses_is_kept(source, target):
    name, other = TAG + "shared", TAG + "other"
    path = shut_off_vm(source, name, size_mib=2)
    source.defineXML(domain_xml(other, path))
    moved = move(target, name)
    assert moved["changed"] and not moved.get("failed") and moved["moves"][0]["removed"] == [], moved
    assert [warning["event"]["msg"] for warning in moved["warnings"]] == [
        "%s: its disk vda (%s/%s.img) was copied to kvm2, and the copy here stays: %s uses it too"
        % (name, POOL, name, other)
    ]
    assert state(target["conn"], name) == (True, False) and state(source, name) is None
    assert marker_in(path) and state(source, other) == (True, False)


def test_a_failed_copy_leaves_the_vm_and_its_disk_on_the_source(source, target):
    # The target's pool is a 2 MiB tmpfs: the 8 MiB volume cannot be made there.
    small = TAG + "small"
    shut_off_vm(source, small, pool=SMALL)
    failed = move(target, small)
    assert failed.get("failed") and not failed["changed"] and failed["moves"] == [], failed
    assert failed["stayed"] == [small]
    assert failed["msg"].startswith(
        "%s: creating volume %s.img in pool %s on kvm2 failed, the VM stays on kvm1: " % (small, small, SMALL)
    ), failed["msg"]
    assert "No space left on device" in failed["msg"]
    assert state(source, small) == (True, False) and state(target["conn"], small) is None
    assert volumes(source, SMALL) == [small + ".img"] and volumes(target["conn"], SMALL) == []

    # A copy past the move's timeout (0 s: after its first chunk) is aborted, and its half-made volume deleted.
    slow = TAG + "slow"
    path = shut_off_vm(source, slow, random=True)
    with open(path, "rb") as handle:
        content = handle.read()
    failed = move(target, slow, timeout=0)
    assert failed.get("failed") and not failed["changed"] and failed["stayed"] == [slow], failed
    label = "%s/%s.img" % (POOL, slow)
    assert failed["msg"] == (
        "%s: copying disk vda (%s) to kvm2 did not finish within 0 s and was aborted, the VM stays defined on kvm1 "
        "(raise kvm_migration_timeout); the volume %s this move created on kvm2 was deleted" % (slow, label, label)
    )
    assert state(source, slow) == (True, False) and state(target["conn"], slow) is None
    assert slow + ".img" not in volumes(target["conn"], POOL)
    with open(path, "rb") as handle:
        assert handle.read() == content


def test_a_cpu_feature_the_target_lacks_refuses_the_move_before_anything_moves(source, target):
    name = TAG + "cpu"
    path = shut_off_vm(source, name, size_mib=1, cpu_feature=MISSING_FEATURE)
    for check_mode in (True, False):
        refused = move(target, name, check_mode=check_mode)
        assert refused.get("failed") and not refused["changed"] and not refused.get("moves"), refused
        assert refused["msg"].startswith(
            "%s: cannot move to kvm2, whose qemu hypervisor cannot give the VM's CPU (qemu64 +%s): "
            % (name, MISSING_FEATURE)
        ), refused["msg"]
        assert "does not provide required features: %s" % MISSING_FEATURE in refused["msg"]
    assert state(source, name) == (True, False) and state(target["conn"], name) is None
    assert marker_in(path) and name + ".img" not in volumes(target["conn"], POOL)


def test_a_running_guest_moves_live_with_its_disk_and_the_source_copy_is_deleted(source, target):
    name = TAG + "run"
    vol = volume(source, POOL, name + ".img", 4, content=counter_sector())
    # host-model: the move compares the CPU libvirt expanded it to at the start (EPYC and features under TCG) with
    # what the target's QEMU gives, and finds it there.
    source.defineXML(domain_xml(name, vol.path(), host_model=True)).create()
    running_cpu = ET.fromstring(source.lookupByName(name).XMLDesc(0)).find("cpu")
    assert running_cpu.get("mode") == "custom" and running_cpu.find("model") is not None
    moved = move(target, name, timeout=240)
    assert moved["changed"] and not moved.get("failed"), moved
    [report] = moved["moves"]
    assert (report["live"], report["copied"], report["removed"]) == (True, ["vda"], ["%s/%s.img" % (POOL, name)])
    print(migration_line(report))
    assert migration_line(report).startswith("%s: kvm1 -> kvm2 (live, disks vda copied) in " % name)
    assert state(target["conn"], name) == (True, True) and state(source, name) is None
    assert marker_in(os.path.join(target["root"], POOL, name + ".img"))
    assert name + ".img" not in volumes(source, POOL) and not os.path.exists(os.path.join(POOL_PATH, name + ".img"))
