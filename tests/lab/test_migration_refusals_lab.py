"""Refusals before any move (issue 24), through libvirt_migrate itself with the lab's libvirtd as the source: a
target without the VM's network, without its pool, or with a VM of that name already stops the task naming the
VM and the missing piece, and a target whose libvirt does not answer at the migration address leaves a running
guest running here. Nothing moves in any of them.

The targets whose reads refuse are libvirt's test driver, each a node file of this test's own (a move's `uri`
names it; the driver runs inside the module, no daemon): the refusals are decided on what the target's libvirt
lists, which the test driver lists as a daemon does, and no second QEMU host is needed. The unreachable target is
the lab namespace's own loopback, where no SSH server listens. Then the placement's read on the lab's QEMU: it
lists the machine types the lab's QEMU offers and the running guest's own, and a VM found running on two hosts
(the same read given as both hosts' reads) is refused on both by the role's filter.
"""

import os
import shutil
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.filter.migration import migration_moves
from tests.labkit import paths
from tests.labkit.counter_guest import counter_sector, guest_xml
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-m%s" % uuid.uuid4().hex[:4]
POOL, NET, OFF, RUN = TAG + "p", TAG + "n", TAG + "off", TAG + "run"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def source(lab):
    """The lab's libvirtd with a dir pool, an isolated network (defined, never started), a shut-off VM with a NIC
    on it and a running counter guest, each disk a volume of the pool; all removed afterwards."""
    folder = "/var/tmp/" + TAG
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    with open(os.path.join(folder, "run.img"), "wb") as handle:
        handle.write(counter_sector().ljust(MIB, b"\0"))
    with open(os.path.join(folder, "off.img"), "wb") as handle:
        handle.truncate(MIB)
    conn = libvirt.open(LIBVIRT_URI)
    pool = conn.storagePoolDefineXML(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (POOL, folder), 0
    )
    pool.create(0)
    conn.networkDefineXML("<network><name>%s</name><bridge name='%s' stp='off'/></network>" % (NET, TAG[:15]))
    conn.defineXML(guest_xml(OFF, disk=os.path.join(folder, "off.img"), network=NET))
    conn.defineXML(guest_xml(RUN, disk=os.path.join(folder, "run.img"))).create()
    try:
        yield {"conn": conn, "folder": folder}
    finally:
        remove_tagged(conn, TAG)  # the VMs, and the pool with its volumes
        conn.networkLookupByName(NET).undefine()
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)


def node(folder, network=True, pool=True, domain=False):
    """A test-driver host: what the target offers, written to a node file; its test:// URI."""
    root = ET.Element("node")
    if network:
        net = ET.SubElement(root, "network")
        ET.SubElement(net, "name").text = NET
        ET.SubElement(net, "bridge", name="virbr9")
    if pool:
        pool_el = ET.SubElement(root, "pool", type="dir")
        ET.SubElement(pool_el, "name").text = POOL
        ET.SubElement(ET.SubElement(pool_el, "target"), "path").text = "/var/lib/elsewhere"
    if domain:
        dom = ET.SubElement(root, "domain", type="test")
        ET.SubElement(dom, "name").text = OFF
        ET.SubElement(dom, "memory").text = "32768"
        ET.SubElement(ET.SubElement(dom, "os"), "type").text = "hvm"
    path = os.path.join(folder, "node-%s.xml" % uuid.uuid4().hex[:6])
    ET.ElementTree(root).write(path)
    return "test://" + path


def module(params, check_mode=False):
    """One run of libvirt_migrate in the lab namespace (whose loopback has no SSH server); its JSON result."""
    args = dict(params, uri=LIBVIRT_URI, _ansible_check_mode=check_mode)
    return run_module("libvirt_migrate", args, namespace=paths.NETNS, timeout=120)


def where(conn):
    """(persistent, running) of the test's VMs on the lab's libvirtd."""
    found = {}
    for name in (OFF, RUN):
        dom = conn.lookupByName(name)
        found[name] = (bool(dom.isPersistent()), bool(dom.isActive()))
    return found


