"""The management connection guard: which interfaces carry the SSH connection (and the devices under them), and
the refusal, naming the path the user wrote, of a change that would remove, enslave, re-address or bounce one."""

import json
import os

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_management as m
from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_run
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    Interface,
    OvsBond,
    OvsBridge,
    OvsIntPort,
)
from ansible_collections.essentials.kvm.plugins.modules import ifupdown_interfaces

HOST = ["lo", "eth0", "eth1", "eth2", "eth3"]
SSH = "10.0.0.1 50000 10.0.0.5 22"
SWITCH = "; set config_interfaces_allow_management_change: true (allow_management_change of the module) to allow it"


def link(name, *addresses, **extra):
    return dict(extra, ifname=name, addr_info=[{"family": "inet", "local": a, "prefixlen": 24} for a in addresses])


ETH0_MGMT = [link("lo", "127.0.0.1"), link("eth0", "10.0.0.5"), link("eth1"), link("eth2"), link("eth3")]
BR0_MGMT = [
    link("lo", "127.0.0.1"),
    link("eth0", master="br0"),
    link("eth1", master="br0"),
    link("eth2"),
    link("eth3"),
    link("br0", "10.0.0.5"),
]


def runner(links, dev="eth0", calls=None):
    def run(argv):
        if calls is not None:
            calls.append(argv)
        if argv[:3] == ["ip", "-j", "addr"]:
            return (0, json.dumps(links), "") if links is not None else (1, "", 'Object "addr" is unknown')
        if argv[:4] == ["ip", "-j", "route", "get"]:
            return 0, json.dumps([{"dst": argv[4], "dev": dev, "prefsrc": "10.0.0.5"}]), ""
        raise AssertionError("unexpected command %r" % (argv,))

    return run


@pytest.fixture
def files(tmp_path):
    (tmp_path / "interfaces.d").mkdir()
    (tmp_path / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "proc").mkdir()
    return {
        "dest": str(tmp_path / "interfaces.d" / "essentials-kvm"),
        "interfaces_file": str(tmp_path / "interfaces"),
        "state_dir": str(tmp_path / "state"),
        "proc": str(tmp_path / "proc"),
    }


def guard(files, links=ETH0_MGMT, ssh=SSH, dev="eth0", warnings=None, **params):
    """check_management over temp files, a fake `ip` and an environment with SSH_CONNECTION."""
    environ = {"SSH_CONNECTION": ssh} if ssh else {}
    params = dict({k: v for k, v in files.items() if k != "proc"}, **params)
    warn = warnings.append if warnings is not None else print
    m.check_management(params, HOST, runner(links, dev), warn, environ, files["proc"])


def refusal(files, **kwargs):
    with pytest.raises(InputError) as caught:
        guard(files, **kwargs)
    assert caught.value.message.endswith(SWITCH), caught.value.message
    return caught.value.message[: -len(SWITCH)]


def main_file(files, text):
    with open(files["interfaces_file"], "a") as handle:
        handle.write(text)


# ------------------------------------------------------------------------------------------ finding the connection


@pytest.mark.parametrize(
    "value, expected",
    [
        (SSH, ("10.0.0.1", "10.0.0.5")),
        ("fe80::1%eth0 50000 fe80::5%eth0 22", ("fe80::1", "fe80::5")),
        ("2001:db8::1 50000 2001:db8::5 22", ("2001:db8::1", "2001:db8::5")),
        ("", None),
        ("10.0.0.1 50000", None),
        ("nonsense 1 also-nonsense 22", None),
    ],
)
def test_ssh_connection_is_read_as_controller_and_local_address(value, expected):
    assert m.parse_ssh_connection(value) == expected


def test_behind_become_the_connection_is_read_from_the_nearest_ancestor_that_has_it(tmp_path):
    """sudo's clean environment has no SSH_CONNECTION; the shell sshd started above it has."""
    chain = ((300, 200, b"PATH=/bin"), (200, 100, b"HOME=/root"), (100, 1, b"SSH_CONNECTION=" + SSH.encode()))
    for pid, parent, environ in chain:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "status").write_text("Name:\tx\nPPid:\t%d\n" % parent)
        (tmp_path / str(pid) / "environ").write_bytes(b"A=1\0" + environ + b"\0")
    assert m.ssh_connection({}, str(tmp_path), pid=300) == ("10.0.0.1", "10.0.0.5")
    assert m.ssh_connection({"SSH_CONNECTION": "10.9.9.9 1 10.9.9.5 22"}, str(tmp_path), pid=300)[0] == "10.9.9.9"
    (tmp_path / "100" / "environ").write_bytes(b"A=1\0")
    assert m.ssh_connection({}, str(tmp_path), pid=300) is None


