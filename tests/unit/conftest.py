"""Fixtures shared by the unit tests: connections to libvirt's test driver (skipped without the bindings). Test
modules never import each other: what several share lives here or in a *_samples module."""

import contextlib
import time
from unittest import mock

import generated_inputs as gen
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_apply as a
from ansible_collections.essentials.kvm.plugins.module_utils import domain_reconcile as r
from ansible_collections.essentials.kvm.plugins.module_utils import network_reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.cloudinit_seed import build_seed
from ansible_collections.essentials.kvm.plugins.module_utils.domain_disk_source import locate
from tests.unit.generated_runs import SCALE, SEED, STATS

# One dir pool named like libvirt's usual one; the test driver keeps it in memory (nothing is made on disk).
NODE = "<node><pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool></node>"


@pytest.fixture
def default_conn():
    """test:///default keeps one state per process while a connection is open: this one spans the test, and
    afterwards what the test made is removed and any stock object it removed (the default network) comes back."""
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    from tests.unit.driver_state import KINDS, snapshot

    connection = libvirt.open("test:///default")
    stock = snapshot(connection)
    yield connection
    for (lister, _define, _flags), kept in reversed(list(zip(KINDS, stock))):  # VMs first, networks last
        for obj in getattr(connection, lister)():
            if obj.name() not in kept:
                if obj.isActive():
                    obj.destroy()
                obj.undefine()
    for (lister, define, _flags), kept in zip(KINDS, stock):
        present = [obj.name() for obj in getattr(connection, lister)()]
        for name, (xml, active, autostart) in kept.items():
            if name not in present:
                obj = getattr(connection, define)(xml)
                if active:
                    obj.create()
                obj.setAutostart(autostart)
    connection.close()


@pytest.fixture
def node_uri(tmp_path):
    """The URI of a test-driver host of its own (a custom node file is never shared between connections), holding
    one dir pool `default`."""
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return "test://%s" % path


@pytest.fixture
def node_conn(node_uri):
    """A connection to node_uri's host."""
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    connection = libvirt.open(node_uri)
    yield connection
    connection.close()


def _reset_vms(real, original):
    """test:///default keeps one state per process: put back its stock domain and an empty pool."""
    for dom in real.listAllDomains():
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    for vol in real.storagePoolLookupByName("default-pool").listAllVolumes():
        vol.delete(0)
    real.defineXML(original).create()


@pytest.fixture
def vm_conn(monkeypatch, tmp_path):
    """test:///default with only its stock domain and, in default-pool, a base image debian.qcow2 and a volume
    data.raw. The seed ISO upload is replaced (the test driver cannot upload): the real ISO is built in tmp_path
    and a volume of its size stored; vm_conn.seeds.count counts the uploads."""
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    real = libvirt.open("test:///default")
    original = real.lookupByName("test").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    _reset_vms(real, original)
    pool = real.storagePoolLookupByName("default-pool")
    pool.createXML(a.volume_xml("debian.qcow2", 2 * 1024**3, "qcow2"), 0)
    pool.createXML(a.volume_xml("data.raw", 1024**3, "raw"), 0)

    def upload_seed(self, vm, disk):
        size = build_seed(vm.cloud_init, str(tmp_path / "seed.iso"))
        old = a._volume(self.conn, disk.pool, disk.volume)
        if old is not None:
            old.delete(0)
        locate(disk, pool.createXML(a.volume_xml(disk.volume, size, "raw"), 0).XMLDesc(0))
        upload_seed.count += 1

    upload_seed.count = 0
    monkeypatch.setattr(r.Reconciler, "upload_seed", upload_seed)
    real.seeds = upload_seed
    yield real
    _reset_vms(real, original)
    real.close()


@pytest.fixture(scope="module")
def generated_report(request):
    """Seed, rate and outcomes per module, written to the test log (the terminal, past pytest's capture)."""
    started = time.monotonic()
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [
        "generated inputs: seed %d (FUZZ_SEED), scale %g (FUZZ_SCALE), %.1f s"
        % (SEED, SCALE, time.monotonic() - started)
    ]
    for label, stats in sorted(STATS.items()):
        rate = stats["cases"] / stats["seconds"] if stats.get("seconds") else 0
        counts = ", ".join(
            "%s %d" % (key, value) for key, value in sorted(stats.items()) if key not in ("cases", "seconds")
        )
        lines.append("  %-28s %6d cases %6.0f/s  %s" % (label, stats["cases"], rate, counts))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        for line in [""] + lines if terminal else ():
            terminal.write_line(line)
    STATS.clear()


@pytest.fixture(scope="module")
def fake_sriov(tmp_path_factory):
    """A sysfs with one SR-IOV NIC, read by check_sriov in place of this machine's, which has none."""
    root = tmp_path_factory.mktemp("sysfs")
    (root / "class" / "net" / gen.SRIOV_PF / "device").mkdir(parents=True)
    (root / "class" / "net" / gen.SRIOV_PF / "device" / "sriov_totalvfs").write_text("4\n")
    for address in gen.SRIOV_VFS:
        (root / "bus" / "pci" / "devices" / address / "physfn").mkdir(parents=True)
    real = network_reconcile.check_sriov
    with mock.patch.object(network_reconcile, "check_sriov", lambda desired, _sysfs="/sys": real(desired, str(root))):
        yield
