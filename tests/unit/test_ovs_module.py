"""The openvswitch module end to end with a fake ovs-vsctl: arguments, aliases, errors, check mode."""

import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import openvswitch
from tests.unit.fakes import FakeOvs
from tests.unit.ovs_samples import BAD, PORT_LIST_BAD

# Ansible checks that bridges and ports are lists of mappings, naming the option in its own words.
LIST_SHAPE_CASES = {"not a list", "bridge not a mapping", "port lists not a list", "entry not a mapping"}
YAML_BOOL_HINT = "(unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it)"
YAML_NUMBER_HINT = "(YAML reads an unquoted number as a number: quote it)"


def run_module(monkeypatch, capsys, args, switch, binary="/usr/bin/ovs-vsctl"):
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *rest, **kw: binary)
    monkeypatch.setattr(
        AnsibleModule,
        "run_command",
        lambda self, argv, **kw: switch(["ovs-vsctl" if part == binary else part for part in argv]),
    )
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            openvswitch.main()
    return json.loads(capsys.readouterr().out)


LEGACY = [
    {"bridge": "br-int", "state": "present", "fail_mode": "secure", "ports": [{"port": "enp0s9", "state": "present"}]}
]


def test_legacy_shape_converges_then_is_idempotent(monkeypatch, capsys):
    switch = FakeOvs([])
    switch.after = openvswitch.parse_bridges([{"name": "br-int", "fail_mode": "secure", "ports": [{"name": "enp0s9"}]}])
    result = run_module(monkeypatch, capsys, {"bridges": LEGACY}, switch)
    assert result["changed"] is True
    assert result["invocation"]["module_args"]["bridges"] == "1 item"
    assert result["commands"][2:] == [
        "--",
        "add-br",
        "br-int",
        "--",
        "add-port",
        "br-int",
        "enp0s9",
        "--",
        "set",
        "Bridge",
        "br-int",
        "fail_mode=secure",
    ]
    result = run_module(monkeypatch, capsys, {"bridges": LEGACY}, switch)
    assert (result["changed"], result["commands"]) == (False, [])
    assert len(switch.transactions) == 1


def test_older_port_lists_converge_then_are_idempotent(monkeypatch, capsys):
    args = {
        "bridges": [{"bridge": "br-int", "fail_mode": "secure"}],
        "input_name": "openvswitch_bridges",
        "ports": [
            {"bridge": "br-int", "ports": [{"port": "enp0s9", "state": "present"}]},
            {"bridge": "br-ex", "ports": [{"port": "enp0s10"}]},
        ],
        "ports_input_name": "openvswitch_ports",
    }
    switch = FakeOvs([])
    switch.after = openvswitch.parse_bridges(
        [
            {"name": "br-int", "fail_mode": "secure", "ports": [{"name": "enp0s9"}]},
            {"name": "br-ex", "ports": [{"name": "enp0s10"}]},
        ]
    )
    checked = run_module(monkeypatch, capsys, dict(args, _ansible_check_mode=True), switch)
    assert checked["changed"] is True and switch.transactions == []
    result = run_module(monkeypatch, capsys, args, switch)
    assert result["changed"] is True
    assert (
        result["commands"][2:]
        == checked["commands"][2:]
        == [
            "--",
            "add-br",
            "br-int",
            "--",
            "add-br",
            "br-ex",
            "--",
            "add-port",
            "br-int",
            "enp0s9",
            "--",
            "add-port",
            "br-ex",
            "enp0s10",
            "--",
            "set",
            "Bridge",
            "br-int",
            "fail_mode=secure",
        ]
    )
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
    args = {"bridges": [{"name": "br0", "ports": [{"name": "p1", "tag": 4095}]}], "input_name": "openvswitch_bridges"}
    result = run_module(monkeypatch, capsys, args, switch)
    assert result["failed"] is True
    assert result["msg"].startswith(
        "openvswitch_bridges[0].ports[0].tag: must be a VLAN id from 1 to 4094 (got a number: 4095)"
    )
    assert switch.transactions == []


def test_missing_ovs_vsctl_is_reported(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, {"bridges": []}, FakeOvs([]), binary=None)
    assert result["failed"] is True
    assert "install openvswitch-switch" in result["msg"]


def assert_failed_before_any_command(result, calls, name, path, fragment):
    """Failed without running ovs-vsctl, naming the item as written: Ansible checks only the lists' shape."""
    assert result["failed"] is True
    assert calls == [], "not even the read may run"
    if name in LIST_SHAPE_CASES:
        option = "ports" if path.startswith("openvswitch_ports") else "bridges"
        assert "'%s' is of type" % option in result["msg"], result["msg"]
    else:
        assert result["msg"].startswith(path + ": ") and fragment in result["msg"], result["msg"]


