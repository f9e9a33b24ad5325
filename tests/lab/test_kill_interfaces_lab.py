"""Host interfaces: the real ifupdown_interfaces module SIGKILLed after each step it reports (kill_hook: the files
it writes, each ifdown and ifup in dependency order, the end of its apply), while it brings up a configuration on a
bare namespace and while it changes one; the next run converges to exactly the state of a run never interrupted:
the same files byte for byte, the same links and addresses, the same ifupdown state, no temporary file and
nothing left in the module's state folder (issue #21).

It runs in the ifupdown sandbox of a network namespace (tests/lab/ifupdown_sandbox.py): real ifup, ifdown and
bridge-utils, with the files and ifupdown's state in folders of the test. Without systemd there the module applies
in its own process (rollback_timeout 0); the rollback timer's path is the host tests' (docs/reliability.md).

    ekvm-ika<pid> (under test)                     ekvm-ikp<pid> (peer)
      ekvm-ks0   static                 ----------  ekvm-kt0 10.78.2.1
      ekvm-kb0   bridge 10.78.1.2/24
        ekvm-kp0 (manual port)          ----------  ekvm-kq0 10.78.1.1
"""

import json
import os
import shlex
import shutil
import tempfile

import pytest

from tests.lab import kill_lab
from tests.lab.ifupdown_sandbox import PYTHON, Sandbox, tree_digest, wait_ping
from tests.labkit import netns
from tests.labkit.ansible import ROOT

pytestmark = pytest.mark.lab

TAG = "%d" % (os.getpid() % 1000)
NS = "ekvm-ika" + TAG
PEER = "ekvm-ikp" + TAG
NAMES = ("ekvm-ks0", "ekvm-kp0", "ekvm-kb0")
MODULE = os.path.join(ROOT, "plugins", "modules", "ifupdown_interfaces.py")
DEST = "/etc/network/interfaces.d/essentials-kvm"


def created():
    return {
        "network_interfaces": [
            {"name": "ekvm-ks0", "address": "10.78.2.2/24"},
            {"name": "ekvm-kp0", "method": "manual"},
        ],
        "network_bridges": [{"name": "ekvm-kb0", "address": "10.78.1.2/24", "ports": ["ekvm-kp0"], "stp": False}],
    }


def changed():
    """ekvm-ks0 is re-addressed and the bridge's port gets another MTU: all three bounce, the bridge first down and
    last up."""
    config = created()
    config["network_interfaces"] = [
        {"name": "ekvm-ks0", "address": "10.78.2.3/24"},
        {"name": "ekvm-kp0", "method": "manual", "mtu": 1400},
    ]
    return config


