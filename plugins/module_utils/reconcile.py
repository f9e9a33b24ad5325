# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reconcile contract of every kind (networks, pools, VMs, and the three together):

validate -> read current -> plan -> apply -> verify. A plan is a list of Steps, each what `done` will say
and the call that makes the change; planning only reads, so a check run stops after it. One applier runs
the steps of every kind, and a kind is verified by planning again: what is still planned did not happen."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import enter_apply
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError


@dataclass
class Step:
    """One change. A step `aside` may run on a thread beside the steps planned after it (volumes of file
    pools, networks beside pools); the others run in order. `report`, when given, turns what the call
    returned into the lines `done` gets instead of the description."""

    description: str
    call: Callable[[], object]
    aside: bool = False
    report: Optional[Callable[[object], list[str]]] = None

    def done(self, outcome):
        return self.report(outcome) if self.report else [self.description]


def _attempt(step):
    """(what the step's call returned, None), or (None, the EssentialsError it raised)."""
    try:
        return step.call(), None
    except EssentialsError as exc:
        return None, exc


def apply(steps, threads=1, independent=False):
    """Run the steps in order, those aside on up to `threads` threads meanwhile; return `done`.

    Once a failure is seen nothing more is started (steps already on a thread still finish), unless the
    steps are `independent` (the kinds of one stage: a failed network must not keep the pools from
    converging, whatever the threads' timing). The HostError
    then joins every failure's message in plan order, and its `done` lists, in plan order, what every step
    that succeeded did, those beside the failure too, followed by what the failed steps did part way."""
    finished, failed, pending = [], [], []
    with ThreadPoolExecutor(threads) as aside:
        for index, step in enumerate(steps):
            if not independent and (
                failed or any(future.done() and future.result()[1] for _index, _step, future in pending)
            ):
                break
            if step.aside:
                pending.append((index, step, aside.submit(_attempt, step)))
                continue
            outcome, error = _attempt(step)
            (failed if error else finished).append((index, error or step.done(outcome)))
    # Leaving the with block waited for every step still on a thread.
    for index, step, future in pending:
        outcome, error = future.result()
        (failed if error else finished).append((index, error or step.done(outcome)))
    done = [line for _index, lines in sorted(finished, key=lambda entry: entry[0]) for line in lines]
    if failed:
        errors = [error for _index, error in sorted(failed, key=lambda entry: entry[0])]
        # One cause met by several steps (the host lock not granted) is said once.
        messages = dict.fromkeys(error.message for error in errors)
        raise HostError("; ".join(messages), done + [line for e in errors for line in e.done])
    return done


def converge(plans, plan_again, check_mode=False, threads=1):
    """Apply the steps of every plan (each has `.steps`), then verify: plan_again() reads the host again and
    yields a message per object still planned to change; the first fails the run with what was done.
    Returns `done`; a check run applies nothing. The host lock is taken only when there is something to do."""
    steps = [step for plan in plans for step in plan.steps]
    if check_mode or not steps:
        return []
    enter_apply()
    done = apply(steps, threads)
    if done:
        left = next(iter(plan_again()), None)
        if left:
            raise HostError(left, done)
    return done


def guarded(path, text, func):
    """Make one planned call; its failure becomes a HostError naming the input path and the step."""
    try:
        return func()
    except (LibvirtError, OSError) as exc:
        raise HostError("%s: %s failed: %s" % (path, text, exc))
    except EssentialsError as exc:
        raise HostError("%s: %s failed: %s" % (path, text, exc.message))


def diff_entry(header, before, after):
    """One item of a module's diff: an object's text before and after the change, under one header."""
    return {"before_header": header, "after_header": header, "before": before, "after": after}
