"""The two-host cluster example (issue 8) on the two shared host VMs in one play: VMs placed per
`host:`, the NFS pool exported by kvm1 shared by both, the OVS VLAN trunk between them. The shared pair is
a bare Debian 12 and a bare Debian 13 host (a mixed cluster, as during a rolling upgrade): the first run
converges, the second changes nothing; the homelab test makes the check-mode runs. Open vSwitch is stopped
and disabled before the run, so the openvswitch role has to enable and start it under systemd with the
kernel datapath (issue 7).

Then the fleet report (issue 23) of the converged cluster: both hosts, every declared object a node with its
edges, no drift; then out-of-band changes (a VM's memory, a VM defined by hand, the trunk's tag) that the next
report marks with the diffs the site playbook prints in check mode, changing nothing; then the hosts are put
back. The address removed from a bridge is the homelab test's: the cluster has no bridge with an address (its
only address carries the NFS pool)."""

import json
import os
import re
import shlex

import pytest

from tests.labkit import ansible, demo
from tests.unit.report_page import parse_report

pytestmark = pytest.mark.host

HOSTS = ("kvm1", "kvm2")
CLUSTER = os.path.join(ansible.ROOT, "examples", "cluster", "inventory.yml")
PLAYBOOK = os.path.join(ansible.ROOT, "examples", "cluster", "site.yml")
RUN_TIMEOUT = 1100
# The first run on the bare hosts (host_install) left Open vSwitch enabled and running.
OVS_OFF = "systemctl disable --now -q openvswitch-switch && systemctl stop ovs-vswitchd ovsdb-server"
# Service enabled and active, kernel module loaded, the example's sysctl and its file.
OVS_STATE = (
    "systemctl is-enabled openvswitch-switch; systemctl is-active openvswitch-switch; "
    "grep -c '^openvswitch ' /proc/modules; sysctl -n net.core.netdev_max_backlog; "
    "grep -v '^#' /etc/sysctl.d/60-openvswitch.conf"
)
HOST_SETTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site_host_settings.yml")
REPORT = os.path.join(ansible.ROOT, "playbooks", "report.yml")
# Purge declared for the report and the check run, so a VM defined by hand is drift the kvm role would remove.
PURGE = ["-e", "kvm_vms_purge=true"]
EXTRA_VM = "cluster-oob"
EXTRA_XML = (
    "<domain type='qemu'><name>%s</name><memory unit='MiB'>32</memory>"
    "<os><type arch='x86_64'>hvm</type></os></domain>" % EXTRA_VM
)
# What the report must not change: each host's libvirt objects as defined, Open vSwitch, the interfaces files
# (the links' addresses are compared apart, from `ip -j`). A pool's sizes move with any refresh, so they go.
# Each pool is refreshed before its volumes are listed: the NFS pool both hosts share lists the other host's
# volumes only once refreshed, which any later run may do, and a refresh changes nothing on the host.
STATE = (
    "for d in $(virsh list --all --name); do virsh domstate $d; virsh dumpxml --inactive $d; done; "
    "for n in $(virsh net-list --all --name); do virsh net-info $n; virsh net-dumpxml --inactive $n; done; "
    "for p in $(virsh pool-list --all --name); do virsh pool-refresh $p >/dev/null 2>&1; "
    "virsh pool-dumpxml --inactive $p; virsh vol-list $p; done; "
    "ovs-vsctl show; cat /etc/network/interfaces /etc/network/interfaces.d/*"
)
SIZES = re.compile(r"\s*<(capacity|allocation|available) [^>]*>\d+</\1>")


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
        "folder": str(tmp_path_factory.mktemp("cluster-report")),
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


def test_second_run_changes_nothing_on_the_mixed_debian_12_and_13_pair(cluster):
    """The cluster example converged on a bare Debian 12 and a bare Debian 13 host (issues 19 and 22): a second
    run finds nothing to change on either."""
    converged(cluster)
    second = ansible.playbook(PLAYBOOK, cluster["inventories"], timeout=RUN_TIMEOUT, args=cluster["args"])
    assert second.rc == 0, second
    assert all(second.changed(name) == 0 for name in HOSTS), second


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


