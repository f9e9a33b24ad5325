"""Converging VMs against libvirt's test:///default driver: plan, apply, verify, idempotence, check mode."""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_apply as a
from ansible_collections.essentials.kvm.plugins.module_utils import domain_reconcile as r
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit.domain_samples import run, volumes, web

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def test_first_run_changes_second_run_does_not(vm_conn):
    first = run(vm_conn, [web()])
    assert first["changed"] and first["vms"][0]["actions"][-3:] == ["define", "start (was absent)", "autostart on"]
    assert volumes(vm_conn) == ["data.raw", "debian.qcow2", "web1-cidata.iso", "web1-disk0.qcow2", "web1-disk1.qcow2"]
    overlay = ET.fromstring(
        vm_conn.storagePoolLookupByName("default-pool").storageVolLookupByName("web1-disk0.qcow2").XMLDesc(0)
    )
    assert overlay.findtext("backingStore/path") == "/default-pool/debian.qcow2"
    assert overlay.findtext("capacity") == str(20 * 1024**3)
    dom = vm_conn.lookupByName("web1")
    assert dom.isActive() and dom.autostart()
    disks = {d.target: d for d in x.parse(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).disks}
    # Named by their paths (AppArmor's helper labels paths, not pool volumes).
    assert disks["vdb"].format == "raw" and disks["sda"].path == "/default-pool/web1-disk1.qcow2"
    assert (disks["vdz"].path, disks["vdz"].device, disks["vdz"].readonly) == (
        "/default-pool/web1-cidata.iso",
        "disk",
        True,
    )
    assert {d.source_type for d in disks.values()} == {"file"}
    second = run(vm_conn, [web()])
    assert not second["changed"] and second["diff"] == [] and vm_conn.seeds.count == 1


def test_check_mode_changes_nothing_but_shows_the_diff(vm_conn):
    result = run(vm_conn, [web()], check_mode=True)
    assert result["changed"] and "<name>web1</name>" in result["diff"][0]["after"]
    assert result["diff"][0]["before"] == ""
    assert volumes(vm_conn) == ["data.raw", "debian.qcow2"]
    assert "web1" not in [d.name() for d in vm_conn.listAllDomains()]
    run(vm_conn, [web()])
    result = run(vm_conn, [web(memory="2G")], check_mode=True)
    assert result["changed"] and result["restart_required"] == ["web1"]
    assert x.parse(vm_conn.lookupByName("web1").XMLDesc(0)).memory == 1024 * 1024


def test_state_transitions(vm_conn):
    def state():
        return a._state(vm_conn.lookupByName("web1"))

    run(vm_conn, [web(state="shutdown")])
    assert state() == "shutdown"
    for want in ("paused", "running", "paused", "shutdown", "running", "destroyed"):
        result = run(vm_conn, [web(state=want)])
        assert result["changed"] and state() == ("shutdown" if want == "destroyed" else want)
        assert not run(vm_conn, [web(state=want)])["changed"]
    run(vm_conn, [web(state="absent")])
    assert "web1" not in [d.name() for d in vm_conn.listAllDomains()]
    assert "web1-disk0.qcow2" in volumes(vm_conn)
    assert not run(vm_conn, [web(state="absent")])["changed"]


def test_absent_removes_volumes_only_when_asked(vm_conn):
    """The NVRAM file (libvirt's test driver refuses the flag) is proven in tests/lab/test_cloud_image_lab.py."""
    run(vm_conn, [web()])
    run(vm_conn, [web(state="shutdown")])
    run(vm_conn, [web(state="absent")])
    assert volumes(vm_conn) == ["data.raw", "debian.qcow2", "web1-cidata.iso", "web1-disk0.qcow2", "web1-disk1.qcow2"]
    run(vm_conn, [web()])
    run(vm_conn, [web(state="absent", remove_volumes=True)])
    assert volumes(vm_conn) == ["debian.qcow2"]


def test_purge_and_placement(vm_conn):
    vms = [web(host="kvm01"), {"name": "db1", "host": "kvm02", "pool": "default-pool"}]
    result = run(vm_conn, vms, purge=True)
    assert result["other_hosts"] == ["db1"]
    assert sorted(d.name() for d in vm_conn.listAllDomains()) == ["web1"]
    assert [v["actions"] for v in result["vms"] if v["name"] == "test"] == [["undefine"]]


def test_cloud_init_change_rebuilds_the_seed_live(vm_conn):
    run(vm_conn, [web()])
    changed = web(cloud_init={"user_data": {"packages": ["nginx"]}})
    result = run(vm_conn, [changed])
    assert result["changed"] and result["restart_required"] == [] and vm_conn.seeds.count == 2
    assert not run(vm_conn, [changed])["changed"]


