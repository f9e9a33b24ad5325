"""Applying a VM's plan (domain_apply) without libvirt: the definition, the seed upload, the stop."""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_apply as a
from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.domain_plan import VmPlan


@pytest.mark.parametrize("machine,kept", [("pc-i440fx-7.1", True), ("pc", True), ("q35", False)])
def test_a_chipset_change_leaves_pci_addresses_to_libvirt(machine, kept):
    from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m

    defined = []

    class Conn:
        def defineXML(self, xml):
            defined.append(ET.fromstring(xml))

    current = """<domain type='qemu'><name>web1</name><os><type machine='pc-i440fx-7.2'>hvm</type></os><devices>
      <interface type='user'><mac address='52:54:00:00:00:01'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface></devices></domain>"""
    vm = m.normalise_vm(
        {"name": "web1", "machine": machine, "nics": [{"type": "user", "mac": "52:54:00:00:00:01"}]},
        "vms[0]",
        m.Context(),
    )
    plan = VmPlan(vm=vm, path="vms[0]", current=x.parse(current), current_xml=current)
    a.DomainApplier(Conn())._define(plan)
    assert (defined[0].find("devices/interface/address") is not None) == kept


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
    from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as m

    stream, created = FakeStream(), []

    class Vol:
        def upload(self, st, offset, length, flags):
            created.append(length)

        def XMLDesc(self, flags):
            return "<volume type='file'><target><path>/pool/web1-cidata.iso</path></target></volume>"

    class Pool:
        def createXML(self, xml, flags):
            created.append(ET.fromstring(xml).findtext("name"))
            return Vol()

    class Conn:
        def storagePoolLookupByName(self, name):
            return Pool()

        def newStream(self, flags):
            return stream

    monkeypatch.setattr(a, "_volume", lambda *_: None)
    vm = m.normalise_vm({"name": "web1", "cloud_init": {}}, "vms[0]", m.Context(pools=["default"]))
    a.DomainApplier(Conn()).upload_seed(vm, vm.disks[-1])
    assert created[0] == "web1-cidata.iso" and created[1] == len(stream.data) and stream.finished
    assert stream.data[32769:32774] == b"CD001"
    # The domain XML names the seed by its path, so AppArmor's helper can let the guest read it.
    assert (vm.disks[-1].source_type, vm.disks[-1].path) == ("file", "/pool/web1-cidata.iso")


class Guest:
    """A running guest that powers off on an ACPI shutdown request, or ignores it."""

    def __init__(self, obeys):
        self.active, self.obeys, self.calls = True, obeys, []

    def isActive(self):
        return 1 if self.active else 0

    def shutdown(self):
        self.calls.append("shutdown")
        self.active = not self.obeys

    def destroy(self):
        self.calls.append("destroy")
        self.active = False


@pytest.mark.parametrize(
    "obeys,graceful,calls",
    [(True, True, ["shutdown"]), (False, True, ["shutdown", "destroy"]), (True, False, ["destroy"])],
)
def test_graceful_stop_destroys_a_guest_that_ignores_shutdown_after_the_timeout(obeys, graceful, calls):
    guest = Guest(obeys)
    a.DomainApplier(None, shutdown_timeout=0.2).stop(guest, graceful)
    assert guest.calls == calls and not guest.active
