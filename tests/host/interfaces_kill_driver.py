"""Runs ON a host VM (python3, stdlib only), for the kill points of tests/host/interfaces_kill_points.py: the real
ifupdown_interfaces module, each run in a process of its own, its steps watched by tests/lab/kill_hook, SIGKILLed
after the N-th; then the next run, the wait for the apply unit and the confirmation, as the role does them, and the
host's state after each.

`PYTHONPATH=BUNDLE/hook:BUNDLE/lib EKVM_KILL_LOG=BUNDLE/events python3 driver.py plan.json`: the plan is {"bundle",
"state_dir", "names", "configs": {name: params}, "steps"}, each step {"config": name, "kill_after": N} (0: an
uninterrupted run); writes one JSON document of what happened. The module file is imported once, with the hook
watching (EKVM_KILL_LOG set), and each run is a fork that calls its main(): a TCG guest takes seconds to start
Python and import Ansible's module_utils, a fork takes a blink.
"""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import sitecustomize  # the kill hook, imported at start-up from PYTHONPATH

UNITS = ("essentials-kvm-ifupdown-rollback.timer", "essentials-kvm-ifupdown-apply.service")


def load_module(bundle):
    path = os.path.join(bundle, "lib/ansible_collections/essentials/kvm/plugins/modules/ifupdown_interfaces.py")
    spec = importlib.util.spec_from_file_location("ifupdown_interfaces_under_test", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return path, loaded


def module(loaded, params, kill_after=0):
    """One run of the module in a child process; returns its exit status (negative: the signal that ended it), its
    JSON answer (None when killed), its events and how long it took."""
    started = time.monotonic()
    folder = tempfile.mkdtemp(prefix="ekvm-kill-")
    args, log, out = (os.path.join(folder, name) for name in ("args.json", "events", "out"))
    with open(args, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": params}, handle)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sitecustomize.LOG, sitecustomize.AFTER, sitecustomize._count[0] = log, kill_after, 0
            sys.argv = [loaded[0], args]
            loaded[1].main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    status = os.waitpid(pid, 0)[1]
    rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    events = []
    if os.path.exists(log):
        with open(log) as handle:
            events = handle.read().splitlines()
    with open(out) as handle:
        text = handle.read()
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    lines = [line for line in text.splitlines() if line.startswith("{")]
    answer = json.loads(lines[-1]) if lines else None
    return {
        "rc": rc,
        "result": answer,
        "events": events,
        "output": text[-3000:],
        "seconds": round(time.monotonic() - started, 1),
    }


def wait_applied(state_dir, timeout=180):
    """Until the apply unit has written its status (the role's report loop, without a module start each time)."""
    path = os.path.join(state_dir, "apply.status")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as handle:
                return handle.read().strip()
        time.sleep(0.1)
    return "no apply.status after %ds" % timeout


def converge(loaded, state_dir, params):
    """A run without a kill, then what the role does after it: the wait for the unit and the confirmation."""
    done = {"run": module(loaded, params)}
    answer = done["run"]["result"] or {}
    if answer.get("rollback_armed"):
        started = time.monotonic()
        done["status"] = wait_applied(state_dir)
        done["unit seconds"] = round(time.monotonic() - started, 1)
        done["confirm"] = module(loaded, {"confirm": True, "state_dir": state_dir})
    return done


def sha(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def links(names):
    """name -> what a converge decides of each link, as `ip -d addr` shows it: not its ifindex, counters or timers."""
    shown = json.loads(subprocess.run(["ip", "-d", "-j", "addr"], capture_output=True, text=True).stdout)
    return {link["ifname"]: summary(link) for link in shown if link["ifname"] in names}


def summary(link):
    kind = link.get("linkinfo", {})
    bridge = kind.get("info_data", {}) if kind.get("info_kind") == "bridge" else {}
    ipv4 = [a for a in link["addr_info"] if a["family"] == "inet"]
    return {
        "up": "UP" in link["flags"],
        "mtu": link["mtu"],
        "mac": link["address"],
        "kind": kind.get("info_kind"),
        "stp": bridge.get("stp_state"),
        "forward delay": bridge.get("forward_delay"),
        "inet": sorted("%s/%d" % (a["local"], a["prefixlen"]) for a in ipv4),
    }


def state(state_dir, names):
    files = {}
    for top in ("/etc/network", state_dir):
        for folder, _dirs, found in os.walk(top):
            for name in found:
                path = os.path.join(folder, name)
                # The apply script names the PID of the run that armed it, its log holds ifup's output: only
                # their presence is decided; every other file byte for byte.
                same = top == "/etc/network" or name not in ("apply.sh", "apply.log")
                files[path] = sha(path) if same and not os.path.islink(path) else "present"
    ifstate = {}
    for name in sorted(os.listdir("/run/network")):
        path = os.path.join("/run/network", name)
        if name.startswith("ifstate.") and os.path.isfile(path):
            with open(path) as handle:
                text = handle.read()
            if text:
                ifstate[name] = text
    units = subprocess.run(["systemctl", "is-active"] + list(UNITS), capture_output=True, text=True).stdout
    return {"files": files, "links": links(names), "ifupdown": ifstate, "units": units.split()}


def main():
    with open(sys.argv[1]) as handle:
        plan = json.load(handle)
    state_dir, names = plan["state_dir"], plan["names"]
    loaded = load_module(plan["bundle"])
    out = []
    for step in plan["steps"]:
        params = plan["configs"][step["config"]]
        started = time.monotonic()
        entry = {"step": step}
        if step["kill_after"]:
            entry["killed"] = module(loaded, params, step["kill_after"])
        entry.update(converge(loaded, state_dir, params))
        entry["state"] = state(state_dir, names)
        entry["seconds"] = round(time.monotonic() - started, 1)
        out.append(entry)
        if entry["run"]["result"] is None or entry["run"]["result"].get("failed"):
            break
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