@pytest.mark.parametrize(
    "offers, message",
    [
        (
            {"network": False},
            "%s: cannot move to kvm2, which has no network %s: declare it in kvm_virtual_networks for kvm2"
            % (OFF, NET),
        ),
        (
            {"pool": False},
            "%s: cannot move to kvm2, which has no storage pool %s (disk vda): declare it in kvm_storage_pools"
            % (OFF, POOL),
        ),
        ({"domain": True}, "%s: kvm2 has a VM of that name already; undefine one of them" % OFF),
    ],
)
def test_what_the_target_lacks_stops_the_move_before_anything_moves(source, offers, message):
    before = where(source["conn"])
    moves = [{"name": RUN, "target": "kvm2", "address": "192.0.2.1", "uri": node(source["folder"], **offers)}]
    moves.insert(0, dict(moves[0], name=OFF))
    for check_mode in (True, False):
        result = module({"source": "kvm1", "moves": moves}, check_mode=check_mode)
        assert result.get("failed") and message in result["msg"], result
        assert not result["changed"] and not result.get("moves"), result
    assert where(source["conn"]) == before == {OFF: (True, False), RUN: (True, True)}


def test_an_unreachable_migration_address_leaves_the_running_guest_here(source):
    key = os.path.join(source["folder"], "no-such-key")
    result = module(
        {
            "source": "kvm1",
            "moves": [{"name": RUN, "target": "kvm2", "address": "127.0.0.1"}],
            "key_file": key,
            "timeout": 30,
        },
    )
    assert result.get("failed") and not result["changed"], result
    assert result["msg"].startswith(
        "%s: cannot move to kvm2, whose libvirt does not answer at 127.0.0.1: cannot connect to libvirt at "
        "qemu+ssh://root@127.0.0.1/system?keyfile=%s&no_tty=1" % (RUN, key)
    ), result["msg"]
    assert "nothing moved, the VM stays on kvm1" in result["msg"]
    assert where(source["conn"])[RUN] == (True, True)


def test_the_placement_read_lists_the_lab_qemus_machine_types_and_a_vm_running_on_two_hosts_is_refused(source):
    read = module({})
    assert not read.get("failed") and not read["changed"], read
    assert read["domains"][RUN] == "running" and read["domains"][OFF] == "shutoff"
    machine = read["machines"][RUN]
    # libvirt turned `pc` into the newest versioned type of the lab's QEMU, which it offers.
    assert machine["arch"] == "x86_64" and machine["machine"].startswith("pc-i440fx-"), machine
    assert {"pc", machine["machine"]} <= set(read["machine_types"]["x86_64"])
    vm = {
        "name": RUN,
        "host": "kvm2",
        "memory": "32M",
        "pool": POOL,
        "disks": [{"type": "volume", "volume": "run.img"}],
    }
    offers = {"kvm1": dict(read, maintenance=False), "kvm2": dict(read, maintenance=False)}
    report = migration_moves([vm], offers, ["kvm1", "kvm2"], {"kvm1": "10.0.0.1", "kvm2": "10.0.0.2"})
    refusal = "kvm_vms[0] (%s) runs on kvm1 and kvm2 at once: stop every copy but one" % RUN
    assert report["moves"] == [] and report["refused"] == {"kvm1": [refusal], "kvm2": [refusal]}
    # kvm2 in maintenance sends it to kvm1 only if kvm1's QEMU has its machine type: a kvm1 without it is named.
    older = dict(read, domains={}, machine_types={"x86_64": ["pc-i440fx-2.0"]}, maintenance=False)
    offers = {"kvm1": older, "kvm2": dict(read, networks=[], pools=[POOL], maintenance=True)}
    older["pools"] = [POOL]
    report = migration_moves([vm], offers, ["kvm1", "kvm2"], {})
    assert report["refused"]["kvm2"][0].endswith("kvm1 lacks machine type %s" % machine["machine"]), report
