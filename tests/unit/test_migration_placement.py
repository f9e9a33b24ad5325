"""Where declared VMs run when hypervisors are in maintenance (migration_placement.place), the moves that follow
(migration_plan.moves_report) and the list the VMs step gets (placed_vms)."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import derive_mac
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.migration_placement import place, placed_vms
from ansible_collections.essentials.kvm.plugins.module_utils.migration_plan import moves_report

PLAY = ["kvm1", "kvm2", "kvm3"]
NETS, POOLS = ["lan"], ["shared", "default"]


def vm(name, host=None, hosts=None, memory="256M", network="lan", pool="shared"):
    item = {"name": name, "memory": memory, "pool": pool, "disks": [{"type": "new", "size": "1G"}]}
    item["nics"] = [{"network": network}]
    if host:
        item["host"] = host
    if hosts:
        item["hosts"] = hosts
    return item


def host(domains=(), free=4096, networks=NETS, pools=POOLS):
    return {
        "domains": dict((name, "running") for name in domains),
        "free_mib": free,
        "networks": networks,
        "pools": pools,
    }


def where(vms, facts, maintenance, play=PLAY):
    placed, refused = place(vms, facts, maintenance, play)
    return dict((name, target) for _path, name, target in placed), refused


def test_without_maintenance_every_vm_belongs_to_its_host_or_first_preference():
    vms = [vm("a", "kvm1"), vm("b", hosts=["kvm2", "kvm1"]), {"name": "everywhere"}, "not a mapping"]
    facts = {"kvm1": host(["a"]), "kvm2": host(["b"]), "kvm3": host()}
    assert where(vms, facts, {}) == ({"a": "kvm1", "b": "kvm2"}, {})
    assert where(vms, facts, {"kvm1": False, "kvm2": "no"}) == ({"a": "kvm1", "b": "kvm2"}, {})


def test_maintenance_follows_the_preferences_in_order_skipping_hosts_in_maintenance_or_outside_the_play():
    vms = [vm("a", hosts=["kvm1", "kvm9", "kvm2", "kvm3"]), vm("b", hosts=["kvm1", "kvm3", "kvm2"])]
    # kvm2 comes before kvm3 for a although it has less memory: the order is the user's.
    facts = {"kvm1": host(["a", "b"]), "kvm2": host(free=300), "kvm3": host(free=8000)}
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm2", "b": "kvm3"}, {})
    assert where(vms, facts, {"kvm1": "yes", "kvm2": "on"}) == ({"a": "kvm3", "b": "kvm3"}, {})


def test_without_preferences_the_host_with_the_most_free_memory_wins_and_each_vm_takes_its_share():
    vms = [vm("a", "kvm1", memory="1G"), vm("b", "kvm1", memory="1G"), vm("c", "kvm1", memory=512)]
    facts = {"kvm1": host(["a", "b", "c"]), "kvm2": host(free=2000), "kvm3": host(free=2500)}
    # a -> kvm3 (2500 -> 1476); b -> kvm2 (2000 -> 976); c -> kvm3 (1476 > 976).
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm3", "b": "kvm2", "c": "kvm3"}, {})


def test_equal_memory_is_decided_by_name_and_a_vm_stays_where_a_former_run_put_it():
    vms = [vm("a", "kvm1")]
    facts = {"kvm1": host(), "kvm2": host(free=1000), "kvm3": host(free=1000)}
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm2"}, {})
    # A second run: a runs on kvm3 (the host had more memory then), which has less free now: it stays.
    facts = {"kvm1": host(), "kvm2": host(free=3000), "kvm3": host(["a"], free=10)}
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm3"}, {})


def test_a_host_without_the_vms_network_pool_or_memory_is_passed_over():
    vms = [vm("a", "kvm1", memory="2G")]
    facts = {
        "kvm1": host(["a"]),
        "kvm2": host(free=9000, networks=[]),
        "kvm3": host(free=8000),
    }
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm3"}, {})


def test_no_host_can_take_the_vm_refuses_it_where_it_runs_naming_what_each_lacks():
    vms = [vm("a", "kvm1", memory="2G", network="dmz", pool="fast")]
    facts = {"kvm1": host(["a"]), "kvm2": host(free=1000), "kvm3": host(free=9000, pools=["fast"], networks=[])}
    placed, refused = where(vms, facts, {"kvm1": True})
    assert placed == {}
    assert refused == {
        "kvm1": [
            "kvm_vms[0] (a): its host kvm1 is in maintenance and no other host can take it: kvm3 lacks network dmz; "
            "kvm2 lacks network dmz, storage pool fast, 2048 MiB of free memory (has 1000)"
        ]
    }


def test_every_other_host_in_maintenance_refuses_the_vm():
    vms = [vm("a", "kvm1"), vm("b", hosts=["kvm2", "kvm1"])]
    facts = {"kvm1": host(["a"]), "kvm2": host(["b"])}
    _placed, refused = where(vms, facts, {"kvm1": True, "kvm2": True}, play=["kvm1", "kvm2"])
    assert refused == {
        "kvm1": [
            "kvm_vms[0] (a): its host kvm1 is in maintenance and no other host can take it: kvm2 is in maintenance"
        ],
        "kvm2": [
            "kvm_vms[1] (b): its host kvm2 is in maintenance and no other host can take it: kvm1 is in maintenance"
        ],
    }


def test_a_vm_found_nowhere_is_refused_on_its_home_and_a_lone_preference_has_no_fallback():
    vms = [vm("a", hosts=["kvm1"])]
    _placed, refused = where(vms, {"kvm1": host(), "kvm2": host()}, {"kvm1": True})
    assert refused == {
        "kvm1": [
            "kvm_vms[0] (a): its host kvm1 is in maintenance and no other host can take it: its hosts name no other"
        ]
    }
    _placed, refused = where([vm("a", "kvm1")], {"kvm1": host()}, {"kvm1": True}, play=["kvm1"])
    assert refused["kvm1"][0].endswith("no other host can take it: the play has no other host")


@pytest.mark.parametrize(
    "item, path, message",
    [
        ({"name": "a", "hosts": "kvm1"}, "kvm_vms[0].hosts", "must be a list"),
        ({"name": "a", "hosts": ["kvm1", 3]}, "kvm_vms[0].hosts[1]", "must be an inventory host name, not a number"),
        (
            {"name": "a", "hosts": ["kvm1", True]},
            "kvm_vms[0].hosts[1]",
            "must be an inventory host name, not a boolean",
        ),
        ({"name": "a", "host": "kvm2", "hosts": ["kvm1"]}, "kvm_vms[0].hosts[0]", "is kvm1 but host is kvm2"),
        ({"name": "a", "hosts": ["kvm1", "kvm1"]}, "kvm_vms[0].hosts", "names a host twice"),
        ({"name": "a", "host": "kvm1", "memory": "lots"}, "kvm_vms[0].memory", "must be a size"),
    ],
)
def test_wrong_input_is_refused_with_its_exact_path(item, path, message):
    with pytest.raises(InputError) as caught:
        place([item], {"kvm1": host(), "kvm2": host()}, {"kvm1": True}, ["kvm1", "kvm2"])
    assert caught.value.path == path and message in caught.value.message


def test_the_maintenance_flag_is_checked_by_the_input_kit():
    with pytest.raises(InputError) as caught:
        place([], {}, {"kvm2": "maybe"}, PLAY)
    assert caught.value.message.startswith("kvm_maintenance of kvm2: must be true or false")


def test_maintenance_on_moves_the_hosts_vms_off_and_off_brings_them_back():
    vms = [vm("a", "kvm1"), vm("b", "kvm1", memory="128M"), vm("c", "kvm2")]
    addresses = {"kvm1": "10.0.0.1", "kvm2": "10.0.0.2"}
    facts = {"kvm1": host(["a", "b"]), "kvm2": host(["c"])}
    on = moves_report(vms, facts, ["kvm1", "kvm2"], addresses, {"kvm1": True})
    assert [(m["name"], m["source"], m["target"]) for m in on["moves"]] == [
        ("a", "kvm1", "kvm2"),
        ("b", "kvm1", "kvm2"),
    ]
    assert on["placed"] == {"a": "kvm2", "b": "kvm2", "c": "kvm2"} and on["refused"] == {}
    assert on["orders"] == {
        "kvm1": [
            {"name": "a", "target": "kvm2", "address": "10.0.0.2", "transport": "ssh"},
            {"name": "b", "target": "kvm2", "address": "10.0.0.2", "transport": "ssh"},
        ]
    }
    # The next run in maintenance changes nothing.
    facts = {"kvm1": host(), "kvm2": host(["a", "b", "c"])}
    assert moves_report(vms, facts, ["kvm1", "kvm2"], addresses, {"kvm1": True})["moves"] == []
    off = moves_report(vms, facts, ["kvm1", "kvm2"], addresses, {"kvm1": False})
    assert [(m["name"], m["source"], m["target"]) for m in off["moves"]] == [
        ("a", "kvm2", "kvm1"),
        ("b", "kvm2", "kvm1"),
    ]


def test_a_refused_vm_fails_only_the_hosts_that_hold_it_and_does_not_move():
    vms = [vm("a", "kvm1", network="dmz"), vm("b", "kvm1")]
    facts = {"kvm1": host(["a", "b"]), "kvm2": host()}
    report = moves_report(vms, facts, ["kvm1", "kvm2"], {}, {"kvm1": True})
    assert [m["name"] for m in report["moves"]] == ["b"] and list(report["refused"]) == ["kvm1"]


def test_the_vms_step_gets_each_vm_on_its_placed_host_with_its_home_macs_and_no_hosts():
    vms = [
        vm("a", "kvm1"),
        dict(
            vm("b", hosts=["kvm1", "kvm2"]), nics=[{"network": "lan", "mac": "52:54:00:00:00:01"}, {"network": "lan"}]
        ),
        vm("c", hosts=["kvm2"]),
        {"name": "everywhere"},
    ]
    got = placed_vms(vms, {"a": "kvm2", "b": "kvm2", "c": "kvm2"}, stayed={"a": "kvm1"})
    assert [(item["name"], item.get("host"), "hosts" in item) for item in got] == [
        ("a", "kvm1", False),
        ("b", "kvm2", False),
        ("c", "kvm2", False),
        ("everywhere", None, False),
    ]
    assert got[0]["nics"] == [{"network": "lan"}]  # at home: the VMs step derives its MAC as always
    assert got[1]["nics"] == [
        {"network": "lan", "mac": "52:54:00:00:00:01"},
        {"network": "lan", "mac": derive_mac("kvm1", "b", 1)},
    ]
    assert vms[1]["hosts"] == ["kvm1", "kvm2"]  # the declared list is left as it was


def test_a_host_whose_qemu_lacks_the_vms_machine_type_is_passed_over_and_named_in_the_refusal():
    """kvm2 (Debian 13, QEMU 10.0) defined b as pc-i440fx-10.0; kvm1 (Debian 12, QEMU 7.2) cannot run it, kvm3
    can. a, defined as pc-i440fx-7.2 on kvm1, may go anywhere."""
    old = {"x86_64": ["pc", "pc-i440fx-7.2", "pc-q35-7.2", "q35"]}
    new = {"x86_64": ["pc", "pc-i440fx-10.0", "pc-i440fx-7.2", "q35"]}
    vms = [vm("a", "kvm1"), vm("b", "kvm2")]
    facts = {
        "kvm1": dict(
            host(["a"], free=9000), machine_types=old, machines={"a": {"arch": "x86_64", "machine": "pc-i440fx-7.2"}}
        ),
        "kvm2": dict(host(["b"]), machine_types=new, machines={"b": {"arch": "x86_64", "machine": "pc-i440fx-10.0"}}),
        "kvm3": dict(host(free=100), machine_types=new),
    }
    # kvm1 has the most free memory, but lacks b's machine type; kvm3's memory is short: nobody can take b.
    placed, refused = where(vms, facts, {"kvm2": True})
    assert placed == {"a": "kvm1"}
    assert refused == {
        "kvm2": [
            "kvm_vms[1] (b): its host kvm2 is in maintenance and no other host can take it: kvm1 lacks machine type "
            "pc-i440fx-10.0; kvm3 lacks 256 MiB of free memory (has 100)"
        ]
    }
    facts["kvm3"]["free_mib"] = 4096
    assert where(vms, facts, {"kvm2": True}) == ({"a": "kvm1", "b": "kvm3"}, {})
    # The older host's VMs move to the newer one, as in a rolling upgrade.
    assert where(vms, facts, {"kvm1": True}) == ({"a": "kvm2", "b": "kvm2"}, {})


def test_machine_types_unknown_on_either_side_leave_the_check_to_the_move():
    vms = [vm("b", "kvm2")]
    machines = {"b": {"arch": "x86_64", "machine": "pc-i440fx-10.0"}}
    # A candidate whose capabilities list no machine type for the arch, and a VM whose machine type is unknown.
    facts = {"kvm1": dict(host(), machine_types={"aarch64": ["virt"]}), "kvm2": dict(host(["b"]), machines=machines)}
    assert where(vms, facts, {"kvm2": True}, play=["kvm1", "kvm2"]) == ({"b": "kvm1"}, {})
    facts = {"kvm1": dict(host(), machine_types={"x86_64": ["pc"]}), "kvm2": host(["b"])}
    assert where(vms, facts, {"kvm2": True}, play=["kvm1", "kvm2"]) == ({"b": "kvm1"}, {})
