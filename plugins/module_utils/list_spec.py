# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible checks of the libvirt modules' item lists (O(networks), O(pools), O(vms)): a list of mappings.

Nothing inside an item is in the argument spec. Each kind's validator (network_validate, storage_pool_validate,
domain_validate, on the shared kit checks.py) is the one reader of the items, so every item is walked once, and an
error starts with the item's path as the user wrote it (`kvm_vms[7].disks[1].disk_driver: ...`). Ansible's nested
checks named no item, crashed on a scalar where a mapping belongs (`dns: false`) and turned `name: yes` into "True".
The doc fragments (plugins/doc_fragments/) still document every suboption.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ITEMS = {"type": "list", "elements": "dict"}


def pool_secrets(pools):
    """The keys given as pools[].source.auth.secret (CHAP passwords, ceph keys); malformed items are skipped,
    the validator refuses them later."""
    found = set()
    for pool in pools if isinstance(pools, list) else ():
        source = pool.get("source") if isinstance(pool, dict) else None
        auth = source.get("auth") if isinstance(source, dict) else None
        secret = auth.get("secret") if isinstance(auth, dict) else None
        if isinstance(secret, str) and secret:
            found.add(secret)
    return found


class HidesPoolSecrets:
    """Mixed into AnsibleModule by the modules that take O(pools).

    Ansible learns no_log values from nested options only, and O(pools) has none: the secrets are registered here,
    before AnsibleModule logs its arguments to the journal, so that log line and every result and message has
    them masked. (This file imports no Ansible; the modules put the mixin in front of AnsibleModule.)
    """

    def _log_invocation(self):
        self.no_log_values.update(pool_secrets(self.params.get("pools")))
        super()._log_invocation()
