"""Run ansible-playbook / ansible from the venv against this checkout's collection."""
import os
import re
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def env():
    result = dict(os.environ)
    result.update({
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, "build", "collections"),
        "ANSIBLE_ROLES_PATH": os.path.join(ROOT, "roles"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_PIPELINING": "True",
    })
    return result


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)),
                                   "unreachable": int(m.group(4)), "failed": int(m.group(5))}
                      for m in RECAP.finditer(proc.stdout)}

    def changed(self, host):
        return self.recap[host]["changed"]

    def __repr__(self):
        return "<ansible rc=%s recap=%s>\n%s" % (self.rc, self.recap, self.output[-6000:])


def playbook(path, inventories, extra_vars=None, check=False, diff=False, timeout=1800, args=()):
    argv = [os.path.join(BIN, "ansible-playbook"), path]
    for inventory in inventories:
        argv += ["-i", inventory]
    for key, value in (extra_vars or {}).items():
        argv += ["-e", "%s=%s" % (key, value)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    argv += list(args)
    return Result(_run(argv, timeout))


def adhoc(pattern, inventories, module, module_args=None, timeout=600):
    argv = [os.path.join(BIN, "ansible"), pattern, "-m", module]
    for inventory in inventories:
        argv += ["-i", inventory]
    if module_args:
        argv += ["-a", module_args]
    return _run(argv, timeout)


def _run(argv, timeout):
    """Run Ansible in a process group of its own. On a timeout, or when pytest-timeout interrupts the
    test, the whole group goes: Ansible's SSH children would otherwise hold the output pipes open and
    keep the test (and pytest) waiting."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env=env(), cwd=ROOT, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
