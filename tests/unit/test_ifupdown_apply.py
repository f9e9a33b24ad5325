"""The module's run end to end against a temp dir, with a fake runner that records commands."""

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import (
    Applier,
    FileChange,
    converge,
    write_atomic,
)
from tests.unit.ifupdown_fakes import CONFIG, HOST, MAIN, FakeRunner, params, run, snapshot


@pytest.fixture
def host(tmp_path):
    etc = tmp_path / "etc"
    (etc / "interfaces.d").mkdir(parents=True)
    (etc / "interfaces").write_text(MAIN)
    return tmp_path


def test_first_run_writes_sources_and_brings_up_lower_first_then_nothing(host):
    runner = FakeRunner()
    result = run(host, runner)
    assert result["changed"] and not result["rollback_armed"]
    dest = host / "etc" / "interfaces.d" / "essentials-kvm"
    assert "iface br10 inet manual" in dest.read_text()
    assert (host / "etc" / "interfaces").read_text() == MAIN + "source %s\n" % dest
    assert runner.bounces() == [["ifup", n] for n in ("eth1", "eth2", "eth3", "bond0", "bond0.10", "br10")]
    assert result["bounced"] == ["eth1", "eth2", "eth3", "bond0", "bond0.10", "br10"]
    assert [d["before_header"] for d in result["diff"]] == [str(dest), str(host / "etc" / "interfaces")]
    assert not os.path.exists(str(host / "state" / "rollback.sh"))
    assert (
        host / "state" / "backup" / str(host / "etc" / "interfaces").strip("/").replace("/", "__")
    ).read_text() == MAIN

    again = FakeRunner()
    result = run(host, again)
    assert not result["changed"] and result["bounced"] == [] and result["diff"] == []
    assert again.calls == []


def test_check_mode_reports_diff_and_bounce_list_and_touches_nothing(host):
    before = snapshot(host)
    runner = FakeRunner()
    result = run(host, runner, check_mode=True)
    assert result["changed"] and result["bounced"][-1] == "br10" and len(result["diff"]) == 2
    assert snapshot(host) == before
    assert runner.bounces() == [] and all(c[0] == "ifquery" for c in runner.calls)
    assert not os.path.exists(str(host / "state"))


def test_changing_one_address_bounces_exactly_that_interface(host):
    run(host, FakeRunner())
    config = params(host)
    config["network_interfaces"] = [dict(i) for i in CONFIG["network_interfaces"]]
    config["network_interfaces"][2]["address"] = "192.0.2.4/24"
    runner = FakeRunner()
    result = converge(config, HOST, Applier(runner, str(host / "state")))
    assert runner.bounces() == [["ifdown", "eth3"], ["ifup", "eth3"]]
    assert result["steps"] == ["ifdown eth3", "ifup eth3"]
    assert len(result["diff"]) == 1


def test_bad_input_fails_before_anything_changes(host):
    before = snapshot(host)
    runner = FakeRunner()
    with pytest.raises(InputError) as caught:
        run(host, runner, network_vlans=[{"name": "bond0.5000"}])
    assert caught.value.message.startswith("network_vlans[0].name:")
    assert snapshot(host) == before and runner.calls == []


def test_name_defined_in_the_main_file_is_rejected(host):
    with pytest.raises(InputError) as caught:
        run(
            host,
            FakeRunner(),
            network_interfaces=[{"name": "eth0", "method": "dhcp"}],
            network_bonds=[],
            network_vlans=[],
            network_bridges=[],
        )
    assert caught.value.message.startswith("network_interfaces[0].name: 'eth0' is also defined in")


def test_manage_main_file_edits_it_in_place_and_keeps_the_rest(host):
    runner = FakeRunner()
    run(
        host,
        runner,
        manage_main_file=True,
        network_interfaces=[{"name": "eth0", "address": "192.0.2.9/24"}],
        network_bonds=[],
        network_vlans=[],
        network_bridges=[],
    )
    text = (host / "etc" / "interfaces").read_text()
    assert text.startswith(MAIN.split("allow-hotplug")[0])
    assert text.endswith("auto eth0\niface eth0 inet static\n    address 192.0.2.9/24\n")
    assert not os.path.exists(str(host / "etc" / "interfaces.d" / "essentials-kvm"))
    assert runner.bounces() == [["ifdown", "eth0"], ["ifup", "eth0"]]


@pytest.mark.skipif(shutil.which("ifquery") is None, reason="ifquery (package ifupdown) is not installed")
def test_ifquery_rejection_stops_the_run(host):
    before = snapshot(host)
    with pytest.raises(InputError) as caught:
        run(
            host,
            FakeRunner(),
            network_interfaces=[{"name": "eth3", "parameters": [{"param": "iface", "val": "x inet"}]}],
            network_bonds=[],
            network_vlans=[],
            network_bridges=[],
        )
    assert "ifupdown rejects the rendered file" in caught.value.message
    assert str(host / "etc" / "interfaces.d" / "essentials-kvm") in caught.value.message
    assert snapshot(host) == before


