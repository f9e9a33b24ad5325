"""The libvirt_pool module run as its own process against the lab's libvirtd, and what the pool tests read from
the host; shared by test_storage_pool_lab.py and test_storage_pool_backends_lab.py (no tests here)."""

import json
import os
import subprocess
import sys
import tempfile
import uuid

import libvirt

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import parse_pool_xml
from tests.labkit import paths
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import read_pid, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "plugins", "modules", "libvirt_pool.py")
TAG = "ekvm-p%s" % uuid.uuid4().hex[:4]
MIB = 1024 * 1024

# Lookups of pools that do not exist are normal here; libvirt would print each one.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def pool_module(pools, check=False, **params):
    """One run of the module, in a process of its own and in diff mode (the result holds the diff only then);
    returns its JSON result."""
    args = dict(params, pools=pools, uri=LIBVIRT_URI, _ansible_check_mode=check, _ansible_diff=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
        handle.flush()
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
        proc = subprocess.run(
            [sys.executable, MODULE, handle.name], capture_output=True, text=True, env=env, timeout=300, check=False
        )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module printed no JSON (rc %d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))


def changed(pools, **params):
    result = pool_module(pools, **params)
    assert not result.get("failed") and result["changed"], result
    return result


def unchanged(pools, **params):
    result = pool_module(pools, **params)
    assert not result.get("failed") and not result["changed"], result
    assert result["diff"] == [], result
    return result


def failed(pools, **params):
    result = pool_module(pools, **params)
    assert result.get("failed"), result
    return result["msg"]


def snapshot(conn):
    """What the module may change on the host: every pool's definition, run state, autostart and volumes.
    Pools of other developers' tests (ekvm-*, not ours) come and go meanwhile and are left out."""
    state = {}
    for pool in conn.listAllStoragePools(0):
        if pool.name().startswith("ekvm-") and not pool.name().startswith(TAG):
            continue
        active = bool(pool.isActive())
        volumes = sorted(v.name() for v in pool.listAllVolumes(0)) if active else None
        state[pool.name()] = (
            parse_pool_xml(pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE)),
            active,
            bool(pool.autostart()),
            volumes,
        )
    return state


def libvirtd_mounts():
    """Mounts as libvirtd sees them: it runs in a mount namespace of its own."""
    pid = read_pid(os.path.join(paths.RUN, "libvirtd.pid"))
    with open("/proc/%d/mounts" % pid) as handle:
        return handle.read()


def backend_missing(kind):
    """Why the lab's libvirtd cannot run this pool type, or None when it can."""
    caps = run(["virsh", "-c", LIBVIRT_URI, "pool-capabilities"]).stdout
    if "type='%s' supported='yes'" % kind in caps:
        return None
    return (
        "the lab's libvirtd has no %s backend: it was started before libvirt-daemon-driver-storage-%s "
        "(tests/apt-packages.txt) was installed; restart the lab" % (kind, kind)
    )
