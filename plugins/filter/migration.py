"""The kvm role's placement: where each declared VM belongs (hosts in maintenance included), which VMs move
between the play's hypervisors and which cannot (plugins/module_utils/migration_placement.py and
migration_plan.py), from every hypervisor's one read of its domains, networks, pools and free memory."""

from ansible_collections.essentials.kvm.plugins.module_utils.migration_placement import placed_vms
from ansible_collections.essentials.kvm.plugins.module_utils.migration_plan import moves_report


def migration_moves(vms, facts, play_hosts, addresses, maintenance=None):
    """{"moves": [{name, source, target, live, address}], "refused": {host: [message]}, "orders": {source: [...]},
    "placed": {name: host}}."""
    return moves_report(vms, facts, list(play_hosts), addresses, maintenance)


def migration_placed(vms, placed, stayed=None):
    """kvm_vms for the VMs step: each VM on the host it was placed on (or stayed on when its move failed)."""
    return placed_vms(vms, placed, stayed)


class FilterModule:
    def filters(self):
        return {"migration_moves": migration_moves, "migration_placed": migration_placed}
