# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge libvirt virtual networks: read live ones, plan, apply (live updates where libvirt allows), verify."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils import network_xml, reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    Dns,
    Network,
    canonical,
    with_live_defaults,
)
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_networks

# ------------------------------------------------------------------------------------------------ host facts


def interface_exists(name, sysfs="/sys"):
    return os.path.exists(os.path.join(sysfs, "class", "net", name))


def check_sriov(desired, sysfs="/sys"):
    """A pf must be an SR-IOV physical function (or libvirt fails only when the network starts), and listed
    PCI addresses virtual functions (libvirt refuses the definition otherwise)."""
    for want in desired:
        fwd = want.network.forward
        if want.state == "absent":
            continue
        for i, address in enumerate(fwd.addresses):
            if not os.path.exists(os.path.join(sysfs, "bus", "pci", "devices", address, "physfn")):
                raise InputError(
                    at(at(at(want.path, "forward"), "addresses"), i),
                    "PCI device %s is not an SR-IOV virtual function on this host" % address,
                    "list the virtual functions of an SR-IOV NIC (lspci shows 'Virtual Function')",
                )
        if not fwd.pf:
            continue
        path = at(at(want.path, "forward"), "pf")
        device = os.path.join(sysfs, "class", "net", fwd.pf)
        if not os.path.exists(device):
            raise InputError(path, "device %r does not exist on this host" % fwd.pf)
        try:
            with open(os.path.join(device, "device", "sriov_totalvfs")) as handle:
                total = int(handle.read().strip() or 0)
        except (OSError, ValueError):
            total = 0
        if total < 1:
            raise InputError(
                path,
                "device %r has no SR-IOV virtual functions (sriov_totalvfs is missing or 0)" % fwd.pf,
                "name an SR-IOV capable NIC, or list forward.interfaces (passthrough) or "
                "forward.addresses (hostdev) instead",
            )


def check_against_host(desired, current, purge=False):
    """A network that keeps running on the host unlisted keeps its bridge and subnets: a listed network that
    is to run cannot claim them too (libvirt would refuse to start it halfway through the run)."""
    if purge:
        return
    listed = set(want.network.name for want in desired)
    staying = [current[name] for name in sorted(current) if name not in listed and current[name].active]
    hint = "list network %r with state absent, set purge, or choose another %s"
    for want in desired:
        net = want.network
        if want.state != "active":
            continue
        for other in staying:
            if net.bridge_name and net.bridge_name == other.live.bridge_name:
                raise InputError(
                    at(want.path, "bridge_name"),
                    "bridge %r is used by network %r, which runs on "
                    "this host and is not listed" % (net.bridge_name, other.name),
                    hint % (other.name, "bridge"),
                )
            for i, block in enumerate(net.ips):
                for theirs in other.live.ips:
                    if block.subnet.version == theirs.subnet.version and block.subnet.overlaps(theirs.subnet):
                        raise InputError(
                            at(at(at(want.path, "ips"), i), "address"),
                            "subnet %s overlaps %s of network %r, which runs on this host and is "
                            "not listed" % (block.subnet, theirs.subnet, other.name),
                            hint % (other.name, "subnet"),
                        )


# ------------------------------------------------------------------------------------------------ live state


@dataclass
class LiveNetwork:
    name: str
    config: Network
    live: Network
    active: bool
    persistent: bool
    autostart: bool


def _libvirt_call(what, func, *args):
    try:
        return func(*args)
    except libvirt.libvirtError as exc:
        raise HostError("%s: %s" % (what, exc.get_error_message() or exc))


def _config_xml(handle):
    try:
        return handle.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    except libvirt.libvirtError as exc:
        # libvirt's test driver keeps no separate persistent definition and refuses the flag.
        if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT):
            raise
        return handle.XMLDesc(0)


def read_live(conn):
    """Every network libvirt knows, by name."""
    found = {}
    for handle in _libvirt_call("cannot list networks", conn.listAllNetworks):
        try:
            found[handle.name()] = _read_network(handle)
        except libvirt.libvirtError as exc:
            # Another client removed the network while this one was listing them.
            if exc.get_error_code() != libvirt.VIR_ERR_NO_NETWORK:
                raise HostError("cannot read network %s: %s" % (handle.name(), exc.get_error_message() or exc))
    return found