def test_redefine_keeps_device_addresses_of_the_same_chipset(vm_conn):
    run(vm_conn, [web(state="shutdown", machine="pc-i440fx-7.2")])
    before = ET.fromstring(vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    run(vm_conn, [web(state="shutdown", machine="pc-i440fx-7.1")])
    after = ET.fromstring(vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))

    def addresses(root):
        return [ET.tostring(a) for a in root.findall("devices/*/address")]

    assert addresses(before) == addresses(after) and after.find("uuid").text == before.find("uuid").text
    assert after.find("os/type").get("machine") == "pc-i440fx-7.1"


def test_copy_disk_is_a_full_copy_of_the_base(vm_conn):
    vm = web(disks=[{"type": "copy", "base": "debian.qcow2", "volume": "web1-root.qcow2"}])
    first = run(vm_conn, [vm])
    assert "create volume default-pool/web1-root.qcow2 (copy)" in first["vms"][0]["actions"]
    copied = ET.fromstring(
        vm_conn.storagePoolLookupByName("default-pool").storageVolLookupByName("web1-root.qcow2").XMLDesc(0)
    )
    assert copied.find("backingStore") is None and copied.findtext("capacity") == str(2 * 1024**3)
    assert not run(vm_conn, [vm])["changed"]


class CapsConn:
    """Only what host_context reads: domain capabilities (or their absence) and the guest types."""

    def __init__(self, domcaps_domain, guest_types):
        self.domcaps_domain, self.guest_types = domcaps_domain, guest_types

    def getDomainCapabilities(self, *_args):
        if self.domcaps_domain is None:
            raise libvirt.libvirtError("the accel 'kvm' is not supported on this host")
        return "<domainCapabilities><domain>%s</domain></domainCapabilities>" % self.domcaps_domain

    def getCapabilities(self):
        return "<capabilities><guest><arch name='x86_64'>%s</arch></guest></capabilities>" % "".join(
            "<domain type='%s'/>" % t for t in self.guest_types
        )

    def getMaxVcpus(self, _type):
        return 16

    def listAllNetworks(self):
        return []

    def listAllStoragePools(self):
        return []


@pytest.mark.parametrize(
    "domcaps,guest_types,kvm", [("kvm", ["qemu", "kvm"], True), (None, ["qemu"], False), (None, ["qemu", "kvm"], True)]
)
def test_domain_type_auto_follows_the_host_capabilities(domcaps, guest_types, kvm):
    from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m

    ctx = r.host_context(CapsConn(domcaps, guest_types), "kvm01")
    assert ctx.kvm_usable is kvm
    assert m.normalise_vm({"name": "web1"}, "vms[0]", ctx).domain_type == ("kvm" if kvm else "qemu")


def web2(**extra):
    extra.setdefault("cloud_init", None)
    return web(name="web2", **extra)


