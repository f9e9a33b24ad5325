"""The kvm role's placement: where each declared VM belongs (hosts in maintenance included), which VMs move
between the play's hypervisors and which cannot (plugins/module_utils/migration_placement.py and
migration_plan.py), from every hypervisor's one read of its domains, networks, pools and free memory."""

from ansible_collections.essentials.kvm.plugins.module_utils.migration_placement import placed_vms
from ansible_collections.essentials.kvm.plugins.module_utils.migration_plan import moves_report


def migration_moves(vms, offers, play_hosts, addresses):
    """offers: {host: {domains, free_mib, networks, pools, maintenance}} (the role's _kvm_offers of each host).
    {"moves": [{name, source, target, live, address}], "refused": {host: [message]}, "orders": {source: [...]},
    "placed": {name: host}}."""
    maintenance = dict((host, offer.get("maintenance")) for host, offer in offers.items())
    return moves_report(vms, offers, list(play_hosts), addresses, maintenance)


def migration_placed(vms, migration, reports=None):
    """kvm_vms for the VMs step: each VM on the host migration_moves placed it on; reports: {host: its
    libvirt_migrate result} after the moves, a VM whose move is not in its source's report stays there."""
    stayed = {}
    for move in migration.get("moves", []) if reports is not None else []:
        made = [report.get("name") for report in (reports.get(move["source"]) or {}).get("moves", [])]
        if move["name"] not in made:
            stayed[move["name"]] = move["source"]
    return placed_vms(vms, migration.get("placed", {}), stayed)


def migration_line(move):
    """One line of the run's report: a move made (libvirt_migrate's RV moves) or planned (check mode)."""
    if "seconds" not in move:
        return "%s: would move %s -> %s" % (move["name"], move["source"], move["target"])
    how = "live" if move.get("live") else "shut off"
    if move.get("copied"):
        how += ", disks %s copied" % ", ".join(move["copied"])
    elif move.get("live"):
        how += ", memory only"
    if move.get("transport") == "tls":
        how += ", over TLS"  # SSH is the default transport
    line = "%s: %s -> %s (%s) in %.1f s" % (move["name"], move["from"], move["to"], how, move["seconds"])
    if move.get("downtime_ms") is not None:
        line += ", downtime %s ms, %s ms in all by libvirt's measure" % (move["downtime_ms"], move.get("time_ms"))
    return line


class FilterModule:
    def filters(self):
        return {
            "migration_moves": migration_moves,
            "migration_placed": migration_placed,
            "migration_line": migration_line,
        }