def _read_network(handle):
    name = handle.name()
    active, persistent = bool(handle.isActive()), bool(handle.isPersistent())
    live = network_xml.parse_xml(handle.XMLDesc(0))
    config = network_xml.parse_xml(_config_xml(handle)) if active and persistent else live
    return LiveNetwork(
        name=name,
        config=config,
        live=live,
        active=active,
        persistent=persistent,
        autostart=bool(handle.autostart()) if persistent else False,
    )


# ------------------------------------------------------------------------------------------------ planning


@dataclass
class Update:
    command: str
    section: str
    xml: str
    parent_index: int = -1

    def describe(self):
        where = " (ip %d)" % self.parent_index if self.parent_index >= 0 else ""
        return "%s %s%s: %s" % (self.command, self.section, where, self.xml)


@dataclass
class Plan:
    name: str
    actions: list[str] = field(default_factory=list)
    define_xml: Optional[str] = None
    updates: list[Update] = field(default_factory=list)
    update_config: bool = True
    autostart: Optional[bool] = None
    restart_required: bool = False
    before: str = ""
    after: str = ""
    steps: list[reconcile.Step] = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.actions)


def _fixed_part(net):
    """The network without what virNetworkUpdate can change live: DHCP ranges and hosts, DNS records, portgroups."""
    net = copy.deepcopy(net)
    for block in net.ips:
        block.dhcp_ranges, block.dhcp_hosts = [], []
    if net.dns:
        net.dns.hosts, net.dns.srvs, net.dns.txts = [], [], []
        if net.dns == Dns():
            net.dns = None
    net.portgroups = []
    return net


def _list_updates(section, old, new, build, parent_index=-1):
    """Delete what is gone first, so an entry re-added with other values never collides with its old self."""
    return [Update("delete", section, build(item), parent_index) for item in old if item not in new] + [
        Update("add-last", section, build(item), parent_index) for item in new if item not in old
    ]


def live_updates(live, desired):
    """virNetworkUpdate steps turning `live` into `desired`; both canonical, equal but for those sections."""
    steps = []
    for index, (old, new) in enumerate(zip(live.ips, desired.ips)):
        steps += _list_updates("ip-dhcp-range", old.dhcp_ranges, new.dhcp_ranges, network_xml.dhcp_range_xml, index)
        steps += _list_updates("ip-dhcp-host", old.dhcp_hosts, new.dhcp_hosts, network_xml.dhcp_host_xml, index)
    old_dns, new_dns = live.dns or Dns(), desired.dns or Dns()
    steps += _list_updates("dns-host", old_dns.hosts, new_dns.hosts, network_xml.dns_host_xml)
    steps += _list_updates("dns-srv", old_dns.srvs, new_dns.srvs, network_xml.dns_srv_xml)
    steps += _list_updates("dns-txt", old_dns.txts, new_dns.txts, network_xml.dns_txt_xml)
    old_groups = {g.name: g for g in live.portgroups}
    new_groups = {g.name: g for g in desired.portgroups}
    steps += [
        Update("delete", "portgroup", network_xml.portgroup_xml(g, live.virtualport_type))
        for n, g in old_groups.items()
        if n not in new_groups
    ]
    vtype = desired.virtualport_type
    # libvirt allows one default portgroup at a time, so groups losing the flag go first.
    for group in sorted(desired.portgroups, key=lambda g: g.default):
        if group.name not in old_groups:
            steps.append(Update("add-last", "portgroup", network_xml.portgroup_xml(group, vtype)))
        elif old_groups[group.name] != group:
            steps.append(Update("modify", "portgroup", network_xml.portgroup_xml(group, vtype)))
    return steps


def _describe(net, state, autostart):
    if net is None:
        return ""
    head = "# state: %s, autostart: %s\n" % (state, "unchanged" if autostart is None else str(autostart).lower())
    return head + network_xml.build_xml(canonical(net))


def _plan_absent(name, current):
    plan = Plan(name=name)
    if current is None:
        return plan
    if current.active:
        plan.actions.append("stop")
    if current.persistent:
        plan.actions.append("undefine")
    plan.before = _describe(current.config, "active" if current.active else "inactive", current.autostart)
    return plan