# Each fails the whole call, names the field and says what is wrong, with a valid VM before it in the list.
BAD_ON_HOST = [
    (web2(nics=[{"network": "dmz"}]), "kvm_vms[1].nics[0].network", "network 'dmz' is not defined on this host"),
    (web2(disks=[{"size": "1G", "pool": "fast"}]), "kvm_vms[1].disks[0].pool", "storage pool 'fast' is not defined"),
    (
        web2(disks=[{"size": "1G", "target": "vdb"}, {"size": "1G", "target": "vdb"}]),
        "kvm_vms[1].disks[1].target",
        "duplicate target device vdb",
    ),
    (web2(memory="512M", current_memory="1G"), "kvm_vms[1].memory", "below current_memory"),
    (
        web2(nics=[{"network": "default", "mac": "52:54:00:00:00:0g"}]),
        "kvm_vms[1].nics[0].mac",
        "must be a MAC address",
    ),
    (
        web2(nics=[{"network": "default", "mac": "52:54:00:00:00:01"}, {"type": "user", "mac": "52:54:00:00:00:01"}]),
        "kvm_vms[1].nics[1].mac",
        "duplicate MAC",
    ),
    (
        web2(disks=[{"type": "overlay", "base": "nope.qcow2"}]),
        "kvm_vms[1].disks[0].base",
        "volume 'nope.qcow2' not found",
    ),
    (
        web2(disks=[{"type": "overlay", "base": "debian.qcow2", "base_pool": "gone"}]),
        "kvm_vms[1].disks[0].base_pool",
        "not defined on this host",
    ),
    (
        web2(disks=[{"type": "volume", "volume": "gone.raw"}]),
        "kvm_vms[1].disks[0].volume",
        "volume 'gone.raw' not found",
    ),
    (
        web2(disks=[{"volume": "web1-disk1.qcow2", "size": "1G"}]),
        "kvm_vms[1].disks[0].volume",
        "also created by kvm_vms[0].disks[1]",
    ),
    (web(), "kvm_vms[1].name", "duplicate VM name"),
    (web2(cloud_init={"pool": "fast"}), "kvm_vms[1].cloud_init.pool", "not defined on this host"),
    (web2(cloud_init={"network_config": ["eth0"]}), "kvm_vms[1].cloud_init.network_config", "mapping or a YAML string"),
    (web2(state="stopped"), "kvm_vms[1].state", "must be one of"),
    (web2(memory="2 lots"), "kvm_vms[1].memory", "must be a size"),
    (web2(vcpus=8, max_vcpus=4), "kvm_vms[1].max_vcpus", "below vcpus"),
    (web2(cpu={"mode": "host-passthrough"}), "kvm_vms[1].cpu.mode", "needs domain_type kvm"),
    (web2(firmware="uefi", nvram="/x_VARS.fd", secure_boot=True, machine="pc"), "kvm_vms[1].machine", "q35"),
    (web2(nvram="/x_VARS.fd"), "kvm_vms[1].nvram", "only applies to firmware: uefi"),
    (web2(graphics={"type": "none", "listen": "0.0.0.0"}), "kvm_vms[1].graphics.listen", "needs graphics type"),
    (web2(boot=["disk"]), "kvm_vms[1].boot[0]", "must be one of"),
    (web2(disks=[{"size": "1G", "bus": "ide"}]), "kvm_vms[1].disks[0].bus", "must be one of"),
    (web2(disks=[{"size": "1G", "target": "sda"}]), "kvm_vms[1].disks[0].target", "does not fit bus virtio"),
    (web2(disks=[{"type": "new"}]), "kvm_vms[1].disks[0].size", "required for type new"),
    (
        web2(disks=[{"type": "volume", "volume": "data.raw", "size": "1G"}]),
        "kvm_vms[1].disks[0].size",
        "only applies to type new, copy or overlay",
    ),
    (web2(disks=[{"base": "debian.qcow2", "format": "raw"}]), "kvm_vms[1].disks[0].format", "must be qcow2"),
    (web2(nics=[{"type": "bridge", "bridge": "br0", "vlan": 10}]), "kvm_vms[1].nics[0].vlan", "Open vSwitch"),
    (web2(nics=[{"type": "direct", "dev": "eth0", "mode": "macvtap"}]), "kvm_vms[1].nics[0].mode", "must be one of"),
    (web2(nics=[{"type": "ethernet", "mode": "vepa"}]), "kvm_vms[1].nics[0].mode", "only applies to type direct"),
    (web2(nics=[{"network": "default", "mtu": 70000}]), "kvm_vms[1].nics[0].mtu", "from 68 to 65535"),
    (
        web2(nics=[{"network": "default", "bandwidth": {"inbound": {"average": 0}}}]),
        "kvm_vms[1].nics[0].bandwidth.inbound.average",
        "from 1 to",
    ),
    (
        web2(network_interfaces=[{"type": "user"}], nics=[{"type": "user"}]),
        "kvm_vms[1].network_interfaces",
        "is another spelling of nics",
    ),
]


@pytest.mark.parametrize("bad,path,text", BAD_ON_HOST, ids=["%02d-%s" % (i, b[1]) for i, b in enumerate(BAD_ON_HOST)])
def test_bad_input_fails_before_any_change(vm_conn, bad, path, text):
    before = (volumes(vm_conn), sorted(d.name() for d in vm_conn.listAllDomains()))
    with pytest.raises(InputError) as err:
        run(vm_conn, [web(), bad])
    assert (err.value.path, text in err.value.message) == (path, True), err.value.message
    assert (
        (volumes(vm_conn), sorted(d.name() for d in vm_conn.listAllDomains()))
        == before
        == (["data.raw", "debian.qcow2"], ["test"])
    )
    assert vm_conn.seeds.count == 0


def test_a_host_without_an_iso_tool_fails_before_any_change(vm_conn, monkeypatch):
    from ansible_collections.essentials.kvm.plugins.module_utils import cloudinit_seed
    from ansible_collections.essentials.kvm.plugins.module_utils.errors import UnsupportedError

    monkeypatch.setattr(cloudinit_seed.shutil, "which", lambda _name: None)
    with pytest.raises(UnsupportedError, match="xorriso"):
        run(vm_conn, [web2(), web()])
    assert volumes(vm_conn) == ["data.raw", "debian.qcow2"] and [d.name() for d in vm_conn.listAllDomains()] == ["test"]
