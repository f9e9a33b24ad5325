# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan one VM (reads only): the volumes to create, the changes to its definition and which of them apply live
on the running guest, the state and autostart to reach, whether a restart is needed; and the diff to show.
The Reconciler applies such plans through DomainApplier (domain_apply); domain_reconcile runs it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml, reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.cloudinit_seed import find_tool
from ansible_collections.essentials.kvm.plugins.module_utils.domain_apply import DomainApplier
from ansible_collections.essentials.kvm.plugins.module_utils.domain_disk_source import identify, local_source, locate
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Domain, differences
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt, volume_at
from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size

# What the diff and the actions show in place of a console password.
HIDDEN = "(hidden)"


@dataclass
class VmPlan:
    vm: Domain
    path: str
    dom: Any = None
    current: Optional[Domain] = None
    current_xml: str = ""
    changes: list[tuple] = field(default_factory=list)
    live: list[tuple] = field(default_factory=list)
    redefine: bool = False
    volumes: list[int] = field(default_factory=list)
    seed: bool = False
    actions: list[str] = field(default_factory=list)
    restart_required: bool = False
    pending: list[tuple] = field(default_factory=list)
    live_paths: list[str] = field(default_factory=list)  # the changes made live on the running guest
    state: str = "absent"  # absent, running, paused or shutdown, as read when planning
    autostart: bool = False
    steps: list[reconcile.Step] = field(default_factory=list)


@dataclass
class Seen:
    """The host's domains as planning reads them: four listings for all VMs instead of five calls per VM
    (a no-op run with 200 VMs made about 2,000 calls), and each pool's volumes listed once."""

    domains: dict
    active: set
    paused: set
    autostart: set
    volumes: dict = field(default_factory=dict)  # pool name -> {volume name: virStorageVol}, on first use
    paths: dict = field(default_factory=dict)  # path -> (pool name, volume name) or None, as located or looked up

    @classmethod
    def read(cls, conn):
        def names(flags):
            return set(d.name() for d in conn.listAllDomains(flags))

        return cls(
            domains=dict((d.name(), d) for d in conn.listAllDomains(0)),
            active=names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE),
            paused=names(libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED),
            autostart=names(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART),
        )

    def state(self, name):
        if name not in self.domains:
            return "absent"
        if name in self.paused:
            return "paused"
        return "running" if name in self.active else "shutdown"

    def volume(self, conn, pool, name):
        if pool not in self.volumes:
            try:
                self.volumes[pool] = dict((v.name(), v) for v in conn.storagePoolLookupByName(pool).listAllVolumes(0))
            except libvirt.libvirtError:
                self.volumes[pool] = {}  # no such pool, or not started
        return self.volumes[pool].get(name)

    def path_of(self, conn, pool, name):
        """The local path of a pool's volume; None for a volume the pool lacks or one with no local path."""
        vol = self.volume(conn, pool, name)
        return local_source(vol.XMLDesc(0))[1] if vol is not None else None

    def volume_at(self, conn, path):
        """(pool, volume) of the volume at path; None for a path in no running pool."""
        if path not in self.paths:
            self.paths[path] = volume_at(conn, path)
        return self.paths[path]


def pretty(root, state=None, autostart=None):
    root = ET.fromstring(ET.tostring(root))
    for graphics in root.iterfind("devices/graphics[@passwd]"):
        graphics.set("passwd", HIDDEN)
    ET.indent(root)
    head = "" if state is None else "# state: %s, autostart: %s\n" % (state, "yes" if autostart else "no")
    return head + domain_xml.to_string(root) + "\n"


