"""playbooks/site.yml end to end on freshly booted host VMs of this module: the homelab example on
one VM (through tests/labkit/demo.py, the code of `make demo`), the two-host cluster example on two
more, both converged at the same time. Three runs each: first, second (changed=0), check mode
(changed=0); everything else is read over SSH. The kvm role's host settings ride along as extra
variables: the homelab test checks them and that libvirtd restarted in the first run only."""
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.labkit import ansible, demo, hostvm
from tests.labkit.proc import LabError

pytestmark = [
    pytest.mark.host,
    # Booting three more host VMs beside host1/host2 and converging homelab and cluster at once
    # ran past pytest's 1200 s in the lead's full run on 2 cores; not run in CI until it is split
    # and timed on its own.
    pytest.mark.xfail(run=False, reason="issue 8: exceeded 1200 s in the full run; to be split and timed"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_SETTINGS = os.path.join(HERE, "site_host_settings.yml")
CLUSTER = os.path.join(ansible.ROOT, "examples", "cluster", "inventory.yml")
CLUSTER_PLAYBOOK = os.path.join(ansible.ROOT, "examples", "cluster", "site.yml")
# Fresh VMs of their own, so the shared host_vms stay as they are: homelab, kvm1, kvm2.
NAMES = os.environ.get("EKVM_SITE_HOSTS", "host3,host4,host5").split(",")
# systemd logs "Stopping" when it stops libvirtd, not when libvirtd exits idle (--timeout 120).
STOPS = "journalctl -u libvirtd.service -o cat --no-pager | grep -c '^Stopping libvirtd' || true"
# A client held open keeps libvirtd from exiting idle before the first run's handler stops it.
HOLD = "setsid virsh -c qemu:///system event --all --loop >/dev/null 2>&1 < /dev/null &"


def quiet(_message):
    """demo.converge logs every run's output; the results carry it for failures."""


@pytest.fixture(scope="module")
def machines(lab, tmp_path_factory):
    assert len(NAMES) == 3, "EKVM_SITE_HOSTS names three host VMs: homelab, kvm1, kvm2"
    vms = {"homelab": hostvm.HostVM(NAMES[0], memory_mib=3072),
           "kvm1": hostvm.HostVM(NAMES[1], memory_mib=2560),
           "kvm2": hostvm.HostVM(NAMES[2], memory_mib=2560)}
    busy = set(NAMES) & set(vm.name for vm in hostvm.running_hosts())
    assert not busy, "host VMs %s already run: this test needs fresh ones (EKVM_SITE_HOSTS)" % sorted(busy)
    try:
        hostvm.boot(list(vms.values()))
        yield vms, demo.connection_inventory(vms, str(tmp_path_factory.mktemp("site") / "hosts.json"))
    finally:
        hostvm.destroy(list(vms.values()))


def runs(playbook, inventories, names, args):
    """First and second run (demo.converge), then check mode; or the error that stopped them."""
    try:
        first, second = demo.converge(playbook, inventories, names, quiet, args=args)
    except (LabError, subprocess.TimeoutExpired) as exc:  # reported by the tests that need these runs
        return exc
    checked = ansible.playbook(playbook, inventories, check=True, args=["--limit", ",".join(names)] + args)
    return first, second, checked


@pytest.fixture(scope="module")
def converged(machines):
    vms, connection = machines
    settings = ["-e", "@" + HOST_SETTINGS, "-e", json.dumps(demo.LAB_VARS)]
    spare = json.dumps({"homelab_spare_disk": demo.spare_disk(vms["homelab"])})
    stops = vms["homelab"].ssh(HOLD + " " + STOPS).stdout.strip()
    with ThreadPoolExecutor(max_workers=2) as pool:
        homelab = pool.submit(runs, demo.PLAYBOOK, [demo.HOMELAB, connection], ["homelab"],
                              settings + ["-e", spare])
        cluster = pool.submit(runs, CLUSTER_PLAYBOOK, [CLUSTER, connection], ["kvm1", "kvm2"], settings)
    return {"homelab": homelab.result(), "cluster": cluster.result(), "stops_before": int(stops)}


def passed(outcome, names):
    if isinstance(outcome, Exception):
        pytest.fail(str(outcome))
    first, second, checked = outcome
    assert all(first.changed(name) > 0 for name in names), first
    assert all(second.changed(name) == 0 for name in names), second
    assert checked.rc == 0 and all(checked.changed(name) == 0 for name in names), checked
    return first


def facts(vm, script):
    return vm.ssh(script).stdout.splitlines()


def domains(vm):
    """{name: (state, domain type)} of the host's libvirt guests."""
    out = vm.ssh("for d in $(virsh list --all --name); do echo $d $(virsh domstate $d | tr ' ' -) "
                 "$(virsh dumpxml --inactive $d | grep -o \"<domain type='[a-z]*'\" | cut -d\\' -f2); done").stdout
    return dict((line.split()[0], tuple(line.split()[1:])) for line in out.splitlines() if line.strip())


def test_homelab_converges_a_fresh_host_then_changes_nothing(machines, converged):
    first = passed(converged["homelab"], ["homelab"])
    vm = machines[0]["homelab"]
    assert "guests use domain type qemu" in first.output, first
    assert domains(vm) == {"homelab-web": ("running", "qemu"), "homelab-db": ("running", "qemu")}
    bond = vm.ssh("cat /proc/net/bonding/bond0").stdout
    assert "active-backup" in bond and sorted(re.findall(r"Slave Interface: (\S+)", bond)) == ["eth1", "eth2"], bond
    addresses = vm.ssh("ip -br addr").stdout
    assert re.search(r"^br10\s+UP\s+192\.168\.10\.2/24", addresses, re.M), addresses
    assert re.search(r"^bond0\.20@bond0\s+UP\s+192\.168\.20\.2/24", addresses, re.M), addresses
    # br10 holds the VLAN and the web VM's tap.
    assert "bond0.10" in vm.ssh("ls /sys/class/net/br10/brif").stdout.split()
    names = vm.ssh("virsh net-list --name; virsh pool-list --name").stdout.split()
    assert {"homelab-lan", "homelab-nat", "homelab-images", "homelab-vg"} <= set(names), names
    assert vm.ssh("vgs --noheadings -o vg_name,lv_count homelab-vg").stdout.split() == ["homelab-vg", "1"]
    # The database VM's disk is a logical volume; both VMs carry their cloud-init seed.
    disks = vm.ssh("virsh domblklist homelab-db; virsh domblklist homelab-web; "
                   "lvs --noheadings -o lv_name homelab-vg").stdout.split()
    assert disks.count("homelab-db-disk0.raw") == 2, disks
    assert {"homelab-db-cidata.iso", "homelab-web-cidata.iso", "homelab-web-disk0.qcow2"} <= set(disks), disks


def test_kvm_role_host_settings_and_libvirtd_restarts_only_in_the_run_that_changed_them(machines, converged):
    first = passed(converged["homelab"], ["homelab"])
    vm = machines[0]["homelab"]
    lines = facts(vm, "grep -E '^(listen_tls|listen_tcp|max_clients|unix_sock_group|auth_unix_rw) ' "
                      "/etc/libvirt/libvirtd.conf; grep '^max_files' /etc/libvirt/qemu.conf; "
                      "stat -c '%G %a' /run/libvirt/libvirt-sock; systemctl is-enabled libvirtd-tls.socket || true; "
                      "echo groups $(id -nG ekvm-virt); cat /etc/ssh/sshd_config.d/10-essentials-kvm.conf; "
                      "cat /etc/sysctl.d/60-kvm-essentials.conf; "
                      "test \"$(cat /sys/module/apparmor/parameters/enabled)\" != Y && echo no-apparmor || "
                      "grep -c '/srv/ekvm-images/\\*\\*' /etc/apparmor.d/local/abstractions/libvirt-qemu; " + STOPS)
    # No TLS certificates on the test hosts: TLS stays off, with a warning.
    assert lines[:5] == ["listen_tls = 0", "listen_tcp = 0", 'unix_sock_group = "libvirt"',
                         'auth_unix_rw = "none"', "max_clients = 5000"], lines
    assert "kvm_enable_tls is true but" in first.output, first
    assert "max_files = 32768" in lines and "libvirt 770" in lines and "disabled" in lines, lines
    assert any(line.startswith("groups ") and "libvirt" in line.split() for line in lines), lines
    assert "PermitRootLogin prohibit-password" in lines, lines
    assert "net.bridge.bridge-nf-call-iptables = 0" in lines, lines
    assert lines[-2] in ("1", "no-apparmor"), lines
    # The first run stopped libvirtd once to hand it its new sockets; the second and the check run
    # changed nothing (no handler ran) and stopped nothing.
    assert int(lines[-1]) == converged["stops_before"] + 1, lines
    assert vm.ssh("virsh -c qemu:///system version >/dev/null && echo answers").stdout.strip() == "answers"


def test_cluster_places_vms_per_host_on_the_shared_nfs_pool_and_the_ovs_trunk(machines, converged):
    passed(converged["cluster"], ["kvm1", "kvm2"])
    vms = machines[0]
    assert domains(vms["kvm1"]) == {"cluster-app1": ("running", "qemu")}
    assert domains(vms["kvm2"]) == {"cluster-app2": ("running", "qemu")}
    for name in ("kvm1", "kvm2"):
        vm = vms[name]
        mount = vm.ssh("findmnt -n -o SOURCE,FSTYPE /var/lib/libvirt/cluster-shared").stdout.split()
        assert mount[0] == "192.168.30.11:/srv/cluster-shared" and mount[1].startswith("nfs"), mount
        trunk = vm.ssh("ovs-vsctl get port eth1 trunks; ovs-vsctl port-to-br eth1").stdout.split("\n")[:2]
        assert trunk == ["[100, 200]", "ovsbr0"], trunk
        # The guest's port on the OVS bridge is an access port of VLAN 100.
        tap = vm.ssh("virsh domiflist cluster-app%s | awk '$3 == \"cluster-vlans\" {print $1}'" % name[-1]).stdout
        assert vm.ssh("ovs-vsctl get port %s tag" % tap.strip()).stdout.strip() == "100", tap
    # Both hosts write to the one export on kvm1.
    shared = vms["kvm1"].ssh("ls /srv/cluster-shared").stdout.split()
    assert "cluster-app1-disk0.qcow2" in shared and "cluster-app2-disk0.qcow2" in shared, shared
    # VLAN 100 crosses the trunk: a host port on it reaches the other host's.
    try:
        for index, name in enumerate(("kvm1", "kvm2")):
            vms[name].ssh("ovs-vsctl add-port ovsbr0 ekvm-v100 tag=100 -- set interface ekvm-v100 type=internal && "
                          "ip addr add 10.100.0.%d/24 dev ekvm-v100 && ip link set ekvm-v100 up" % (index + 1))
        ping = vms["kvm1"].ssh("ping -n -q -c 3 -W 2 10.100.0.2", check=False)
        assert ping.returncode == 0, ping.stdout
    finally:
        for name in ("kvm1", "kvm2"):
            vms[name].ssh("ovs-vsctl --if-exists del-port ovsbr0 ekvm-v100", check=False)
