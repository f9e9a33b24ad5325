# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each declared VM runs when hypervisors are in maintenance (`kvm_maintenance: true`). Pure, run on the
controller, so that every host of the play sees the same placement.

The rule, for each VM that names its host (`host:`, or `hosts:` in order of preference), in declared order:
- Its home is `host`, else the first of `hosts`. When the home is not in maintenance the VM belongs there (a VM
  a maintenance run moved away comes back).
- When the home is in maintenance, the VM goes to the first host that can take it, among: the rest of `hosts` in
  their order when the VM lists them; otherwise every other host of the play, the one with the most free memory
  first (the host that has the VM already first of all, so that a second run keeps it there; equal memory: by
  name). Hosts in maintenance or outside the play are never candidates.
- A host can take the VM when it has every network of the VM's NICs and every pool of its disks (present or
  declared for it: the play converges the target's networks and pools before the moves), the machine type the VM
  is defined with where it is (pc-i440fx-10.0 is not in Debian 12's QEMU 7.2), and free memory for the VM's
  `memory` (its own when it runs there already). Each VM placed on a host takes its memory from that host's
  free memory for the VMs placed after it.
- No host can take it: the VM stays where it is, and the hosts that hold it (else its home) are refused with a
  message naming the VM and what each candidate lacks.
A VM without `host` and `hosts` is every host's own and is never moved."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import derive_mac
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at

MIB = 1024 * 1024
DEFAULT_MEMORY_MIB = 1024  # the VMs step's default memory
host_name = checks.text(what="an inventory host name")
host_names = checks.list_of(host_name)


def preferences(vm, path):
    """The hosts the VM names, home first: [host], or `hosts`; [] for a VM placed on every host. A `host` that is
    not the first of `hosts` is refused, so that the home is never in doubt."""
    if not isinstance(vm, dict):
        return []
    hosts = host_names(vm.get("hosts"), at(path, "hosts"))
    host = vm.get("host")
    if hosts and isinstance(host, str) and host != hosts[0]:
        checks.fail(
            at(at(path, "hosts"), 0),
            "is %s but host is %s" % (hosts[0], host),
            "list the VM's host first in hosts, or give only hosts",
        )
    if len(set(hosts)) != len(hosts):
        checks.fail(at(path, "hosts"), "names a host twice (%s)" % ", ".join(hosts))
    return hosts or ([host] if isinstance(host, str) else [])


def needs(vm):
    """(networks, pools) the VM's NICs and disks use, as declared; shapes the VMs step refuses are left to it."""
    networks, pools = [], []

    def add(names, name):
        if isinstance(name, str) and name not in names:
            names.append(name)

    for nic in vm.get("nics") or []:
        if isinstance(nic, dict):
            add(networks, nic.get("network"))
    disks = [disk for disk in vm.get("disks") or [] if isinstance(disk, dict)]
    for disk in disks:
        add(pools, disk.get("pool") or vm.get("pool") or "default")
    if isinstance(vm.get("cloud_init"), dict):
        add(pools, vm["cloud_init"].get("pool") or vm.get("pool") or "default")
    return networks, pools


def memory_mib(vm, path):
    if vm.get("memory") is None:
        return DEFAULT_MEMORY_MIB
    return -(-checks.size(vm["memory"], at(path, "memory")) // MIB)


def maintenance_flags(flags, play_hosts):
    """{host: bool} from each host's kvm_maintenance (unset: false), checked by the input kit."""
    flags = flags or {}
    return dict(
        (host, flags.get(host) is not None and checks.boolean(flags[host], "kvm_maintenance of %s" % host))
        for host in play_hosts
    )


def defined_machine(facts, holders, name):
    """{"arch", "machine"} the VM is defined with where it is (libvirt_migrate's RV machines), or None."""
    for host in holders:
        machine = facts.get(host, {}).get("machines", {}).get(name)
        if isinstance(machine, dict) and machine.get("machine"):
            return machine
    return None


def lacks(vm, path, facts, host, holds, machine=None):
    """What host lacks to take the VM (empty: it can): missing networks, pools, the machine type the VM is defined
    with (machine: {"arch", "machine"}; QEMU versions them and an older one lacks the newer), free memory."""
    have = facts.get(host, {})
    networks, pools = needs(vm)
    missing = ["network %s" % name for name in networks if name not in have.get("networks", ())]
    missing += ["storage pool %s" % name for name in pools if name not in have.get("pools", ())]
    # A host whose capabilities list no machine type for the arch is left to the move's own check.
    offered = (have.get("machine_types") or {}).get(machine["arch"]) if machine and not holds else None
    if offered and machine["machine"] not in offered:
        missing.append("machine type %s" % machine["machine"])
    free = have.get("free_mib", 0)
    wanted = 0 if holds else memory_mib(vm, path)
    if wanted > free:
        missing.append("%d MiB of free memory (has %d)" % (wanted, free))
    return missing


def place(vms, facts, maintenance, play_hosts, input_name="kvm_vms"):
    """vms: the declared list; facts: {host: {"domains": {name: state}, "free_mib": int, "networks": [names],
    "pools": [names], "machine_types": {arch: [names]}, "machines": {name: {"arch", "machine"}}}} read once per
    host of the play (networks and pools those present or declared);
    maintenance: {host: kvm_maintenance as given}. Returns (placed, refused): placed lists (path, name, host)
    for each VM that names its host, refused {host: [message]} (see the module docstring for the rule)."""
    away = maintenance_flags(maintenance, play_hosts)
    free = dict((host, int(facts.get(host, {}).get("free_mib") or 0)) for host in play_hosts)
    placed, refused = [], {}
    for index, vm in enumerate(vms or []):
        path = at(input_name, index)
        prefs = preferences(vm, path)
        if not prefs or not isinstance(vm.get("name"), str):
            continue
        name, home = vm["name"], prefs[0]
        holders = sorted(host for host in facts if name in facts[host].get("domains", {}))
        if not away.get(home):
            placed.append((path, name, home))
            continue
        candidates, skipped = _candidates(vm, prefs, home, holders, free, away, play_hosts)
        view = dict((host, dict(facts.get(host, {}), free_mib=free[host])) for host in candidates)
        reasons, machine = [], defined_machine(facts, holders, name)
        for host in candidates:
            missing = lacks(vm, path, view, host, host in holders, machine)
            if not missing:
                if host not in holders:
                    free[host] -= memory_mib(vm, path)
                placed.append((path, name, host))
                break
            reasons.append("%s lacks %s" % (host, ", ".join(missing)))
        else:
            reasons += skipped
            text = "%s (%s): its host %s is in maintenance and no other host can take it: %s" % (
                path,
                name,
                home,
                "; ".join(reasons) or ("its hosts name no other" if vm.get("hosts") else "the play has no other host"),
            )
            for host in holders or [home]:
                refused.setdefault(host, []).append(text)
    return placed, refused


def _candidates(vm, prefs, home, holders, free, away, play_hosts):
    """The hosts that may take the VM off its home, in the order they are tried, and why the others may not."""
    considered = prefs[1:] if vm.get("hosts") else [host for host in play_hosts if host != home]
    skipped = ["%s is in maintenance" % host for host in considered if away.get(host)]
    skipped += ["%s is not in this play" % host for host in considered if host not in play_hosts]
    usable = [host for host in considered if host in play_hosts and not away.get(host)]
    if not vm.get("hosts"):
        usable.sort(key=lambda host: (host not in holders, -free[host], host))
    return usable, skipped


def placed_vms(vms, placed, stayed=None):
    """The declared list as the VMs step takes it: each VM on the host placed (stayed: {name: source} of the
    VMs whose move failed, which stay there), `hosts` dropped. A NIC without a MAC keeps the one its home
    derives (domain_model.derive_mac hashes the host in), so that a VM away for maintenance keeps its
    addresses."""
    where = dict(placed or {}, **(stayed or {}))
    result = []
    for vm in vms or []:
        if not isinstance(vm, dict) or not isinstance(vm.get("name"), str):
            result.append(vm)
            continue
        prefs = vm.get("hosts") if isinstance(vm.get("hosts"), list) and vm.get("hosts") else [vm.get("host")]
        vm = dict((key, value) for key, value in vm.items() if key != "hosts")
        home = prefs[0]
        host = where.get(vm["name"], home)
        if host is not None:
            vm["host"] = host
        if host != home and isinstance(vm.get("nics"), list):
            vm["nics"] = [
                dict(nic, mac=derive_mac(home, vm["name"], index))
                if isinstance(nic, dict) and nic.get("mac") is None
                else nic
                for index, nic in enumerate(vm["nics"])
            ]
        result.append(vm)
    return result
