"""Two nested host VMs, a bare Debian 12 and a bare Debian 13, answer Ansible over SSH after the roles'
first run installed the hypervisor on them. Plays with real changes, second runs and check mode on them are
the other host tests' (under TCG every play costs a minute)."""

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.host

VERSIONS = {"debian-12": "12.", "debian-13": "13."}


def test_ansible_reaches_both_host_vms_which_are_systemd_debian_machines(host_vms):
    hosts, inventory = host_vms
    result = ansible.adhoc(",".join(h.name for h in hosts), [inventory], "ansible.builtin.ping")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2
    # The hosts really are systemd Debian machines of their release with their own identity.
    for host in hosts:
        facts = host.ssh("cat /etc/debian_version; hostname; ps -p 1 -o comm=").stdout.split()
        assert facts[0].startswith(VERSIONS[host.release]), (host.release, facts)
        assert facts[1:] == [host.name, "systemd"]


def test_the_roles_installed_libvirt_qemu_and_open_vswitch_on_the_bare_hosts(host_vms):
    """The images have none of them (tests/labkit/bare_image.py); the first run with nothing declared
    installed them from Debian's archive and left libvirt and Open vSwitch running."""
    for host in host_vms[0]:
        out = host.ssh(
            "dpkg-query -W -f '${Package} ${Status}\\n' libvirt-daemon-system qemu-system-x86 openvswitch-switch; "
            "virsh -c qemu:///system version --daemon | grep -c 'Running against daemon'; ovs-vsctl --version | head -1"
        ).stdout
        for package in ("libvirt-daemon-system", "qemu-system-x86", "openvswitch-switch"):
            assert "%s install ok installed" % package in out, (host.name, out)
        assert "\n1\n" in out, (host.name, out)
