"""Which stanzas a change bounces, and in which order."""

from dataclasses import replace

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    Bond,
    Bridge,
    Interface,
    OvsBridge,
    OvsIntPort,
    Vlan,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import (
    dependency_map,
    find_cycle,
    lower_first,
    make_plan,
)

BASE = [
    Interface("eth1", bond_master="bond0"),
    Interface("eth2", bond_master="bond0"),
    Bond("bond0", slaves=[], mode="active-backup"),
    Vlan("bond0.10", raw_device="bond0"),
    Vlan("bond0.20", raw_device="bond0", method="static", addresses=["10.20.0.2/24"]),
    Bridge("br10", ports=["bond0.10"], method="static", addresses=["10.10.0.2/24"]),
    Interface("eth3", method="static", addresses=["192.0.2.3/24"]),
    OvsBridge("vmbr0", ports=["mgmt0"]),
    OvsIntPort("mgmt0", bridge="vmbr0", tag=5),
]


def swap(items, new):
    return [new if i.name == new.name else i for i in items]


def by_name(name):
    return [i for i in BASE if i.name == name][0]


def test_unchanged_bounces_nothing():
    plan = make_plan(BASE, list(BASE))
    assert plan.steps == [] and plan.bounced == []


def test_comment_change_bounces_nothing():
    assert make_plan(BASE, swap(BASE, replace(by_name("eth3"), comment="uplink"))).bounced == []


def test_changing_one_address_bounces_exactly_that_interface():
    plan = make_plan(BASE, swap(BASE, replace(by_name("eth3"), addresses=["192.0.2.4/24"])))
    assert plan.changed == ["eth3"]
    assert plan.steps == [("ifdown", "eth3"), ("ifup", "eth3")]


def test_leaf_address_change_leaves_lower_devices_alone():
    plan = make_plan(BASE, swap(BASE, replace(by_name("br10"), addresses=["10.10.0.3/24"])))
    assert plan.bounced == ["br10"]


def test_bridge_port_change_bounces_the_bridge():
    new = swap(BASE, replace(by_name("br10"), ports=["bond0.10", "bond0.20"]))
    plan = make_plan(BASE, new)
    assert plan.changed == ["br10"]
    assert plan.bounced == ["br10"]


def test_lower_change_bounces_dependants_upper_first_down_lower_first_up():
    plan = make_plan(BASE, swap(BASE, replace(by_name("bond0"), mode="802.3ad")))
    assert plan.changed == ["bond0"]
    assert set(plan.downs) == {"bond0", "bond0.10", "bond0.20", "br10"}
    assert plan.downs.index("br10") < plan.downs.index("bond0.10") < plan.downs.index("bond0")
    assert plan.ups.index("bond0") < plan.ups.index("bond0.10") < plan.ups.index("br10")
    assert plan.ups == list(reversed(plan.downs))


def test_bond_member_change_bounces_the_bond_and_what_sits_on_it():
    plan = make_plan(BASE, swap(BASE, replace(by_name("eth1"), mtu=9000)))
    assert plan.ups[0] == "eth1" and set(plan.ups) == {"eth1", "bond0", "bond0.10", "bond0.20", "br10"}


def test_ovs_bridge_change_bounces_its_ports_after_it():
    plan = make_plan(BASE, swap(BASE, replace(by_name("vmbr0"), ovs_extra=["set bridge vmbr0 stp_enable=true"])))
    assert plan.downs == ["mgmt0", "vmbr0"] and plan.ups == ["vmbr0", "mgmt0"]


def test_added_goes_up_and_removed_goes_down_only():
    new = [i for i in BASE if i.name != "eth3"] + [Interface("eth4", method="dhcp")]
    plan = make_plan(BASE, new)
    assert plan.added == ["eth4"] and plan.removed == ["eth3"]
    assert plan.steps == [("ifdown", "eth3"), ("ifup", "eth4")]


def test_new_bond_member_bounces_the_bond():
    plan = make_plan(BASE, BASE + [Interface("eth5", bond_master="bond0")])
    assert plan.ups.index("eth5") < plan.ups.index("bond0")
    assert "eth5" not in plan.downs and "bond0" in plan.downs


def test_frozen_and_unstarted_items_are_not_brought_up():
    new = swap(BASE, replace(by_name("eth3"), addresses=["192.0.2.4/24"]))
    assert make_plan(BASE, new, frozen=["eth3"]).steps == []
    plan = make_plan(BASE, swap(BASE, replace(by_name("eth3"), start="none")))
    assert plan.steps == [("ifdown", "eth3")]


def test_dependency_helpers():
    deps = dependency_map(BASE)
    assert deps["bond0"] == {"eth1", "eth2"} and deps["mgmt0"] == {"vmbr0"} and deps["vmbr0"] == set()
    assert find_cycle(deps) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert lower_first(["br10", "bond0.10", "bond0", "eth1"], deps) == ["eth1", "bond0", "bond0.10", "br10"]
