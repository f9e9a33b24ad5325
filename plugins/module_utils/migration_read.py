# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a move needs, read on both hosts before anything changes: the VM's definition, state, networks, disks
and CPU on the source; on the target (over the migration transport) whether those networks and pools exist
and are active, whether each pool is the same storage (shared) or another one (disks copied), whether its
libvirt can give the VM's CPU, and whether the VM is there already. Every lack is an error naming the VM and
the missing piece."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import (
    LibvirtError,
    libvirt,
    state_name,
    volume_at,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import tls_uri
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import Volume
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import (
    build_volume_xml,
    parse_pool_xml,
    parse_volume_xml,
)

# Pool types whose volumes the hosts can share when both pools name the same source; a pool of another type
# (dir, fs, logical, disk, zfs) is the host's own storage, so a move copies its disks.
SHARED_TYPES = ("netfs", "rbd", "gluster", "iscsi", "iscsi-direct")


def transport_uri(address, key_file, transport="ssh", pki_path=""):
    """The target's libvirt over SSH with the role's migration key (no_tty: never wait for a password), or over
    TLS with this host's client certificate (migration_tls)."""
    if transport == "tls":
        return tls_uri(address, pki_path)
    host = "[%s]" % address if ":" in address else address
    return "qemu+ssh://root@%s/system?keyfile=%s&no_tty=1" % (host, quote(key_file, safe="/"))


def data_uri(address):
    """Where QEMU sends the memory (and copied disks): straight to the target's migration address."""
    return "tcp://%s" % ("[%s]" % address if ":" in address else address)


@dataclass
class Disk:
    target: str
    pool: str
    volume: str
    copy: bool = False  # False: the same storage on both hosts; True: a volume created on the target, then copied
    create: Optional[str] = None  # volume XML to create on the target first

    @property
    def label(self):
        """pool/volume, as the move's result names a volume."""
        return "%s/%s" % (self.pool, self.volume)


@dataclass
class Found:
    """One VM as the source has it, and what the target offers it."""

    name: str
    live: bool
    xml: str
    arch: Optional[str] = None
    machine: Optional[str] = None  # the versioned type libvirt expanded `pc` or `q35` to when it defined the VM
    virttype: Optional[str] = None  # the domain's type: kvm, qemu
    cpu: Optional[str] = None  # the <cpu> the target must give (None: nothing to check), see cpu_to_check
    cpu_mode: Optional[str] = None
    networks: list[str] = field(default_factory=list)
    disks: list[Disk] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings of the read: a move made that libvirt cannot vouch for

    @property
    def copies(self):
        return [disk for disk in self.disks if disk.copy]


def host_facts(conn):
    """What the placement of VMs in maintenance needs of this host: its domains, its active networks and pools,
    the memory the kernel can give new guests (free plus buffers and page cache) in MiB, the machine types its
    QEMU offers per architecture, and the architecture and machine type each domain is defined with (a host
    whose QEMU lacks a VM's machine type cannot take it: placement passes it over)."""
    stats = conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0)
    active_pools = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
    states, machines = {}, {}
    for dom in conn.listAllDomains(0):
        try:
            state = state_name(dom)  # running, paused, shutoff, ...
            arch, machine = _machine(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        except LibvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                continue  # undefined since the listing (a transient domain that stopped): not there
            raise
        states[dom.name()] = state
        if machine:
            machines[dom.name()] = {"arch": arch, "machine": machine}
    return {
        "domains": states,
        "networks": sorted(net.name() for net in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)),
        "pools": sorted(pool.name() for pool in conn.listAllStoragePools(active_pools)),
        "free_mib": sum(stats.get(key, 0) for key in ("free", "buffers", "cached")) // 1024,
        "machine_types": dict((arch, sorted(names)) for arch, names in offered_machines(conn).items()),
        "machines": machines,
    }


def _machine(xml):
    """(arch, machine type) of a domain definition; None for what it does not name."""
    os_type = ET.fromstring(xml).find("os/type")
    return (None, None) if os_type is None else (os_type.get("arch"), os_type.get("machine"))


def lookup(conn, name):
    try:
        return conn.lookupByName(name)
    except LibvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise HostError("%s: reading the VM failed: %s" % (name, exc))


