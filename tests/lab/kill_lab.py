"""The kill tests' runner (issue #21): a real module process, its steps watched by kill_hook/sitecustomize.py,
SIGKILLed after the N-th step it reports; shared by tests/lab/test_kill_*.py (no tests here)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOOK = os.path.join(ROOT, "tests", "lab", "kill_hook")
COLLECTIONS = os.path.join(ROOT, "build", "collections")


class Run:
    """What one module run did: its exit (negative: the signal), its JSON result (None when killed), and the
    events the hook saw, in the order they happened."""

    def __init__(self, returncode, result, events, output):
        self.returncode, self.result, self.events, self.output = returncode, result, events, output

    @property
    def killed(self):
        return self.returncode == -signal.SIGKILL

    def __repr__(self):
        return "<run rc=%s events=%s result=%s>\n%s" % (self.returncode, self.events, self.result, self.output[-3000:])


def hook_env(log, kill_after=0, in_upload=False, group=False):
    """The environment that puts the hook before the collection on the module's PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HOOK, COLLECTIONS]), EKVM_KILL_LOG=log)
    env["EKVM_KILL_AFTER"] = str(kill_after or "")
    env["EKVM_KILL_IN_UPLOAD"] = "1" if in_upload else ""
    env["EKVM_KILL_GROUP"] = "1" if group else ""
    return env


def module(name, params, kill_after=0, in_upload=False, check=False, timeout=300):
    """Run plugins/modules/<name>.py with `params`; SIGKILLed after the kill_after-th event when it is set."""
    with tempfile.TemporaryDirectory(prefix="ekvm-kill-") as folder:
        args, log = os.path.join(folder, "args.json"), os.path.join(folder, "events")
        with open(args, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": dict(params, _ansible_check_mode=check)}, handle)
        proc = subprocess.run(
            [sys.executable, os.path.join(ROOT, "plugins", "modules", name + ".py"), args],
            capture_output=True,
            text=True,
            env=hook_env(log, kill_after, in_upload),
            timeout=timeout,
            check=False,
        )
        events = read_events(log)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        result = None
    return Run(proc.returncode, result, events, proc.stdout + proc.stderr)


def read_events(log):
    if not os.path.exists(log):
        return []
    with open(log) as handle:
        return handle.read().splitlines()


def converged(name, params):
    """A run without a kill that must succeed; returns its Run."""
    run = module(name, params)
    assert run.result is not None and not run.result.get("failed"), run
    return run


def killed_at(name, params, point, **options):
    """A run SIGKILLed right after its point-th event; returns its Run."""
    run = module(name, params, kill_after=point, **options)
    assert run.killed, run
    assert len(run.events) == point, run
    return run


class Paused:
    """A module run that stops after its pause_after-th event until resume(): the test changes the host meanwhile."""

    def __init__(self, name, params, pause_after, timeout=120):
        self.folder = tempfile.mkdtemp(prefix="ekvm-pause-")
        self.log = os.path.join(self.folder, "events")
        args = os.path.join(self.folder, "args.json")
        with open(args, "w") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": params}, handle)
        env = hook_env(self.log)
        env["EKVM_PAUSE_AFTER"] = str(pause_after)
        self.out = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "plugins", "modules", name + ".py"), args],
            stdout=self.out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.log + ".paused"):
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.05)

    def output(self):
        self.out.seek(0)
        return self.out.read()

    def resume(self, timeout=120):
        """Let the run go on; returns its Run once it ends."""
        open(self.log + ".resume", "w").close()
        self.proc.wait(timeout)
        text = self.output()
        try:
            result = json.loads(text)
        except ValueError:
            result = None
        events = read_events(self.log)
        shutil.rmtree(self.folder, ignore_errors=True)
        return Run(self.proc.returncode, result, events, text)
