"""Test-only: SIGKILL a real module process at an exact point of its run (issue #21's kill tests).

Python imports `sitecustomize` from PYTHONPATH at start-up, so a module run with this folder on its PYTHONPATH
is the real module, unchanged, with its steps watched. Once the collection's code is imported (an import hook:
the code is loaded after this file runs, from a folder or from AnsiballZ's zip) every step the module reports
becomes an event:

- a step of the shared applier (reconcile.apply) whose call returned: its description;
- a change a VM's applier records (DomainApplier.steps, "create volume ...", "define", "start", ...);
- an ovs-vsctl call of the openvswitch module that returned: "ovs-vsctl <first command>";
- a step of the ifupdown_interfaces module's Applier: a file it wrote ("write <path>"), a command that returned
  ("ifdown <name>", "ifup <name>", "systemd-run <unit>", "systemctl stop"), and the end of its apply or
  confirm ("apply done", "confirm done").

EKVM_KILL_LOG: a file each event is appended to, a line each, as it happens.
EKVM_KILL_AFTER=N: after the N-th event the process SIGKILLs itself (EKVM_KILL_GROUP=1: with every process up to
ansible-playbook, as a cancelled CI job ends).
EKVM_KILL_IN_UPLOAD=1: SIGKILL in the middle of the first upload stream, after its first chunk went out.
EKVM_PAUSE_AFTER=N: after the N-th event the process creates EKVM_KILL_LOG + ".paused" and waits until
EKVM_KILL_LOG + ".resume" exists (meanwhile the test stops or restarts a daemon under it).
Without these variables nothing is changed.
"""

import importlib.abc
import importlib.util
import os
import signal
import sys
import threading
import time

LOG = os.environ.get("EKVM_KILL_LOG")
AFTER = int(os.environ.get("EKVM_KILL_AFTER") or 0)
GROUP = os.environ.get("EKVM_KILL_GROUP") == "1"
IN_UPLOAD = os.environ.get("EKVM_KILL_IN_UPLOAD") == "1"
PAUSE = int(os.environ.get("EKVM_PAUSE_AFTER") or 0)
UTILS = "ansible_collections.essentials.kvm.plugins.module_utils."

_lock = threading.Lock()
_count = [0]


def _ancestors():
    """This process and its parents, up to the topmost ansible-playbook (the controller; its workers are forks of
    it, named alike); empty when there is none."""
    chain, pid, controller = [], os.getpid(), 0
    while pid > 1:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            playbook = b"ansible-playbook" in handle.read()
        if controller and not playbook:
            break
        chain.append(pid)
        controller = len(chain) if playbook else controller
        with open("/proc/%d/stat" % pid) as handle:
            pid = int(handle.read().rsplit(")", 1)[1].split()[1])
    return chain[:controller]


def _kill():
    if GROUP:
        # ansible-playbook, its worker and the module (each in a process group of its own), as a cancelled CI job
        # ends: every process group from here up to the controller.
        groups = [os.getpgid(pid) for pid in reversed(_ancestors())]  # the controller's first: we go last
        for pgid in sorted(set(groups), key=groups.index):
            if pgid != os.getpgid(0):
                os.killpg(pgid, signal.SIGKILL)
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def event(text):
    with _lock:
        _count[0] += 1
        if LOG:
            fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, (text.replace("\n", " ") + "\n").encode())
            os.close(fd)
        if AFTER and _count[0] >= AFTER:
            _kill()
        if PAUSE and _count[0] == PAUSE:
            open(LOG + ".paused", "w").close()
            while not os.path.exists(LOG + ".resume"):
                time.sleep(0.05)


def _patch_reconcile(module):
    attempt = module._attempt

    def watched(step):
        outcome, error = attempt(step)
        if error is None:
            event(step.description)
        return outcome, error

    module._attempt = watched


class _Reported(list):
    def append(self, item):
        list.append(self, item)
        event(item)


def _patch_domain_apply(module):
    # apply() sets `self.steps = []` for every VM; the property hands out a list that reports its appends.
    module.DomainApplier.steps = property(
        lambda self: self.__dict__.get("_watched_steps"),
        lambda self, value: self.__dict__.__setitem__("_watched_steps", _Reported(value)),
    )


def _patch_ovs_apply(module):
    run = module.Vsctl._run

    def watched(self, args):
        out = run(self, args)
        commands = [arg for arg in args if not arg.startswith("-")]
        event("ovs-vsctl " + (commands[0] if commands else ""))
        return out

    module.Vsctl._run = watched


def _patch_ifupdown_apply(module):
    write_atomic = module.write_atomic

    def watched_write(path, text):
        write_atomic(path, text)
        event("write " + path)

    module.write_atomic = watched_write  # the Applier calls it by its module-level name
    run = module.Applier._run

    def watched_run(self, argv):
        run(self, argv)
        words = [word for word in argv if not word.startswith("-")]
        event(" ".join(words[:2]))

    module.Applier._run = watched_run
    for name in ("apply", "confirm"):
        _report_return(module.Applier, name)


def _report_return(cls, name):
    method = getattr(cls, name)

    def watched(self, *args, **kwargs):
        outcome = method(self, *args, **kwargs)
        event(name + " done")
        return outcome

    setattr(cls, name, watched)


def _patch_libvirt(module):
    send_all = module.virStream.sendAll

    def watched(self, handler, opaque):
        chunks = [0]

        def counted(stream, nbytes, data):
            chunks[0] += 1
            if chunks[0] == 2:  # the first chunk was read and sent
                _kill()
            return handler(stream, nbytes, data)

        return send_all(self, counted, opaque)

    module.virStream.sendAll = watched


PATCHES = {
    UTILS + "reconcile": _patch_reconcile,
    UTILS + "domain_apply": _patch_domain_apply,
    UTILS + "ovs_apply": _patch_ovs_apply,
    UTILS + "ifupdown_apply": _patch_ifupdown_apply,
}
if IN_UPLOAD:
    PATCHES["libvirt"] = _patch_libvirt


class _Loader(importlib.abc.Loader):
    def __init__(self, inner, patch):
        self.inner, self.patch = inner, patch

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        self.patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the watched modules through the other finders, then patches each once it has run."""

    busy = set()

    def find_spec(self, name, path=None, target=None):
        if name not in PATCHES or name in self.busy:
            return None
        self.busy.add(name)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self.busy.discard(name)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader, PATCHES[name])
        return spec


if LOG or AFTER or IN_UPLOAD or PAUSE:
    sys.meta_path.insert(0, _Finder())