class Reconciler(DomainApplier):
    """Plans VMs (reads only) and, through DomainApplier, applies the plans."""

    def __init__(self, conn, restart_on_change=False, shutdown_timeout=120):
        super().__init__(conn, restart_on_change, shutdown_timeout)
        # Pools the same play creates before the VMs, and the images it caches: in check mode they are not there yet.
        self.pending_pools = set()
        self.pending_images = set()
        self._seen = None

    def host(self):
        """What planning reads of the host: read on first use, and again after forget()."""
        if self._seen is None:
            self._seen = Seen.read(self.conn)
        return self._seen

    def forget(self):
        self._seen = None

    # ---- plan: reads only; raises InputError for what the host lacks before anything changes
    def plan(self, vm, path):
        seen = self.host()
        plan = VmPlan(
            vm=vm,
            path=path,
            dom=seen.domains.get(vm.name),
            state=seen.state(vm.name),
            autostart=vm.name in seen.autostart,
        )
        if plan.dom is not None:
            self._read_current(plan)
        if vm.state == "absent":
            if plan.dom is not None:
                self._identify(plan.current)
                plan.actions.append("undefine" + (" and delete its volumes" if vm.remove_volumes else ""))
            return plan
        self._plan_disks(plan)
        if plan.current is None:
            plan.redefine = True
            plan.actions.append("define")
        else:
            # After _plan_disks: the paths it located name the current disks without a lookup.
            self._identify(plan.current)
            plan.changes = differences(vm, plan.current)
            self._split_live(plan)
            self._pending_restart(plan)
        self._plan_state(plan)
        return plan

    @staticmethod
    def _read_current(plan):
        """SECURE: with the console password, to compare it; pretty() and the actions never show it. A read-only
        connection (the drift report) may not read it: the password then counts as unchanged."""
        try:
            plan.current_xml = plan.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
            plan.current = domain_xml.parse(plan.current_xml)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_DENIED:
                raise
            plan.current_xml = plan.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            plan.current = domain_xml.parse(plan.current_xml)
            plan.current.graphics_password = plan.vm.graphics_password

    def _identify(self, domain):
        seen = self.host()
        identify(
            domain.disks,
            lambda pool, name: seen.path_of(self.conn, pool, name),
            lambda path: seen.volume_at(self.conn, path),
        )

    def _locate(self, disk, vol):
        """The disk's path and disk type from its volume (domain_disk_source), and its format when the input left
        it to the volume."""
        text = vol.XMLDesc(0)
        locate(disk, text)
        if disk.path:
            self.host().paths[disk.path] = (disk.pool, disk.volume)
        if disk.format is None:
            found = ET.fromstring(text).find("target/format")
            fmt = found.get("type") if found is not None else None
            disk.format = fmt if fmt in ("qcow2", "raw") and disk.device == "disk" else "raw"

    def _plan_disks(self, plan):
        for i, disk in enumerate(plan.vm.disks):
            where = at(at(plan.path, "disks"), i)
            if not disk.pool:
                continue
            if disk.pool in self.pending_pools or disk.base_pool in self.pending_pools:
                if disk.kind in ("seed", "new", "copy", "overlay"):
                    if disk.kind == "seed":
                        find_tool()
                        plan.seed = True
                    plan.actions.append(
                        "create volume %s/%s (%s) in a pool this play creates" % (disk.pool, disk.volume, disk.kind)
                    )
                continue
            vol = self.host().volume(self.conn, disk.pool, disk.volume)
            if vol is not None:
                self._locate(disk, vol)
            if disk.kind == "seed":
                plan.seed = vol is None or plan.current is None or plan.current.seed_digest != plan.vm.seed_digest
                if plan.seed:
                    find_tool()  # a host without an ISO tool fails now, before anything changes
                    plan.actions.append("build cloud-init seed %s/%s" % (disk.pool, disk.volume))
            elif vol is None and disk.kind in ("new", "copy", "overlay"):
                base = self.host().volume(self.conn, disk.base_pool, disk.base) if disk.kind != "new" else None
                if base is None and (disk.base_pool, disk.base) in self.pending_images:
                    plan.actions.append(
                        "create volume %s/%s (%s of image %s, which this run downloads)"
                        % (disk.pool, disk.volume, disk.kind, disk.image)
                    )
                    continue
                if disk.image and disk.size and base is not None and disk.size < base.info()[1]:
                    raise InputError(
                        at(where, "size"),
                        "%s is smaller than image %r (%s)"
                        % (format_size(disk.size), disk.image, format_size(base.info()[1])),
                        "a disk from an image is at least the image's virtual size",
                    )
                if disk.kind != "new" and base is None:
                    raise InputError(
                        at(where, "base"),
                        "volume %r not found in pool %r" % (disk.base, disk.base_pool),
                        "upload the base image into that pool first",
                    )
                plan.volumes.append(i)
                plan.actions.append("create volume %s/%s (%s)" % (disk.pool, disk.volume, disk.kind))
            elif vol is None:
                raise InputError(
                    at(where, "volume"),
                    "volume %r not found in pool %r" % (disk.volume, disk.pool),
                    "use type new with a size to create it",
                )

    def _split_live(self, plan):
        vm, current, active = plan.vm, plan.current, plan.state in ("running", "paused")
        wanted_disks = {d.target: d for d in vm.disks}
        have_disks = {d.target: d for d in current.disks}
        wanted_nics = {n.mac: n for n in vm.nics}
        have_nics = {n.mac: n for n in current.nics}
        for where, old, new in plan.changes:
            name = where.split("[")[0].split(".")[0]
            key = where.split("=")[-1].rstrip("]") if "=" in where else None
            whole = "." not in where
            live = None
            # Devices as objects: their XML is built when applied, once a new disk's volume has its path.
            if name == "disks" and whole and key in wanted_disks and old is None:
                live = ("attach", wanted_disks[key])
            elif name == "disks" and whole and new is None:
                live = ("detach", have_disks[key])
            elif name == "nics" and whole and old is None:
                live = ("attach", wanted_nics[key])
            elif name == "nics" and whole and new is None:
                live = ("detach", have_nics[key])
            elif name == "current_memory" and vm.memory == current.memory:
                live = ("memory", vm.current_memory)
            elif name == "vcpus" and vm.max_vcpus == current.max_vcpus:
                live = ("vcpus", vm.vcpus)
            elif name in ("description", "metadata", "seed_digest"):
                live = ("metadata", vm)
            if name == "disks" and live and live[1].bus == "sata":
                live = None  # SATA has no hotplug
            if live and active and live not in plan.live:
                plan.live.append(live)
            if name == "graphics_password":
                old, new = (HIDDEN if value else value for value in (old, new))
            if live and active:
                plan.live_paths.append(where)
            plan.actions.append("%s: %s -> %s%s" % (where, old, new, " (live)" if live and active else ""))
            if not (live and active):
                plan.redefine = True
        if plan.redefine:
            plan.actions.append("redefine")

    def _pending_restart(self, plan):
        """A restart is required when the running guest differs from the input where no live change applies:
        a change this run makes to the definition only, or one an earlier run made (restart not allowed then).
        A change that puts the definition back to what the guest runs needs none."""
        if plan.state not in ("running", "paused"):
            return
        handled = set(plan.live_paths)
        running = domain_xml.parse(plan.dom.XMLDesc(0))
        self._identify(running)
        # The balloon is best effort (the guest may not reach the size asked for), and a running host-model
        # guest shows the CPU model libvirt expanded it to. A disk named anew (volume -> its path) is the same
        # file to the running guest.
        skip = {"current_memory"} | ({"cpu_mode", "cpu_model"} if plan.vm.cpu_mode == "host-model" else set())
        plan.pending = [
            c
            for c in differences(plan.vm, running)
            if c[0] not in handled and c[0] not in skip and not c[0].endswith(".source_type")
        ]
        plan.restart_required = bool(plan.pending)

    def _plan_state(self, plan):
        state = plan.state
        want = plan.vm.state
        if want in ("shutdown", "destroyed"):
            plan.restart_required = False
            if state in ("running", "paused"):
                plan.actions.append("%s (was %s)" % ("shut down" if want == "shutdown" else "destroy", state))
        elif state != want:
            plan.actions.append("%s (was %s)" % ("start" if want == "running" else "pause", state))
        if plan.restart_required and self.restart_on_change:
            plan.actions.append("restart")
        elif plan.restart_required and plan.actions:
            plan.actions.append("restart required")
        if plan.autostart != plan.vm.autostart:
            plan.actions.append("autostart %s" % ("on" if plan.vm.autostart else "off"))

    def diff(self, plan):
        before = ""
        if plan.current is not None:
            # Hide what the input leaves to libvirt, so the diff shows only real changes.
            shown = copy.deepcopy(plan.current)
            for name in ("arch", "machine", "cpu_mode", "cpu_model", "nvram"):
                if plan.vm.state != "absent" and getattr(plan.vm, name) is None:
                    setattr(shown, name, None)
            before = pretty(domain_xml.build(shown), plan.state, plan.autostart)
        after = ""
        if plan.vm.state != "absent":
            after = pretty(domain_xml.build(plan.vm), plan.vm.state, plan.vm.autostart)
        return {"before_header": plan.vm.name, "after_header": plan.vm.name, "before": before, "after": after}
