"""--diff of the openvswitch module: the switch as text, and in check mode the switch the plan would leave."""

import copy
import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_diff import predict, to_text
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_plan import plan
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_state import parse_state
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from ansible_collections.essentials.kvm.plugins.modules import openvswitch
from tests.unit.fakes import FakeOvs
from tests.unit.ovs_samples import MIRRORED, MIRRORED_INPUT, RECORDED, RECORDED_INPUT


def by_name(bridges):
    return dict((bridge.name, bridge) for bridge in bridges)


def test_text_has_one_setting_a_line_sorted_without_unset_settings():
    bridges = parse_bridges(
        [
            {
                "name": "br0",
                "fail_mode": "secure",
                "other_config": {"z": 1, "a": True},
                "ports": [{"name": "vm2", "tag": 30}, {"name": "vm1", "trunks": [30, 10]}],
                "bonds": [{"name": "bond0", "members": ["eth2", "eth1"]}],
            },
            {"name": "v20", "parent": "br0", "vlan": 20},
        ]
    )
    assert to_text(by_name(reversed(bridges))).splitlines() == [
        "br0:",
        "  bonds:",
        "    - name: bond0",
        "      bond_downdelay: 0",
        "      bond_mode: active-backup",
        "      bond_updelay: 0",
        "      lacp: off",
        "      lacp_time: slow",
        "      members: [eth2, eth1]",
        "  datapath_type: system",
        "  fail_mode: secure",
        "  mcast_snooping: false",
        "  other_config:",
        "    a: true",
        "    z: 1",
        "  ports:",
        "    - name: vm1",
        "      trunks: [10, 30]",
        "      type: system",
        "    - name: vm2",
        "      tag: 30",
        "      type: system",
        "  rstp: false",
        "  stp: false",
        "v20:",
        "  parent: br0",
        "  vlan: 20",
    ]


def changes():
    """Edits of the recorded input, each with purge or not: every kind of change the planner makes."""

    def edit(change, purge=False):
        raw = copy.deepcopy(RECORDED_INPUT)
        change(raw)
        return raw, purge

    br0 = lambda raw: raw[0]  # noqa: E731
    return {
        "settings": edit(lambda raw: br0(raw).update(fail_mode="standalone", stp=True, other_config={"k": "v"})),
        "new port": edit(lambda raw: br0(raw)["ports"].append({"name": "vm3", "tag": 5})),
        "port absent": edit(lambda raw: br0(raw)["ports"].__setitem__(0, {"name": "vm1", "state": "absent"})),
        "purge": edit(lambda raw: br0(raw).update(ports=br0(raw)["ports"][:1]), purge=True),
        "not purged": edit(lambda raw: br0(raw).update(ports=br0(raw)["ports"][:1] + [{"name": "vm3"}])),
        "bond members": edit(lambda raw: br0(raw)["bonds"][0].update(members=["eth2", "eth3"], lacp="passive")),
        "bond rebuilt": edit(lambda raw: br0(raw)["bonds"][0].update(members=["eth3", "eth4"])),
        "port to the fake bridge": edit(
            lambda raw: (br0(raw)["ports"].pop(0), raw[1]["ports"].append({"name": "vm1", "type": "internal"}))
        ),
        "member taken by a port": edit(
            lambda raw: (
                br0(raw)["bonds"][0].update(members=["eth2", "eth3"]),
                raw.append({"name": "br9", "ports": [{"name": "eth1"}]}),
            )
        ),
        "bond takes a port's interface": edit(
            lambda raw: (br0(raw)["ports"].pop(0), br0(raw)["bonds"][0].update(members=["eth1", "vm1"]))
        ),
        "fake bridge absent": edit(lambda raw: raw[1].update(state="absent", ports=[])),
        "bridge absent": edit(lambda raw: raw.__setitem__(slice(None), [{"name": "br0", "state": "absent"}])),
        "tunnel changed": edit(lambda raw: br0(raw)["ports"][2].update(type="vxlan", key=None)),
    }


