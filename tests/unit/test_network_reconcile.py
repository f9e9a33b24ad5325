"""Reconcile flow against libvirt's test:///default driver, plus plans for what that driver cannot show."""

import copy

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import network_reconcile as rec
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import open_connection
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_network
from ansible_collections.essentials.kvm.plugins.module_utils.network_xml import parse_xml
from ansible_collections.essentials.kvm.plugins.module_utils.reconcile import apply

libvirt = pytest.importorskip("libvirt", reason="libvirt Python bindings are not installed")


@pytest.fixture(scope="module")
def conn():
    # The test driver's state lives as long as a connection is open in this process: names below are unique.
    connection = open_connection("test:///default")
    yield connection
    connection.close()


def nat(name, third, **extra):
    item = {
        "name": name,
        "ips": [
            {
                "address": "10.%d.0.1" % third,
                "prefix": 24,
                "dhcp_ranges": [{"start": "10.%d.0.100" % third, "end": "10.%d.0.150" % third}],
                "dhcp_hosts": [{"mac": "52:54:00:00:%02x:01" % third, "name": "a", "ip": "10.%d.0.5" % third}],
            }
        ],
        "dns": {"hosts": [{"ip": "10.%d.0.5" % third, "hostnames": ["a"]}]},
    }
    item.update(extra)
    return item


def actions(plans):
    return {p.name: p.actions for p in plans}


def test_define_then_second_run_changes_nothing(conn):
    items = [nat("unet-define", 201), {"name": "unet-iso", "mode": "isolated", "autostart": False}]
    first = rec.converge(conn, items)
    assert actions(first) == {"unet-define": ["define", "start", "autostart on"], "unet-iso": ["define", "start"]}
    assert rec.result(first)["changed"]
    handle = conn.networkLookupByName("unet-define")
    assert handle.isActive() and handle.autostart()
    second = rec.converge(conn, items)
    assert not rec.result(second)["changed"]
    assert rec.result(second)["diff"] == []


def test_check_mode_changes_nothing_and_shows_diff(conn):
    plans = rec.converge(conn, [nat("unet-check", 202)], check_mode=True)
    assert actions(plans) == {"unet-check": ["define", "start", "autostart on"]}
    assert "unet-check" not in conn.listNetworks() + conn.listDefinedNetworks()
    diff = rec.result(plans)["diff"][0]
    assert diff["before"] == "" and '<range start="10.202.0.100" end="10.202.0.150" />' in diff["after"]


def test_changed_dhcp_range_is_a_live_update(conn):
    rec.converge(conn, [nat("unet-live", 203)])
    changed = nat("unet-live", 203)
    changed["ips"][0]["dhcp_ranges"][0]["end"] = "10.203.0.180"
    changed["ips"][0]["dhcp_hosts"][0]["ip"] = "10.203.0.6"
    changed["dns"]["hosts"].append({"ip": "10.203.0.7", "hostnames": ["b"]})

    planned = rec.converge(conn, [changed], check_mode=True)[0]
    assert planned.actions == ["update live"] and not planned.restart_required
    assert [(u.command, u.section) for u in planned.updates] == [
        ("delete", "ip-dhcp-range"),
        ("add-last", "ip-dhcp-range"),
        ("delete", "ip-dhcp-host"),
        ("add-last", "ip-dhcp-host"),
        ("add-last", "dns-host"),
    ]
    assert "end='10.203.0.150'" in conn.networkLookupByName("unet-live").XMLDesc(0)

    applied = rec.converge(conn, [changed])[0]
    assert applied.actions == ["update live"]
    assert rec.result([applied])["live_updates"]["unet-live"][1].startswith("add-last ip-dhcp-range (ip 0)")
    live = parse_xml(conn.networkLookupByName("unet-live").XMLDesc(0))
    assert (live.ips[0].dhcp_ranges[0].end, live.ips[0].dhcp_hosts[0].ip) == ("10.203.0.180", "10.203.0.6")
    assert not rec.result(rec.converge(conn, [changed]))["changed"]


def test_portgroups_change_live_on_running_network(conn):
    base = {
        "name": "unet-pg",
        "mode": "bridge",
        "bridge_name": "br-unet",
        "virtualport_type": "openvswitch",
        "portgroups": [
            {"name": "v10", "default": True, "vlan": {"tags": [10]}},
            {"name": "v20", "vlan": {"tags": [20]}},
        ],
    }
    rec.converge(conn, [base], declared_bridges=["br-unet"])
    changed = copy.deepcopy(base)
    changed["portgroups"] = [
        {"name": "v10", "vlan": {"tags": [10]}},
        {"name": "v30", "default": True, "vlan": {"tags": [30, 31], "native_tag": 30}},
    ]
    plan = rec.converge(conn, [changed], declared_bridges=["br-unet"])[0]
    assert [(u.command, u.section) for u in plan.updates] == [
        ("delete", "portgroup"),
        ("modify", "portgroup"),
        ("add-last", "portgroup"),
    ]
    groups = parse_xml(conn.networkLookupByName("unet-pg").XMLDesc(0)).portgroups
    assert sorted((g.name, g.default, g.vlan.tags) for g in groups) == [("v10", False, [10]), ("v30", True, [30, 31])]


