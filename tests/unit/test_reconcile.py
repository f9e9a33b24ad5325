"""The applier and the verification every kind shares (reconcile.py), without libvirt."""

import threading
import time

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, apply, converge


def refuse(message, done=(), meet=None):
    def call():
        if meet:
            meet.wait()
        raise HostError(message, done)

    return call


def test_steps_run_in_order_and_done_follows_the_plan():
    ran = []
    steps = [Step("define a", lambda: ran.append("a")), Step("start a", lambda: ran.append("b"))]
    assert apply(steps) == ["define a", "start a"] and ran == ["a", "b"]


def test_steps_aside_run_beside_the_next_ones_and_done_keeps_plan_order():
    barrier = threading.Barrier(3, timeout=5)

    def slow():
        barrier.wait()
        time.sleep(0.05)  # finishes last, yet is listed first

    steps = [
        Step("create v1", slow, aside=True),
        Step("create v2", barrier.wait, aside=True),
        Step("define b", barrier.wait),
    ]
    assert apply(steps, threads=2) == ["create v1", "create v2", "define b"]


def test_a_failure_starts_nothing_more_and_reports_what_succeeded_and_what_the_step_did_part_way():
    ran = []
    steps = [
        Step("create v1", lambda: ran.append(1), aside=True),
        Step("vm1: define", refuse("VM vm1: refused", ["vm1: create volume, then failed"])),
        Step("start b", lambda: ran.append(2)),
    ]
    with pytest.raises(HostError) as err:
        apply(steps, threads=2)
    assert err.value.message == "VM vm1: refused"
    assert err.value.done == ["create v1", "vm1: create volume, then failed"] and ran == [1]


def test_failures_side_by_side_are_joined_in_plan_order():
    # Both fail once both have started: a failure seen before the next step starts would stop it.
    both = threading.Barrier(2, timeout=5)
    steps = [
        Step("networks", refuse("cannot start network n", ["define network n"], both), aside=True),
        Step("pools", refuse("pools[0]: start pool p failed", ["define pool p"], both)),
    ]
    with pytest.raises(HostError) as err:
        apply(steps, threads=1)
    assert err.value.message == "cannot start network n; pools[0]: start pool p failed"
    assert err.value.done == ["define network n", "define pool p"]


def test_report_turns_what_a_step_returned_into_its_done_lines():
    steps = [Step("converge networks", lambda: ["n1", "n2"], report=lambda names: ["%s: define" % n for n in names])]
    assert apply(steps) == ["n1: define", "n2: define"]


class Plan:
    def __init__(self, *steps):
        self.steps = list(steps)


def test_check_mode_applies_nothing_and_verifies_nothing():
    def never():
        raise AssertionError("called")

    assert converge([Plan(Step("define a", never))], never, check_mode=True) == []


def test_nothing_done_needs_no_verification():
    assert converge([Plan(), Plan()], lambda: ["should not be read"]) == []


def test_what_planning_again_still_finds_fails_with_what_was_done():
    plans = [Plan(Step("define a", lambda: None)), Plan(Step("start b", lambda: None))]
    assert converge(plans, lambda: iter(())) == ["define a", "start b"]
    with pytest.raises(HostError) as err:
        converge(plans, lambda: iter(["b still differs (start)", "c too"]))
    assert err.value.message == "b still differs (start)" and err.value.done == ["define a", "start b"]


def test_independent_steps_all_run_even_when_one_aside_failed_first():
    """The kinds of one stage (networks beside pools): a network refused at once must not keep the pools,
    planned after it, from converging, whatever the threads' timing."""
    ran = []
    steps = [
        Step("converge networks", refuse("cannot start network n"), aside=True),
        Step("converge pools", lambda: (time.sleep(0.05), ran.append("pools"))),
    ]
    with pytest.raises(HostError) as err:
        apply(steps, threads=1, independent=True)
    assert ran == ["pools"]
    assert (err.value.message, err.value.done) == ("cannot start network n", ["converge pools"])