def test_failed_ifup_restores_files_and_previous_interfaces(host):
    run(host, FakeRunner())
    before = snapshot(host)
    runner = FakeRunner(fail=["ifup bond0"])
    with pytest.raises(HostError) as caught:
        run(host, runner, network_bonds=[{"name": "bond0", "mode": "802.3ad"}])
    assert "ifup bond0 failed" in caught.value.message and "restored" in caught.value.message
    assert snapshot(host) == before
    assert ["/bin/sh", str(host / "state" / "rollback.sh")] in runner.calls
    downs = [c[1] for c in runner.bounces() if c[0] == "ifdown" and "--force" not in c]
    restored = [c[1] for c in runner.bounces()[len(downs) + 2 :] if c[0] == "ifup"]
    assert restored == list(reversed(downs))


def stub_env(root, fail=""):
    """PATH with ifup/ifdown/systemctl/sleep stubs that log their arguments to root/calls; `fail`
    names the one command line that exits 1. The 0.2 s poll of the module's PID really sleeps."""
    stubs = root / "bin"
    stubs.mkdir(exist_ok=True)
    for name in ("ifup", "ifdown", "systemctl", "sleep"):
        poll = '[ "$*" = 0.2 ] && exec /bin/sleep 0.2\n' if name == "sleep" else ""
        (stubs / name).write_text(
            '#!/bin/sh\n%secho "%s $*" >> "%s"\n[ "%s $*" != "$FAIL" ]\n' % (poll, name, root / "calls", name)
        )
        os.chmod(str(stubs / name), 0o755)
    return dict(os.environ, PATH="%s:/usr/bin:/bin" % stubs, FAIL=fail)


def run_apply_unit(root, fail=""):
    """Run the apply script the way its transient unit would, with stubs (stub_env)."""
    done = subprocess.run(["/bin/sh", str(root / "state" / "apply.sh")], env=stub_env(root, fail), check=False)
    calls = (root / "calls").read_text().splitlines()
    (root / "calls").unlink()
    return done.returncode, calls


def state(root):
    return converge({"report": True}, HOST, Applier(FakeRunner(), str(root / "state")))


def test_with_a_rollback_timeout_the_change_runs_in_its_own_unit_then_is_confirmed(host):
    before = snapshot(host)
    runner = FakeRunner()
    result = run(host, runner, rollback_timeout=120)
    assert result["rollback_armed"] and result["bounced"][-1] == "br10"
    arms = [c for c in runner.calls if c[0] == "systemd-run"]
    assert "120s" in arms[0] and arms[0][-1] == str(host / "state" / "rollback.sh")
    assert arms[1][-1] == str(host / "state" / "apply.sh")
    # Nothing is bounced or written by the module itself: the unit does it.
    assert runner.bounces() == [] and snapshot(host) == before
    assert state(host)["state"] == "applying"
    script = (host / "state" / "rollback.sh").read_text()
    assert "systemctl stop essentials-kvm-ifupdown-apply.service" in script.splitlines()[3]
    assert (
        "ifdown --force eth3 || true" in script
        and "rm -f %s" % (host / "etc" / "interfaces.d" / "essentials-kvm") in script
    )
    with pytest.raises(HostError) as caught:
        run(host, FakeRunner(), rollback_timeout=120)
    assert "awaits confirmation" in caught.value.message
    with pytest.raises(HostError) as caught:
        converge({"confirm": True}, HOST, Applier(FakeRunner(), str(host / "state")))
    assert "still being applied" in caught.value.message

    rc, calls = run_apply_unit(host)
    assert rc == 0 and calls == ["sleep 2"] + ["ifup %s" % n for n in result["bounced"]]
    assert "iface br10 inet manual" in (host / "etc" / "interfaces.d" / "essentials-kvm").read_text()
    assert state(host)["state"] == "applied"
    confirm = FakeRunner()
    done = converge({"confirm": True}, HOST, Applier(confirm, str(host / "state")))
    assert done["changed"] and done["state"] == "confirmed"
    assert confirm.calls == [["systemctl", "stop", "essentials-kvm-ifupdown-rollback.timer"]]
    assert state(host)["state"] == "none"
    assert not converge({"confirm": True}, HOST, Applier(FakeRunner(), str(host / "state")))["changed"]


def test_the_unit_bounces_nothing_until_the_module_that_answers_has_exited(host):
    module = subprocess.Popen(["sleep", "30"])
    try:
        result = run(host, FakeRunner(), rollback_timeout=120, answer_pid=module.pid)
        unit = subprocess.Popen(["/bin/sh", str(host / "state" / "apply.sh")], env=stub_env(host))
        time.sleep(1)
        assert unit.poll() is None and not (host / "calls").exists()
        module.kill()
        module.wait()
        assert unit.wait(timeout=10) == 0
    finally:
        module.kill()
        module.wait()
    calls = (host / "calls").read_text().splitlines()
    assert calls == ["sleep 2"] + ["ifup %s" % n for n in result["bounced"]]


