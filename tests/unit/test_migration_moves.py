"""The moves of one source (migration_reconcile.converge): up to `parallel` at a time, a failed one leaves its VM
there and keeps none of the others from moving; and the role's filters around them (plugins/filter/migration.py)."""

import contextlib
import threading
import time

import pytest

from ansible_collections.essentials.kvm.plugins.filter.migration import (
    migration_line,
    migration_moves,
    migration_placed,
)
from ansible_collections.essentials.kvm.plugins.module_utils import migration_reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError
from ansible_collections.essentials.kvm.plugins.module_utils.migration_apply import Options
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import Found


class Conn:
    def close(self):
        pass


@pytest.fixture
def host(monkeypatch):
    """This host has vm1..vm4; the moves of those named in `failing` fail. Records how many ran at once."""
    state = {"here": {"vm1", "vm2", "vm3", "vm4"}, "there": set(), "running": 0, "most": 0, "failing": set()}
    lock = threading.Lock()
    conn, target = Conn(), Conn()

    def migrate(_source, _target, _uri, found, move, _options):
        with lock:
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
        time.sleep(0.05)
        with lock:
            state["running"] -= 1
        if found.name in state["failing"]:
            raise HostError(
                "%s: moving to %s failed, the VM stays on %s: boom" % (found.name, move.target, move.source)
            )
        state["here"].discard(found.name)
        state["there"].add(found.name)
        return {"seconds": 1.0, "downtime_ms": 40, "time_ms": 900}

    def lookup(where, name):
        return object() if name in state["here" if where is conn else "there"] else None

    class Dom:
        def isActive(self):
            return True

    monkeypatch.setattr(migration_reconcile, "connection", lambda _uri: contextlib.nullcontext(conn))
    monkeypatch.setattr(migration_reconcile, "open_connection", lambda _uri: target)
    monkeypatch.setattr(migration_reconcile, "host_facts", lambda _conn: {"domains": {}, "free_mib": 1})
    monkeypatch.setattr(
        migration_reconcile,
        "read_source",
        lambda _conn, name: Found(name=name, live=True, xml="") if name in state["here"] else None,
    )
    monkeypatch.setattr(migration_reconcile, "check_target", lambda *_args: None)
    monkeypatch.setattr(migration_reconcile, "migrate", migrate)
    monkeypatch.setattr(
        migration_reconcile, "lookup", lambda where, name: Dom() if lookup(where, name) is not None else None
    )
    return state


def request(names, parallel=1):
    moves = [{"name": name, "target": "kvm2", "address": "10.0.0.2"} for name in names]
    return migration_reconcile.Request(uri="x", moves=moves, source="kvm1", options=Options(parallel=parallel))


def test_moves_run_at_most_parallel_at_a_time_and_are_reported_in_order(host):
    result = migration_reconcile.converge(request(["vm1", "vm2", "vm3", "vm4"], parallel=2))
    assert host["most"] == 2 and host["there"] == {"vm1", "vm2", "vm3", "vm4"}
    assert result["changed"] and "failed" not in result
    assert [(m["name"], m["from"], m["to"], m["seconds"], m["downtime_ms"]) for m in result["moves"]] == [
        ("vm%d" % i, "kvm1", "kvm2", 1.0, 40) for i in range(1, 5)
    ]


def test_one_at_a_time_by_default(host):
    migration_reconcile.converge(request(["vm1", "vm2", "vm3"]))
    assert host["most"] == 1


def test_a_failed_move_leaves_its_vm_here_and_the_others_move(host):
    host["failing"] = {"vm2"}
    result = migration_reconcile.converge(request(["vm1", "vm2", "vm3"]))
    assert host["here"] == {"vm2", "vm4"} and host["there"] == {"vm1", "vm3"}
    assert result["failed"] and result["stayed"] == ["vm2"]
    assert result["msg"] == "vm2: moving to kvm2 failed, the VM stays on kvm1: boom"
    assert [m["name"] for m in result["moves"]] == ["vm1", "vm3"] and result["changed"]


def test_a_vm_gone_already_is_no_move_and_parallel_must_be_at_least_one(host):
    host["here"] = set()
    assert migration_reconcile.converge(request(["vm1"]))["moves"] == []
    with pytest.raises(InputError, match="^parallel: must be a whole number of at least 1"):
        migration_reconcile.converge(request(["vm1"], parallel=0))


