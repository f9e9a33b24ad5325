"""ansible-test sanity on the shipped collection, and ansible-lint on roles and playbooks."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.sanity

ROOT = ansible.ROOT
BIN = os.path.dirname(sys.executable)
# What the collection ships (galaxy.yml's build_ignore leaves out the rest).
# tests/config.yml tells ansible-test which Python versions the modules support.
SHIPPED = ["galaxy.yml", "README.md", "meta", "plugins", "roles", "playbooks", "docs", "examples", "tests/config.yml"]


def _install_get_pip_shim():
    """ansible-test fetches get-pip.py from the internet; give it the offline stand-in."""
    source = os.path.join(
        BIN,
        "..",
        "lib",
        "python%d.%d" % sys.version_info[:2],
        "site-packages",
        "ansible_test",
        "_internal",
        "python_requirements.py",
    )
    with open(source) as handle:
        version = re.search(r"pip='([0-9.]+)'", handle.read()).group(1)
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    shutil.copy(
        os.path.join(ROOT, "tests", "sanity", "get_pip.py"),
        os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_")),
    )


def test_ansible_test_sanity_passes(tmp_path):
    _install_get_pip_shim()
    target = tmp_path / "ansible_collections" / "essentials" / "kvm"
    target.mkdir(parents=True)
    for name in SHIPPED:
        source = os.path.join(ROOT, name)
        if os.path.isdir(source):
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif os.path.exists(source):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    result = subprocess.run(
        [
            os.path.join(BIN, "ansible-test"),
            "sanity",
            "--python",
            "%d.%d" % sys.version_info[:2],
            "--color",
            "no",
            "--requirements",
        ],
        cwd=target,
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith(("ERROR", "FATAL"))]
    assert result.returncode == 0, "\n".join(errors) or result.stderr[-6000:]


def test_ansible_lint_production_profile_passes():
    result = subprocess.run(
        [os.path.join(BIN, "ansible-lint"), "--offline", "--profile", "production", "--nocolor"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ansible.env(),
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-4000:]
