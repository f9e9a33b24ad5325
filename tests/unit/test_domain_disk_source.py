"""Pool disks named by their paths (domain_disk_source): the XML libvirt's AppArmor helper can label, read back
as the same pool volumes, and VMs defined earlier with <disk type='volume'> renamed once, with no restart."""

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.domain_apply import DomainApplier
from ansible_collections.essentials.kvm.plugins.module_utils.domain_disk_source import identify, local_source, locate
from tests.unit.domain_samples import run, web

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

FILE = "<volume type='file'><name>a.qcow2</name><target><path>/pool/a.qcow2</path></target></volume>"
BLOCK = "<volume type='block'><name>lv0</name><target><path>/dev/vg0/lv0</path></target></volume>"
NETWORK = "<volume type='network'><name>img</name><target><path>rbd/img</path></target></volume>"


@pytest.mark.parametrize(
    "vol_xml, wanted",
    [(FILE, ("file", "/pool/a.qcow2")), (BLOCK, ("block", "/dev/vg0/lv0")), (NETWORK, ("volume", None))],
    ids=["file", "block", "network"],
)
def test_a_local_volume_is_named_by_its_path_and_a_network_one_stays_a_volume(tmp_path, vol_xml, wanted):
    disk = m.Disk(target="vda", pool="p", volume="v", format="raw")
    locate(disk, vol_xml)
    assert (disk.source_type, disk.path) == wanted
    root = x.build(m.Domain(name="web1", disks=[disk]))
    elem = root.find("devices/disk")
    attr = {"file": "file", "block": "dev", "volume": "pool"}[wanted[0]]
    assert (elem.get("type"), elem.find("source").get(attr)) == (wanted[0], wanted[1] or "p")
    path = tmp_path / "domain.xml"
    path.write_text(x.to_string(root))
    done = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    back = x.parse(x.to_string(root)).disks[0]
    identify([back], lambda pool, name: wanted[1], lambda path: ("p", "v"))
    assert m.differences(disk, back) == []


def test_identify_names_each_disk_both_ways_and_leaves_a_file_outside_pools_unnamed():
    disks = [
        m.Disk(target="vda", pool="p", volume="a.qcow2", source_type="volume"),
        m.Disk(target="vdb", path="/pool/b.raw", source_type="file"),
        m.Disk(target="vdc", path="/srv/c.img", source_type="file"),
    ]
    paths = {("p", "a.qcow2"): "/pool/a.qcow2"}
    identify(disks, lambda pool, name: paths.get((pool, name)), {"/pool/b.raw": ("p", "b.raw")}.get)
    assert [(d.pool, d.volume, d.path) for d in disks] == [
        ("p", "a.qcow2", "/pool/a.qcow2"),
        ("p", "b.raw", "/pool/b.raw"),
        (None, None, "/srv/c.img"),
    ]
    assert local_source(NETWORK) == (None, None)


def as_volumes(xml):
    """The definition as this module wrote it before: each disk in default-pool as <disk type='volume'>."""
    xml = re.sub(r"<disk type='file'", "<disk type='volume'", xml)
    return re.sub(r"<source file='/default-pool/([^']+)'", r"<source pool='default-pool' volume='\1'", xml)


def test_a_vm_defined_with_volume_disks_is_renamed_once_and_needs_no_restart(vm_conn):
    assert run(vm_conn, [web()])["changed"]
    dom = vm_conn.lookupByName("web1")
    vm_conn.defineXML(as_volumes(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
    assert "type='volume'" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    second = run(vm_conn, [web()])
    result = second["vms"][0]
    assert second["changed"] and not result["restart_required"], result
    renamed = sorted(a.split(":")[0] for a in result["actions"] if "source_type: volume -> file" in a)
    assert renamed == ["disks[target=sda].source_type", "disks[target=vda].source_type"] + [
        "disks[target=vdb].source_type",
        "disks[target=vdz].source_type",
    ], result
    assert result["actions"][-1] == "redefine", result
    after = x.parse(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert {d.source_type for d in after.disks} == {"file"} and dom.isActive()
    assert not run(vm_conn, [web()])["changed"]


def test_a_live_attach_names_the_disk_by_the_path_its_new_volume_got():
    """The plan holds the disk, not its XML: apply builds it once the volume exists and has its path."""
    attached = []

    class Dom:
        def attachDeviceFlags(self, xml, flags):
            attached.append(xml)

    disk = m.Disk(target="vdc", pool="p", volume="a.qcow2", format="qcow2")
    locate(disk, FILE)  # as creating the volume does
    DomainApplier(None)._live(Dom(), "attach", disk)
    elem = ET.fromstring(attached[0])
    assert (elem.get("type"), elem.find("source").get("file")) == ("file", "/pool/a.qcow2")
