"""Which declared VMs move between the play's hypervisors (migration_plan.find_moves), and which are refused."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.migration_plan import find_moves, moves_report

PLAY = ["kvm1", "kvm2"]
VMS = [{"name": "app1", "host": "kvm2"}, {"name": "app2", "host": "kvm2"}, {"name": "free"}, "not a mapping"]


def test_a_vm_that_runs_elsewhere_moves_live_to_its_host_with_the_target_address():
    found = {"kvm1": {"app1": "running", "other": "running"}, "kvm2": {"app2": "running"}}
    moves, refused = find_moves(VMS, found, PLAY, {"kvm2": "192.168.30.12"})
    assert refused == {}
    assert [(m.name, m.source, m.target, m.live, m.address) for m in moves] == [
        ("app1", "kvm1", "kvm2", True, "192.168.30.12")
    ]


def test_a_shut_off_vm_moves_as_definition_and_placed_vms_stay():
    moves, refused = find_moves(VMS, {"kvm1": {"app1": "shutoff"}, "kvm2": {"app2": "paused"}}, PLAY)
    assert refused == {} and [(m.name, m.live) for m in moves] == [("app1", False)]
    assert find_moves(VMS, {"kvm1": {}, "kvm2": {"app1": "running"}}, PLAY) == ([], {})


def test_a_vm_running_on_two_hosts_is_refused_on_both():
    moves, refused = find_moves(VMS, {"kvm1": {"app1": "running"}, "kvm2": {"app1": "running"}}, PLAY)
    assert moves == []
    assert refused == {
        "kvm1": ["kvm_vms[0] (app1) runs on kvm1 and kvm2 at once: stop every copy but one"],
        "kvm2": ["kvm_vms[0] (app1) runs on kvm1 and kvm2 at once: stop every copy but one"],
    }


def test_a_stale_copy_on_the_target_is_refused_before_anything_moves():
    _moves, refused = find_moves(VMS, {"kvm1": {"app1": "running"}, "kvm2": {"app1": "shutoff"}}, PLAY)
    assert (
        refused["kvm1"]
        == refused["kvm2"]
        == [
            "kvm_vms[0] (app1) is defined on kvm1 and kvm2: undefine the copies that are not on its host kvm2 "
            "before it can converge"
        ]
    )


def test_a_vm_placed_on_a_host_outside_the_play_is_refused_where_it_is():
    vms = [{"name": "app1", "host": "kvm3"}]
    moves, refused = find_moves(vms, {"kvm1": {"app1": "running"}, "kvm2": {}}, PLAY)
    assert moves == [] and list(refused) == ["kvm1"]
    assert refused["kvm1"][0].startswith("kvm_vms[0] (app1) is placed on kvm3, which is not in this play")


def test_the_report_is_plain_data_for_the_role():
    report = moves_report(VMS, {"kvm1": {"domains": {"app1": "running"}}}, PLAY, {"kvm2": "10.0.0.2"})
    assert report == {
        "moves": [
            dict(name="app1", source="kvm1", target="kvm2", live=True, address="10.0.0.2", transport="ssh"),
        ],
        "refused": {},
        "orders": {"kvm1": [{"name": "app1", "target": "kvm2", "address": "10.0.0.2", "transport": "ssh"}]},
        "placed": {"app1": "kvm2", "app2": "kvm2"},
    }


@pytest.mark.parametrize(
    "transport, client, server, chosen",
    [
        ("auto", True, True, "tls"),
        ("auto", True, False, "ssh"),
        ("auto", False, True, "ssh"),
        ("ssh", True, True, "ssh"),
        ("tls", True, True, "tls"),
        (None, True, True, "ssh"),  # an offer of an older role: SSH
    ],
)
def test_a_move_takes_tls_when_its_source_asks_and_both_hosts_are_ready(transport, client, server, chosen):
    facts = {
        "kvm1": {"domains": {"app1": "running"}, "transport": transport, "tls_client": client},
        "kvm2": {"domains": {}, "tls_server": server},
    }
    report = moves_report(VMS, facts, PLAY, {"kvm2": "10.0.0.2"})
    assert report["refused"] == {}
    assert report["orders"]["kvm1"][0]["transport"] == report["moves"][0]["transport"] == chosen


def test_tls_asked_of_hosts_that_are_not_ready_is_refused_naming_what_lacks():
    facts = {"kvm1": {"domains": {"app1": "running"}, "transport": "tls"}, "kvm2": {"domains": {}}}
    report = moves_report(VMS, facts, PLAY, {"kvm2": "10.0.0.2"})
    (text,) = report["refused"]["kvm1"]
    assert text.startswith("app1: cannot move to kvm2: kvm_migration_transport of kvm1 is tls, but kvm1 has no TLS ")
    assert "set kvm_tls_client_cert, kvm_tls_client_key and kvm_tls_ca_cert for it" in text
    assert "kvm2 does not listen for TLS" in text and "kvm_tls_server_cert" in text
