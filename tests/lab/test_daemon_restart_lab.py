"""A daemon stopped or restarted under a module run (issue #21), on daemons of the test's own
(labkit/private_daemons.py: the lab's are shared): the run fails naming the daemon and listing what it did
before, and the next run, once the daemon is back, converges.

The module is paused after a step it reports (kill_hook, EKVM_PAUSE_AFTER) while the test stops or restarts the
daemon, then let go.
"""

import os
import re
import tempfile
import uuid

import libvirt
import pytest

from tests.lab import kill_lab
from tests.labkit import netns
from tests.labkit.private_daemons import PrivateLibvirtd, PrivateOvs
from tests.labkit.proc import run

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-k%s" % uuid.uuid4().hex[:4]
POOL = TAG + "p"
POOL_STEPS = [
    "define pool " + POOL,
    "build pool " + POOL,
    "start pool " + POOL,
    "enable autostart of pool " + POOL,
    "create volume a.qcow2 (16 MiB) in pool " + POOL,
]


@pytest.fixture
def libvirtd(tagged_folder):
    daemon = PrivateLibvirtd(tempfile.mkdtemp(prefix="libvirt-", dir=tagged_folder))
    daemon.start()
    yield daemon
    daemon.stop()


def pools(daemon):
    target = os.path.join(daemon.folder, "pool")
    volumes = [{"name": "a.qcow2", "capacity": "16M", "format": "qcow2"}]
    return {"uri": daemon.uri, "pools": [{"name": POOL, "path": target, "volumes": volumes}]}


def pool_state(daemon):
    conn = libvirt.open(daemon.uri)
    try:
        pool = conn.storagePoolLookupByName(POOL)
        return bool(pool.isActive()), bool(pool.autostart()), sorted(pool.listVolumes())
    finally:
        conn.close()


@pytest.mark.parametrize("restart", [False, True], ids=["stopped", "restarted"])
def test_libvirtd_gone_under_a_pool_run(libvirtd, tagged_folder, restart):
    paused = kill_lab.Paused("libvirt_pool", pools(libvirtd), pause_after=3)
    libvirtd.stop()
    if restart:
        libvirtd.start()
    failed = paused.resume()
    assert failed.result and failed.result["failed"], failed
    assert failed.result["done"] == POOL_STEPS[:3]
    assert failed.result["msg"].startswith("pools[0]: enable autostart of pool %s failed: " % POOL), failed
    assert "the connection to the libvirt daemon at %s was lost: libvirtd" % libvirtd.uri in failed.result["msg"]
    if not restart:
        libvirtd.start()
    rerun = kill_lab.converged("libvirt_pool", pools(libvirtd))
    assert rerun.events == POOL_STEPS[3:], rerun
    assert pool_state(libvirtd) == (True, True, ["a.qcow2"])


@pytest.fixture
def ovs(tagged_folder):
    daemons = PrivateOvs(tempfile.mkdtemp(prefix="ovs-", dir=tagged_folder), TAG + "o")
    daemons.start()
    yield daemons
    daemons.stop()


def switch(ovs):
    ports = [{"name": TAG + "i", "type": "internal", "tag": 10}]
    return {"db": ovs.db, "timeout": 5, "bridges": [{"name": TAG + "b", "datapath_type": "netdev", "ports": ports}]}


def switch_state(ovs):
    """The bridge's ports and tags as the database holds them, and the devices ovs-vswitchd made in its namespace."""
    vsctl = ["ovs-vsctl", "--db=" + ovs.db, "--timeout=5"]
    ports = run(vsctl + ["--format=csv", "--no-headings", "--columns=name,tag", "list", "Port"]).stdout.split()
    links = netns.ip(ovs.ns, "-o", "link", "show").stdout
    return sorted(ports), sorted(n for n in re.findall(r"^\d+: ([^:@]+)", links, re.M) if n.startswith(TAG))


WANT = (sorted([TAG + "b,[]", TAG + "i,10"]), [TAG + "b", TAG + "i"])


@pytest.mark.parametrize(
    "daemon,restart",
    [("server", False), ("server", True), ("switch", False)],
    ids=["ovsdb-server stopped", "ovsdb-server restarted", "ovs-vswitchd stopped"],
)
def test_ovs_daemon_gone_under_a_switch_run(ovs, daemon, restart):
    run_ = kill_lab.Paused("openvswitch", switch(ovs), pause_after=1)  # after the read, before the transaction
    getattr(ovs, daemon).stop()
    if restart:
        ovs.start_server()
        # ovs-vsctl opens the database for each call: a restarted ovsdb-server is simply used.
        assert run_.resume().result["changed"] is True
        assert switch_state(ovs) == WANT
        return
    failed = run_.resume()
    assert failed.result and failed.result["failed"] and failed.result["done"] == [], failed
    if daemon == "server":
        assert "ovsdb-server does not answer at %s: is it running?" % ovs.db in failed.result["msg"], failed
        ovs.start_server()
        assert kill_lab.converged("openvswitch", switch(ovs)).result["changed"] is True
    else:
        # The database took the change; nobody applied it.
        assert "ovs-vsctl gave up after timeout=5s" in failed.result["msg"] and "ovs-vswitchd" in failed.result["msg"]
        ovs.start_switch()
        assert kill_lab.converged("openvswitch", switch(ovs)).result["changed"] is False
    assert switch_state(ovs) == WANT
