"""The benchmark (bench/) end to end at its smoke scale, so a clean checkout shows it still works.

One run of bench/run.py (every contender, both parts, all three phases, and Ansible's fixed cost)
and of bench/report.py, with BENCH_SCALE=smoke and results in a directory of the test's own. The
tests assert what the runs did, never how long they took: speed is what the bench scripts measure.
"""

import glob
import json
import os
import types

import libvirt
import pytest

from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import run

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
PY = os.path.join(BENCH, ".venv", "bin", "python")
PREFIX = "ekvm-b-"
OURS = ("ours", "ours_same_ansible")
ANSIBLE = OURS + ("per_item",)
CONTENDERS = ANSIBLE + ("raw",)
PARTS = ("libvirt", "ovs")
PHASES = ("first", "noop", "change")
LABELS = ("essentials.kvm roles", "essentials.kvm roles, core 2.17", "per-item playbook", "raw API floor")


def _script(name):
    return [PY, os.path.join(BENCH, name)]


def _committed_results():
    contents = {}
    for path in glob.glob(os.path.join(BENCH, "results", "*.*")):
        with open(path, "rb") as src:
            contents[path] = src.read()
    return contents


@pytest.fixture(scope="module")
def venv(lab):
    # What a fresh CI machine does first: bench/.venv from bench/requirements.txt (a no-op once made).
    run(["make", "-C", BENCH, "setup"], timeout=1200)


@pytest.fixture(scope="module")
def bench(venv, tmp_path_factory):
    """One smoke-scale run and report: their processes, the results directory, the committed results
    before and after."""
    results = str(tmp_path_factory.mktemp("bench-results"))
    env = dict(os.environ, BENCH_SCALE="smoke", BENCH_RESULTS=results)
    before = _committed_results()
    try:
        measured = run(
            _script("run.py") + ["--n", "2", "--reps", "1", "--fixed-cost"], check=False, env=env, timeout=900
        )
        report = run(_script("report.py"), check=False, env=env, timeout=300)
        yield types.SimpleNamespace(
            results=results, measured=measured, report=report, before=before, after=_committed_results()
        )
    finally:
        # run.py cleans at its end; this is for a run that stopped halfway.
        run(_script("cleanup.py"), check=False, env=env)


@pytest.fixture(scope="module")
def phases(bench):
    """(contender, part) -> {phase: measurement} from the results JSON of N=2."""
    measured = bench.measured
    assert measured.returncode == 0, measured.stdout[-6000:] + measured.stderr[-4000:]
    with open(os.path.join(bench.results, "n2.json")) as src:
        data = json.load(src)
    table = {}
    for rep in data["reps"]:
        assert (rep["contender"], rep["part"]) not in table, "two repetitions of one contender and part"
        table[(rep["contender"], rep["part"])] = rep["phases"]
    return table


def test_every_contender_converges_each_part_and_phase_and_verifies(phases):
    assert sorted(phases) == sorted((c, p) for c in CONTENDERS for p in PARTS)
    for (contender, part), measured in phases.items():
        assert sorted(measured) == sorted(PHASES), (contender, part)
        for phase, result in measured.items():
            assert (result["rc"], result["problems"]) == (0, []), (contender, part, phase, result)


def test_our_roles_make_one_module_run_per_phase_and_the_per_item_playbook_more(phases):
    for part in PARTS:
        for phase in PHASES:
            for contender in OURS:
                assert phases[(contender, part)][phase]["modules"] == 1, (contender, part, phase)
            assert phases[("per_item", part)][phase]["modules"] > 1, (part, phase)


def test_our_ovs_part_writes_in_one_transaction_on_first_and_change_and_none_on_noop(phases):
    for contender in OURS:
        writes = {phase: phases[(contender, "ovs")][phase]["ovs_writes"] for phase in PHASES}
        assert writes == {"first": 1, "noop": 0, "change": 1}, contender


def test_noop_changes_nothing_and_first_and_change_do(phases):
    for contender in ANSIBLE:
        for part in PARTS:
            measured = phases[(contender, part)]
            assert all(result["failed"] == 0 for result in measured.values()), (contender, part)
            assert measured["noop"]["changed"] == 0, (contender, part)
            assert measured["first"]["changed"] > 0 and measured["change"]["changed"] > 0, (contender, part)


def test_fixed_cost_ran_a_one_task_playbook_with_each_ansible(bench):
    with open(os.path.join(bench.results, "fixed.json")) as src:
        fixed = json.load(src)
    assert sorted(fixed) == ["ours", "per_item"] and all(len(walls) == 1 for walls in fixed.values())


def test_fixed_cost_also_ran_the_args_floor_for_the_libvirt_part_and_the_report_prints_it(bench):
    with open(os.path.join(bench.results, "n2.json")) as src:
        floor = json.load(src)["args_floor"]
    assert len(floor) == 1 and all(wall > 0 and cpu > 0 for wall, cpu in floor)
    assert "playbooks/args_floor.yml" in bench.report.stdout


def test_report_prints_a_table_of_every_contender_and_draws_the_chart(bench):
    report = bench.report
    assert report.returncode == 0, report.stdout[-4000:] + report.stderr[-4000:]
    # The titles follow the smoke scale, as the runs did.
    assert "libvirt part: 2 networks, 2 pools x 1 volumes, N VMs" in report.stdout
    assert "OVS part: one bridge with 4 ports" in report.stdout
    rows = [line for line in report.stdout.splitlines() if line.startswith("| 2 |")]
    for label in LABELS:
        assert sum(line.split(" | ")[1] == label for line in rows) == len(PARTS), label
    with open(os.path.join(bench.results, "bench.png"), "rb") as chart:
        assert chart.read(8) == b"\x89PNG\r\n\x1a\n"


def test_committed_results_are_untouched(bench):
    assert bench.before and bench.after == bench.before


def test_every_xml_document_the_bench_writes_is_valid(venv):
    checked = run(_script("check_xml.py"), check=False)
    assert checked.returncode == 0, checked.stdout


def test_the_lab_holds_no_bench_object_afterwards(bench):
    conn = libvirt.open(LIBVIRT_URI)
    try:
        left = [
            obj.name()
            for objects in (conn.listAllDomains(), conn.listAllNetworks(), conn.listAllStoragePools())
            for obj in objects
            if obj.name().startswith(PREFIX)
        ]
    finally:
        conn.close()
    left += [name for name in run(["ovs-vsctl", "list-br"]).stdout.split() if name.startswith(PREFIX)]
    left += glob.glob("/var/lib/libvirt/images/%s*" % PREFIX)
    assert left == []