def read_source(conn, name):
    """The VM's inactive definition, whether it runs, its networks and its disks; None when the source has it
    no more (a move that happened already). Writable disks outside any pool cannot be placed on the target."""
    dom = lookup(conn, name)
    if dom is None:
        return None
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
    root = ET.fromstring(xml)
    found = Found(name=name, live=bool(dom.isActive()), xml=xml, virttype=root.get("type"))
    found.arch, found.machine = _machine(xml)
    # A running VM's CPU as it runs (a host-model CPU expanded to the model and features it started with).
    running = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)) if found.live else None
    found.cpu_mode, found.cpu = cpu_to_check(root, running)
    for nic in root.findall("devices/interface[@type='network']/source"):
        if nic.get("network") not in found.networks:
            found.networks.append(nic.get("network"))
    for disk in root.findall("devices/disk"):
        source, target = disk.find("source"), disk.find("target").get("dev")
        if source is None or disk.find("readonly") is not None:
            continue
        # The VMs step names a local volume by its path (domain_disk_source): find its pool and volume by it.
        named = (
            (source.get("pool"), source.get("volume"))
            if disk.get("type") == "volume"
            else volume_at(conn, source.get("file") or source.get("dev"))
        )
        if named:
            found.disks.append(Disk(target, *named))
        else:
            raise UnsupportedError(
                "%s: disk %s (%s) is in no storage pool, so it has no place on the target; put it in a pool "
                "defined on both hosts" % (name, target, source.get("file") or source.get("dev") or disk.get("type"))
            )
    return found


# The parts of a <cpu> that libvirt compares with what a host's hypervisor gives (virConnectCompareHypervisorCPU);
# topology, NUMA cells and cache are the VM's own.
CPU_ATTRIBUTES = ("mode", "match", "check")
CPU_PARTS = ("model", "vendor", "feature")


def cpu_to_check(inactive, running=None):
    """(mode, <cpu> XML to compare on the target or None) of a domain: inactive its persistent definition,
    running its live one when it runs. A custom CPU (a model, maybe with features) is checked as defined, a
    host-model CPU only when the VM runs, as libvirt expanded it at the start (shut off, it takes the target's
    own at its next start); host-passthrough and maximum name no model to compare (libvirt cannot tell whether
    two hosts' CPUs are the same), nor does a <cpu> without a model (a topology only)."""
    cpu = inactive.find("cpu")
    if cpu is None:
        return None, None
    mode = cpu.get("mode", "custom")
    if mode == "host-model" and running is not None:
        cpu = running.find("cpu")
    if cpu is None or cpu.get("mode", "custom") != "custom" or cpu.find("model") is None:
        return mode, None
    wanted = ET.Element("cpu", dict((k, cpu.get(k)) for k in CPU_ATTRIBUTES if cpu.get(k) is not None))
    for part in cpu:
        if part.tag in CPU_PARTS:
            copied = ET.SubElement(wanted, part.tag, dict(part.attrib))
            copied.text = part.text
    return mode, ET.tostring(wanted, encoding="unicode")


def check_cpu(target_conn, found, target):
    """Refuse the move when the target's hypervisor cannot give the VM's CPU (its model or a required feature),
    naming what it lacks; a running host-passthrough CPU is noted (libvirt cannot check it). A libvirt without the
    comparison (the test driver, say) leaves the check to the move itself."""
    if found.cpu_mode in ("host-passthrough", "maximum"):
        if found.live:
            # Shut off, it takes the target's CPU at its next start: nothing to compare.
            found.notes.append(
                "%s: runs with a %s CPU, which libvirt cannot compare between hosts: its live move to %s keeps the "
                "guest running only when both hosts have identical CPUs (a CPU model every host offers has its moves "
                "checked)" % (found.name, found.cpu_mode, target)
            )
        return
    if found.cpu is None:
        return
    try:
        target_conn.compareHypervisorCPU(
            None,
            found.arch,
            found.machine,
            found.virttype,
            found.cpu,
            libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE,
        )
    except LibvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return
        why = exc.get_error_message() or str(exc)
        if exc.get_error_code() == libvirt.VIR_ERR_CPU_INCOMPATIBLE:
            raise HostError(
                "%s: cannot move to %s, whose %s hypervisor cannot give the VM's CPU (%s): %s; nothing moved: give "
                "the VM a CPU model and features every host offers (virsh domcapabilities on each lists them)"
                % (found.name, target, found.virttype or "", _cpu_summary(found.cpu), why)
            )
        raise HostError("%s: comparing the VM's CPU with what %s offers failed: %s" % (found.name, target, why))