@pytest.mark.parametrize("case", BAD, ids=[case[0] for case in BAD])
def test_every_bad_input_fails_before_ovs_vsctl_runs(monkeypatch, capsys, case):
    name, raw, path, fragment = case
    calls = []
    result = run_module(monkeypatch, capsys, {"bridges": raw}, lambda argv: calls.append(argv) or (0, "", ""))
    assert_failed_before_any_command(result, calls, name, path, fragment)


@pytest.mark.parametrize("case", PORT_LIST_BAD, ids=[case[0] for case in PORT_LIST_BAD])
def test_every_bad_port_list_fails_before_ovs_vsctl_runs(monkeypatch, capsys, case):
    name, bridges, port_lists, path, fragment = case
    calls = []
    args = {
        "bridges": bridges,
        "ports": port_lists,
        "input_name": "openvswitch_bridges",
        "ports_input_name": "openvswitch_ports",
    }
    result = run_module(monkeypatch, capsys, args, lambda argv: calls.append(argv) or (0, "", ""))
    assert_failed_before_any_command(result, calls, name, path, fragment)


def refused(monkeypatch, capsys, **args):
    calls = []
    result = run_module(
        monkeypatch,
        capsys,
        dict(args, input_name="openvswitch_bridges", ports_input_name="openvswitch_ports"),
        lambda argv: calls.append(argv) or (0, "", ""),
    )
    assert result.get("failed") and not result.get("changed") and calls == [], result
    return result["msg"]


NAMES = [(5, "a number: 5", YAML_NUMBER_HINT), (True, "a boolean: true", YAML_BOOL_HINT)]


@pytest.mark.parametrize("name, got, hint", NAMES, ids=["name: 5", "name: yes"])
@pytest.mark.parametrize(
    "bridges, ports, path",
    [
        ([{"name": None}], [], "openvswitch_bridges[0].name"),
        ([{"bridge": None}], [], "openvswitch_bridges[0].bridge"),
        ([{"name": "br0", "ports": [{"name": "p0"}, {"name": None}]}], [], "openvswitch_bridges[0].ports[1].name"),
        ([{"name": "br0", "ports": [{"port": None}]}], [], "openvswitch_bridges[0].ports[0].port"),
        ([], [{"bridge": "br0", "ports": [{"port": None}]}], "openvswitch_ports[0].ports[0].port"),
        ([], [{"bridge": None, "ports": []}], "openvswitch_ports[0].bridge"),
    ],
    ids=["bridge name", "bridge alias", "port name", "port alias", "port list port", "port list bridge"],
)
def test_a_yaml_bool_or_number_as_a_name_is_refused_with_the_hint(
    monkeypatch, capsys, bridges, ports, path, name, got, hint
):
    """Ansible's type: str made name: yes the bridge "True"; the kit refuses it with the YAML hint."""

    def named(items):
        return [
            {
                key: (name if value is None else named(value) if isinstance(value, list) else value)
                for key, value in item.items()
            }
            for item in items
        ]

    message = refused(monkeypatch, capsys, bridges=named(bridges), ports=named(ports))
    assert message == "%s: must be an interface name, not %s %s" % (path, got, hint)


def test_an_unknown_port_key_is_named_with_its_full_path(monkeypatch, capsys):
    bridges = [{"name": "br0", "ports": [{"name": "p0"}, {"name": "p1", "colour": "blue"}]}]
    message = refused(monkeypatch, capsys, bridges=bridges)
    assert message.startswith("openvswitch_bridges[0].ports[1].colour: is not a known option"), message


@pytest.mark.parametrize(
    "bridges, ports, path",
    [
        ([{"name": "br0", "ports": ["p0"]}], [], "openvswitch_bridges[0].ports[0]: must be a mapping (got 'p0')"),
        (
            [{"name": "br0", "other_config": True}],
            [],
            "openvswitch_bridges[0].other_config: must be a mapping (got a boolean: true)",
        ),
        ([{"name": "br0", "bonds": {"name": "b0"}}], [], "openvswitch_bridges[0].bonds: must be a list"),
        ([], [{"bridge": "br0", "ports": "eth1"}], "openvswitch_ports[0].ports: must be a list (got 'eth1')"),
    ],
    ids=["port", "other_config", "bonds", "port list ports"],
)
def test_a_scalar_where_a_mapping_or_list_belongs_is_named_without_a_traceback(
    monkeypatch, capsys, bridges, ports, path
):
    assert refused(monkeypatch, capsys, bridges=bridges, ports=ports).startswith(path)


def test_a_misspelled_choice_names_the_item_and_the_key(monkeypatch, capsys):
    bridges = [{"name": "br0", "bonds": [{"name": "bond0", "members": ["eth1", "eth2"], "bond_mode": "balance_slb"}]}]
    message = refused(monkeypatch, capsys, bridges=bridges)
    assert message.startswith(
        "openvswitch_bridges[0].bonds[0].bond_mode: must be one of active-backup, balance-slb, balance-tcp"
    ), message
