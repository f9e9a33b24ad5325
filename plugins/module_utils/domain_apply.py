# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying one VM's plan: volumes and the cloud-init seed, live changes, (re)definition, power state,
autostart and removal, each change recorded as it is made."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import time
import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml
from ansible_collections.essentials.kvm.plugins.module_utils.cloudinit_seed import build_seed, sweep, temp_prefix
from ansible_collections.essentials.kvm.plugins.module_utils.domain_disk_source import locate
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Disk
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt

AFFECT_BOTH = 3  # VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG


def _volume(conn, pool, name):
    try:
        return conn.storagePoolLookupByName(pool).storageVolLookupByName(name)
    except libvirt.libvirtError:
        return None


def _is_active(dom):
    return dom is not None and dom.isActive() == 1


def _state(dom):
    if dom is None:
        return "absent"
    code = dom.state()[0]
    if code == libvirt.VIR_DOMAIN_PAUSED:
        return "paused"
    return "running" if dom.isActive() == 1 else "shutdown"


class DomainApplier:
    """Makes a planned VM happen. `steps` records what apply() has changed of the VM in hand, so that a
    failure part way can say so."""

    def __init__(self, conn, restart_on_change=False, shutdown_timeout=120):
        self.conn = conn
        self.restart_on_change = restart_on_change
        self.shutdown_timeout = shutdown_timeout
        self.steps = []

    def apply(self, plan):
        self.steps = []
        vm = plan.vm
        if vm.state == "absent":
            self.remove(plan.dom, plan.current, vm.remove_volumes)
            return
        self._create_volumes(plan)
        dom = plan.dom
        for kind, value in plan.live:
            self._live(dom, kind, value)
        if plan.redefine:
            dom = self._define(plan)
        if plan.restart_required and self.restart_on_change:
            self.stop(dom, graceful=True)
        self._converge_state(dom, vm.state)
        if bool(dom.autostart()) != vm.autostart:
            dom.setAutostart(1 if vm.autostart else 0)
            self.steps.append("autostart %s" % ("on" if vm.autostart else "off"))

    def _define(self, plan):
        root = domain_xml.build(plan.vm, uuid=plan.dom.UUIDString() if plan.dom is not None else None)
        if plan.current_xml and _same_chipset(plan.vm.machine, plan.current.machine):
            _keep_addresses(root, ET.fromstring(plan.current_xml))
        dom = self.conn.defineXML(domain_xml.to_string(root))
        self.steps.append("define")
        return dom

    def _live(self, dom, kind, value):
        if kind in ("attach", "detach"):
            elem = domain_xml.disk_element(value) if isinstance(value, Disk) else domain_xml.nic_element(value)
            (dom.attachDeviceFlags if kind == "attach" else dom.detachDeviceFlags)(
                domain_xml.to_string(elem), AFFECT_BOTH
            )
        elif kind == "memory":
            # Separate calls: some drivers refuse LIVE|CONFIG together for the balloon.
            dom.setMemoryFlags(value, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            dom.setMemoryFlags(value, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        elif kind == "vcpus":
            dom.setVcpusFlags(value, AFFECT_BOTH)
        else:
            dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, value.description or None, None, None, AFFECT_BOTH)
            ours = value.metadata or value.seed_digest
            dom.setMetadata(
                libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                domain_xml.to_string(domain_xml.metadata_element(value, False)) if ours else None,
                domain_xml.NS_PREFIX if ours else None,
                domain_xml.NS,
                AFFECT_BOTH,
            )
        self.steps.append("%s (live)" % kind)

    def _create_volumes(self, plan):
        for i in plan.volumes:
            disk = plan.vm.disks[i]
            pool = self.conn.storagePoolLookupByName(disk.pool)
            capacity = disk.size or 0
            base = None
            if disk.kind in ("copy", "overlay"):
                base = self.conn.storagePoolLookupByName(disk.base_pool).storageVolLookupByName(disk.base)
                capacity = max(capacity, base.info()[1])
            xml = volume_xml(disk.volume, capacity, disk.format, base if disk.kind == "overlay" else None)
            if disk.kind == "copy":
                vol = pool.createXMLFrom(xml, base, 0)
                # Copying keeps the base's virtual size whatever the capacity asked: grow the copy to its size.
                if disk.image and vol.info()[1] < capacity:
                    vol.resize(capacity, 0)
            else:
                vol = pool.createXML(xml, 0)
            self.steps.append("create volume %s" % disk.volume)
            locate(disk, vol.XMLDesc(0))
        if plan.seed:
            disk = next(d for d in plan.vm.disks if d.kind == "seed")
            self.upload_seed(plan.vm, disk)

    def upload_seed(self, vm, disk):
        pool = self.conn.storagePoolLookupByName(disk.pool)
        old = _volume(self.conn, disk.pool, disk.volume)
        sweep()
        handle, path = tempfile.mkstemp(prefix=temp_prefix("seed"), suffix=".iso")
        os.close(handle)
        try:
            size = build_seed(vm.cloud_init, path)
            if old is not None:
                old.delete(0)
                self.steps.append("delete volume %s" % disk.volume)
            vol = pool.createXML(volume_xml(disk.volume, size, "raw"), 0)
            self.steps.append("create volume %s" % disk.volume)
            stream = self.conn.newStream(0)
            vol.upload(stream, 0, size, 0)
            with open(path, "rb") as source:
                stream.sendAll(lambda _stream, nbytes, handle: handle.read(nbytes), source)
            stream.finish()
            locate(disk, vol.XMLDesc(0))
        finally:
            os.unlink(path)

    def _converge_state(self, dom, want):
        state = _state(dom)
        if want == "running" and state == "shutdown":
            dom.create()
            self.steps.append("start")
        elif want == "running" and state == "paused":
            dom.resume()
            self.steps.append("resume")
        elif want == "paused" and state == "shutdown":
            try:
                dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
                self.steps.append("start paused")
            except libvirt.libvirtError as exc:
                if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT):
                    raise
                # Drivers without START_PAUSED: start, then pause at once.
                dom.create()
                self.steps.append("start")
                dom.suspend()
                self.steps.append("pause")
        elif want == "paused" and state == "running":
            dom.suspend()
            self.steps.append("pause")
        elif want in ("shutdown", "destroyed") and state != "shutdown":
            self.stop(dom, graceful=want == "shutdown")

    def stop(self, dom, graceful):
        """Ask the guest to power off; destroy it when it does not within the timeout."""
        if not _is_active(dom):
            return
        if graceful:
            dom.shutdown()
            deadline = time.monotonic() + self.shutdown_timeout
            while _is_active(dom) and time.monotonic() < deadline:
                time.sleep(0.5)
        if _is_active(dom):
            dom.destroy()
            self.steps.append("destroy")
        else:
            self.steps.append("shut down")

    def remove(self, dom, current, remove_volumes):
        if dom is None:
            return
        volumes = self._owned_volumes(current) if remove_volumes else []
        self.stop(dom, graceful=False)
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        if current is not None and current.firmware == "uefi":
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        dom.undefineFlags(flags)
        self.steps.append("undefine")
        for vol in volumes:
            vol.delete(0)
            self.steps.append("delete volume %s" % vol.name())

    def _owned_volumes(self, current):
        """Volumes of the VM's disks and its seed; shared CD-ROM images stay."""
        out = []
        for disk in current.disks:
            seed = disk.volume == "%s-cidata.iso" % current.name
            if disk.device != "disk" and not seed:
                continue
            vol = _volume(self.conn, disk.pool, disk.volume) if disk.pool else None
            if vol is None and disk.path:
                try:
                    vol = self.conn.storageVolLookupByPath(disk.path)
                except libvirt.libvirtError:
                    vol = None
            if vol is not None:
                out.append(vol)
        return out