def plan_network(want, current, restart_on_change=False):
    """Steps for one desired network against what libvirt has (None when the network does not exist)."""
    name = want.network.name
    if want.state == "absent":
        return _plan_absent(name, current)
    plan = Plan(name=name, autostart=want.autostart)
    if current is None:
        config = want.network
        plan.actions.append("define")
        plan.define_xml = network_xml.build_xml(config)
        if want.state == "active":
            plan.actions.append("start")
        if want.autostart:
            plan.actions.append("autostart on")
        plan.after = _describe(config, want.state, want.autostart)
        return plan

    config = canonical(with_live_defaults(want.network, current.config))
    have_config = canonical(current.config)
    plan.before = _describe(have_config, "active" if current.active else "inactive", current.autostart)
    config_differs = config != have_config or not current.persistent
    if current.active and want.state != "inactive":
        wanted_live = canonical(with_live_defaults(want.network, current.live))
        have_live = canonical(current.live)
        if wanted_live != have_live:
            if _fixed_part(wanted_live) == _fixed_part(have_live):
                plan.updates = live_updates(have_live, wanted_live)
                # Both flags keep the persistent definition in step, unless it had already drifted apart.
                plan.update_config = current.persistent and have_config == have_live
                config_differs = config_differs and not plan.update_config
                plan.actions.append("update live")
            else:
                plan.restart_required = True
    if config_differs:
        plan.actions.insert(0, "redefine")
        plan.define_xml = network_xml.build_xml(config)
    if plan.restart_required and restart_on_change:
        plan.actions.append("restart")
        plan.restart_required = False
    if want.state == "active" and not current.active:
        plan.actions.append("start")
    if want.state == "inactive" and current.active:
        plan.actions.append("stop")
    if want.autostart is not None and want.autostart != current.autostart:
        plan.actions.append("autostart %s" % ("on" if want.autostart else "off"))
    plan.after = _describe(
        config,
        want.state if want.state != "present" else ("active" if current.active else "inactive"),
        want.autostart if want.autostart is not None else current.autostart,
    )
    return plan


def plan_all(desired, current, purge=False, restart_on_change=False):
    plans = [plan_network(want, current.get(want.network.name), restart_on_change) for want in desired]
    if purge:
        wanted = set(want.network.name for want in desired)
        plans += [_plan_absent(name, current[name]) for name in sorted(current) if name not in wanted]
    return plans


# ------------------------------------------------------------------------------------------------ applying

_COMMANDS = {
    "add-last": "VIR_NETWORK_UPDATE_COMMAND_ADD_LAST",
    "delete": "VIR_NETWORK_UPDATE_COMMAND_DELETE",
    "modify": "VIR_NETWORK_UPDATE_COMMAND_MODIFY",
}
_SECTIONS = {
    "ip-dhcp-range": "VIR_NETWORK_SECTION_IP_DHCP_RANGE",
    "ip-dhcp-host": "VIR_NETWORK_SECTION_IP_DHCP_HOST",
    "dns-host": "VIR_NETWORK_SECTION_DNS_HOST",
    "dns-srv": "VIR_NETWORK_SECTION_DNS_SRV",
    "dns-txt": "VIR_NETWORK_SECTION_DNS_TXT",
    "portgroup": "VIR_NETWORK_SECTION_PORTGROUP",
}


class _Handle:
    """The network a plan's steps act on: looked up on first use, or the one its define step returned."""

    def __init__(self, conn, name):
        self.conn, self.name, self.network = conn, name, None

    def __call__(self):
        if self.network is None:
            self.network = _libvirt_call("cannot find network %s" % self.name, self.conn.networkLookupByName, self.name)
        return self.network

    def define(self, xml):
        self.network = _libvirt_call("cannot define network %s" % self.name, self.conn.networkDefineXML, xml)


