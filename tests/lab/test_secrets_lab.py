"""Canary secrets in every secret-bearing field, converged through the kvm role (ansible-playbook -vvvv --diff,
connection local, the module inside the lab namespace) in check mode, for real, again, and with an input error:
no byte of Ansible's output nor of the journal carries a canary, and every file the run made that holds one
(the seed ISO, the secret's value, the domain XML with the console password) is not world-readable.

Fields: pools[].source.auth.secret (iSCSI CHAP; the pool is only defined, no target is needed), the console
password, and in cloud-init user_data: password, hashed_passwd, a chpasswd list, chpasswd users' passwords and a
private SSH key.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import time

import libvirt
import pytest

from tests.lab.secrets_samples import CANARIES, POOL, SAN, VM, variables
from tests.labkit import ansible, paths
from tests.labkit.daemons import LIBVIRT_URI

pytestmark = pytest.mark.lab

WATCHED = ("/etc/libvirt/secrets", "/etc/libvirt/qemu", "/etc/libvirt/storage")
PLAY = (
    "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.include_role:\n"
    "        name: essentials.kvm.kvm\n        tasks_from: libvirt_resources\n"
)


def files():
    found = {}
    for top in WATCHED:
        for base, _dirs, names in os.walk(top):
            for name in names:
                path = os.path.join(base, name)
                found[path] = os.stat(path).st_mtime
    return found


def converge(folder, check=False, bad=False):
    extra = os.path.join(folder, "vars.json")
    with open(extra, "w") as handle:
        json.dump(
            dict(variables(folder, bad), ansible_python_interpreter=os.path.join(folder, "python-in-lab")), handle
        )
    play = os.path.join(folder, "play.yml")
    with open(play, "w") as handle:
        handle.write(PLAY)
    return ansible.playbook(
        play,
        [],
        check=check,
        diff=True,
        timeout=600,
        args=("-vvvv", "-c", "local", "-i", "localhost,", "-e", "@" + extra),
    )


def assert_no_canary(text, where):
    for canary in CANARIES:
        assert canary not in text, "%s shows %r" % (where, canary)


def journal(since):
    if shutil.which("journalctl") is None:
        return ""
    done = subprocess.run(
        ["journalctl", "--since", "@%d" % since, "-o", "cat", "--no-pager"], capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else ""


@pytest.fixture
def folder(lab, tmp_path):
    os.chmod(str(tmp_path), 0o755)
    os.makedirs(str(tmp_path / "pool"))
    wrapper = tmp_path / "python-in-lab"
    wrapper.write_text('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (paths.NETNS, sys.executable))
    wrapper.chmod(0o755)
    yield str(tmp_path)
    conn = libvirt.open(LIBVIRT_URI)
    for lookup, name in ((conn.lookupByName, VM),):
        try:
            lookup(name).undefine()
        except libvirt.libvirtError:
            pass
    for name in (POOL, SAN):
        try:
            pool = conn.storagePoolLookupByName(name)
            if pool.isActive():
                for vol in pool.listAllVolumes():
                    vol.delete(0)
                pool.destroy()
            pool.undefine()
        except libvirt.libvirtError:
            pass
    for secret in conn.listAllSecrets():
        if "ekvm-rel" in (secret.usageID() or "") or SAN in secret.XMLDesc(0):
            secret.undefine()
    conn.close()


def test_canary_secrets_never_show_and_their_files_are_private(folder):
    since = int(time.time()) - 1
    before = files()
    checked = converge(folder, check=True)
    assert checked.rc == 0, checked
    assert_no_canary(checked.output, "check mode at -vvvv --diff")
    assert "ekvm-rel-vm" in checked.output  # the diff was shown, only masked
    done = converge(folder)
    assert done.rc == 0 and done.changed("localhost") == 1, done
    assert_no_canary(done.output, "the real run at -vvvv --diff")
    again = converge(folder)
    assert again.rc == 0 and again.changed("localhost") == 0, again
    assert_no_canary(again.output, "the rerun")
    failed = converge(folder, bad=True)
    assert failed.rc != 0 and "kvm_vms[0].nics[0].model" in failed.output, failed
    assert_no_canary(failed.output, "the failed run")
    assert_no_canary(journal(since), "the journal")

    new = [path for path, mtime in files().items() if path not in before or before[path] != mtime]
    new += [os.path.join(folder, "pool", name) for name in os.listdir(os.path.join(folder, "pool"))]
    holders = []
    for path in new:
        with open(path, "rb") as handle:
            data = handle.read()
        if any(canary.encode() in data for canary in CANARIES) or path.endswith((".iso", ".base64")):
            holders.append(path)
            mode = stat.S_IMODE(os.stat(path).st_mode)
            assert not mode & 0o004, "%s holds a secret and is mode %o" % (path, mode)
    # The seed ISO, the CHAP secret's value and the domain XML with the console password were all checked.
    assert any(p.endswith(".iso") for p in holders) and any("/secrets/" in p for p in holders), holders
    assert any(p.endswith(VM + ".xml") for p in holders), holders