MIGRATION = {
    "moves": [
        {"name": "a", "source": "kvm1", "target": "kvm2", "live": True, "address": ""},
        {"name": "b", "source": "kvm1", "target": "kvm2", "live": True, "address": ""},
    ],
    "placed": {"a": "kvm2", "b": "kvm2"},
}
VMS = [{"name": "a", "host": "kvm1"}, {"name": "b", "hosts": ["kvm1", "kvm2"]}]


def test_the_vms_step_places_each_vm_and_keeps_a_vm_whose_move_failed_on_its_source():
    assert [vm["host"] for vm in migration_placed(VMS, MIGRATION)] == ["kvm2", "kvm2"]
    reports = {"kvm1": {"failed": True, "moves": [{"name": "b"}]}, "kvm2": {"skipped": True}}
    assert [vm["host"] for vm in migration_placed(VMS, MIGRATION, reports)] == ["kvm1", "kvm2"]
    # A source that never reported (unreachable) moved nothing.
    assert [vm["host"] for vm in migration_placed(VMS, MIGRATION, {})] == ["kvm1", "kvm1"]


def test_the_report_has_one_line_per_move():
    made = {"name": "a", "from": "kvm1", "to": "kvm2", "live": True, "copied": ["vda"], "seconds": 6.24}
    assert migration_line(dict(made, downtime_ms=48, time_ms=5870)) == (
        "a: kvm1 -> kvm2 (live, disks vda copied) in 6.2 s, downtime 48 ms, 5870 ms in all by libvirt's measure"
    )
    assert migration_line(dict(made, live=False, copied=[], downtime_ms=None)) == "a: kvm1 -> kvm2 (shut off) in 6.2 s"
    assert migration_line(dict(made, live=False, copied=["vda", "vdb"], removed=["local/a.img"])) == (
        "a: kvm1 -> kvm2 (shut off, disks vda, vdb copied) in 6.2 s"
    )
    assert migration_line(dict(made, copied=[], transport="tls", downtime_ms=None)) == (
        "a: kvm1 -> kvm2 (live, memory only, over TLS) in 6.2 s"
    )
    assert migration_line(MIGRATION["moves"][0]) == "a: would move kvm1 -> kvm2"


def test_the_role_passes_each_hosts_offer_with_its_maintenance_flag():
    offers = {
        "kvm1": {"domains": {"a": "running"}, "free_mib": 500, "networks": [], "pools": [], "maintenance": True},
        "kvm2": {"domains": {}, "free_mib": "2000", "networks": [], "pools": [], "maintenance": False},
        "kvm3": {},  # a host that read nothing (no VM names a host there)
    }
    report = migration_moves([{"name": "a", "host": "kvm1", "memory": 64}], offers, ("kvm1", "kvm2", "kvm3"), {})
    assert report["placed"] == {"a": "kvm2"} and [m["target"] for m in report["moves"]] == ["kvm2"]


def test_a_move_may_name_its_targets_uri_and_needs_its_address(host, monkeypatch):
    opened = []
    monkeypatch.setattr(migration_reconcile, "open_connection", lambda uri: opened.append(uri) or Conn())
    moves = [{"name": "vm1", "target": "kvm2", "address": "10.0.0.2", "uri": "qemu+tls://kvm2/system"}]
    request = migration_reconcile.Request(uri="x", moves=moves, source="kvm1")
    assert migration_reconcile.converge(request, check_mode=True)["moves"] == [
        {"name": "vm1", "from": "kvm1", "to": "kvm2"}
    ]
    assert opened == ["qemu+tls://kvm2/system"]
    request.moves = [{"name": "vm1", "target": "kvm2"}]
    with pytest.raises(InputError) as caught:
        migration_reconcile.converge(request)
    assert caught.value.path == "moves[0].address"


def test_a_target_that_does_not_answer_refuses_the_move_naming_the_vm_and_moves_nothing(host, monkeypatch):
    def refuse(uri):
        raise HostError("cannot connect to libvirt at %s: no route" % uri)

    monkeypatch.setattr(migration_reconcile, "open_connection", refuse)
    with pytest.raises(HostError) as caught:
        migration_reconcile.converge(request(["vm1", "vm2"]))
    assert caught.value.message.startswith(
        "vm1: cannot move to kvm2, whose libvirt does not answer at 10.0.0.2: cannot connect to libvirt at "
        "qemu+ssh://root@10.0.0.2/system?keyfile=/root/.ssh/kvm_migration_ed25519&no_tty=1: no route; nothing "
        "moved, the VM stays on kvm1"
    )
    assert host["here"] == {"vm1", "vm2", "vm3", "vm4"}
