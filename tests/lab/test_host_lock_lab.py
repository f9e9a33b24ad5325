"""Two real libvirt_network module runs on one host at once, against the lab's libvirtd: they plan unlocked, the
host lock lets one apply while the other waits, and the one that waited plans again and finds nothing to do;
with a short lock_timeout a run gives up naming the holder and changes nothing. Check mode never waits.

The test process itself holds /run/essentials-kvm.lock (a HostLock, the lock the modules take) while the runs
start, so that both are sure to have planned before either may apply; it holds it a few seconds only, since the
lab is shared.
"""

import json
import os
import subprocess
import sys
import time

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import PATH, HostLock
from tests.labkit import paths
from tests.labkit.daemons import LIBVIRT_URI

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "ansible_collections.essentials.kvm.plugins.modules.libvirt_network"
NET = "ekvm-rel-lk"


def start(folder, label, check_mode=False, **params):
    """One module process in the lab namespace; returns (Popen, the file its JSON result goes to)."""
    args = os.path.join(folder, "args-%s.json" % label)
    with open(args, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(params, uri=LIBVIRT_URI, _ansible_check_mode=check_mode)}, handle)
    out = open(os.path.join(folder, "out-%s.json" % label), "w+")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    proc = subprocess.Popen(
        ["ip", "netns", "exec", paths.NETNS, sys.executable, "-m", MODULE, args],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
    )
    return proc, out


def result(proc, out, timeout=120):
    proc.wait(timeout)
    out.seek(0)
    text = out.read()
    try:
        return json.loads(text)
    except ValueError:
        raise AssertionError("module printed no JSON (rc %s):\n%s" % (proc.returncode, text))


def network(state="active"):
    return [{"name": NET, "mode": "isolated", "bridge_name": NET, "state": state}]


@pytest.fixture
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    yield connection
    try:
        net = connection.networkLookupByName(NET)
        if net.isActive():
            net.destroy()
        net.undefine()
    except libvirt.libvirtError:
        pass
    connection.close()


def test_two_runs_at_once_one_waits_and_both_end_converged(conn, tmp_path):
    holder = HostLock(PATH, timeout=60)
    holder.acquire()
    try:
        runs = [start(str(tmp_path), label, networks=network(), lock_timeout=60) for label in ("a", "b")]
        # Both plan "define and start" and then wait at the lock: neither may finish while it is held.
        time.sleep(4)
        assert [proc.poll() for proc, _out in runs] == [None, None]
        # Check mode takes no lock: it ends although the lock is held.
        checked = result(*start(str(tmp_path), "check", check_mode=True, networks=network(), lock_timeout=1))
        assert checked.get("failed") is not True and checked["changed"] is True
    finally:
        holder.release()
    first, second = (result(proc, out) for proc, out in runs)
    assert not first.get("failed") and not second.get("failed"), (first, second)
    # One defined and started the network; the other waited for it, planned again and found it converged.
    assert sorted([first["changed"], second["changed"]]) == [False, True], (first, second)
    net = conn.networkLookupByName(NET)
    assert net.isActive() and net.isPersistent()
    assert len([n for n in conn.listAllNetworks() if n.name() == NET]) == 1


def test_a_run_that_cannot_get_the_lock_fails_naming_the_holder_and_changes_nothing(conn, tmp_path):
    assert not result(*start(str(tmp_path), "setup", networks=network())).get("failed")
    holder = HostLock(PATH, timeout=60)
    holder.acquire()
    try:
        begun = time.monotonic()
        failed = result(*start(str(tmp_path), "late", networks=network("inactive"), lock_timeout=2))
    finally:
        holder.release()
    assert failed["failed"] is True and failed["changed"] is False
    assert "pid %d, started " % os.getpid() in failed["msg"] and "lock_timeout=2s" in failed["msg"]
    assert time.monotonic() - begun >= 2
    assert conn.networkLookupByName(NET).isActive()  # the stop it asked for did not happen
