# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which declared VMs move between the hypervisors of a play: the placement (`host:` of each VM) against
where each hypervisor found its domains (one read per host). Pure, run on the controller by the kvm role's
filter, so that every host of the play sees the same moves and the same refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import asdict, dataclass

from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.migration_placement import place
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import choose

# libvirt's state names (libvirt_migrate reports them) of a domain that has no QEMU process.
INACTIVE = ("shutoff", "crashed")


@dataclass
class Move:
    """One VM to move: from the host that has it to the host it is declared on."""

    name: str
    source: str
    target: str
    live: bool
    address: str = ""
    transport: str = "ssh"  # or tls (migration_tls.choose)


def placements(vms, input_name="kvm_vms"):
    """(path, name, host) of each VM that names its host; items the VMs step refuses are left to it."""
    found = []
    for index, vm in enumerate(vms or []):
        if isinstance(vm, dict) and isinstance(vm.get("name"), str) and isinstance(vm.get("host"), str):
            found.append((at(input_name, index), vm["name"], vm["host"]))
    return found


def find_moves(vms, found, play_hosts, addresses=None, input_name="kvm_vms", placed=None):
    """vms: the declared list; found: {host: {domain: state}} read on the play's hosts; play_hosts: the hosts
    of the play; addresses: {host: migration address}; placed: (path, name, host) of each VM where it belongs
    (migration_placement.place), by default its `host`. Returns (moves, refused), refused {host: [message]}
    for the hosts that hold a VM that cannot move (each message names the VM, the hosts and a way out)."""
    addresses = addresses or {}
    moves, refused = [], {}

    def refuse(hosts, text):
        for host in hosts:
            refused.setdefault(host, []).append(text)

    for path, name, target in placements(vms, input_name) if placed is None else placed:
        holders = sorted(host for host in found if name in found[host])
        active = [host for host in holders if found[host][name] not in INACTIVE]
        others = [host for host in holders if host != target]
        if not others:
            continue
        if len(active) > 1:
            refuse(active, "%s (%s) runs on %s at once: stop every copy but one" % (path, name, " and ".join(active)))
        elif target not in play_hosts:
            refuse(
                others,
                "%s (%s) is placed on %s, which is not in this play, but is defined on %s: run the play on %s too "
                "to move it there, or set its host back to %s"
                % (path, name, target, ", ".join(others), target, others[0]),
            )
        elif target in holders or len(others) > 1:
            refuse(
                holders,
                "%s (%s) is defined on %s: undefine the copies that are not on its host %s before it can converge"
                % (path, name, " and ".join(holders), target),
            )
        else:
            source = others[0]
            moves.append(Move(name, source, target, found[source][name] not in INACTIVE, addresses.get(target, "")))
    return moves, refused


def moves_report(vms, facts, play_hosts, addresses=None, maintenance=None, input_name="kvm_vms"):
    """The placement (migration_placement.place) and its moves as plain data for the role: {"moves": [...],
    "refused": {host: [...]}, "orders": {source: [...]}, "placed": {name: host}}, the orders being each
    source's moves as libvirt_migrate takes them; facts: {host: {"domains", "free_mib", "networks", "pools"}, and
    "transport", "tls_client", "tls_server" for the transport of each move (migration_tls.choose)}."""
    placed, refused = place(vms, facts, maintenance, play_hosts, input_name)
    found = dict((host, facts[host].get("domains", {})) for host in facts)
    moves, unmovable = find_moves(vms, found, play_hosts, addresses, input_name, placed)
    for host, texts in unmovable.items():
        refused.setdefault(host, []).extend(texts)
    orders = {}
    for move in moves:
        move.transport, why = choose(move.source, facts.get(move.source, {}), move.target, facts.get(move.target, {}))
        if why:
            refused.setdefault(move.source, []).append("%s: cannot move to %s: %s" % (move.name, move.target, why))
        order = {"name": move.name, "target": move.target, "address": move.address, "transport": move.transport}
        orders.setdefault(move.source, []).append(order)
    return {
        "moves": [asdict(move) for move in moves],
        "refused": refused,
        "orders": orders,
        "placed": dict((name, host) for _path, name, host in placed),
    }
