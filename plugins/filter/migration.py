"""The kvm role's placement check: which declared VMs move between the play's hypervisors, and which cannot
(plugins/module_utils/migration_plan.py), from every hypervisor's report of its domains."""

from ansible_collections.essentials.kvm.plugins.module_utils.migration_plan import moves_report


def migration_moves(vms, found, play_hosts, addresses):
    """{"moves": [{name, source, target, live, address}], "refused": {host: [message]}, "orders": {source: [...]}}."""
    return moves_report(vms, found, list(play_hosts), addresses)


class FilterModule:
    def filters(self):
        return {"migration_moves": migration_moves}