def _cpu_summary(xml):
    """model and required features of a <cpu>, for messages: `Skylake-Client +avx512f`."""
    cpu = ET.fromstring(xml)
    wanted = [f.get("name") for f in cpu.findall("feature") if f.get("policy", "require") in ("require", "force")]
    return " ".join([cpu.findtext("model") or "?"] + ["+%s" % name for name in wanted])


def offered_machines(conn):
    """{arch: machine types (versioned names and their aliases)} the host's QEMU offers, from its capabilities;
    an architecture they list no machine type for is left out."""
    offered = {}
    for guest in ET.fromstring(conn.getCapabilities()).findall("guest/arch"):
        for machine in guest.iter("machine"):
            names = [name for name in (machine.text, machine.get("canonical")) if name]
            offered.setdefault(guest.get("name"), set()).update(names)
    return offered


def machine_types(conn, arch):
    """The machine types the host's QEMU offers for arch (any arch when None); empty when its capabilities list
    none (then libvirt checks at the move)."""
    offered = offered_machines(conn)
    return set().union(*offered.values()) if arch is None else offered.get(arch, set())


def _pool(conn, name):
    try:
        pool = conn.storagePoolLookupByName(name)
    except LibvirtError:
        return None
    return pool


def check_target(source_conn, target_conn, found, target):
    """Fill in how each disk moves and fail before anything moves when the target lacks a network or a pool, or
    has the VM already."""
    if lookup(target_conn, found.name) is not None:
        raise HostError("%s: %s has a VM of that name already; undefine one of them" % (found.name, target))
    offered = machine_types(target_conn, found.arch)
    if found.machine and offered and found.machine not in offered:
        # QEMU versions its machine types; an older QEMU lacks the newer ones, and libvirt would only say so
        # once the move started. A VM defined on Debian 13 (pc-i440fx-10.0) cannot run on Debian 12 (7.2).
        raise HostError(
            "%s: cannot move to %s, whose QEMU has no machine type %s (the VM was defined by a newer QEMU): "
            "give the VM a `machine` that every host offers (virsh capabilities lists them), which takes effect "
            "at its next start, or keep it on hosts as new" % (found.name, target, found.machine)
        )
    check_cpu(target_conn, found, target)
    for network in found.networks:
        try:
            active = target_conn.networkLookupByName(network).isActive()
        except LibvirtError:
            active = None
        if not active:
            raise HostError(
                "%s: cannot move to %s, which has no %s %s: declare it in kvm_virtual_networks for %s"
                % (found.name, target, "active network" if active is False else "network", network, target)
            )
    for disk in found.disks:
        theirs = _pool(target_conn, disk.pool)
        if theirs is None or not theirs.isActive():
            raise HostError(
                "%s: cannot move to %s, which has no %s %s (disk %s): declare it in kvm_storage_pools for %s"
                % (
                    found.name,
                    target,
                    "active storage pool" if theirs else "storage pool",
                    disk.pool,
                    disk.target,
                    target,
                )
            )
        ours = parse_pool_xml(source_conn.storagePoolLookupByName(disk.pool).XMLDesc(0))
        shared = ours.type in SHARED_TYPES and parse_pool_xml(theirs.XMLDesc(0)).source == ours.source
        # A shared pool lists the volumes the other host created only once refreshed; the VMs step on the
        # target must see the disk as there already.
        theirs.refresh(0)
        if shared:
            continue
        disk.copy = True
        volume, _path = parse_volume_xml(
            source_conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume).XMLDesc(0)
        )
        if not found.live and volume.backing:
            # A shut-off VM's volume is copied as the file it is (libvirt streams), its backing file not with it;
            # a live move copies what the guest sees into a volume that stands alone.
            raise UnsupportedError(
                "%s: is shut off and disk %s (%s) is an overlay of %s, which a copy of the volume would not take "
                "along to %s: start the VM to move it live (its disk is copied whole), or move it by hand"
                % (found.name, disk.target, disk.label, volume.backing, target)
            )
        try:
            theirs.storageVolLookupByName(disk.volume)
        except LibvirtError:
            disk.create = _empty_volume_xml(volume)


def _empty_volume_xml(volume):
    """The source volume's name, capacity and format, with no backing file: the copy fills it whole."""
    return build_volume_xml(Volume(name=volume.name, capacity=volume.capacity, format=volume.format))
