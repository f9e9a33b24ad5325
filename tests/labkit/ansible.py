"""Run ansible-playbook / ansible from the venv against this checkout's collection."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def env():
    result = dict(os.environ)
    result.update(
        {
            "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, "build", "collections"),
            "ANSIBLE_ROLES_PATH": os.path.join(ROOT, "roles"),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_PIPELINING": "True",
        }
    )
    return result


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.recap = {
            m.group(1): {
                "ok": int(m.group(2)),
                "changed": int(m.group(3)),
                "unreachable": int(m.group(4)),
                "failed": int(m.group(5)),
            }
            for m in RECAP.finditer(proc.stdout)
        }

    def changed(self, host):
        return self.recap[host]["changed"]

    def __repr__(self):
        # The failed tasks first: CI keeps only the start of a failing assertion's explanation.
        failed = [line[:1500] for line in self.output.splitlines() if line.startswith(("fatal: ", "failed: "))]
        return "<ansible rc=%s recap=%s %s>\n%s" % (self.rc, self.recap, failed, self.output[-6000:])


def playbook_argv(path, inventories, extra_vars=None, check=False, diff=False, args=()):
    argv = [os.path.join(BIN, "ansible-playbook"), path]
    for inventory in inventories:
        argv += ["-i", inventory]
    for key, value in (extra_vars or {}).items():
        argv += ["-e", "%s=%s" % (key, value)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    return argv + list(args)


def playbook(path, inventories, extra_vars=None, check=False, diff=False, timeout=1800, args=()):
    return Result(Run(playbook_argv(path, inventories, extra_vars, check, diff, args)).wait(timeout))


def playbook_with_vars(path, inventories, variables, args=(), **options):
    """playbook() with structured variables (lists, mappings), passed as a JSON file (`-e @file`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="ekvm-vars-", delete=False) as handle:
        json.dump(variables, handle)
    try:
        return playbook(path, inventories, args=list(args) + ["-e", "@" + handle.name], **options)
    finally:
        os.unlink(handle.name)


def adhoc(pattern, inventories, module, module_args=None, timeout=600):
    argv = [os.path.join(BIN, "ansible"), pattern, "-m", module]
    for inventory in inventories:
        argv += ["-i", inventory]
    if module_args:
        argv += ["-a", module_args]
    return Run(argv).wait(timeout)


class Run:
    """Ansible started in a process group of its own, its output going to files (two runs at once
    never wait on each other's pipes). On a timeout, or when pytest-timeout interrupts the test, the
    whole group goes: Ansible's SSH children would otherwise live on and keep pytest waiting."""

    def __init__(self, argv):
        self.argv = argv
        self.stdout = tempfile.TemporaryFile("w+")
        self.stderr = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            argv,
            stdout=self.stdout,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env(),
            cwd=ROOT,
            start_new_session=True,
        )

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except BaseException:
            self.kill()
            raise
        return subprocess.CompletedProcess(
            self.argv, self.proc.returncode, self._read(self.stdout), self._read(self.stderr)
        )

    def kill(self):
        """Stop the run and every process it started (its group), if any still runs."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    @staticmethod
    def _read(handle):
        handle.seek(0)
        text = handle.read()
        handle.close()
        return text