def test_a_failed_step_in_the_unit_restores_at_once_and_confirm_says_why(host):
    run(host, FakeRunner())
    before = snapshot(host)
    result = run(host, FakeRunner(), rollback_timeout=60, network_bonds=[{"name": "bond0", "mode": "802.3ad"}])
    assert result["bounced"] == ["br10", "bond0.10", "bond0"]
    rc, calls = run_apply_unit(host, fail="ifup bond0")
    assert rc == 1
    assert "systemctl stop essentials-kvm-ifupdown-rollback.timer" in calls
    # The rollback script put the old file back and brought the old stanzas up again.
    assert snapshot(host) == before
    assert "systemctl stop essentials-kvm-ifupdown-apply.service" not in calls
    restored = calls[calls.index("ifup bond0") + 1 :]
    assert [c for c in restored if c.startswith("ifup ")] == ["ifup bond0", "ifup bond0.10", "ifup br10"]
    report = state(host)
    assert report["state"] == "failed" and report["detail"].startswith("ifup bond0 failed")
    with pytest.raises(HostError) as caught:
        converge({"confirm": True}, HOST, Applier(FakeRunner(), str(host / "state")))
    assert "ifup bond0 failed" in caught.value.message and "restored" in caught.value.message
    assert state(host)["state"] == "none"


def test_confirm_after_the_rollback_ran_fails_with_the_reason(host):
    run(host, FakeRunner(), rollback_timeout=30)
    runner = FakeRunner()
    runner(["/bin/sh", str(host / "state" / "rollback.sh")])
    (host / "state" / "rolled-back").write_text("Fri Nov 27 10:00:00 UTC 2026\n")
    assert (host / "etc" / "interfaces").read_text() == MAIN
    assert state(host)["state"] == "rolled_back"
    with pytest.raises(HostError) as caught:
        converge({"confirm": True}, HOST, Applier(FakeRunner(), str(host / "state")))
    assert "rolled back at Fri Nov 27" in caught.value.message and "not confirmed" in caught.value.message


def test_bounce_false_only_writes(host):
    runner = FakeRunner()
    result = run(host, runner, bounce=False)
    assert result["changed"] and result["bounced"] == [] and runner.bounces() == []


def test_write_atomic_keeps_mode_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "interfaces"
    target.write_text("old\n")
    os.chmod(str(target), 0o600)
    write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n" and os.stat(str(target)).st_mode & 0o777 == 0o600
    assert os.listdir(str(tmp_path)) == ["interfaces"]
    assert FileChange(str(target), "new\n", "new\n").changed is False


def test_missing_ifquery_is_a_warning_in_check_mode_and_an_error_otherwise(host):
    def no_ifquery(argv):
        return (127, "", "not found") if argv[0] == "ifquery" else (0, "", "")

    result = run(host, no_ifquery, check_mode=True)
    assert result["changed"] and "ifquery is not installed" in result["warnings"][0]
    before = snapshot(host)
    with pytest.raises(UnsupportedError):
        run(host, no_ifquery)
    assert snapshot(host) == before


def test_while_the_rollback_runs_report_says_rolling_back_and_confirm_refuses(host):
    run(host, FakeRunner(), rollback_timeout=30)
    script = (host / "state" / "rollback.sh").read_text().splitlines()
    marks = [i for i, line in enumerate(script) if line.startswith("date > ")]
    bounces = [i for i, line in enumerate(script) if line.startswith(("ifdown", "ifup"))]
    # Marked before anything moves, unmarked (rollback.sh removed) only at the very end.
    assert marks and marks[0] < min(bounces) and script[-1].startswith("rm -f ") and "rollback.sh" in script[-1]
    (host / "state" / "rolled-back").write_text("Fri Nov 27 10:00:00 UTC 2026\n")
    assert state(host)["state"] == "rolling_back"
    with pytest.raises(HostError) as caught:
        converge({"confirm": True}, HOST, Applier(FakeRunner(), str(host / "state")))
    assert "being rolled back since Fri Nov 27" in caught.value.message
    (host / "state" / "rollback.sh").unlink()
    assert state(host) == dict(state(host), state="rolled_back", detail="Fri Nov 27 10:00:00 UTC 2026")


def test_a_failed_step_is_reported_only_once_the_previous_configuration_is_back(host):
    run(host, FakeRunner(), rollback_timeout=60)
    failed = (host / "state" / "apply.sh").read_text().split("failed() {")[1].split("}")[0]
    steps = [line.split()[0] for line in failed.strip().splitlines()]
    assert steps == ["/bin/sh", "systemctl", "echo", "exit"]