def test_fixed_change_needs_restart_and_restarts_only_when_asked(conn):
    rec.converge(conn, [nat("unet-mtu", 204)])
    changed = nat("unet-mtu", 204, mtu=1400)
    planned = rec.converge(conn, [changed], check_mode=True)
    assert actions(planned) == {"unet-mtu": ["redefine"]}
    assert rec.result(planned)["restart_required"] == ["unet-mtu"]
    restarted = rec.converge(conn, [changed], restart_on_change=True)
    assert actions(restarted) == {"unet-mtu": ["redefine", "restart"]}
    assert rec.result(restarted)["restart_required"] == []
    assert parse_xml(conn.networkLookupByName("unet-mtu").XMLDesc(0)).mtu == 1400
    assert not rec.result(rec.converge(conn, [changed]))["changed"]


def test_inactive_then_absent(conn):
    rec.converge(conn, [nat("unet-gone", 205)])
    stopped = rec.converge(conn, [nat("unet-gone", 205, state="inactive")])
    assert actions(stopped) == {"unet-gone": ["stop", "autostart off"]}
    assert not conn.networkLookupByName("unet-gone").isActive()
    gone = rec.converge(conn, [{"name": "unet-gone", "state": "absent"}])
    assert actions(gone) == {"unet-gone": ["undefine"]}
    assert "unet-gone" not in conn.listDefinedNetworks()
    assert not rec.result(rec.converge(conn, [{"name": "unet-gone", "state": "absent"}]))["changed"]


def test_purge_removes_unlisted_networks(conn):
    rec.converge(conn, [nat("unet-keep", 206), nat("unet-purge", 207)])
    # Other tests in this process share the driver, so only this test's own purge plan is applied.
    plans = rec.converge(conn, [nat("unet-keep", 206)], purge=True, check_mode=True)
    mine = [p for p in plans if p.name == "unet-purge"]
    assert actions(mine) == {"unet-purge": ["stop", "undefine"]}
    assert actions([p for p in plans if p.name == "unet-keep"]) == {"unet-keep": []}
    assert "default" in actions(plans)
    done = apply(mine[0].steps)
    assert done == ["stop network unet-purge", "undefine network unet-purge"]
    assert "unet-purge" not in conn.listNetworks() + conn.listDefinedNetworks()


def test_bad_input_changes_nothing(conn):
    items = [nat("unet-bad-ok", 208), nat("unet-bad", 209, mtu=5)]
    with pytest.raises(InputError, match=r"networks\[1\]\.mtu"):
        rec.converge(conn, items)
    assert "unet-bad-ok" not in conn.listNetworks() + conn.listDefinedNetworks()


# ---------------------------------------------------------------------- plans the test driver cannot produce


def live_network(xml, config_xml=None, active=True):
    live = parse_xml(xml)
    return rec.LiveNetwork(
        name=live.name, config=parse_xml(config_xml or xml), live=live, active=active, persistent=True, autostart=True
    )


RUNNING = """<network><name>p</name><uuid>4d6a5a1e-1f0a-4b0c-9d9b-6f3e2b1c0a11</uuid><forward mode='nat'/>
<bridge name='virbr7' stp='on' delay='0'/><mac address='52:54:00:01:02:03'/>
<ip address='10.99.0.1' prefix='24'><dhcp><range start='10.99.0.10' end='10.99.0.20'/></dhcp></ip></network>"""


def want(**extra):
    item = {
        "name": "p",
        "ips": [{"address": "10.99.0.1", "prefix": 24, "dhcp_ranges": [{"start": "10.99.0.10", "end": "10.99.0.20"}]}],
    }
    item.update(extra)
    return read_network(item, "networks[0]")


def test_redefine_keeps_libvirt_chosen_uuid_mac_and_bridge():
    plan = rec.plan_network(want(mtu=1400), live_network(RUNNING))
    assert plan.actions == ["redefine"] and plan.restart_required
    redefined = parse_xml(plan.define_xml)
    assert (redefined.uuid, redefined.mac, redefined.bridge_name) == (
        "4d6a5a1e-1f0a-4b0c-9d9b-6f3e2b1c0a11",
        "52:54:00:01:02:03",
        "virbr7",
    )


def test_pending_restart_is_reported_until_restarted():
    config = RUNNING.replace("<mac ", "<mtu size='1400'/><mac ")
    plan = rec.plan_network(want(mtu=1400), live_network(RUNNING, config))
    assert plan.actions == [] and plan.restart_required
    plan = rec.plan_network(want(mtu=1400), live_network(RUNNING, config), restart_on_change=True)
    assert plan.actions == ["restart"] and not plan.restart_required


