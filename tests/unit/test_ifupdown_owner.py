"""A run killed half way (issue #21): the owner file it leaves, and the next run putting back what it had changed
before it plans (the lab proves it with real SIGKILLs: tests/lab/test_kill_interfaces_lab.py)."""

import os

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import Applier, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_owner import (
    owner_running,
    owner_text,
    remove_temp_files,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_run import recover_host
from tests.unit.ifupdown_fakes import CONFIG, HOST, MAIN, FakeRunner, exited_pid, params, run, snapshot


@pytest.fixture
def root(tmp_path):
    """The host's /etc/network in a temp dir, as test_ifupdown_apply.py's `host` makes it."""
    (tmp_path / "etc" / "interfaces.d").mkdir(parents=True)
    (tmp_path / "etc" / "interfaces").write_text(MAIN)
    return tmp_path


class Killed(BaseException):
    """What SIGKILL does to the module: nothing after the step runs, not even its except and finally clauses
    that handle errors (a BaseException that is not an Exception passes them all)."""


class KillAfter(FakeRunner):
    """A FakeRunner that "kills" the run once it has run `argv`."""

    def __init__(self, argv):
        FakeRunner.__init__(self)
        self.kill = argv

    def __call__(self, argv):
        outcome = FakeRunner.__call__(self, argv)
        if argv[: len(self.kill)] == self.kill:
            raise Killed()
        return outcome


def readdressed():
    """eth3 gets another address: the run brings it down, writes the file and brings it up."""
    interfaces = [dict(item) for item in CONFIG["network_interfaces"]]
    interfaces[2]["address"] = "192.0.2.4/24"
    return {"network_interfaces": interfaces}


def killed_run(root, kill, **extra):
    """A run killed after `kill`, its process gone: the owner file names a process that has exited."""
    with pytest.raises(Killed):
        run(root, KillAfter(kill), **extra)
    owner = root / "state" / "applying"
    assert owner_running(owner.read_text())
    owner.write_text(owner_text(owner.read_text().split()[2], exited_pid()))


def recover(root, runner, check_mode=False):
    warnings = []
    recover_host(dict(params(root), state_dir=str(root / "state")), runner, check_mode, warnings.append)
    return warnings


def test_a_run_killed_after_its_new_file_and_first_ifup_is_undone_by_the_next_run_which_then_converges(root):
    run(root, FakeRunner())
    before = snapshot(root)
    killed_run(root, ["ifup"], **readdressed())
    assert snapshot(root) != before and (root / "state" / "rollback.sh").exists()
    # Before the fix the next run refused for ever: "an earlier network change still awaits confirmation".
    runner = FakeRunner()
    warnings = recover(root, runner)
    assert warnings == [
        "a run killed while it changed the interfaces was undone: the previous files and interfaces are back"
    ]
    assert snapshot(root) == before
    assert ["/bin/sh", str(root / "state" / "rollback.sh")] in runner.calls
    assert not (root / "state" / "applying").exists() and not (root / "state" / "rollback.sh").exists()
    again = FakeRunner()
    result = run(root, again, **readdressed())
    assert (
        result["changed"]
        and result["bounced"] == ["eth3"]
        and again.bounces() == [["ifdown", "eth3"], ["ifup", "eth3"]]
    )
    assert run(root, FakeRunner(), **readdressed())["changed"] is False


def test_a_run_killed_before_its_first_change_leaves_nothing_to_put_back_and_its_temp_files_go(root):
    """The owner file is written first; a kill inside write_atomic leaves a dot file beside its target."""
    (root / "state").mkdir()
    (root / "state" / "applying").write_text(owner_text("here", exited_pid()))
    temp = root / "etc" / "interfaces.d" / ".essentials-kvm.x1y2"
    temp.write_text("half")
    runner = FakeRunner()
    assert recover(root, runner) == [
        "a run killed while it changed the interfaces (%s) left nothing to put back" % (root / "state" / "applying")
    ]
    assert not temp.exists() and not (root / "state" / "applying").exists()
    assert ["/bin/sh", str(root / "state" / "rollback.sh")] not in runner.calls


def test_a_detached_change_killed_before_it_was_handed_over_stops_its_timer_and_is_undone(root):
    before = snapshot(root)
    killed_run(root, ["systemd-run", "--unit", "essentials-kvm-ifupdown-rollback"], rollback_timeout=60)
    runner = FakeRunner()
    recover(root, runner)
    assert runner.calls[:2] == [
        ["systemctl", "stop", "essentials-kvm-ifupdown-rollback.timer"],
        ["/bin/sh", str(root / "state" / "rollback.sh")],
    ]
    assert snapshot(root) == before
    assert converge({"report": True}, HOST, Applier(FakeRunner(), str(root / "state")))["state"] == "none"


def test_a_running_owner_is_left_alone_and_check_mode_only_warns(root):
    run(root, FakeRunner())
    killed_run(root, ["ifup"], **readdressed())
    owner = root / "state" / "applying"
    left = owner.read_text()
    changed = snapshot(root)
    runner = FakeRunner()
    (warning,) = recover(root, runner, check_mode=True)
    assert "left %s: the next run puts back what it had changed first" % owner in warning
    owner.write_text(owner_text("here"))  # this process: a run that still changes the host
    assert recover(root, runner) == [] and runner.calls == []
    owner.write_text(left)
    assert snapshot(root) == changed


def test_a_confirmation_killed_after_it_removed_the_script_leaves_nothing_armed(root):
    """confirm removes rollback.sh first, so the timer has nothing to run even if it is never stopped; a timer
    that is gone already (systemctl fails) does not fail the confirmation."""
    run(root, FakeRunner(), rollback_timeout=60)
    (root / "state" / "apply.status").write_text("applied\n")
    stopped = FakeRunner(fail=["systemctl stop essentials-kvm-ifupdown-rollback.timer"])
    done = converge({"confirm": True}, HOST, Applier(stopped, str(root / "state")))
    assert done["state"] == "confirmed" and not (root / "state" / "rollback.sh").exists()


def test_remove_temp_files_takes_only_the_dot_files_of_the_module(tmp_path):
    for name in (".essentials-kvm.abc", "essentials-kvm", ".other"):
        (tmp_path / name).write_text("x")
    assert remove_temp_files([str(tmp_path), str(tmp_path / "missing")]) == [str(tmp_path / ".essentials-kvm.abc")]
    assert sorted(os.listdir(str(tmp_path))) == [".other", "essentials-kvm"]
