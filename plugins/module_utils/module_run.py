# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a module's main() ends: one place turns the collection's errors into a failure and a result into an exit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.invocation import brief_invocation


def run(module, fn):
    """Call fn() and exit with the result dict it returns (its "warnings" become module warnings). An
    EssentialsError fails the task with the error's `done`, changed when anything was done. `module` is the
    AnsibleModule, taken as it is so that this file needs no Ansible import."""
    invocation = brief_invocation(module.params)
    try:
        result = fn()
    except EssentialsError as exc:
        module.fail_json(msg=exc.message, changed=bool(exc.done), done=exc.done, invocation=invocation)
        return  # fail_json exits; a stand-in module in a test may return
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(invocation=invocation, **result)