def test_the_connection_is_on_the_holder_of_the_local_address_and_the_route_back():
    route = [{"dst": "10.0.0.1", "dev": "eth1"}]
    assert m.connection_interfaces("10.0.0.5", ETH0_MGMT, route) == ["eth0", "eth1"]
    # The address lives in another namespace or host: nothing here carries the connection.
    assert m.connection_interfaces("10.9.9.9", ETH0_MGMT, route) is None


def test_devices_under_a_bridge_on_a_vlan_on_a_bond_are_guarded_down_to_the_nics():
    links = [
        link("eth0", master="bond0"),
        link("eth1", master="bond0"),
        link("eth2"),
        link("bond0"),
        link("bond0.10", link="bond0", master="br10"),
        link("bond0.20", link="bond0"),
        link("br10", "10.0.0.5"),
    ]
    protected = m.protected_interfaces(["br10"], m.lower_map(links, []))
    assert sorted(protected) == ["bond0", "bond0.10", "br10", "eth0", "eth1"]
    assert set(protected.values()) == {"br10"}


def test_under_an_ovs_internal_port_its_bridge_and_uplinks_are_guarded_not_its_siblings():
    """The kernel names ovs-system as every OVS port's master; the stanzas say which bridge."""
    items = [
        OvsBridge("ovsbr0", ports=["mgmt0", "vm0", "bond1"]),
        OvsIntPort("mgmt0", bridge="ovsbr0"),
        OvsIntPort("vm0", bridge="ovsbr0"),
        OvsBond("bond1", bridge="ovsbr0", slaves=["eth2", "eth3"]),
        Interface("eth1"),
    ]
    links = [link("eth2", master="ovs-system"), link("eth3", master="ovs-system"), link("mgmt0", "10.0.0.5")]
    protected = m.protected_interfaces(["mgmt0"], m.lower_map(links, items))
    assert sorted(protected) == ["bond1", "eth2", "eth3", "mgmt0", "ovsbr0"]


# ------------------------------------------------------------------------------------------------ the refusals


def test_a_bond_taking_the_management_nic_is_refused_naming_its_slave_entry(files):
    bond = {"name": "bond0", "slaves": ["eth2", "eth0"], "mode": "active-backup"}
    message = refusal(files, network_bonds=[bond])
    assert message == (
        "network_bonds[0].slaves[1]: eth0 carries the management connection (SSH from 10.0.0.1): "
        "making it a member of bond0 takes its link and addresses"
    )


def test_bond_master_on_the_management_nic_is_refused_naming_that_key(files):
    message = refusal(
        files,
        network_interfaces=[{"name": "eth0", "bond_master": "bond0"}, {"name": "eth2", "bond_master": "bond0"}],
        network_bonds=[{"name": "bond0"}],
    )
    assert message.startswith("network_interfaces[0].bond_master: eth0 carries the management connection")


def test_a_bridge_taking_the_management_nic_is_refused(files):
    message = refusal(files, network_bridges=[{"name": "br1", "ports": ["eth0"], "address": "10.0.0.5/24"}])
    assert message.startswith("network_bridges[0].ports[0]: eth0 carries the management connection")


def test_re_addressing_the_management_nic_is_refused_with_both_addresses(files):
    main_file(files, "\nauto eth0\niface eth0 inet dhcp\n")
    item = {"name": "eth0", "address": "10.254.254.201/24"}
    message = refusal(files, manage_main_file=True, network_interfaces=[item])
    assert message == (
        "network_interfaces[0].address: eth0 carries the management connection (SSH from 10.0.0.1): "
        "the change re-addresses it (dhcp -> static 10.254.254.201/24)"
    )