def test_live_update_goes_live_only_when_the_config_drifted():
    config = RUNNING.replace("10.99.0.20", "10.99.0.30")
    plan = rec.plan_network(want(), live_network(RUNNING, config))
    assert plan.actions == ["redefine"] and not plan.updates and not plan.restart_required
    wider = want()
    wider.network.ips[0].dhcp_ranges[0].end = "10.99.0.40"
    plan = rec.plan_network(wider, live_network(RUNNING, config))
    assert plan.actions == ["redefine", "update live"] and not plan.update_config


def test_inactive_network_is_simply_redefined():
    plan = rec.plan_network(want(mtu=1400, state="inactive", autostart=True), live_network(RUNNING, active=False))
    assert plan.actions == ["redefine"] and not plan.restart_required


def fake_nic(sysfs, name, totalvfs=None):
    device = sysfs / "class" / "net" / name / "device"
    device.mkdir(parents=True)
    if totalvfs is not None:
        (device / "sriov_totalvfs").write_text("%d\n" % totalvfs)


@pytest.mark.parametrize(
    "nic,totalvfs,error",
    [
        ("eth9", None, "networks[0].forward.pf: device 'eth9' has no SR-IOV virtual functions"),
        ("eth9", 0, "networks[0].forward.pf: device 'eth9' has no SR-IOV virtual functions"),
        ("eth8", 7, "networks[0].forward.pf: device 'eth9' does not exist on this host"),
        ("eth9", 7, None),
    ],
)
def test_hostdev_pf_must_have_sriov_functions(tmp_path, nic, totalvfs, error):
    fake_nic(tmp_path, nic, totalvfs)
    desired = [read_network({"name": "hd", "mode": "hostdev", "forward": {"pf": "eth9"}}, "networks[0]")]
    if error is None:
        rec.check_sriov(desired, str(tmp_path))
        return
    with pytest.raises(InputError) as caught:
        rec.check_sriov(desired, str(tmp_path))
    assert error in str(caught.value)


def test_bridge_found_in_sysfs_needs_no_declaration(tmp_path, conn):
    fake_nic(tmp_path, "br-sys")
    item = {"name": "unet-sysbr", "mode": "bridge", "bridge_name": "br-sys"}
    assert actions(rec.converge(conn, [item], check_mode=True, sysfs=str(tmp_path))) == {
        "unet-sysbr": ["define", "start", "autostart on"]
    }
    with pytest.raises(InputError, match="neither exists on this host nor is declared"):
        rec.converge(conn, [item], check_mode=True, sysfs=str(tmp_path / "empty"))


def fake_pci(sysfs, address, virtual_function):
    device = sysfs / "bus" / "pci" / "devices" / address
    device.mkdir(parents=True)
    if virtual_function:
        (device / "physfn").mkdir()


def test_hostdev_addresses_must_be_virtual_functions(tmp_path):
    fake_pci(tmp_path, "0000:03:10.1", True)
    fake_pci(tmp_path, "0000:03:00.0", False)
    item = {"name": "hd", "mode": "hostdev", "forward": {"addresses": ["0000:03:10.1", "0000:03:00.0"]}}
    with pytest.raises(InputError) as caught:
        rec.check_sriov([read_network(item, "networks[0]")], str(tmp_path))
    assert str(caught.value).startswith(
        "networks[0].forward.addresses[1]: PCI device 0000:03:00.0 is not an SR-IOV virtual function"
    )
    item["forward"]["addresses"].pop()
    rec.check_sriov([read_network(item, "networks[0]")], str(tmp_path))


# The test driver's own `default` network runs on virbr0 with 192.168.122.0/24 and stays unlisted here.
@pytest.mark.parametrize(
    "item,error",
    [
        (
            {"name": "unet-clash", "ips": [{"address": "192.168.122.129", "prefix": 25}]},
            "networks[0].ips[0].address: subnet 192.168.122.128/25 overlaps 192.168.122.0/24 of network 'default', "
            "which runs on this host and is not listed",
        ),
        (
            {"name": "unet-clash", "mode": "isolated", "bridge_name": "virbr0"},
            "networks[0].bridge_name: bridge 'virbr0' is used by network 'default', which runs on this host",
        ),
    ],
)
def test_running_unlisted_network_keeps_its_bridge_and_subnet(conn, item, error):
    with pytest.raises(InputError) as caught:
        rec.converge(conn, [item], check_mode=True)
    assert str(caught.value).startswith(error) and "list network 'default' with state absent" in str(caught.value)
    assert "unet-clash" not in conn.listNetworks() + conn.listDefinedNetworks()
    # Removing `default` in the same run, or not starting the new network, frees the claim.
    for items, purge in (
        ([item, {"name": "default", "state": "absent"}], False),
        ([item], True),
        ([dict(item, state="inactive")], False),
    ):
        assert actions(rec.converge(conn, items, purge=purge, check_mode=True))["unet-clash"][0] == "define"
