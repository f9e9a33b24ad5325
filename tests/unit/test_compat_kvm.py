"""The older ansible-kvm role's names (compat_kvm.py, through compat_globals.check): each converted name warns
naming its new spelling, each refused one stops naming itself and what to write, and the items convert."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import compat_globals, compat_kvm
from ansible_collections.essentials.kvm.plugins.module_utils.compat_globals import CONVERTED, REFUSED, UNSET, UNUSED
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_network

TABLE = compat_kvm.GLOBALS


def entries(status):
    return [e for e in TABLE if e.status == status]


def other_than_default(entry):
    return 4242 if isinstance(entry.defaults[0] if entry.defaults else 0, int) else "/somewhere/else"


@pytest.mark.parametrize("entry", entries(CONVERTED), ids=lambda e: e.name)
def test_a_converted_name_warns_once_naming_the_new_spelling(entry):
    value = True if entry.defaults == (False,) else other_than_default(entry)
    warnings = compat_globals.check(TABLE, {entry.name: value})
    assert len(warnings) == 1 and entry.name in warnings[0] and entry.new in warnings[0], warnings


@pytest.mark.parametrize("entry", entries(REFUSED), ids=lambda e: e.name)
def test_a_refused_name_stops_naming_it_and_what_to_write(entry):
    value = True if entry.defaults == (False,) else other_than_default(entry)
    with pytest.raises(InputError) as err:
        compat_globals.check(TABLE, {entry.name: value})
    assert entry.name in err.value.message and entry.hint in err.value.message


@pytest.mark.parametrize("entry", entries(UNUSED), ids=lambda e: e.name)
def test_an_unused_name_set_otherwise_warns_naming_it(entry):
    warnings = compat_globals.check(TABLE, {entry.name: ["something-else"]})
    assert len(warnings) == 1 and entry.name in warnings[0], warnings


@pytest.mark.parametrize("entry", [e for e in TABLE if e.defaults], ids=lambda e: e.name)
def test_the_older_default_is_silent(entry):
    assert compat_globals.check(TABLE, {entry.name: entry.defaults[0]}) == []


def test_unset_and_same_names_are_silent():
    values = {e.name: (UNSET if e.status != "1" else "anything") for e in TABLE}
    assert compat_globals.check(TABLE, values) == []


def test_ports_given_as_text_equal_to_the_default_pass():
    assert compat_globals.check(TABLE, {"kvm_tcp_port": "16509", "kvm_tls_port": 16514}) == []


def test_older_libvirtd_settings_become_libvirtd_conf_names_when_not_the_default():
    values = {
        "kvm_max_queued_clients": 500,
        "kvm_admin_max_workers": "7",
        "kvm_min_workers": 5,
        "kvm_prio_workers": UNSET,
    }
    assert compat_kvm.libvirtd_settings(values) == {"max_queued_clients": 500, "admin_max_workers": 7}


DHCP_NET = {
    "name": "lan",
    "mode": "nat",
    "bridge_name": "virbr9",
    "uuid": "6f0e2c4d-8f1c-4b44-9b6a-0d3c5e7f9a11",
    "enable_dhcp": True,
    "dhcp_gateway": "192.168.9.1",
    "dhcp_netmask": "255.255.255.0",
    "dhcp_scope_start": "192.168.9.10",
    "dhcp_scope_end": "192.168.9.20",
}


def convert_network(item, **ctx):
    warnings = []
    return compat_kvm.convert_network(item, "kvm_virtual_networks[0]", ctx, warnings), warnings


def test_enable_dhcp_and_the_dns_globals_become_ips_dns_and_domain_the_module_reads():
    net, warnings = convert_network(DHCP_NET, pri_dns="10.0.0.53", sec_dns="10.0.0.54", pri_domain_name="lab.example")
    assert net["ips"] == [
        {
            "address": "192.168.9.1",
            "netmask": "255.255.255.0",
            "dhcp_ranges": [{"start": "192.168.9.10", "end": "192.168.9.20"}],
        }
    ]
    assert net["dns"] == {"forwarders": [{"addr": "10.0.0.53"}, {"addr": "10.0.0.54"}]}
    assert net["domain"] == "lab.example"
    assert "uuid" not in net and not any(k.startswith("dhcp_") or k == "enable_dhcp" for k in net)
    assert any("kvm_virtual_networks[0].uuid" in w for w in warnings)
    assert any("enable_dhcp" in w and "ips" in w for w in warnings)
    desired = read_network(net, "kvm_virtual_networks[0]")
    assert desired.network.ips[0].dhcp_ranges[0].start == "192.168.9.10"


def test_enable_dhcp_false_leaves_the_dhcp_keys_unread_as_before():
    net, warnings = convert_network(dict(DHCP_NET, enable_dhcp=False, mode="bridge", uuid=None))
    assert "ips" not in net and not warnings


def test_enable_dhcp_without_its_range_is_refused_naming_the_key():
    item = {k: v for k, v in DHCP_NET.items() if k != "dhcp_scope_end"}
    with pytest.raises(InputError, match=r"kvm_virtual_networks\[0\]\.dhcp_scope_end: is required"):
        convert_network(item)


def test_enable_dhcp_with_ips_is_refused():
    with pytest.raises(InputError, match="enable_dhcp: cannot be combined with ips"):
        convert_network(dict(DHCP_NET, ips=[{"address": "192.168.9.1", "prefix": 24}]))


def test_private_with_a_bridge_name_is_the_older_isolated_bridge_and_says_so():
    net, warnings = convert_network({"name": "priv", "mode": "private", "bridge_name": "virbr7"})
    assert net["mode"] == "isolated" and "mode: isolated" in warnings[0] and "macvtap" in warnings[0]
    assert read_network(net, "kvm_virtual_networks[0]").network.mode == "isolated"


def test_private_without_a_bridge_name_keeps_libvirts_meaning():
    net, warnings = convert_network({"name": "mv", "mode": "private"})
    assert net["mode"] == "private" and not warnings


def convert_vm(item, **ctx):
    warnings = []
    ctx.setdefault("images_pool", "default")
    ctx.setdefault("images_path", "/var/lib/libvirt/images")
    return compat_kvm.convert_vm(item, "kvm_vms[0]", ctx, warnings), warnings


@pytest.mark.parametrize("value,graphics", [(True, "spice"), (False, "none"), ("yes", "spice"), ("no", "none")])
def test_graphics_true_false_is_what_the_older_template_wrote(value, graphics):
    vm, _ = convert_vm({"name": "vm", "graphics": value})
    assert vm["graphics"] == graphics


def test_cdrom_source_becomes_the_path():
    vm, warnings = convert_vm({"name": "vm", "cdrom": {"source": "/srv/iso/debian.iso"}})
    assert vm["cdrom"] == "/srv/iso/debian.iso" and "cdrom: PATH" in warnings[0]


def test_cdrom_mapping_with_other_keys_is_refused():
    with pytest.raises(InputError, match=r"kvm_vms\[0\]\.cdrom: takes the ISO's path"):
        convert_vm({"name": "vm", "cdrom": {"source": "/a.iso", "bus": "ide"}})


def test_a_disk_without_a_pool_is_the_older_file_in_kvm_images_path():
    vm, warnings = convert_vm(
        {"name": "vm", "disks": [{"name": "vm.1", "size": 36864, "disk_driver": "virtio"}]},
        kvm_images_format_type="raw",
        kvm_images_cache_mode="writeback",
    )
    assert vm["disks"] == [
        {
            "pool": "default",
            "volume": "vm.1.raw",
            "format": "raw",
            "cache": "writeback",
            "size": 36864,
            "disk_driver": "virtio",
        }
    ]
    assert "/var/lib/libvirt/images/vm.1.raw" in warnings[0]


def test_disks_of_the_new_shape_and_vms_with_a_pool_are_left_alone():
    disks = [{"volume": "a", "pool": "fast"}, {"type": "new", "size": 10}]
    assert convert_vm({"name": "vm", "disks": disks})[0]["disks"] == disks
    older = [{"name": "x", "size": 10}]
    assert convert_vm({"name": "vm", "pool": "fast", "disks": older})[0]["disks"] == older


def resources(pools, **older):
    warnings = []
    vms = [{"name": "vm", "disks": [{"name": "vm.1", "size": 1024}]}]
    return compat_kvm.convert_resources([], pools, vms, older, warnings)


def test_the_pool_at_the_older_default_path_is_libvirts_default_declared_when_missing():
    got = resources([])
    assert got["pools"] == [{"name": "default", "path": "/var/lib/libvirt/images"}]
    assert got["vms"][0]["disks"][0]["pool"] == "default"


def test_a_listed_pool_at_kvm_images_path_holds_the_older_disks():
    got = resources([{"name": "vmstore", "path": "/srv/vms/"}], kvm_images_path="/srv/vms")
    assert got["pools"] == [{"name": "vmstore", "path": "/srv/vms/"}]
    assert got["vms"][0]["disks"][0] == {
        "pool": "vmstore",
        "volume": "vm.1.qcow2",
        "format": "qcow2",
        "cache": "none",
        "size": 1024,
    }


def test_another_kvm_images_path_gets_a_pool_of_its_own():
    got = resources([], kvm_images_path="/srv/vms")
    assert got["pools"] == [{"name": "kvm_images", "path": "/srv/vms"}]