def host_state(vm):
    """What a report must leave as it is (STATE), and each link's addresses."""
    links = json.loads(vm.ssh("ip -j addr").stdout)
    addresses = sorted((link["ifname"], a["local"], a["prefixlen"]) for link in links for a in link["addr_info"])
    return SIZES.sub("", vm.ssh(STATE).stdout), addresses


def report(cluster, label):
    """One report run over both hosts (one module run each); (fleet.json, page sections by id)."""
    out = os.path.join(cluster["folder"], label)
    result = ansible.playbook(
        REPORT, cluster["inventories"], extra_vars={"report_dir": out}, timeout=600, args=cluster["args"] + PURGE
    )
    assert result.rc == 0, result
    assert all(result.recap[name]["changed"] == 0 and result.recap[name]["failed"] == 0 for name in HOSTS), result
    return parse_report(out)


def declared_graph(name, other):
    """(node id -> kind, edges) of what the cluster declares on host `name` (its VM, `other`'s left out)."""
    vm, disk = "cluster-app%s" % name[-1], "cluster-app%s-disk0.qcow2" % name[-1]
    nodes = {
        "link:eth1": "nic",
        "link:eth2": "nic",
        "ovs:ovsbr0": "ovs-bridge",
        "ovs:ovsbr0/eth1": "ovs-port",
        "net:cluster-vlans": "network",
        "pool:cluster-shared": "pool",
        "vol:cluster-shared/" + disk: "volume",
        "disk:%s/vda" % vm: "disk",
        "nic:%s/0" % vm: "vm-nic",
        "vm:" + vm: "vm",
    }
    edges = {
        ("link:eth1", "ovs:ovsbr0/eth1"): None,
        ("ovs:ovsbr0/eth1", "ovs:ovsbr0"): "trunks 100,200",
        ("ovs:ovsbr0", "net:cluster-vlans"): None,
        ("net:cluster-vlans", "nic:%s/0" % vm): "vlan100",
        ("nic:%s/0" % vm, "vm:" + vm): None,
        ("pool:cluster-shared", "vol:cluster-shared/" + disk): None,
        ("vol:cluster-shared/" + disk, "disk:%s/vda" % vm): None,
        ("disk:%s/vda" % vm, "vm:" + vm): None,
    }
    return nodes, edges


def test_report_draws_the_converged_cluster_without_drift(cluster):
    converged(cluster)
    vms = cluster["vms"]
    before = dict((name, host_state(vms[name])) for name in HOSTS)
    data, sections = report(cluster, "converged")
    assert dict((name, host_state(vms[name])) for name in HOSTS) == before, "the report changed a host"
    cluster["state"] = before

    assert [(h["name"], h["reachable"]) for h in data["hosts"]] == [("kvm1", True), ("kvm2", True)]
    for index, (name, other) in enumerate((HOSTS, HOSTS[::-1])):
        host = data["hosts"][index]
        assert host["facts"]["drift"] == {"objects": [], "errors": [], "warnings": [], "commands": {}}, host
        nodes, edges = declared_graph(name, other)
        kinds = dict((node["id"], node["kind"]) for node in host["graph"]["nodes"])
        assert dict((node, kinds.get(node)) for node in nodes) == nodes, name
        labels = dict(((e["from"], e["to"]), e["label"]) for e in host["graph"]["edges"])
        assert dict((edge, labels.get(edge, "no edge")) for edge in edges) == edges, name
        # The page draws the same: each node a group of the host's SVG, each edge one titled tail->head.
        svg = sections["h%d" % index]
        assert dict((node, svg["nodes"].get(node, (None, None))[1]) for node in nodes) == nodes, name
        assert set(edges) <= svg["edges"], set(edges) - svg["edges"]
        # Nothing of the other host's VM is drawn here, and the VM NIC's tap is no port of its own.
        assert not [node for node in kinds if "cluster-app%s" % other[-1] in node and not node.startswith("vol:")]
        assert [node for node in kinds if node.startswith("ovs:ovsbr0/")] == ["ovs:ovsbr0/eth1"], kinds
        assert "No drift: the roles would change nothing on this host." in svg["text"]
    assert data["summary"]["hosts_with_drift"] == 0 and data["summary"]["vms_running"] == 2, data["summary"]
    assert "No drift: the roles would change nothing on any host (2 checked)." in page(cluster, "converged")