def test_changing_the_mtu_of_the_management_nic_is_refused_as_a_bounce(files):
    main_file(files, "\nauto eth0\niface eth0 inet dhcp\n")
    message = refusal(
        files, manage_main_file=True, network_interfaces=[{"name": "eth0", "method": "dhcp", "mtu": 1400}]
    )
    assert message.startswith("network_interfaces[0].mtu: eth0 carries the management connection")
    assert message.endswith("changing its mtu brings it down and up")


def test_a_port_of_the_management_bridge_is_guarded_and_named_with_the_bridge(files):
    (open(files["dest"], "w")).write("auto eth1\niface eth1 inet manual\n")
    message = refusal(files, links=BR0_MGMT, dev="br0", network_interfaces=[{"name": "eth1", "mtu": 9000}])
    assert message.startswith(
        "network_interfaces[0].mtu: eth1 carries the management connection (SSH from 10.0.0.1 on br0)"
    )


def test_purging_the_management_stanza_is_refused_naming_purge(files):
    (open(files["dest"], "w")).write("auto eth0\niface eth0 inet dhcp\n")
    message = refusal(files, purge=True, network_interfaces=[{"name": "eth2"}])
    assert message.startswith("purge: eth0 carries the management connection")
    assert message.endswith("the change removes its stanza and takes it down")
    message = refusal(files, purge=True, network_interfaces=[{"name": "eth0", "configure": False}])
    assert message.startswith("network_interfaces[0].configure: eth0 carries")


def test_a_vlan_on_the_management_nic_and_other_nics_pass(files):
    guard(
        files,
        network_vlans=[{"name": "eth0.10", "address": "10.1.0.5/24"}],
        network_bonds=[{"name": "bond0", "slaves": ["eth2", "eth3"]}],
    )


def test_the_switch_lets_the_change_through(files):
    guard(files, allow_management_change=True, network_bonds=[{"name": "bond0", "slaves": ["eth2", "eth0"]}])


def test_listed_interfaces_are_guarded_without_an_ssh_connection(files):
    message = refusal(
        files, ssh=None, management_interfaces=["eth2"], network_bonds=[{"name": "bond0", "slaves": ["eth2", "eth3"]}]
    )
    assert message.startswith(
        "network_bonds[0].slaves[0]: eth2 carries the management connection (listed in management_interfaces)"
    )


def test_a_yaml_bool_in_management_interfaces_is_refused_even_with_the_switch(files):
    with pytest.raises(InputError, match=r"^management_interfaces\[0\]: must be an interface name, not a boolean"):
        guard(files, allow_management_change=True, management_interfaces=[True])


@pytest.mark.parametrize(
    "why, kwargs",
    [
        ("no SSH connection (a local connection)", {"ssh": None}),
        ("the address is not on this host (a jump host, a namespace)", {"ssh": "10.0.0.1 5 10.9.9.9 22"}),
        ("confirm only disarms the rollback", {"confirm": True}),
        ("report only reads the state", {"report": True}),
    ],
)
def test_nothing_is_guarded_when_the_connection_is_not_here(files, why, kwargs):
    guard(files, network_bonds=[{"name": "bond0", "slaves": ["eth2", "eth0"]}], **kwargs)


def test_without_ip_json_the_run_goes_on_with_a_warning(files):
    warnings = []
    guard(files, links=None, warnings=warnings, network_bonds=[{"name": "bond0", "slaves": ["eth2", "eth0"]}])
    assert warnings == ["`ip -j addr` gave no answer: the management connection is not guarded"]


def test_the_module_refuses_before_anything_changes(monkeypatch, capsys, files):
    """Through the entry point, outside check mode: the files stay as they were."""
    monkeypatch.setattr(ifupdown_run, "host_interfaces", lambda: HOST)
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    fake_ip = runner(ETH0_MGMT)
    monkeypatch.setattr(AnsibleModule, "run_command", lambda self, argv, **kw: fake_ip(argv))
    before = open(files["interfaces_file"]).read()
    args = {k: v for k, v in files.items() if k != "proc"}
    bond = {"name": "bond0", "slaves": ["eth0", "eth2"]}
    with patch_module_args(dict(args, _ansible_check_mode=False, network_bonds=[bond])):
        with pytest.raises(SystemExit):
            ifupdown_interfaces.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and not result.get("changed"), result
    assert result["msg"].startswith("network_bonds[0].slaves[0]: eth0 carries the management connection")
    assert open(files["interfaces_file"]).read() == before and not os.path.exists(files["dest"])
