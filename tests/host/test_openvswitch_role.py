"""The openvswitch role on the host VMs: Open vSwitch under systemd with the kernel datapath."""
import os

import pytest

from tests.labkit import ansible

pytestmark = pytest.mark.host

PLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openvswitch.yml")
# Service enabled, service active, kernel module loaded, the tuned sysctl, the role's sysctl file.
STATE = ("systemctl is-enabled openvswitch-switch; systemctl is-active openvswitch-switch; "
         "grep -c '^openvswitch ' /proc/modules; sysctl -n net.core.netdev_max_backlog; "
         "test -e /etc/sysctl.d/60-openvswitch.conf && echo sysctl-file || echo no-sysctl-file")


def state(host):
    return host.ssh(STATE, check=False).stdout.split()


def test_role_installs_starts_and_converges_open_vswitch(host_vms):
    hosts, inventory = host_vms
    names = [host.name for host in hosts]
    limit = ["--limit", ",".join(names)]
    before = dict((host.name, state(host)) for host in hosts)
    try:
        first = ansible.playbook(PLAY, [inventory], args=limit)
        assert first.rc == 0, first
        assert all(first.changed(name) > 0 for name in names), first
        # The first play stopped and disabled the service; the role enabled and started it again.
        started = first.output.split("TASK [essentials.kvm.openvswitch : Enable and start Open vSwitch]", 1)[1]
        started = started.split("TASK [", 1)[0]
        assert all("changed: [%s]" % name in started for name in names), started
        second = ansible.playbook(PLAY, [inventory], args=limit)
        assert second.rc == 0, second
        assert all(second.changed(name) == 0 for name in names), second
        checked = ansible.playbook(PLAY, [inventory], check=True, args=limit)
        assert checked.rc == 0, checked
        assert all(checked.changed(name) == 0 for name in names), checked

        for host in hosts:
            assert state(host) == ["enabled", "active", "1", "2500", "sysctl-file"]
            show = host.ssh("ovs-vsctl --timeout=5 show").stdout
            bridge = show[show.index("Bridge ekvm-br0"):]
            assert "Port eth2" in bridge and "Port ekvm-int0" in bridge, show
            assert "tag: 10" in bridge and "type: internal" in bridge, show
            # The kernel datapath holds the bridge and its ports.
            datapath = host.ssh("ovs-dpctl show").stdout
            assert "system@ovs-system" in datapath, datapath
            assert any(line.strip().endswith(": eth2") for line in datapath.splitlines()), datapath
            assert "ekvm-int0 (internal)" in datapath, datapath
    finally:
        cleanup = ansible.playbook(PLAY, [inventory], args=limit + ["--tags", "cleanup"])
    assert cleanup.rc == 0, cleanup
    for host in hosts:
        assert state(host) == before[host.name]
        assert "ekvm-br0" not in host.ssh("ip -o link show").stdout
