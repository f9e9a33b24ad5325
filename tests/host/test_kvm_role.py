"""The kvm role's host settings on the host VMs: converge, idempotence, check mode, restarts only on change."""
import json
import os
import re
import shlex

import pytest

from tests.labkit import ansible, hostvm

pytestmark = pytest.mark.host

PLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kvm_role.yml")
# libvirtd exits after 120 s without clients (Debian's --timeout 120) and systemd starts it again
# on the next connection; a client held open keeps one process, so a PID change means a restart.
HOLD = "setsid virsh -c qemu:///system event --all --loop >/dev/null 2>&1 < /dev/null & echo $!"
STOPS = "journalctl -u libvirtd.service -o cat --no-pager | grep -c '^Stopping libvirtd' || true"


def daemon(host):
    """(MainPID, how many times systemd stopped libvirtd so far)."""
    out = host.ssh("systemctl show -p MainPID --value libvirtd.service; " + STOPS).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.xfail(run=False, reason="issue 8: took 23 min and failed in the lead's loaded integration run (each "
                   "step passed by hand); not run until it is made faster and seen green")
def test_role_configures_the_hypervisor_and_restarts_libvirtd_only_on_change(host_vms):
    hosts, inventory = host_vms
    names = [host.name for host in hosts]
    # The lab's inventory leaves the ProxyCommand unquoted, which Ansible splits apart; the same
    # options, quoted, as an extra var take precedence over it.
    ssh = json.dumps({"ansible_ssh_common_args": " ".join(shlex.quote(o) for o in hostvm.ssh_options())})
    limit = ["--limit", ",".join(names), "-e", ssh]
    holds = {}
    try:
        first = ansible.playbook(PLAY, [inventory], args=limit)
        assert first.rc == 0, first
        assert all(first.changed(name) > 0 for name in names), first
        # The domain type is what the host's libvirt offers. Under TCG the host VMs' CPU model may
        # still list svm, so nested KVM (and domain type kvm) is possible; libvirt decides.
        for host in hosts:
            offered = host.ssh("virsh -c qemu:///system domcapabilities --virttype kvm >/dev/null 2>&1",
                               check=False).returncode == 0
            wanted = "kvm" if offered else "qemu"
            picked = re.findall(r'ok: \[%s\] => \{\s*"msg": "ekvm-domain-type=(\w+)"' % host.name, first.output)
            assert picked == [wanted], first

        for host in hosts:
            facts = host.ssh(
                "virsh -c qemu:///system version >/dev/null && echo answers; "
                "grep -E '^(listen_tls|listen_tcp|max_clients|unix_sock_group|auth_unix_rw) ' "
                "/etc/libvirt/libvirtd.conf; grep '^max_files' /etc/libvirt/qemu.conf; "
                "stat -c '%G %a' /run/libvirt/libvirt-sock; systemctl is-enabled libvirtd-tls.socket || true; "
                "echo groups $(id -nG ekvm-virt); cat /etc/ssh/sshd_config.d/10-essentials-kvm.conf; "
                "cat /etc/sysctl.d/60-kvm-essentials.conf; "
                "test \"$(cat /sys/module/apparmor/parameters/enabled)\" != Y || "
                "grep -c '/srv/ekvm-images/\\*\\*' /etc/apparmor.d/local/abstractions/libvirt-qemu").stdout
            lines = facts.splitlines()
            assert lines[0] == "answers", facts
            # No TLS certificates on the test hosts: TLS stays off, with a warning.
            assert lines[1:6] == ["listen_tls = 0", "listen_tcp = 0", 'unix_sock_group = "libvirt"',
                                  'auth_unix_rw = "none"', "max_clients = 5000"], facts
            assert "max_files = 32768" in lines, facts
            assert "libvirt 770" in lines and "disabled" in lines, facts
            assert any(line.startswith("groups ") and "libvirt" in line.split() for line in lines), facts
            assert "PermitRootLogin prohibit-password" in facts, facts
            assert "net.bridge.bridge-nf-call-iptables = 0" in facts, facts
        assert "kvm_enable_tls is true but" in first.output, first

        for host in hosts:
            holds[host.name] = host.ssh(HOLD).stdout.strip()
        before = dict((host.name, daemon(host)) for host in hosts)
        second = ansible.playbook(PLAY, [inventory], args=limit)
        assert second.rc == 0, second
        assert all(second.changed(name) == 0 for name in names), second
        checked = ansible.playbook(PLAY, [inventory], check=True, args=limit)
        assert checked.rc == 0, checked
        assert all(checked.changed(name) == 0 for name in names), checked
        assert dict((host.name, daemon(host)) for host in hosts) == before

        changed = ansible.playbook(PLAY, [inventory], args=limit + ["-e", json.dumps({"kvm_max_clients": 4000})])
        assert changed.rc == 0, changed
        for host in hosts:
            pid, stops = daemon(host)
            assert pid not in (0, before[host.name][0]), (pid, before)
            assert stops == before[host.name][1] + 1, changed
            assert host.ssh("grep '^max_clients' /etc/libvirt/libvirtd.conf; "
                            "virsh -c qemu:///system version >/dev/null && echo answers").stdout.split("\n")[:2] \
                == ["max_clients = 4000", "answers"]
    finally:
        for host in hosts:
            if host.name in holds:
                host.ssh("kill %s 2>/dev/null || true" % holds[host.name], check=False)
        cleanup = ansible.playbook(PLAY, [inventory], args=limit + ["--tags", "cleanup"])
    assert cleanup.rc == 0, cleanup
    for host in hosts:
        left = host.ssh("ls -d /etc/systemd/system/libvirtd.socket.d "
                        "/etc/sysctl.d/60-kvm-essentials.conf /var/tmp/ekvm-kvm-before 2>/dev/null | wc -l; "
                        "grep -c '^max_clients' /etc/libvirt/libvirtd.conf || true; "
                        "virsh -c qemu:///system version >/dev/null && echo answers", check=False).stdout.split()
        assert left == ["0", "0", "answers"], left
