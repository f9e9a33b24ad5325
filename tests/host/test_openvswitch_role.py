"""The openvswitch role on the host VMs: Open vSwitch under systemd with the kernel datapath."""
import os

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.host

PLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openvswitch.yml")


def ovs_facts(host):
    """What the role leaves on a host, as plain text lines keyed by what they show."""
    script = ("systemctl is-enabled openvswitch-switch; systemctl is-active openvswitch-switch; "
              "grep -c '^openvswitch ' /proc/modules; sysctl -n net.core.netdev_max_backlog; "
              "ovs-vsctl --timeout=5 show; ovs-dpctl show")
    return host.ssh(script, check=False).stdout


def test_role_installs_starts_and_converges_open_vswitch(host_vms):
    hosts, inventory = host_vms
    names = [host.name for host in hosts]
    limit = ["--limit", ",".join(names)]
    before = dict((host.name, host.ssh("sysctl -n net.core.netdev_max_backlog").stdout.strip()) for host in hosts)
    try:
        first = ansible.playbook(PLAY, [inventory], args=limit)
        assert first.rc == 0, first
        assert all(first.changed(name) > 0 for name in names), first
        second = ansible.playbook(PLAY, [inventory], args=limit)
        assert second.rc == 0, second
        assert all(second.changed(name) == 0 for name in names), second
        checked = ansible.playbook(PLAY, [inventory], check=True, args=limit)
        assert checked.rc == 0, checked
        assert all(checked.changed(name) == 0 for name in names), checked

        for host in hosts:
            facts = ovs_facts(host)
            lines = facts.splitlines()
            assert lines[:4] == ["enabled", "active", "1", "2500"], facts
            show = facts[facts.index("Bridge ekvm-br0"):]
            assert "Port eth2" in show and "Port ekvm-int0" in show, facts
            assert "tag: 10" in show and "type: internal" in show, facts
            # The kernel datapath holds the bridge and its ports.
            datapath = facts[facts.index("system@ovs-system"):]
            assert "eth2" in datapath and "ekvm-int0" in datapath, facts
            assert host.ssh("ip -o link show eth0 | grep -c 'master'", check=False).stdout.strip() == "0"
    finally:
        cleanup = ansible.playbook(PLAY, [inventory], args=limit + ["--tags", "cleanup"])
    assert cleanup.rc == 0, cleanup
    for host in hosts:
        left = host.ssh("ovs-vsctl --timeout=5 br-exists ekvm-br0; echo $?; sysctl -n net.core.netdev_max_backlog; "
                        "test -e /etc/sysctl.d/60-openvswitch.conf; echo $?", check=False).stdout.split()
        assert left[-3:] == ["2", before[host.name], "1"] or left[-2:] == [before[host.name], "1"], left
