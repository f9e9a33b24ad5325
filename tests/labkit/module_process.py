"""One run of a module of this checkout as Ansible runs it: its own process, arguments in a JSON file, the
collection on PYTHONPATH; in a network namespace when the test's servers listen only there."""

import json
import os
import subprocess
import sys
import tempfile

from . import netns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_module(name, args, namespace=None, timeout=300):
    """The module's JSON result; an AssertionError with its output when it printed none."""
    argv = [sys.executable, os.path.join(ROOT, "plugins", "modules", name + ".py")]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
        handle.flush()
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
        proc = subprocess.run(
            netns.exec_argv(namespace, argv + [handle.name]) if namespace else argv + [handle.name],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module printed no JSON (rc %d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