def plan_steps(conn, plan):
    """The calls making `plan` happen. Stop before redefining, so a restart or stop starts from the new
    definition on every driver."""
    name = plan.name
    handle = _Handle(conn, name)

    def step(text, what, method, *args):
        return reconcile.Step(text, lambda: _libvirt_call(what, lambda: getattr(handle(), method)(*args)))

    steps = []
    if "stop" in plan.actions or "restart" in plan.actions:
        steps.append(step("stop network %s" % name, "cannot stop network %s" % name, "destroy"))
    if plan.define_xml:
        steps.append(reconcile.Step("define network %s" % name, lambda: handle.define(plan.define_xml)))
    flags = 0
    if plan.updates:
        flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
        if plan.update_config:
            flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    for update in plan.updates:
        steps.append(
            step(
                "%s of network %s" % (update.describe(), name),
                "cannot %s" % update.describe(),
                "update",
                getattr(libvirt, _COMMANDS[update.command]),
                getattr(libvirt, _SECTIONS[update.section]),
                update.parent_index,
                update.xml,
                flags,
            )
        )
    if "start" in plan.actions or "restart" in plan.actions:
        steps.append(step("start network %s" % name, "cannot start network %s" % name, "create"))
    for action in plan.actions:
        if action.startswith("autostart"):
            steps.append(
                step(
                    "%s of network %s" % (action, name),
                    "cannot set autostart of network %s" % name,
                    "setAutostart",
                    1 if action.endswith("on") else 0,
                )
            )
    if "undefine" in plan.actions:
        steps.append(step("undefine network %s" % name, "cannot undefine network %s" % name, "undefine"))
    return steps


def converge(
    conn,
    items,
    input_name="networks",
    purge=False,
    restart_on_change=False,
    declared_bridges=(),
    check_mode=False,
    sysfs="/sys",
):
    """validate -> read -> plan -> apply -> verify; returns the plans. Raises InputError before any change."""
    return converge_desired(
        conn, validate(items, input_name, declared_bridges, sysfs), purge, restart_on_change, check_mode
    )


def validate(items, input_name="networks", declared_bridges=(), sysfs="/sys"):
    """The input as DesiredNetworks, checked against the host's interfaces; reads only."""
    desired = read_networks(items, input_name, declared_bridges, lambda n: interface_exists(n, sysfs))
    check_sriov(desired, sysfs)
    return desired


def converge_desired(conn, desired, purge=False, restart_on_change=False, check_mode=False):
    """read -> plan -> apply -> verify for networks that validate() returned."""
    current = read_live(conn)
    check_against_host(desired, current, purge)
    plans = plan_all(desired, current, purge, restart_on_change)
    for plan in plans:
        plan.steps = plan_steps(conn, plan)
    reconcile.converge(plans, lambda: _left(conn, desired, purge), check_mode)
    return plans


def _left(conn, desired, purge):
    """What planning again finds still to do, per network."""
    for again in plan_all(desired, read_live(conn), purge):
        if again.actions:
            yield (
                "network %s still differs after the change (%s); libvirt altered the definition"
                % (again.name, ", ".join(again.actions))
            )


def result(plans):
    """Module return values from the plans."""
    return {
        "changed": any(p.changed for p in plans),
        "networks": [
            {
                "name": p.name,
                "actions": p.actions,
                "restart_required": p.restart_required,
                "live_updates": [u.describe() for u in p.updates],
            }
            for p in plans
        ],
        "restart_required": [p.name for p in plans if p.restart_required],
        "live_updates": {p.name: [u.describe() for u in p.updates] for p in plans if p.updates},
        "diff": [reconcile.diff_entry("network %s" % p.name, p.before, p.after) for p in plans if p.changed],
    }


# -------------------------------------------------------------------------------- one kind of several
# resources_reconcile converges every kind through these two, with the same arguments.


def validate_request(request, connect, present):
    """The request's networks validated (reads only), and the names of those that stay."""
    kind = request.networks
    desired = validate(kind.items, kind.input_name, request.declared_bridges, request.sysfs)
    return desired, sorted(want.network.name for want in desired if want.state != "absent")


def converge_request(conn, desired, request, check_mode, diff):
    """read -> plan -> apply -> verify for the validated networks; the result's part for networks."""
    kind = request.networks
    return result(converge_desired(conn, desired, kind.purge, kind.restart_on_change, check_mode))
