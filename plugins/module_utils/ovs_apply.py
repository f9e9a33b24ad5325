# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, plan, apply in one ovs-vsctl transaction (two for the tunnel exception of ovs_plan), verify by reading
again, and check that ovs-vswitchd created every declared interface (ovs_refusals)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import enter_apply
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_diff import predict, to_text
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import to_dict
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_plan import plan, plan_transactions, transaction
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_refusals import judge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state, parse_status, read_args

SPLIT_HEADER = "after (two ovs-vsctl transactions: a new tunnel takes the settings of one this run removes)"


class Vsctl:
    """ovs-vsctl behind an injectable runner: runner(argv) -> (rc, stdout, stderr). Without --no-wait, a
    transaction returns once ovs-vswitchd has applied it, so its `error` columns are filled in by then."""

    def __init__(self, runner, binary="ovs-vsctl", db=None, timeout=30):
        self.runner = runner
        self.db, self.timeout = db, timeout
        self.prefix = [binary, "--timeout=%d" % timeout]
        if db:
            self.prefix.append("--db=%s" % db)

    def _run(self, args):
        argv = self.prefix + list(args)
        rc, out, err = self.runner(argv)
        if rc != 0:
            raise HostError(
                "%s failed (rc=%s): %s%s" % (" ".join(argv), rc, (err or out).strip(), self._daemon(rc, err))
            )
        return out

    def _daemon(self, rc, err):
        """Which daemon a failure points at: ovs-vsctl cannot reach ovsdb-server, or its --timeout alarm (SIGALRM)
        ended a wait for the database or for ovs-vswitchd to apply a committed change."""
        if "database connection failed" in (err or ""):
            return "; ovsdb-server does not answer at %s: is it running?" % (self.db or "the default socket")
        if rc in (-14, 142):
            return (
                "; ovs-vsctl gave up after timeout=%ds: ovsdb-server did not answer, or it took the change and "
                "ovs-vswitchd did not apply it (is ovs-vswitchd running?)" % self.timeout
            )
        return ""

    def read(self):
        return parse_state(self._run(read_args()))

    def read_with_status(self):
        """The switch and what ovs-vswitchd made of each interface (parse_status), in the same one query."""
        out = self._run(read_args())
        return parse_state(out), parse_status(out)

    def argv(self, commands):
        return self.prefix + transaction(commands) if commands else []

    def apply(self, commands):
        self._run(transaction(commands))


def converge(vsctl, desired, purge=False, check_mode=False, diff=False, paths=None):
    """Bring the switch to `desired` (validated Bridge list); returns the module result fields, with
    Ansible's `diff` (the switch as text before and after; predicted in check mode) when diff is true.
    paths (interface name -> input path, ovs_refusals.interface_paths) names refused interfaces."""
    before, status = vsctl.read_with_status()
    batches = plan_transactions(before, desired, purge)
    argvs = [vsctl.argv(commands) for commands in batches]
    result = dict(changed=bool(batches), commands=sum(argvs, []), transactions=argvs, before=to_dict(before.values()))
    if diff and len(batches) > 1:
        result["diff"] = dict(after_header=SPLIT_HEADER)
    if not batches or check_mode:
        result["after"] = result["before"]
        if diff:
            after = predict(before, desired, purge) if batches else before
            result.setdefault("diff", {}).update(before=to_text(before), after=to_text(after))
        if not check_mode:
            result["warnings"] = judge(status, desired, paths or {}, [])
        return result
    enter_apply()
    done = [" ".join(argv) for argv in argvs]
    for number, commands in enumerate(batches):
        try:
            vsctl.apply(commands)
        except HostError as exc:
            exc.done = done[:number]
            raise
    after, status = vsctl.read_with_status()
    left = plan(after, desired, purge)
    if left:
        raise HostError(
            "ovs-vsctl accepted the transaction but the switch still differs; it would need: %s"
            % " ".join(transaction(left)),
            done=done,
        )
    result["warnings"] = judge(status, desired, paths or {}, argvs)
    result["after"] = to_dict(after.values())
    if diff:
        result.setdefault("diff", {}).update(before=to_text(before), after=to_text(after))
    return result
