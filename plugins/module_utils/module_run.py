# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's main(): one place reads the options, turns the collection's errors into a failure and a result
into an exit, so that a module file holds its documentation, its argument spec and the call it makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import locked_run
from ansible_collections.essentials.kvm.plugins.module_utils.invocation import brief_invocation


def run(module, fn):
    """Call fn() and exit with the result dict it returns (its "warnings" become module warnings). An
    EssentialsError fails the task with the error's `done`, changed when anything was done. `module` is the
    AnsibleModule, taken as it is so that this file needs no Ansible import. A module with the lock_timeout option
    takes the host lock for its apply phase (host_lock.py), except in check mode."""
    invocation = brief_invocation(module.params)
    try:
        result = locked_run(fn, lock_timeout(module))
    except EssentialsError as exc:
        module.fail_json(msg=exc.message, changed=bool(exc.done), done=exc.done, invocation=invocation)
        return  # fail_json exits; a stand-in module in a test may return
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(invocation=invocation, **result)


def lock_timeout(module):
    """How long the module waits for the host lock; None (no lock) in check mode and for read-only modules."""
    timeout = module.params.get("lock_timeout")
    return None if timeout is None or module.check_mode else timeout


def main(module_class, argument_spec, converge):
    """The whole main() of a module (they all support check mode): module_class (AnsibleModule or a subclass,
    passed in so that this file needs no Ansible import) reads the options, converge(module) returns the result,
    whose "diff" stays only in diff mode."""
    module = module_class(argument_spec=argument_spec, supports_check_mode=True)

    def converged():
        result = converge(module)
        if not module._diff:
            result.pop("diff", None)
        return result

    run(module, converged)


def options(module, *names):
    """The named options as keyword arguments of a converge function (named like the options), with check_mode."""
    return dict(((name, module.params[name]) for name in names), check_mode=module.check_mode)
