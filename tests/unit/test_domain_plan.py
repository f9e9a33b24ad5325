"""Planning VMs (domain_plan) against libvirt's test:///default driver: what is read, which changes apply live,
when a restart is required, what fails before any change, and the diff."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.domain_samples import run, volumes, web

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")


class Counting:
    """A libvirt object whose calls are counted by method name, and so are those of the objects they return."""

    LOCAL = ("name", "UUIDString")  # answered from the object, no call to the daemon

    def __init__(self, obj, counts):
        self._obj, self._counts = obj, counts

    def __getattr__(self, name):
        attr = getattr(self._obj, name)
        if not callable(attr) or name in self.LOCAL:
            return attr

        def call(*args):
            self._counts[name] = self._counts.get(name, 0) + 1
            out = attr(*args)
            if isinstance(out, list):
                return [Counting(o, self._counts) for o in out]
            return Counting(out, self._counts) if type(out).__module__ == "libvirt" else out

        return call


def test_a_no_op_run_reads_each_vm_once(vm_conn):
    """Planning lists the host's domains and each pool's volumes once: what a VM adds is its own definition."""

    def vms(count):
        return [
            {
                "name": "vm%d" % i,
                "memory": "64M",
                "pool": "default-pool",
                "disks": [{"size": "1G"}],
                "nics": [{"network": "default"}],
            }
            for i in range(count)
        ]

    calls = {}
    for count in (2, 6):
        run(vm_conn, vms(count))
        calls[count] = {}
        assert not run(Counting(vm_conn, calls[count]), vms(count))["changed"]
    per_vm = dict((name, (calls[6].get(name, 0) - calls[2].get(name, 0)) / 4.0) for name in calls[6])
    # Its definition, as defined and as running, and its disk volume's (the path the domain XML names it by).
    assert dict((name, n) for name, n in per_vm.items() if n) == {"XMLDesc": 3.0}, calls


def test_the_diff_is_built_only_when_asked(vm_conn):
    first = run(vm_conn, [web()], diff=False)
    assert first["changed"] and first["diff"] == []
    changed = run(vm_conn, [web(vcpus=2)])
    assert [d["before_header"] for d in changed["diff"]] == ["web1"] and "<vcpu" in changed["diff"][0]["after"]


def test_live_changes_on_a_running_guest_are_planned_live(vm_conn):
    """Planning only (check mode): the test driver has no hotplug. The changes themselves are proven on a real
    guest by tests/lab/test_cloud_image_lab.py."""
    run(vm_conn, [web()])
    vm = web(
        vcpus=2,
        current_memory="512M",
        description="frontend",
        nics=[{"network": "default"}, {"type": "user"}, {"type": "bridge", "bridge": "br0"}],
    )
    vm["disks"] = vm["disks"][:2] + [{"size": "2G", "volume": "extra.qcow2", "target": "vdc"}]
    result = run(vm_conn, [vm], check_mode=True)
    actions = result["vms"][0]["actions"]
    assert result["changed"] and result["restart_required"] == [] and "redefine" not in actions, actions
    assert "create volume default-pool/extra.qcow2 (new)" in actions
    live = sorted(action.split("[")[0].split(":")[0] for action in actions if action.endswith("(live)"))
    assert live == ["current_memory", "description", "disks", "disks", "nics", "vcpus"], actions


def test_restart_required_then_restart_on_change(vm_conn):
    run(vm_conn, [web()])
    started = vm_conn.lookupByName("web1").ID()
    result = run(vm_conn, [web(machine="q35", graphics={"type": "vnc"})])
    assert result["restart_required"] == ["web1"] and "restart required" in result["vms"][0]["actions"]
    assert vm_conn.lookupByName("web1").ID() == started
    # The rerun changes nothing but still says the running guest waits for its restart.
    again = run(vm_conn, [web(machine="q35", graphics={"type": "vnc"})])
    assert not again["changed"] and again["restart_required"] == ["web1"]
    result = run(vm_conn, [web(machine="q35", graphics={"type": "vnc"})], restart_on_change=True)
    dom = vm_conn.lookupByName("web1")
    assert result["restart_required"] == [] and result["vms"][0]["actions"] == ["restart"]
    assert dom.isActive() and dom.ID() != started
    assert x.parse(dom.XMLDesc(0)).machine == "q35"
    settled = run(vm_conn, [web(machine="q35", graphics={"type": "vnc"})], restart_on_change=True)
    assert not settled["changed"] and settled["restart_required"] == []


def test_putting_the_definition_back_to_what_the_guest_runs_needs_no_restart(vm_conn):
    run(vm_conn, [web()])
    assert run(vm_conn, [web(memory="2G")])["restart_required"] == ["web1"]
    back = run(vm_conn, [web()])
    assert back["changed"] and back["restart_required"] == [] and "restart required" not in back["vms"][0]["actions"]


def test_missing_volumes_fail_before_any_change(vm_conn):
    bad_base = web(name="web2", disks=[{"type": "copy", "base": "nope.qcow2"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.disks\[0\]\.base: volume 'nope.qcow2' not found"):
        run(vm_conn, [web(), bad_base])
    missing = web(name="web2", disks=[{"type": "volume", "volume": "gone.qcow2"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.disks\[0\]\.volume: volume 'gone.qcow2' not found"):
        run(vm_conn, [web(), missing])
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.nics\[0\]\.network: network 'dmz' is not defined"):
        run(vm_conn, [web(nics=[{"network": "dmz"}])])
    assert volumes(vm_conn) == ["data.raw", "debian.qcow2"]
    assert [d.name() for d in vm_conn.listAllDomains()] == ["test"]


def test_check_mode_counts_declared_networks_and_pools_as_present(vm_conn):
    vm = web(pool="fast", nics=[{"network": "lan"}], disks=[{"size": "1G"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.disks\[0\]\.pool: storage pool 'fast'"):
        run(vm_conn, [vm], check_mode=True)
    result = run(vm_conn, [vm], check_mode=True, declared_networks=["lan"], declared_pools=["fast"])
    assert result["changed"] and result["vms"][0]["actions"][:2] == [
        "create volume fast/web1-disk0.qcow2 (new) in a pool this play creates",
        "create volume fast/web1-cidata.iso (seed) in a pool this play creates",
    ]
    assert "web1" not in [d.name() for d in vm_conn.listAllDomains()]
    # A real run needs them on the host: declared names do not count there.
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.nics\[0\]\.network: network 'lan'"):
        run(vm_conn, [dict(vm, pool="default-pool")], declared_networks=["lan"], declared_pools=["fast"])


def test_purge_is_off_by_default_and_check_mode_diffs_a_change(vm_conn):
    run(vm_conn, [web()])
    assert sorted(d.name() for d in vm_conn.listAllDomains()) == ["test", "web1"]
    result = run(vm_conn, [web(memory="2G")], check_mode=True)
    diff = result["diff"][0]
    assert '<memory unit="KiB">1048576</memory>' in diff["before"]
    assert '<memory unit="KiB">2097152</memory>' in diff["after"]
    assert diff["before"].startswith("# state: running, autostart: yes\n")
    assert x.parse(vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).memory == 1024 * 1024