def page(cluster, label):
    with open(os.path.join(cluster["folder"], label, "index.html")) as handle:
        return handle.read()


def define(vm, name, xml):
    vm.ssh("printf '%%s' %s > /tmp/%s.xml && virsh define /tmp/%s.xml" % (shlex.quote(xml), name, name))


def changed_lines(diff):
    return [line for line in diff.splitlines(True) if line[:1] in "+-" and not line.startswith(("---", "+++"))]


def test_report_marks_out_of_band_changes_as_the_check_run_does_and_changes_nothing(cluster):
    """setmem --config on kvm1's VM, a VM defined by hand on kvm2, a tag on kvm2's trunk port: the report marks
    exactly those, each with the diff `site.yml --check --diff` prints, and changes nothing; then the hosts are
    put back as the converge left them."""
    if "state" not in cluster:
        pytest.fail("the converged report did not pass")
    kvm1, kvm2 = cluster["vms"]["kvm1"], cluster["vms"]["kvm2"]
    saved = kvm1.ssh("virsh dumpxml --inactive cluster-app1").stdout
    try:
        kvm1.ssh("virsh setmem cluster-app1 200M --config")
        define(kvm2, EXTRA_VM, EXTRA_XML)
        kvm2.ssh("ovs-vsctl set port eth1 tag=300")
        before = dict((name, host_state(cluster["vms"][name])) for name in HOSTS)
        data, sections = report(cluster, "drift")
        assert dict((name, host_state(cluster["vms"][name])) for name in HOSTS) == before, "the report changed a host"

        marked = dict(
            (host["name"], dict((n["id"], n["drift"]) for n in host["graph"]["nodes"] if n.get("drift")))
            for host in data["hosts"]
        )
        assert marked == {
            "kvm1": {"vm:cluster-app1": "different"},
            "kvm2": {"vm:" + EXTRA_VM: "extra", "ovs:ovsbr0/eth1": "different"},
        }
        objects = dict(
            ((host["name"], item["id"]), item) for host in data["hosts"] for item in host["facts"]["drift"]["objects"]
        )
        assert set(objects) == set((name, node) for name in marked for node in marked[name])
        for index, name in enumerate(HOSTS):
            svg = sections["h%d" % index]
            assert all(node in svg["nodes"] for node in marked[name]), (name, svg["nodes"])
            assert "No drift" not in svg["text"]

        # The roles' own check run with --diff prints the same diffs: a VM's whole, the switch's as a whole
        # of which the report shows the port's lines.
        checked = ansible.playbook(
            PLAYBOOK, cluster["inventories"], check=True, diff=True, timeout=RUN_TIMEOUT, args=cluster["args"] + PURGE
        )
        assert checked.rc == 0, checked
        assert checked.changed("kvm1") == 1 and checked.changed("kvm2") == 2, checked
        memory = objects[("kvm1", "vm:cluster-app1")]
        assert memory["diff"] in checked.output and "currentMemory" in memory["diff"], memory
        extra = objects[("kvm2", "vm:" + EXTRA_VM)]
        assert extra["diff"] in checked.output and extra["actions"][0].startswith("undefine"), extra
        port = objects[("kvm2", "ovs:ovsbr0/eth1")]
        assert changed_lines(port["diff"]) == ["-      tag: 300\n"], port
        assert all(line in checked.output for line in changed_lines(port["diff"])), port
        assert port["actions"] == ["set Port eth1 tag=[]"], port
    finally:
        define(kvm1, "cluster-app1", saved)
        kvm2.ssh("virsh undefine %s || true; ovs-vsctl clear port eth1 tag" % EXTRA_VM, check=False)
    assert dict((name, host_state(cluster["vms"][name])) for name in HOSTS) == cluster["state"], "hosts not put back"