def _chipset(machine):
    return "q35" if "q35" in machine else "i440fx" if machine.startswith("pc") else machine


def _same_chipset(want, have):
    """PCI addresses of an i440fx guest do not fit a q35 one; libvirt assigns new ones then."""
    return not want or not have or _chipset(want) == _chipset(have)


def _keep_addresses(root, current):
    """Redefining drops libvirt's device addresses; keep them so guest device names stay put."""
    have = {}
    for elem in current.findall("devices/disk"):
        have[("disk", elem.find("target").get("dev"))] = elem.find("address")
    for elem in current.findall("devices/interface"):
        have[("interface", elem.find("mac").get("address").lower())] = elem.find("address")
    for elem in root.findall("devices/disk"):
        address = have.get(("disk", elem.find("target").get("dev")))
        if address is not None:
            elem.append(address)
    for elem in root.findall("devices/interface"):
        address = have.get(("interface", elem.find("mac").get("address")))
        if address is not None:
            elem.append(address)


def volume_xml(name, capacity, fmt, backing=None):
    root = ET.Element("volume")
    ET.SubElement(root, "name").text = name
    ET.SubElement(root, "capacity", unit="bytes").text = str(capacity)
    ET.SubElement(ET.SubElement(root, "target"), "format", type=fmt)
    if backing is not None:
        store = ET.SubElement(root, "backingStore")
        ET.SubElement(store, "path").text = backing.path()
        found = ET.fromstring(backing.XMLDesc(0)).find("target/format")
        ET.SubElement(store, "format", type=found.get("type") if found is not None else "raw")
    return domain_xml.to_string(root)
