"""The openvswitch module end to end with a fake ovs-vsctl: arguments, aliases, errors, check mode."""
import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import openvswitch
from tests.unit.fakes import FakeOvs
from tests.unit.ovs_samples import BAD, PORT_LIST_BAD

# Ansible's argument spec rejects these first, in its own words (which name the option but no index).
ARGSPEC_CASES = {"not a list", "bridge not a mapping", "missing name", "unknown option", "unknown fail_mode",
                 "unknown datapath", "VLAN text", "unknown vlan_mode", "unknown port type", "unknown bond mode",
                 "unknown lacp", "unknown lacp_time", "stp not a bool"}
# Ansible makes these valid before the module sees them: it keeps the alias's value (with a warning).
NORMALISED_CASES = {"name and alias differ"}
PORT_LIST_ARGSPEC_CASES = {"port lists not a list", "entry not a mapping", "unknown entry key", "ports not a list",
                           "port without name"}


def run_module(monkeypatch, capsys, args, switch, binary="/usr/bin/ovs-vsctl"):
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *rest, **kw: binary)
    monkeypatch.setattr(AnsibleModule, "run_command", lambda self, argv, **kw: switch([
        "ovs-vsctl" if part == binary else part for part in argv]))
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            openvswitch.main()
    return json.loads(capsys.readouterr().out)


LEGACY = [{"bridge": "br-int", "state": "present", "fail_mode": "secure",
           "ports": [{"port": "enp0s9", "state": "present"}]}]


def test_legacy_shape_converges_then_is_idempotent(monkeypatch, capsys):
    switch = FakeOvs([])
    switch.after = openvswitch.parse_bridges([{"name": "br-int", "fail_mode": "secure",
                                               "ports": [{"name": "enp0s9"}]}])
    result = run_module(monkeypatch, capsys, {"bridges": LEGACY}, switch)
    assert result["changed"] is True
    assert result["invocation"]["module_args"]["bridges"] == "1 item"
    assert result["commands"][2:] == ["--", "add-br", "br-int", "--", "add-port", "br-int", "enp0s9",
                                      "--", "set", "Bridge", "br-int", "fail_mode=secure"]
    result = run_module(monkeypatch, capsys, {"bridges": LEGACY}, switch)
    assert (result["changed"], result["commands"]) == (False, [])
    assert len(switch.transactions) == 1


def test_older_port_lists_converge_then_are_idempotent(monkeypatch, capsys):
    args = {"bridges": [{"bridge": "br-int", "fail_mode": "secure"}], "input_name": "openvswitch_bridges",
            "ports": [{"bridge": "br-int", "ports": [{"port": "enp0s9", "state": "present"}]},
                      {"bridge": "br-ex", "ports": [{"port": "enp0s10"}]}],
            "ports_input_name": "openvswitch_ports"}
    switch = FakeOvs([])
    switch.after = openvswitch.parse_bridges([{"name": "br-int", "fail_mode": "secure",
                                               "ports": [{"name": "enp0s9"}]},
                                              {"name": "br-ex", "ports": [{"name": "enp0s10"}]}])
    checked = run_module(monkeypatch, capsys, dict(args, _ansible_check_mode=True), switch)
    assert checked["changed"] is True and switch.transactions == []
    result = run_module(monkeypatch, capsys, args, switch)
    assert result["changed"] is True
    assert result["commands"][2:] == checked["commands"][2:] == [
        "--", "add-br", "br-int", "--", "add-br", "br-ex", "--", "add-port", "br-int", "enp0s9",
        "--", "add-port", "br-ex", "enp0s10", "--", "set", "Bridge", "br-int", "fail_mode=secure"]
    result = run_module(monkeypatch, capsys, args, switch)
    assert (result["changed"], result["commands"]) == (False, [])
    assert len(switch.transactions) == 1


def test_check_mode_touches_nothing(monkeypatch, capsys):
    switch = FakeOvs([])
    result = run_module(monkeypatch, capsys, {"bridges": LEGACY, "_ansible_check_mode": True}, switch)
    assert result["changed"] is True and "add-br" in result["commands"]
    assert switch.transactions == []


def test_bad_input_fails_with_the_role_variable_path(monkeypatch, capsys):
    switch = FakeOvs([])
    args = {"bridges": [{"name": "br0", "ports": [{"name": "p1", "tag": 4095}]}],
            "input_name": "openvswitch_bridges"}
    result = run_module(monkeypatch, capsys, args, switch)
    assert result["failed"] is True
    assert result["msg"].startswith("openvswitch_bridges[0].ports[0].tag: must be a VLAN id from 1 to 4094 (got a number: 4095)")
    assert switch.transactions == []


def test_missing_ovs_vsctl_is_reported(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, {"bridges": []}, FakeOvs([]), binary=None)
    assert result["failed"] is True
    assert "install openvswitch-switch" in result["msg"]


def assert_failed_before_any_command(result, calls, by_argspec, path, fragment):
    """Failed without running ovs-vsctl; Ansible's own argument checks word their messages themselves."""
    assert result["failed"] is True
    assert calls == [], "not even the read may run"
    if by_argspec:
        assert not result["msg"].startswith(path)
    else:
        assert result["msg"].startswith(path + ": ") and fragment in result["msg"]


@pytest.mark.parametrize("case", [case for case in BAD if case[0] not in NORMALISED_CASES],
                         ids=[case[0] for case in BAD if case[0] not in NORMALISED_CASES])
def test_every_bad_input_fails_before_ovs_vsctl_runs(monkeypatch, capsys, case):
    name, raw, path, fragment = case
    calls = []
    result = run_module(monkeypatch, capsys, {"bridges": raw}, lambda argv: calls.append(argv) or (0, "", ""))
    assert_failed_before_any_command(result, calls, name in ARGSPEC_CASES, path, fragment)


@pytest.mark.parametrize("case", PORT_LIST_BAD, ids=[case[0] for case in PORT_LIST_BAD])
def test_every_bad_port_list_fails_before_ovs_vsctl_runs(monkeypatch, capsys, case):
    name, bridges, port_lists, path, fragment = case
    calls = []
    args = {"bridges": bridges, "ports": port_lists, "input_name": "openvswitch_bridges",
            "ports_input_name": "openvswitch_ports"}
    result = run_module(monkeypatch, capsys, args, lambda argv: calls.append(argv) or (0, "", ""))
    assert_failed_before_any_command(result, calls, name in PORT_LIST_ARGSPEC_CASES, path, fragment)
