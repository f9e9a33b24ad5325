"""The two-host cluster example (issue 8) on the two shared host VMs in one play: VMs placed per
`host:`, the NFS pool exported by kvm1 shared by both, the OVS VLAN trunk between them. One run, which
converges; the homelab test makes the second and the check-mode runs (a cluster's would cost CI minutes
and prove the same modules again). Open vSwitch is stopped and disabled before the run, so the openvswitch
role has to enable and start it under systemd with the kernel datapath (issue 7)."""

import json
import os

import pytest

from tests.labkit import ansible, demo

pytestmark = pytest.mark.host

HOSTS = ("kvm1", "kvm2")
CLUSTER = os.path.join(ansible.ROOT, "examples", "cluster", "inventory.yml")
PLAYBOOK = os.path.join(ansible.ROOT, "examples", "cluster", "site.yml")
RUN_TIMEOUT = 1100
# The image ships Open vSwitch enabled and running.
OVS_OFF = "systemctl disable --now -q openvswitch-switch && systemctl stop ovs-vswitchd ovsdb-server"
# Service enabled and active, kernel module loaded, the example's sysctl and its file.
OVS_STATE = (
    "systemctl is-enabled openvswitch-switch; systemctl is-active openvswitch-switch; "
    "grep -c '^openvswitch ' /proc/modules; sysctl -n net.core.netdev_max_backlog; "
    "grep -v '^#' /etc/sysctl.d/60-openvswitch.conf"
)
HOST_SETTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site_host_settings.yml")


@pytest.fixture(scope="module")
def cluster(host_vms, tmp_path_factory):
    """The shared host VMs, after every other test that uses them (the site tests run last, and the others
    leave them as they found them): booting two more would cost minutes under TCG. The cluster leaves them
    converged; the homelab test stops them."""
    hosts = host_vms[0]
    assert len(hosts) >= 2, "the cluster needs two host VMs (EKVM_HOSTS)"
    vms = dict(zip(HOSTS, hosts))
    connection = demo.connection_inventory(vms, str(tmp_path_factory.mktemp("cluster") / "hosts.json"))
    for vm in vms.values():
        vm.ssh(OVS_OFF)
    return {
        "vms": vms,
        "inventories": [CLUSTER, connection],
        "first": None,
        "args": ["--limit", ",".join(HOSTS), "-e", "@" + HOST_SETTINGS, "-e", json.dumps(demo.LAB_VARS)],
    }


def converged(cluster):
    if cluster["first"] is None:
        pytest.fail("the first run did not converge the cluster")
    return cluster["first"]


def domains(vm):
    """{name: state} of the host's libvirt guests."""
    out = vm.ssh("for d in $(virsh list --all --name); do echo $d $(virsh domstate $d | tr ' ' -); done").stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def test_first_run_places_vms_per_host_on_the_shared_pool_and_the_trunk(cluster):
    first = ansible.playbook(PLAYBOOK, cluster["inventories"], timeout=RUN_TIMEOUT, args=cluster["args"])
    assert first.rc == 0, first
    cluster["first"] = first
    assert all(first.changed(name) > 0 for name in HOSTS), first
    vms = cluster["vms"]
    assert domains(vms["kvm1"]) == {"cluster-app1": "running"}
    assert domains(vms["kvm2"]) == {"cluster-app2": "running"}
    for name in HOSTS:
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


def test_openvswitch_role_started_the_switch_with_the_kernel_datapath(cluster):
    first = converged(cluster)
    started = first.output.split(
        "TASK [essentials.kvm.openvswitch : Install and run Open vSwitch and write its sysctl settings]", 1
    )[1]
    started = started.split("TASK [", 1)[0]
    assert all("changed: [%s]" % name in started for name in HOSTS), started
    for name, vm in cluster["vms"].items():
        state = vm.ssh(OVS_STATE).stdout.splitlines()
        assert state == ["enabled", "active", "1", "2500", "net.core.netdev_max_backlog = 2500"], (name, state)
        # The kernel datapath holds the bridge and its uplink.
        datapath = vm.ssh("ovs-dpctl show").stdout
        assert "system@ovs-system" in datapath and "ovsbr0 (internal)" in datapath, datapath
        assert any(line.strip().endswith(": eth1") for line in datapath.splitlines()), datapath


def test_vlan_100_crosses_the_trunk_between_the_hosts(cluster):
    converged(cluster)
    vms = cluster["vms"]
    try:
        for index, name in enumerate(HOSTS):
            vms[name].ssh(
                "ovs-vsctl add-port ovsbr0 ekvm-v100 tag=100 -- set interface ekvm-v100 type=internal && "
                "ip addr add 10.100.0.%d/24 dev ekvm-v100 && ip link set ekvm-v100 up" % (index + 1)
            )
        ping = vms["kvm1"].ssh("ping -n -q -c 3 -W 2 10.100.0.2", check=False)
        assert ping.returncode == 0, ping.stdout
    finally:
        for name in HOSTS:
            vms[name].ssh("ovs-vsctl --if-exists del-port ovsbr0 ekvm-v100", check=False)
