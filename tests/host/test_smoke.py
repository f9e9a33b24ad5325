"""Two nested Debian 12 host VMs answer Ansible over SSH. Plays with real changes, second runs and
check mode on them are the other host tests' (under TCG every play costs a minute)."""

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.host


def test_ansible_reaches_both_host_vms_which_are_systemd_debian_12_machines(host_vms):
    hosts, inventory = host_vms
    result = ansible.adhoc(",".join(h.name for h in hosts), [inventory], "ansible.builtin.ping")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2
    # The hosts really are systemd Debian 12 machines with their own identity.
    for host in hosts:
        facts = host.ssh("cat /etc/debian_version; hostname; ps -p 1 -o comm=").stdout.split()
        assert facts[0].startswith("12."), facts
        assert facts[1:] == [host.name, "systemd"]