def mirror_changes():
    def edit(change, purge=False):
        raw = copy.deepcopy(MIRRORED_INPUT)
        change(raw[0])
        return raw, purge

    return {
        "mirror output": edit(lambda br1: br1["mirrors"][1].update(output_vlan=40)),
        "mirror absent": edit(lambda br1: br1["mirrors"][0].update(state="absent")),
        "mirrors purged": edit(lambda br1: br1.update(mirrors=br1["mirrors"][1:], stp=True), purge=True),
        "mirrored port retyped": edit(lambda br1: br1["ports"][0].update(type="system")),
    }


@pytest.mark.parametrize("name", sorted(changes()) + sorted(mirror_changes()))
def test_predicted_switch_needs_no_further_command(name):
    raw, purge = dict(changes(), **mirror_changes())[name]
    desired = parse_bridges(raw)
    current = parse_state(MIRRORED if name in mirror_changes() else RECORDED)
    assert plan(current, desired, purge), "the edit changes something"
    predicted = predict(current, desired, purge)
    assert plan(predicted, desired, purge) == []
    assert to_text(predicted) != to_text(current)


def test_prediction_keeps_what_the_input_leaves_alone():
    current = parse_state(RECORDED)
    raw, purge = changes()["not purged"]
    predicted = predict(current, parse_bridges(raw), purge)
    assert [port.name for port in predicted["br0"].ports] == ["tun0", "up0", "vm1", "vm3"]
    raw, purge = changes()["settings"]
    assert predict(current, parse_bridges(raw))["br0"].external_ids == {"owner": "ekvm"}


@pytest.mark.parametrize("state, raw", [(RECORDED, RECORDED_INPUT), (MIRRORED, MIRRORED_INPUT)])
def test_converged_input_predicts_the_switch_as_it_is(state, raw):
    current = parse_state(state)
    assert to_text(predict(current, parse_bridges(raw), purge=True)) == to_text(current)


@pytest.mark.parametrize("raw", [RECORDED_INPUT, MIRRORED_INPUT])
def test_from_an_empty_switch_the_prediction_is_the_input(raw):
    desired = parse_bridges(raw)
    assert to_text(predict({}, desired)) == to_text(by_name(desired))


def test_check_mode_diff_shows_what_the_real_run_then_reads_back():
    desired = parse_bridges(RECORDED_INPUT)
    switch = FakeOvs([], after=desired)
    checked = converge(Vsctl(switch), desired, check_mode=True, diff=True)
    assert switch.transactions == [] and checked["after"] == checked["before"]
    assert checked["diff"]["before"] == ""
    done = converge(Vsctl(switch), desired, diff=True)
    assert done["diff"] == checked["diff"]
    again = converge(Vsctl(switch), desired, check_mode=True, diff=True)
    assert again["diff"]["before"] == again["diff"]["after"] == done["diff"]["after"]
    assert "diff" not in converge(Vsctl(switch), desired)


def run_module(monkeypatch, capsys, args, switch):
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *rest, **kw: "/usr/bin/ovs-vsctl")
    monkeypatch.setattr(
        AnsibleModule,
        "run_command",
        lambda self, argv, **kw: switch(["ovs-vsctl" if part == "/usr/bin/ovs-vsctl" else part for part in argv]),
    )
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            openvswitch.main()
    return json.loads(capsys.readouterr().out)


def test_module_returns_the_diff_only_with_diff_mode(monkeypatch, capsys):
    args = {"bridges": [{"name": "br0", "fail_mode": "secure"}], "_ansible_check_mode": True}
    switch = FakeOvs(parse_bridges([{"name": "br0"}]))
    result = run_module(monkeypatch, capsys, dict(args, _ansible_diff=True), switch)
    assert "  fail_mode: standalone\n" in result["diff"]["before"]
    assert "  fail_mode: secure\n" in result["diff"]["after"]
    assert "diff" not in run_module(monkeypatch, capsys, args, switch)
