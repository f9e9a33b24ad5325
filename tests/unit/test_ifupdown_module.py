"""The ifupdown_interfaces module through its entry point, in check mode on files under tmp_path: Ansible checks
only that each section is a list of mappings, so every wrong item is refused by ifupdown_validate naming its path,
with no traceback; a path parameter that cannot serve is refused naming the parameter."""

import json
import os

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import host_paths, ifupdown_run
from ansible_collections.essentials.kvm.plugins.modules import ifupdown_interfaces

YAML_BOOL_HINT = "(unquoted yes/no/on/off/true/false becomes a boolean in YAML: quote it)"
YAML_NUMBER_HINT = "(YAML reads an unquoted number as a number: quote it)"
HOST = ["lo", "eth0", "eth1", "eth2"]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "interfaces.d").mkdir()
    (tmp_path / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    return {
        "dest": str(tmp_path / "interfaces.d" / "essentials-kvm"),
        "interfaces_file": str(tmp_path / "interfaces"),
        "state_dir": str(tmp_path / "state"),
    }


def call(monkeypatch, capsys, files, check_mode=True, **args):
    """The module's result; any exception but the module's own exit (a traceback) fails the test."""
    monkeypatch.setattr(ifupdown_run, "host_interfaces", lambda: HOST)
    monkeypatch.setattr(AnsibleModule, "run_command", lambda self, argv, **kw: (0, "", ""))
    with patch_module_args(dict(files, _ansible_check_mode=check_mode, **args)):
        with pytest.raises(SystemExit):
            ifupdown_interfaces.main()
    return json.loads(capsys.readouterr().out)


def refused(monkeypatch, capsys, files, **args):
    result = call(monkeypatch, capsys, files, **args)
    assert result.get("failed") and not result.get("changed"), result
    return result["msg"]


def test_good_input_is_taken(monkeypatch, capsys, files):
    bond = {
        "name": "bond0",
        "slaves": ["eth1", "eth2"],
        "parameters": [{"param": "bond_mode", "val": "active-backup"}],
        "routes": [{"to": "10.9.0.0/16", "via": "192.0.2.254"}],
        "address": "192.0.2.10",
        "netmask": 24,
        "up": "ip link set bond0 promisc on",
    }
    result = call(monkeypatch, capsys, files, network_bonds=[bond])
    assert not result.get("failed") and result["changed"], result
    assert "up ip link set bond0 promisc on" in result["diff"][0]["after"]


NAMES = [(5, "a number: 5", YAML_NUMBER_HINT), (True, "a boolean: true", YAML_BOOL_HINT)]


@pytest.mark.parametrize("value, got, hint", NAMES, ids=["name: 5", "name: yes"])
@pytest.mark.parametrize(
    "section, item, key",
    [
        ("network_interfaces", {"method": "dhcp"}, "name"),
        ("network_bridges", {"ports": ["eth1"]}, "name"),
        ("ovs_interfaces", {"name": "vlan5", "tag": 5}, "bridge"),
        ("network_vlans", {"name": "vlan7"}, "vlan_device"),
    ],
)
def test_a_yaml_bool_or_number_as_an_interface_name_is_refused_with_the_hint(
    monkeypatch, capsys, files, section, item, key, value, got, hint
):
    """Ansible's type: str made name: yes the interface "True"; the kit refuses it with the YAML hint."""
    message = refused(monkeypatch, capsys, files, **{section: [dict(item, **{key: value})]})
    assert message == "%s[0].%s: must be an interface name, not %s %s" % (section, key, got, hint)


@pytest.mark.parametrize(
    "section, item, path",
    [
        (
            "network_bonds",
            {"name": "bond0", "slaves": ["eth1", "eth2"], "parameters": [{"param": "miimon", "x": 1}]},
            "network_bonds[0].parameters[0].x",
        ),
        (
            "network_interfaces",
            {"name": "eth0", "routes": [{"to": "default", "via": "192.0.2.1", "metirc": 5}]},
            "network_interfaces[0].routes[0].metirc",
        ),
        (
            "ovs_bridges",
            {"name": "vmbr0", "options": [{"opt": "stp_enable", "value": "true"}]},
            "ovs_bridges[0].options[0].value",
        ),
        ("network_interfaces", {"name": "eth0", "colour": "blue"}, "network_interfaces[0].colour"),
    ],
    ids=["parameters", "routes", "options", "item"],
)
def test_an_unknown_nested_key_is_named_with_its_full_path(monkeypatch, capsys, files, section, item, path):
    message = refused(monkeypatch, capsys, files, **{section: [item]})
    assert message.startswith(path + ": is not a known"), message


@pytest.mark.parametrize(
    "section, item, start",
    [
        (
            "network_interfaces",
            {"name": "eth0", "routes": ["default via 192.0.2.1"]},
            "network_interfaces[0].routes[0]: must be a mapping (got 'default via 192.0.2.1')",
        ),
        (
            "network_bonds",
            {"name": "bond0", "slaves": ["eth1", "eth2"], "parameters": [5]},
            "network_bonds[0].parameters[0]: must be a mapping (got a number: 5)",
        ),
        (
            "ovs_bonds",
            {"name": "ob0", "bridge": "vmbr0", "options": True},
            "ovs_bonds[0].options: must be a list (got a boolean: true)",
        ),
        (
            "network_interfaces",
            {"name": "eth0", "routes": {"to": "default", "via": "192.0.2.1"}},
            "network_interfaces[0].routes: must be a list (got a mapping)",
        ),
    ],
    ids=["route", "parameter", "options", "routes"],
)
def test_a_scalar_where_a_mapping_or_list_belongs_is_named_without_a_traceback(
    monkeypatch, capsys, files, section, item, start
):
    assert refused(monkeypatch, capsys, files, **{section: [item]}).startswith(start)


@pytest.mark.parametrize(
    "section, item, start",
    [
        ("network_interfaces", {"name": "eth0", "start": "boot"}, "network_interfaces[0].start: must be one of auto"),
        (
            "network_interfaces",
            {"name": "eth0", "method": "dhpc"},
            "network_interfaces[0].method: must be one of manual",
        ),
        (
            "ovs_interfaces",
            {"name": "p0", "bridge": "vmbr0", "type": "OVSIntport"},
            "ovs_interfaces[0].type: must be one of OVSIntPort, OVSPort",
        ),
        (
            "ovs_bonds",
            {"name": "ob0", "bridge": "vmbr0", "ports": ["eth1", "eth2"], "lacp": "on"},
            "ovs_bonds[0].lacp: must be one of active, passive, off",
        ),
    ],
    ids=["start", "method", "type", "lacp"],
)
def test_a_misspelled_choice_names_the_item_and_the_key(monkeypatch, capsys, files, section, item, start):
    message = refused(monkeypatch, capsys, files, **{section: [item]})
    assert message.startswith(start), message


@pytest.mark.parametrize(
    "item, path",
    [
        ({"routes": [{"via": "192.0.2.1"}]}, "network_interfaces[0].routes[0].to: is required"),
        ({"parameters": [{"val": "x"}]}, "network_interfaces[0].parameters[0].param: is required"),
        ({"name": None}, "network_interfaces[0].name: is required"),
    ],
    ids=["route to", "param", "name"],
)
def test_a_required_key_is_named(monkeypatch, capsys, files, item, path):
    message = refused(monkeypatch, capsys, files, network_interfaces=[dict({"name": "eth0"}, **item)])
    assert message.startswith(path), message


def test_defaults_ansible_filled_are_the_validators(monkeypatch, capsys, files):
    """start auto, configure and enable true, type OVSIntPort: what the argument spec used to fill."""
    result = call(
        monkeypatch,
        capsys,
        files,
        ovs_bridges=[{"name": "vmbr0", "ports": ["p0"]}],
        ovs_interfaces=[{"name": "p0", "bridge": "vmbr0"}],
    )
    after = result["diff"][0]["after"]
    assert "auto p0\nallow-vmbr0 p0\niface p0 inet manual\n    ovs_type OVSIntPort" in after, after


@pytest.mark.parametrize(
    "name, make, words",
    [
        ("dest", lambda files: files["dest"] + "/", "is a directory"),
        ("dest", lambda files: files["interfaces_file"] + "/interfaces.d/essentials-kvm", "is not a directory"),
        ("interfaces_file", lambda files: os.path.dirname(files["interfaces_file"]), "is a directory"),
        ("interfaces_file", lambda files: files["interfaces_file"] + "/x", "is not a directory"),
        ("state_dir", lambda files: files["interfaces_file"], "is not a directory"),
        ("state_dir", lambda files: files["interfaces_file"] + "/sub", "is not a directory"),
    ],
    ids=[
        "dest directory",
        "dest under a file",
        "interfaces_file directory",
        "interfaces_file under a file",
        "state_dir a file",
        "state_dir under a file",
    ],
)
def test_a_path_parameter_that_cannot_serve_is_named(monkeypatch, capsys, files, name, make, words):
    if name == "dest":
        os.mkdir(files["dest"])
    files = dict(files, **{name: make(files)})
    message = refused(monkeypatch, capsys, files, network_interfaces=[{"name": "eth0", "method": "dhcp"}])
    assert message.startswith(name + ": ") and words in message, message


def test_missing_directories_are_made_on_the_first_write(monkeypatch, capsys, files, tmp_path):
    """A host without ifupdown yet has no /etc/network/interfaces.d: the role's check-mode run comes first."""
    args = dict(files, dest=str(tmp_path / "new" / "interfaces.d" / "essentials-kvm"))
    result = call(monkeypatch, capsys, args, network_interfaces=[{"name": "eth0", "method": "dhcp"}])
    assert not result.get("failed") and result["changed"], result


def test_an_unwritable_directory_is_named_outside_check_mode(monkeypatch, capsys, files, tmp_path):
    """os.access as an unprivileged user would answer (the tests may run as root, which writes anywhere)."""
    locked = str(tmp_path / "locked")
    os.mkdir(locked)
    real = os.access
    monkeypatch.setattr(host_paths.os, "access", lambda path, mode: path != locked and real(path, mode))
    args = dict(files, dest=os.path.join(locked, "essentials-kvm"))
    message = refused(monkeypatch, capsys, args, check_mode=False, network_interfaces=[{"name": "eth0"}])
    assert message == "dest: %s/essentials-kvm cannot be written: %s is read-only (run the task with become)" % (
        locked,
        locked,
    )
    result = call(monkeypatch, capsys, args, network_interfaces=[{"name": "eth0"}])
    assert not result.get("failed"), result


def _record(monkeypatch, installed=()):
    """run_command records every command; dpkg-query knows `installed` as installed."""
    commands = []

    def run_command(self, argv, **kw):
        commands.append(list(argv))
        if argv[0] == "dpkg-query":
            return 0, "".join("%s\tii \n" % name for name in installed), ""
        return 0, "", ""

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    return commands


def _module(monkeypatch, capsys, files, check_mode, **args):
    monkeypatch.setattr(ifupdown_run, "host_interfaces", lambda: HOST)
    with patch_module_args(dict(files, _ansible_check_mode=check_mode, **args)):
        with pytest.raises(SystemExit):
            ifupdown_interfaces.main()
    return json.loads(capsys.readouterr().out)


BRIDGE = {"name": "br0", "ports": ["eth1"], "method": "manual"}


def test_bad_input_is_refused_before_any_package_is_looked_at(monkeypatch, capsys, files):
    commands = _record(monkeypatch)
    result = _module(
        monkeypatch, capsys, files, False, network_bridges=[dict(BRIDGE, bogus=1)], packages=["bridge-utils"]
    )
    assert result.get("failed") and not result.get("changed"), result
    assert result["msg"].startswith("network_bridges[0].bogus: is not a known key"), result["msg"]
    assert commands == [] and not os.path.exists(files["dest"])


def test_check_mode_lists_the_missing_packages_and_installs_nothing(monkeypatch, capsys, files):
    commands = _record(monkeypatch, installed=["ifupdown"])
    result = _module(monkeypatch, capsys, files, True, network_bridges=[BRIDGE], packages=["ifupdown", "bridge-utils"])
    assert result["installed"] == ["bridge-utils"] and result["changed"], result
    assert [c[0] for c in commands if c[0] != "ifquery"] == ["dpkg-query"]


def test_missing_packages_are_installed_before_the_files_are_written(monkeypatch, capsys, files):
    commands = _record(monkeypatch, installed=["ifupdown"])
    seen = []
    real_converge_host = ifupdown_run.converge_host

    def converge_host(params, runner, check_mode):
        seen.append([c for c in commands if "install" in c])
        return real_converge_host(params, runner, check_mode)

    monkeypatch.setattr(ifupdown_run, "converge_host", converge_host)
    result = _module(
        monkeypatch, capsys, files, False, network_bridges=[BRIDGE], packages=["ifupdown", "bridge-utils"], bounce=False
    )
    assert not result.get("failed") and result["installed"] == ["bridge-utils"], result
    assert seen and seen[0] and seen[0][0][-1] == "bridge-utils", seen
    assert "iface br0 inet manual" in open(files["dest"]).read()


def test_os_facts_are_returned_only_when_asked(monkeypatch, capsys, files):
    _record(monkeypatch)
    asked = _module(monkeypatch, capsys, files, True, os_facts=True)
    assert asked["ansible_facts"]["os_family"] == "Debian", asked
    assert "ansible_facts" not in _module(monkeypatch, capsys, files, True)


def test_a_host_outside_the_debian_family_is_refused_before_anything(monkeypatch, capsys, files):
    commands = _record(monkeypatch)
    rocky = {"ID": "rocky", "ID_LIKE": "rhel centos fedora", "VERSION_ID": "9.4"}
    monkeypatch.setattr(ifupdown_interfaces, "read_release", lambda: rocky)
    result = _module(monkeypatch, capsys, files, False, network_bridges=[BRIDGE], packages=["bridge-utils"])
    assert result.get("failed") and "os_family RedHat" in result["msg"], result
    assert commands == [] and not os.path.exists(files["dest"])
