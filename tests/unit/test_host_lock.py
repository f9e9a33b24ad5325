"""The per-host lock between real processes: a forked holder and this test's process contend on a lock file
in a temp dir, with the kernel's flock (no mock)."""

import multiprocessing
import os
import signal
import time

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import host_lock
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import HostLock, enter_apply, locked_run
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import Step, apply

FORK = multiprocessing.get_context("fork")


def _hold(path, taken, release, seconds):
    lock = HostLock(path, timeout=5)
    lock.acquire()
    taken.set()
    release.wait(seconds)
    lock.release()


@pytest.fixture
def holder(tmp_path):
    """Start a process that takes the lock and keeps it until release is set (or `seconds` pass)."""
    started = []

    def start(seconds=30):
        taken, release = FORK.Event(), FORK.Event()
        proc = FORK.Process(target=_hold, args=(str(tmp_path / "kvm.lock"), taken, release, seconds))
        proc.start()
        assert taken.wait(10)
        started.append(proc)
        return proc, release

    yield start
    for proc in started:
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
        proc.join()


def test_a_second_process_waits_for_the_holder_then_takes_the_lock(tmp_path, holder):
    proc, release = holder(seconds=0.6)
    begun = time.monotonic()
    lock = HostLock(str(tmp_path / "kvm.lock"), timeout=10, poll=0.05)
    assert lock.acquire() is True  # it had to wait
    assert time.monotonic() - begun >= 0.3
    assert (tmp_path / "kvm.lock").read_text().startswith("pid %d, started " % os.getpid())
    lock.release()


def test_the_waiter_gives_up_after_the_timeout_naming_the_holder(tmp_path, holder):
    proc, release = holder()
    lock = HostLock(str(tmp_path / "kvm.lock"), timeout=0.3, poll=0.05)
    with pytest.raises(HostError) as caught:
        lock.acquire()
    assert "pid %d, started 20" % proc.pid in caught.value.message
    assert "lock_timeout=0.3s" in caught.value.message and caught.value.done == []


def test_a_killed_holder_leaves_no_stale_lock(tmp_path, holder):
    proc, release = holder()
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    lock = HostLock(str(tmp_path / "kvm.lock"), timeout=0, poll=0.05)
    assert lock.acquire() is False
    lock.release()


def test_a_run_that_waited_plans_again_before_it_applies(tmp_path, holder):
    proc, release = holder(seconds=0.5)
    calls = []

    def body():
        calls.append("plan")
        enter_apply()
        calls.append("apply")
        return len(calls)

    assert locked_run(body, 10, str(tmp_path / "kvm.lock")) == 3
    assert calls == ["plan", "plan", "apply"]
    # Released at the end: another process may take it at once.
    lock = HostLock(str(tmp_path / "kvm.lock"), timeout=0)
    assert lock.acquire() is False
    lock.release()


def test_an_uncontended_run_plans_once_and_enter_is_reentrant(tmp_path):
    calls = []

    def body():
        calls.append("plan")
        enter_apply()
        enter_apply()  # the libvirt kinds each enter; the second finds the lock held
        calls.append("apply")

    locked_run(body, 10, str(tmp_path / "kvm.lock"))
    assert calls == ["plan", "apply"]
    assert host_lock._armed is None


def test_check_mode_and_a_run_with_nothing_to_apply_never_touch_the_lock(tmp_path, holder):
    proc, release = holder()
    path = str(tmp_path / "kvm.lock")
    # timeout None is check mode: enter_apply is a no-op even while another process holds the lock.
    assert locked_run(lambda: enter_apply() or "checked", None, path) == "checked"
    # A real run that plans nothing does not call enter_apply, so it does not wait either.
    assert locked_run(lambda: "converged", 0, path) == "converged"


def test_kinds_applied_on_threads_all_plan_again_after_a_wait(tmp_path, holder):
    """libvirt_resources applies its kinds as steps on threads: each takes the lock; after a wait none of them
    applies its old plan, whichever thread waited."""
    proc, release = holder(seconds=0.5)
    applied, bodies = [], []

    def kind(name):
        def call():
            enter_apply()
            applied.append((len(bodies), name))

        return call

    def body():
        bodies.append(True)
        return apply(
            [Step("networks", kind("networks"), aside=True), Step("pools", kind("pools"))], threads=1, independent=True
        )

    assert locked_run(body, 10, str(tmp_path / "kvm.lock")) == ["networks", "pools"]
    assert len(bodies) == 2 and sorted(applied) == [(2, "networks"), (2, "pools")]


def test_a_lock_that_cannot_be_opened_fails_the_run_before_any_change(tmp_path):
    with pytest.raises(HostError) as caught:
        locked_run(enter_apply, 1, str(tmp_path / "missing" / "kvm.lock"))
    assert "cannot open the host lock %s" % (tmp_path / "missing" / "kvm.lock") in caught.value.message
    assert caught.value.done == []


def test_kinds_on_threads_give_up_together_after_one_timeout(tmp_path, holder):
    proc, release = holder()
    begun = time.monotonic()
    with pytest.raises(HostError) as caught:
        locked_run(
            lambda: apply(
                [Step("networks", enter_apply, aside=True), Step("pools", enter_apply), Step("vms", enter_apply)],
                threads=1,
                independent=True,
            ),
            0.4,
            str(tmp_path / "kvm.lock"),
        )
    assert time.monotonic() - begun < 1.2  # one timeout, not one per kind
    assert caught.value.message.count("pid %d, started" % proc.pid) == 1  # said once