def module(box, config, kill_after=0):
    """One run of the real module file in the sandbox, its steps watched by the kill hook; returns a kill_lab.Run."""
    folder = tempfile.mkdtemp(prefix="ekvm-kill-", dir=box.root)
    try:
        args, log = os.path.join(folder, "args.json"), os.path.join(folder, "events")
        with open(args, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": dict(config, state_dir=box.state, _ansible_diff=True)}, handle)
        env = kill_lab.hook_env(log, kill_after)
        words = ["%s=%s" % (k, shlex.quote(env[k])) for k in env if k == "PYTHONPATH" or k.startswith("EKVM_KILL")]
        done = box.shell("exec env %s %s %s %s" % (" ".join(words), PYTHON, MODULE, args))
        events = kill_lab.read_events(log)
    finally:
        shutil.rmtree(folder)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else None
    return kill_lab.Run(done.returncode, result, events, done.stdout + done.stderr)


def converged(box, config):
    run = module(box, config)
    assert run.result is not None and not run.result.get("failed"), run
    return run


def killed_at(box, config, point):
    run = module(box, config, kill_after=point)
    assert run.killed and len(run.events) == point, run
    return run


def reset(box):
    """A bare namespace: no managed file, nothing up, no ifupdown state, an empty state folder."""
    box.shell("ifdown -a --force; true", timeout=60)
    for name in NAMES:
        path = os.path.join(box.run_dir, "ifstate." + name)
        if os.path.exists(path):
            os.unlink(path)
    netns.ip(NS, "link", "delete", "ekvm-kb0", check=False)
    for name in NAMES[:2]:
        netns.ip(NS, "link", "set", name, "down", "mtu", "1500")
        netns.ip(NS, "addr", "flush", "dev", name)
    dest = os.path.join(box.etc, "interfaces.d", "essentials-kvm")
    if os.path.exists(dest):
        os.unlink(dest)
    shutil.rmtree(box.state)
    os.makedirs(box.state)


def links():
    """name -> what `ip -d link` and `ip addr` say of it that a converge decides (not ifindex or counters)."""
    found = {}
    for link in json.loads(netns.ip(NS, "-d", "-j", "addr", "show").stdout):
        if link["ifname"] in NAMES:
            found[link["ifname"]] = {
                "up": "UP" in link["flags"],
                "mtu": link["mtu"],
                "master": link.get("master"),
                "kind": link.get("linkinfo", {}).get("info_kind"),
                "inet": sorted(
                    "%s/%s" % (a["local"], a["prefixlen"]) for a in link["addr_info"] if a["family"] == "inet"
                ),
            }
    return found


def ifstate(box):
    """ifupdown's record of what is up (run_dir/ifstate.NAME), the empty ones left out."""
    found = {}
    for name in sorted(os.listdir(box.run_dir)):
        with open(os.path.join(box.run_dir, name)) as handle:
            text = handle.read()
        if name.startswith("ifstate.") and text:
            found[name] = text
    return found


def state(box):
    return {
        "files": box.files(),  # a temporary file left in /etc/network would show here
        "state folder": tree_digest(box.state),
        "links": links(),
        "ifupdown": ifstate(box),
    }


def remove(box, root, made_run_network):
    """The namespaces, the sandbox, and /run/network when the sandbox made it (its mkdir happens outside)."""
    if netns.exists(NS):
        box.shell("ifdown -a --force", timeout=60)
    for ns in (NS, PEER):
        netns.delete(ns)
    shutil.rmtree(root, ignore_errors=True)
    if made_run_network and os.path.isdir("/run/network") and not os.listdir("/run/network"):
        os.rmdir("/run/network")


@pytest.fixture(scope="module")
def world(lab):
    """The namespaces and their cables, a sandbox, and the states and steps of uninterrupted runs."""
    machine_network = tree_digest("/etc/network")
    root = tempfile.mkdtemp(prefix="ekvm-ifkill-")
    made_run_network = not os.path.isdir("/run/network")
    box = Sandbox(NS, os.path.join(root, "ns"))
    try:
        netns.add(NS)
        netns.add(PEER)
        for name, peer, cidr in (("ekvm-ks0", "ekvm-kt0", "10.78.2.1/24"), ("ekvm-kp0", "ekvm-kq0", "10.78.1.1/24")):
            netns.veth(name, NS, peer, PEER, up=False)
            netns.ip(PEER, "link", "set", peer, "up")
            netns.addr(PEER, peer, cidr)
        reset(box)
        first = converged(box, created())
        after_create = state(box)
        second = converged(box, changed())
        after_change = state(box)
        assert (
            after_create["links"]["ekvm-kp0"]["master"] == "ekvm-kb0"
            and after_change["links"]["ekvm-kp0"]["mtu"] == 1400
        )
        yield box, {"created": (first.events, after_create), "changed": (second.events, after_change)}
    finally:
        remove(box, root, made_run_network)
    assert tree_digest("/etc/network") == machine_network, "the machine's /etc/network changed"


# The steps of uninterrupted runs: the owner file and the rollback script before the first change, then the
# bounce: downs upper first with the old file, the new file, ups lower first.
STEPS = {
    "created": ["write STATE/applying", "write STATE/rollback.sh", "write " + DEST]
    + ["ifup " + name for name in NAMES]
    + ["apply done"],
    "changed": ["write STATE/applying", "write STATE/rollback.sh"]
    + ["ifdown " + name for name in reversed(NAMES)]
    + ["write " + DEST]
    + ["ifup " + name for name in NAMES]
    + ["apply done"],
}
POINTS = [(scenario, n) for scenario in STEPS for n in range(1, len(STEPS[scenario]) + 1)]


def test_the_steps_are_reported_in_dependency_order(world):
    box, runs = world
    assert {k: [e.replace(box.state, "STATE") for e in v[0]] for k, v in runs.items()} == STEPS


@pytest.mark.parametrize("scenario,point", POINTS, ids=["%s-%d" % p for p in POINTS])
def test_a_run_killed_after_each_step_converges_on_the_rerun(world, scenario, point):
    box, runs = world
    events, want = runs[scenario]
    config = created() if scenario == "created" else changed()
    reset(box)
    if scenario == "changed":
        converged(box, created())
    killed = killed_at(box, config, point)
    assert killed.events == events[:point]
    rerun = converged(box, config)
    # The rerun first puts back what the killed run changed (nothing before its rollback script was written; all
    # of it was done once its apply returned), then applies the whole change again.
    assert rerun.result["changed"] is (point < len(events)), rerun
    warnings = json.dumps(rerun.result.get("warnings", []))  # ansible-core 2.19 gives them as structures
    if point == len(events):
        assert "a run killed" not in warnings, rerun
    else:
        said = "was undone" if point > 1 else "left nothing to put back"
        assert warnings.count("a run killed while it changed the interfaces") == 1 and said in warnings, rerun
    assert state(box) == want
    wait_ping(PEER, "10.78.1.2")
    wait_ping(PEER, config["network_interfaces"][0]["address"].split("/")[0])
