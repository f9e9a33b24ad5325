"""The older ansible-config-interfaces and ansible-openvswitch roles' names (compat_interfaces.py,
compat_openvswitch.py): conversions with their warning, refusals naming what to write."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import (
    compat_globals,
    compat_interfaces,
    compat_openvswitch,
)
from ansible_collections.essentials.kvm.plugins.module_utils.compat_globals import CONVERTED, REFUSED, UNSET, UNUSED
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

TABLES = [("config_interfaces", compat_interfaces.GLOBALS), ("openvswitch", compat_openvswitch.GLOBALS)]


def named(status):
    return [(role, e) for role, table in TABLES for e in table if e.status == status]


@pytest.mark.parametrize("role,entry", named(CONVERTED), ids=lambda x: getattr(x, "name", x))
def test_a_converted_name_warns_naming_the_new_spelling(role, entry):
    table = dict(TABLES)[role]
    value = True if entry.defaults == (False,) else ["10.1.1.1"]
    warnings = compat_globals.check(table, {entry.name: value})
    assert len(warnings) == 1 and entry.name in warnings[0] and entry.new in warnings[0], warnings


@pytest.mark.parametrize("role,entry", named(REFUSED), ids=lambda x: getattr(x, "name", x))
def test_a_refused_name_stops_naming_it_and_what_to_write(role, entry):
    with pytest.raises(InputError) as err:
        compat_globals.check(dict(TABLES)[role], {entry.name: "templates/my-interfaces.j2"})
    assert entry.name in err.value.message and "remove it" in err.value.message


@pytest.mark.parametrize("role,entry", named(UNUSED), ids=lambda x: getattr(x, "name", x))
def test_an_unused_name_warns_naming_it(role, entry):
    warnings = compat_globals.check(dict(TABLES)[role], {entry.name: "10.0.0.1"})
    assert len(warnings) == 1 and entry.name in warnings[0]


def convert(**values):
    warnings = []
    return compat_interfaces.convert(values, warnings), warnings


BOND = {"name": "bond0", "configure": True, "method": "manual", "slaves": ["eth1", "eth2"]}
STATIC = {"name": "eth0", "configure": True, "method": "static", "address": "10.0.0.5", "netmask": "255.255.255.0"}


@pytest.mark.parametrize("name,switch", sorted(compat_interfaces.SWITCHES.items()))
def test_a_list_whose_older_switch_is_false_is_left_out_with_a_warning(name, switch):
    lists, warnings = convert(**{name: [BOND], switch: False})
    assert lists[name] == [] and name in warnings[0] and switch in warnings[0]
    lists, warnings = convert(**{name: [BOND], switch: True})
    assert lists[name] == [BOND] and not warnings
    lists, warnings = convert(**{name: [BOND]})
    assert lists[name] == [BOND] and not warnings


@pytest.mark.parametrize("after", [True, False])
def test_enable_after_defining_fills_enable_where_the_item_has_none(after):
    lists, _ = convert(
        network_interfaces=[dict(STATIC), dict(STATIC, name="eth1", enable=True)],
        enable_configured_interfaces_after_defining=after,
    )
    assert [i["enable"] for i in lists["network_interfaces"]] == [after, True]


def test_without_the_switch_items_keep_the_module_default():
    lists, _ = convert(network_interfaces=[dict(STATIC)], enable_configured_interfaces_after_defining=UNSET)
    assert "enable" not in lists["network_interfaces"][0]


def test_addl_settings_become_parameters():
    lists, warnings = convert(network_bonds=[dict(BOND, addl_settings=["bond_mode balance-alb", "bond_miimon 100"])])
    assert lists["network_bonds"][0]["parameters"] == [
        {"param": "bond_mode", "val": "balance-alb"},
        {"param": "bond_miimon", "val": "100"},
    ]
    assert "addl_settings" not in lists["network_bonds"][0] and "parameters" in warnings[0]


def test_an_addl_setting_without_a_value_is_refused_naming_it():
    with pytest.raises(InputError, match=r"network_bonds\[0\]\.addl_settings\[0\]: must be 'setting value'"):
        convert(network_bonds=[dict(BOND, addl_settings=["bond_miimon"])])


@pytest.mark.parametrize("key", sorted(compat_interfaces.REFUSED_KEYS))
def test_wireless_keys_are_refused_naming_them(key):
    with pytest.raises(InputError, match=r"network_interfaces\[0\]\.%s: is not supported \(.*wpa_supplicant" % key):
        convert(network_interfaces=[dict(STATIC, **{key: "x"})])


@pytest.mark.parametrize("key", compat_interfaces.DROPPED_KEYS)
def test_the_redhat_keys_are_dropped_with_a_warning(key):
    lists, warnings = convert(network_interfaces=[dict(STATIC, **{key: "yes"})])
    assert key not in lists["network_interfaces"][0] and "network_interfaces[0].%s" % key in warnings[0]


def test_the_dns_globals_go_on_the_first_static_interface():
    lists, warnings = convert(
        network_interfaces=[dict(STATIC, name="eth9", method="dhcp"), dict(STATIC)],
        dns_nameservers=["10.0.0.53"],
        pri_dns="10.0.0.54",
        pri_domain_name="lab.example",
    )
    assert "dns_nameservers" not in lists["network_interfaces"][0]
    assert lists["network_interfaces"][1]["dns_nameservers"] == ["10.0.0.53", "10.0.0.54"]
    assert lists["network_interfaces"][1]["dns_search"] == "lab.example"
    assert "network_interfaces[1]" in warnings[0]


def test_the_older_default_nameservers_are_not_carried_over():
    lists, warnings = convert(
        network_interfaces=[dict(STATIC)], dns_nameservers=["8.8.8.8", "8.8.4.4"], dns_search="example.org"
    )
    assert "dns_nameservers" not in lists["network_interfaces"][0] and not warnings


def test_dns_globals_without_a_static_interface_are_refused():
    with pytest.raises(InputError, match="dns_nameservers: has no static interface"):
        convert(network_interfaces=[dict(STATIC, method="dhcp")], dns_nameservers=["10.0.0.53"])


@pytest.mark.parametrize("name", ["openvswitch_bridges", "openvswitch_ports"])
def test_an_ovs_item_timeout_is_dropped_with_a_warning(name):
    warnings = []
    items = compat_openvswitch.convert([{"bridge": "br0", "timeout": 10}, {"bridge": "br1"}], name, warnings)
    assert items == [{"bridge": "br0"}, {"bridge": "br1"}]
    assert warnings == ["%s[0].timeout is not used: %s" % (name, compat_openvswitch.TIMEOUT_HINT)]
