"""Converging VMs against libvirt's test:///default driver: plan, apply, verify, idempotence, check mode."""
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_reconcile as r
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.cloudinit_seed import build_seed
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
UPLOAD_SEED = r.Reconciler.upload_seed  # the fixture replaces it: the test driver cannot upload


class DomainProxy:
    """The test driver has no device hotplug; emulate it on the persistent config and the live XML, and record
    the calls."""

    def __init__(self, conn, dom, calls, live_edits):
        self._conn, self._dom, self.calls = conn, dom, calls
        self._live_edits = live_edits.setdefault(dom.name(), [])

    def __getattr__(self, name):
        return getattr(self._dom, name)

    def XMLDesc(self, flags):
        text = self._dom.XMLDesc(flags)
        if flags & libvirt.VIR_DOMAIN_XML_INACTIVE or not self._dom.isActive():
            return text
        root = ET.fromstring(text)
        for xml, add in self._live_edits:
            _apply(root, xml, add)
        return ET.tostring(root, encoding="unicode")

    def _edit(self, xml, add):
        if self._dom.isActive():
            self._live_edits.append((xml, add))
        root = ET.fromstring(self._dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        _apply(root, xml, add)
        self._conn.defineXML(ET.tostring(root, encoding="unicode"))

    def create(self):
        del self._live_edits[:]  # a fresh start runs the persistent definition
        return self._dom.create()

    def attachDeviceFlags(self, xml, flags):
        self.calls.append(("attach", flags))
        self._edit(xml, True)

    def detachDeviceFlags(self, xml, flags):
        self.calls.append(("detach", flags))
        self._edit(xml, False)

    def undefineFlags(self, flags):
        self.calls.append(("undefine", flags))
        return self._dom.undefineFlags(flags & ~libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)


def _apply(root, xml, add):
    device = ET.fromstring(xml)
    devices = root.find("devices")
    if add:
        devices.append(device)
        return
    key = device.find("mac") if device.tag == "interface" else device.find("target")
    attr = "address" if device.tag == "interface" else "dev"
    for elem in devices.findall(device.tag):
        found = elem.find(key.tag)
        if found is not None and found.get(attr) == key.get(attr):
            devices.remove(elem)


class ConnProxy:
    def __init__(self, conn):
        self._conn, self.calls, self.live_edits = conn, [], {}

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def lookupByName(self, name):
        return DomainProxy(self._conn, self._conn.lookupByName(name), self.calls, self.live_edits)

    def defineXML(self, xml):
        return DomainProxy(self._conn, self._conn.defineXML(xml), self.calls, self.live_edits)


def reset(real, original):
    """test:///default keeps one state per process: put back its stock domain and an empty pool."""
    for dom in real.listAllDomains():
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    for vol in real.storagePoolLookupByName("default-pool").listAllVolumes():
        vol.delete(0)
    real.defineXML(original).create()


@pytest.fixture
def conn(monkeypatch):
    real = libvirt.open("test:///default")
    original = real.lookupByName("test").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    reset(real, original)
    pool = real.storagePoolLookupByName("default-pool")
    pool.createXML(r.volume_xml("debian.qcow2", 2 * 1024 ** 3, "qcow2"), 0)
    pool.createXML(r.volume_xml("data.raw", 1024 ** 3, "raw"), 0)

    def upload_seed(self, vm, disk):
        # The test driver cannot upload; build the real ISO and store a volume of its size.
        size = build_seed(vm.cloud_init, str(upload_seed.tmp / "seed.iso"))
        old = r._volume(self.conn, disk.pool, disk.volume)
        if old is not None:
            old.delete(0)
        pool.createXML(r.volume_xml(disk.volume, size, "raw"), 0)
        upload_seed.count += 1

    upload_seed.count = 0
    upload_seed.tmp = None
    monkeypatch.setattr(r.Reconciler, "upload_seed", upload_seed)
    proxy = ConnProxy(real)
    proxy.seeds = upload_seed
    yield proxy
    reset(real, original)
    real.close()


@pytest.fixture(autouse=True)
def seed_dir(conn, tmp_path):
    conn.seeds.tmp = tmp_path


def volumes(conn):
    return sorted(v.name() for v in conn.storagePoolLookupByName("default-pool").listAllVolumes())


def web(**extra):
    vm = {"name": "web1", "pool": "default-pool", "memory": "1G", "vcpus": 1, "max_vcpus": 4, "autostart": True,
          "disks": [{"type": "overlay", "base": "debian.qcow2", "size": "20G"}, {"size": "1G", "bus": "scsi"},
                    {"type": "volume", "volume": "data.raw"}],
          "nics": [{"network": "default"}, {"type": "user"}],
          "cloud_init": {"user_data": {"ssh_authorized_keys": ["ssh-ed25519 AAAA test"]}}}
    vm.update(extra)
    return vm


def run(conn, vms, **kw):
    kw.setdefault("host", "kvm01")
    return r.converge(conn, vms, "kvm_vms", **kw)


def test_first_run_changes_second_run_does_not(conn):
    first = run(conn, [web()])
    assert first["changed"] and first["vms"][0]["actions"][-3:] == ["define", "start (was absent)", "autostart on"]
    assert volumes(conn) == ["data.raw", "debian.qcow2", "web1-cidata.iso", "web1-disk0.qcow2", "web1-disk1.qcow2"]
    overlay = ET.fromstring(conn.storagePoolLookupByName("default-pool").storageVolLookupByName(
        "web1-disk0.qcow2").XMLDesc(0))
    assert overlay.findtext("backingStore/path") == "/default-pool/debian.qcow2"
    assert overlay.findtext("capacity") == str(20 * 1024 ** 3)
    dom = conn.lookupByName("web1")
    assert dom.isActive() and dom.autostart()
    disks = {d.target: d for d in x.parse(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).disks}
    assert disks["vdb"].format == "raw" and disks["sda"].volume == "web1-disk1.qcow2"
    assert (disks["sdb"].volume, disks["sdb"].device) == ("web1-cidata.iso", "cdrom")
    second = run(conn, [web()])
    assert not second["changed"] and second["diff"] == [] and conn.seeds.count == 1


def test_check_mode_changes_nothing_but_shows_the_diff(conn):
    result = run(conn, [web()], check_mode=True)
    assert result["changed"] and "<name>web1</name>" in result["diff"][0]["after"]
    assert result["diff"][0]["before"] == ""
    assert volumes(conn) == ["data.raw", "debian.qcow2"]
    assert "web1" not in [d.name() for d in conn.listAllDomains()]
    run(conn, [web()])
    result = run(conn, [web(memory="2G")], check_mode=True)
    assert result["changed"] and result["restart_required"] == ["web1"]
    assert x.parse(conn.lookupByName("web1").XMLDesc(0)).memory == 1024 * 1024


def test_state_transitions(conn):
    def state():
        return r._state(conn.lookupByName("web1"))

    run(conn, [web(state="shutdown")])
    assert state() == "shutdown"
    for want in ("paused", "running", "paused", "shutdown", "running", "destroyed"):
        result = run(conn, [web(state=want)])
        assert result["changed"] and state() == ("shutdown" if want == "destroyed" else want)
        assert not run(conn, [web(state=want)])["changed"]
    run(conn, [web(state="absent")])
    assert "web1" not in [d.name() for d in conn.listAllDomains()]
    assert "web1-disk0.qcow2" in volumes(conn)
    assert not run(conn, [web(state="absent")])["changed"]


def test_live_changes_on_a_running_guest(conn):
    run(conn, [web()])
    vm = web(vcpus=2, current_memory="512M", description="frontend",
             nics=[{"network": "default"}, {"type": "user"}, {"type": "bridge", "bridge": "br0"}])
    vm["disks"] = vm["disks"][:2] + [{"size": "2G", "volume": "extra.qcow2", "target": "vdc"}]
    result = run(conn, [vm])
    actions = result["vms"][0]["actions"]
    assert result["changed"] and result["restart_required"] == [] and "redefine" not in actions, actions
    assert sorted(conn.calls) == [("attach", 3), ("attach", 3), ("detach", 3)]
    assert "create volume default-pool/extra.qcow2 (new)" in actions
    current = x.parse(conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert (current.vcpus, current.current_memory, current.description) == (2, 512 * 1024, "frontend")
    again = run(conn, [vm])
    assert not again["changed"] and again["restart_required"] == []


def test_restart_required_then_restart_on_change(conn):
    run(conn, [web()])
    started = conn.lookupByName("web1").ID()
    result = run(conn, [web(machine="q35", graphics={"type": "vnc"})])
    assert result["restart_required"] == ["web1"] and "restart required" in result["vms"][0]["actions"]
    assert conn.lookupByName("web1").ID() == started
    # The rerun changes nothing but still says the running guest waits for its restart.
    again = run(conn, [web(machine="q35", graphics={"type": "vnc"})])
    assert not again["changed"] and again["restart_required"] == ["web1"]
    result = run(conn, [web(machine="q35", graphics={"type": "vnc"})], restart_on_change=True)
    dom = conn.lookupByName("web1")
    assert result["restart_required"] == [] and result["vms"][0]["actions"] == ["restart"]
    assert dom.isActive() and dom.ID() != started
    assert x.parse(dom.XMLDesc(0)).machine == "q35"
    settled = run(conn, [web(machine="q35", graphics={"type": "vnc"})], restart_on_change=True)
    assert not settled["changed"] and settled["restart_required"] == []


def test_absent_removes_volumes_and_nvram_only_when_asked(conn):
    run(conn, [web(firmware="uefi")])
    run(conn, [web(firmware="uefi", state="shutdown")])
    run(conn, [web(firmware="uefi", state="absent")])
    assert volumes(conn) == ["data.raw", "debian.qcow2", "web1-cidata.iso", "web1-disk0.qcow2", "web1-disk1.qcow2"]
    run(conn, [web(firmware="uefi")])
    run(conn, [web(firmware="uefi", state="absent", remove_volumes=True)])
    assert volumes(conn) == ["debian.qcow2"]
    assert conn.calls[-1][0] == "undefine" and conn.calls[-1][1] & libvirt.VIR_DOMAIN_UNDEFINE_NVRAM


def test_purge_and_placement(conn):
    vms = [web(host="kvm01"), {"name": "db1", "host": "kvm02", "pool": "default-pool"}]
    result = run(conn, vms, purge=True)
    assert result["skipped"] == ["db1"]
    assert sorted(d.name() for d in conn.listAllDomains()) == ["web1"]
    assert [v["actions"] for v in result["vms"] if v["name"] == "test"] == [["undefine"]]


def test_cloud_init_change_rebuilds_the_seed_live(conn):
    run(conn, [web()])
    changed = web(cloud_init={"user_data": {"packages": ["nginx"]}})
    result = run(conn, [changed])
    assert result["changed"] and result["restart_required"] == [] and conn.seeds.count == 2
    assert not run(conn, [changed])["changed"]


def test_missing_volumes_fail_before_any_change(conn):
    bad_base = web(name="web2", disks=[{"type": "copy", "base": "nope.qcow2"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.disks\[0\]\.base: volume 'nope.qcow2' not found"):
        run(conn, [web(), bad_base])
    missing = web(name="web2", disks=[{"type": "volume", "volume": "gone.qcow2"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[1\]\.disks\[0\]\.volume: volume 'gone.qcow2' not found"):
        run(conn, [web(), missing])
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.nics\[0\]\.network: network 'dmz' is not defined"):
        run(conn, [web(nics=[{"network": "dmz"}])])
    assert volumes(conn) == ["data.raw", "debian.qcow2"]
    assert [d.name() for d in conn.listAllDomains()] == ["test"]


def test_redefine_keeps_device_addresses_of_the_same_chipset(conn):
    run(conn, [web(state="shutdown", machine="pc-i440fx-7.2")])
    before = ET.fromstring(conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    run(conn, [web(state="shutdown", machine="pc-i440fx-7.1")])
    after = ET.fromstring(conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))

    def addresses(root):
        return [ET.tostring(a) for a in root.findall("devices/*/address")]
    assert addresses(before) == addresses(after) and after.find("uuid").text == before.find("uuid").text
    assert after.find("os/type").get("machine") == "pc-i440fx-7.1"


@pytest.mark.parametrize("machine,kept", [("pc-i440fx-7.1", True), ("pc", True), ("q35", False)])
def test_a_chipset_change_leaves_pci_addresses_to_libvirt(machine, kept):
    from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
    defined = []

    class Conn:
        def defineXML(self, xml):
            defined.append(ET.fromstring(xml))

    current = """<domain type='qemu'><name>web1</name><os><type machine='pc-i440fx-7.2'>hvm</type></os><devices>
      <interface type='user'><mac address='52:54:00:00:00:01'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface></devices></domain>"""
    vm = m.normalise_vm({"name": "web1", "machine": machine, "nics": [{"type": "user", "mac": "52:54:00:00:00:01"}]},
                        "vms[0]", m.Context())
    plan = r.VmPlan(vm=vm, path="vms[0]", current=x.parse(current), current_xml=current)
    r.Reconciler(Conn())._define(plan)
    assert (defined[0].find("devices/interface/address") is not None) == kept


def test_check_mode_counts_declared_networks_and_pools_as_present(conn):
    vm = web(pool="fast", nics=[{"network": "lan"}], disks=[{"size": "1G"}])
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.disks\[0\]\.pool: storage pool 'fast'"):
        run(conn, [vm], check_mode=True)
    result = run(conn, [vm], check_mode=True, declared_networks=["lan"], declared_pools=["fast"])
    assert result["changed"] and result["vms"][0]["actions"][:2] == [
        "create volume fast/web1-disk0.qcow2 (new) in a pool this play creates",
        "create volume fast/web1-cidata.iso (seed) in a pool this play creates"]
    assert "web1" not in [d.name() for d in conn.listAllDomains()]
    # A real run needs them on the host: declared names do not count there.
    with pytest.raises(InputError, match=r"^kvm_vms\[0\]\.nics\[0\]\.network: network 'lan'"):
        run(conn, [dict(vm, pool="default-pool")], declared_networks=["lan"], declared_pools=["fast"])


class FakeStream:
    def __init__(self):
        self.data, self.finished = b"", False

    def sendAll(self, handler, opaque):
        while True:
            chunk = handler(self, 4096, opaque)
            if not chunk:
                return
            self.data += chunk

    def finish(self):
        self.finished = True


def test_upload_seed_streams_the_iso(monkeypatch):
    from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
    stream, created = FakeStream(), []

    class Vol:
        def upload(self, st, offset, length, flags):
            created.append(length)

    class Pool:
        def createXML(self, xml, flags):
            created.append(ET.fromstring(xml).findtext("name"))
            return Vol()

    class Conn:
        def storagePoolLookupByName(self, name):
            return Pool()

        def newStream(self, flags):
            return stream

    monkeypatch.setattr(r, "_volume", lambda *_: None)
    vm = m.normalise_vm({"name": "web1", "cloud_init": {}}, "vms[0]", m.Context(pools=["default"]))
    UPLOAD_SEED(r.Reconciler(Conn()), vm, vm.disks[-1])
    assert created[0] == "web1-cidata.iso" and created[1] == len(stream.data) and stream.finished
    assert stream.data[32769:32774] == b"CD001"
