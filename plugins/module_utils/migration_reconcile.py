# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moves of VMs away from this host (libvirt_migrate): validate -> read (here and on each target, before
anything moves) -> plan (a Step per VM) -> apply -> verify (the VM is gone here and runs, or is defined, on
its target) -> delete here the volumes the move copied there (unless keep_source_disks). Without moves it
only reports what the role's placement needs: this host's domains, active networks and pools, free memory,
the machine types its QEMU offers and those of its domains."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.essentials.kvm.plugins.module_utils import checks, reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, at
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import enter_apply
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import (
    LibvirtError,
    connection,
    open_connection,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_apply import (
    Options,
    migrate,
    remove_source_copies,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_probe import PORTS, stream_blocked
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import (
    check_target,
    host_facts,
    lookup,
    read_source,
    transport_uri,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import client_ready
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import diagnose as tls_diagnose
from ansible_collections.essentials.kvm.plugins.module_utils.migration_tls import refusal as tls_refusal

MOVE_FIELDS = {
    "name": checks.plain_text,
    "target": checks.plain_text,
    "address": checks.host,
    "uri": checks.plain_text,
    "transport": checks.choice("ssh", "tls"),
}
MOVE_REQUIRED = ("name", "target", "address")


@dataclass
class Request:
    uri: str
    moves: list = field(default_factory=list)  # mappings name, target (inventory name), address
    source: str = "this host"
    options: Options = field(default_factory=Options)
    input_name: str = "moves"


@dataclass
class Move:
    name: str
    target: str
    address: str
    source: str = ""
    uri: str = ""  # the target's libvirt; by default over SSH with the key at its migration address
    transport: str = "ssh"  # or tls: qemu+tls to the migration address, with this host's client certificate


@dataclass
class Plan:
    move: Move
    found: object = None
    steps: list = field(default_factory=list)


def validate(request):
    """The moves as Move, each named by its input path when wrong."""
    checks.integer(1, None)(request.options.parallel, "parallel")
    moves = []
    for index, item in enumerate(checks.listing(request.moves, request.input_name)):
        got = checks.values(checks.Fields(item, at(request.input_name, index), MOVE_FIELDS), MOVE_FIELDS, MOVE_REQUIRED)
        moves.append(Move(source=request.source, **got))
    return moves


def describe(found, move):
    if found.copies:
        how = "%s, disks %s copied" % ("live" if found.live else "shut off", ", ".join(d.target for d in found.copies))
    else:
        how = "live, memory only" if found.live else "shut off, definition only"
    if move.transport == "tls":
        how += ", over TLS"
    return "%s: move %s -> %s (%s)" % (found.name, move.source, move.target, how)


def converge(request, check_mode=False):
    """Up to options.parallel moves at a time; one that fails leaves its VM here and keeps none of the others
    from moving. The result then has failed (the task fails), msg, and stayed: the VMs still here."""
    moves = validate(request)
    with connection(request.uri) as conn:
        result = dict(host_facts(conn), changed=False, moves=[], tls_client=client_ready(request.options.pki_path))
        targets = {}
        try:
            plans = _plan(conn, moves, request.options, targets)
            warnings = [note for plan in plans for note in plan.found.notes]
            if check_mode:
                result["moves"] = [{"name": p.move.name, "from": p.move.source, "to": p.move.target} for p in plans]
                result["changed"] = bool(plans)
                if warnings:
                    result["warnings"] = warnings
                return result
            reports = {}
            steps = [_step(conn, targets[plan.move.target], plan, request.options, reports, warnings) for plan in plans]
            errors = []
            if steps:
                enter_apply()
                try:
                    done = reconcile.apply(steps, threads=request.options.parallel, independent=True)
                except HostError as exc:
                    done, errors = exc.done, [exc.message]
            else:
                done = []
            errors += _left(conn, targets, [plan for plan in plans if plan.move.name in reports])
        finally:
            for target_conn, _uri in targets.values():
                target_conn.close()
        result["changed"] = bool(done)
        result["done"] = done
        if warnings:
            result["warnings"] = warnings
        result["moves"] = [reports[p.move.name] for p in plans if p.move.name in reports]
        if errors:
            result.update(failed=True, msg="; ".join(errors))
            result["stayed"] = [p.move.name for p in plans if p.move.name not in reports]
        return result


def _plan(conn, moves, options, targets):
    """A plan per VM this host still has; every target is read (and its lacks refused) before any move, and the
    migration address of each live move is probed for QEMU's stream."""
    plans, probed = [], {}
    for move in moves:
        found = read_source(conn, move.name)
        if found is None:
            continue
        if move.target not in targets:
            uri = move.uri or transport_uri(move.address, options.key_file, move.transport, options.pki_path)
            try:
                targets[move.target] = (open_connection(uri), uri)
            except HostError as exc:
                if uri.startswith("qemu+tls:"):
                    cause = exc.message.split(": ", 1)[-1] if exc.message.startswith("cannot connect") else exc.message
                    # libvirt's own reason for refusing a certificate goes to its log only: find it out.
                    refused = "certificate" in cause.lower() and not move.uri
                    reason = tls_diagnose(move.address, options.pki_path) if refused else None
                    raise HostError(tls_refusal(move.name, move.target, move.address, move.source, cause, reason))
                raise HostError(
                    "%s: cannot move to %s, whose libvirt does not answer at %s: %s; nothing moved, the VM stays on "
                    "%s (check kvm_migration_address and that this host reaches it over SSH)"
                    % (move.name, move.target, move.address, exc.message, move.source)
                )
        check_target(conn, targets[move.target][0], found, move.target)
        if found.live:
            if move.address not in probed:
                probed[move.address] = stream_blocked(move.address)
            if probed[move.address]:
                raise HostError(
                    "%s: cannot move to %s: QEMU's migration stream would not reach %s (%s); nothing moved, the VM "
                    "stays on %s (open TCP ports %d-%d from this host's migration address to that one)"
                    % ((move.name, move.target, move.address, probed[move.address], move.source) + PORTS)
                )
        plans.append(Plan(move, found))
    return plans


def _step(conn, target, plan, options, reports, warnings):
    target_conn, uri = target
    found, move = plan.found, plan.move

    def call():
        measured = migrate(conn, target_conn, uri, found, move, options)
        removed = []
        if found.copies and not options.keep_source_disks:
            # The VM moved: whatever happens to the source's copies of its disks is a warning, not a failed move.
            try:
                removed, failed = remove_source_copies(conn, target_conn, found, move)
            except (HostError, LibvirtError) as exc:
                failed = [
                    "%s: moved to %s, but the copies of its disks here (%s) were not deleted: %s"
                    % (found.name, move.target, ", ".join(d.label for d in found.copies), exc)
                ]
            warnings.extend(failed)
        reports[move.name] = dict(
            {"name": move.name, "from": move.source, "to": move.target, "live": found.live},
            transport=move.transport,
            copied=[d.target for d in found.copies],
            removed=removed,
            **measured,
        )
        return dict(measured, removed=removed)

    def report(measured):
        text = describe(found, move) + " in %.1f s" % measured["seconds"]
        if measured.get("downtime_ms") is not None:
            text += ", downtime %d ms" % measured["downtime_ms"]
        return [text] + [
            "%s: delete volume %s on %s (copied to %s)" % (found.name, label, move.source, move.target)
            for label in measured["removed"]
        ]

    # Aside: on the applier's threads, up to options.parallel at a time.
    return reconcile.Step(describe(found, move), call, aside=True, report=report)


def _left(conn, targets, plans):
    """What is not where it should be after the moves that succeeded."""
    left = []
    for plan in plans:
        name, target = plan.move.name, plan.move.target
        if lookup(conn, name) is not None:
            left.append("%s: still defined here after the move to %s" % (name, target))
        dom = lookup(targets[target][0], name)
        if dom is None or (plan.found.live and not dom.isActive()):
            left.append("%s: not %s on %s after the move" % (name, "running" if plan.found.live else "defined", target))
    return left
