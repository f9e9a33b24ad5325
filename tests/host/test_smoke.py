"""Two nested Debian 12 host VMs answer Ansible over SSH and run a play with real changes."""
import os

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.host

HERE = os.path.dirname(os.path.abspath(__file__))


def test_ansible_ping_reaches_both_host_vms(host_vms):
    hosts, inventory = host_vms
    result = ansible.adhoc(",".join(h.name for h in hosts), [inventory], "ansible.builtin.ping")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2


def test_a_trivial_play_changes_then_is_idempotent_on_two_hosts(host_vms):
    hosts, inventory = host_vms
    play = os.path.join(HERE, "smoke.yml")
    limit = ["--limit", ",".join(h.name for h in hosts)]
    first = ansible.playbook(play, [inventory], args=limit)
    assert first.rc == 0, first
    assert {h.name for h in hosts} <= set(first.recap)
    assert all(first.changed(h.name) == 1 for h in hosts), first
    second = ansible.playbook(play, [inventory], args=limit)
    assert second.rc == 0, second
    assert all(second.changed(h.name) == 0 for h in hosts), second
    # The hosts really are systemd Debian 12 machines with their own identity.
    for host in hosts:
        facts = host.ssh("cat /etc/debian_version; hostname; ps -p 1 -o comm=").stdout.split()
        assert facts[0].startswith("12."), facts
        assert facts[1:] == [host.name, "systemd"]
