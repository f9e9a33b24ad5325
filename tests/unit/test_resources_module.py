"""The libvirt_resources module on test:///default: networks, pools and VMs converged in one run, all input
validated before any change, kinds left out left alone, and what a later kind's failure reports as done."""

import pytest

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.unit.driver_state import names  # noqa: E402
from tests.unit.resources_calls import ROLE_NAMES, all_three, call, net, pool, vm  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def test_one_run_creates_network_pool_and_vm_then_changes_nothing(capsys, default_conn, tmp_path):
    first = call(capsys, **all_three(tmp_path))
    assert first["changed"], first
    assert [n["name"] for n in first["networks"]] == ["rnet"] and [p["name"] for p in first["pools"]] == ["rpool"]
    assert first["vms"][0]["actions"] == ["create volume rpool/rvm-disk0.qcow2 (new)", "define", "start (was absent)"]
    assert first["restart_required"] == {"networks": [], "pools": [], "vms": []}
    assert "diff" not in first
    assert first["invocation"]["module_args"]["vms"] == "1 item"
    network, storage, dom = (
        default_conn.networkLookupByName("rnet"),
        default_conn.storagePoolLookupByName("rpool"),
        default_conn.lookupByName("rvm"),
    )
    assert network.isActive() and storage.isActive() and dom.isActive()
    assert sorted(v.name() for v in storage.listAllVolumes()) == ["data.qcow2", "rvm-disk0.qcow2"]
    xml = dom.XMLDesc(0)
    # The disk is named by its volume's path (AppArmor's helper labels paths).
    path = storage.storageVolLookupByName("rvm-disk0.qcow2").path()
    assert "<source network='rnet'" in xml and "<disk type='file' device='disk'>" in xml
    assert "<source file='%s'" % path in xml

    second = call(capsys, _ansible_diff=True, **all_three(tmp_path))
    assert not second["changed"], second
    assert second["diff"] == [] and second["pools"] == []
    assert [(n["name"], n["actions"]) for n in second["networks"]] == [("rnet", [])]
    assert [(v["name"], v["changed"]) for v in second["vms"]] == [("rvm", False)]
    assert second["restart_required"] == {"networks": [], "pools": [], "vms": []}


def test_check_mode_shows_the_diff_and_creates_nothing(capsys, default_conn, tmp_path):
    before = names(default_conn)
    result = call(capsys, _ansible_check_mode=True, _ansible_diff=True, **all_three(tmp_path))
    assert result["changed"]
    assert [d["before_header"] for d in result["diff"]] == ["network rnet", "pool rpool", "rvm"]
    assert all(d["before"] == "" for d in result["diff"])
    vm_diff = result["diff"][2]["after"]
    assert '<source network="rnet" />' in vm_diff and '<source pool="rpool" volume="rvm-disk0.qcow2" />' in vm_diff
    assert result["vms"][0]["actions"][0].endswith("in a pool this play creates")
    assert names(default_conn) == before


@pytest.mark.parametrize(
    "kind, bad, message",
    [
        ("vms", vm(disks=[{"size": "abc"}]), "kvm_vms[0].disks[0].size: must be a size such as 10G"),
        ("vms", vm(nics=[{"network": "nowhere"}]), "kvm_vms[0].nics[0].network: network 'nowhere' is not defined"),
        (
            "networks",
            net("rnet2", 78, ips=[{"address": "10.78.0.300", "prefix": 24}]),
            "kvm_virtual_networks[1].ips[0].address: must be an IP address",
        ),
        (
            "networks",
            {"name": "rnet2", "mode": "bridge", "bridge_name": "br-nowhere"},
            "kvm_virtual_networks[1].bridge_name: bridge 'br-nowhere' neither exists on this host nor is declared",
        ),
        (
            "pools",
            {"name": "rpool2", "path": "/rpool2", "volumes": [{"name": "a.raw", "capacity": "abc"}]},
            "kvm_storage_pools[1].volumes[0].capacity: must be a size such as 10G",
        ),
    ],
    ids=["vm-disk-size", "vm-unknown-network", "network-address", "network-undeclared-bridge", "pool-capacity"],
)
def test_bad_input_in_any_kind_fails_before_anything_changes(capsys, default_conn, tmp_path, kind, bad, message):
    args = all_three(tmp_path)
    if kind == "vms":
        args["vms"] = [bad]
    else:
        args[kind].append(bad)
    before = names(default_conn)
    result = call(capsys, **args)
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert not result["changed"] and result["done"] == []
    assert names(default_conn) == before, "the valid network, pool or VM of the same call was created"


def test_vm_on_a_network_the_same_call_removes_is_refused(capsys, default_conn, tmp_path):
    args = dict(all_three(tmp_path), networks=[net(state="absent")])
    before = names(default_conn)
    result = call(capsys, **args)
    assert result["failed"] and result["msg"].startswith("kvm_vms[0].nics[0].network: network 'rnet' is not defined")
    assert names(default_conn) == before


def test_a_kind_left_out_is_left_alone(capsys, default_conn, tmp_path):
    call(capsys, networks=[net("rkeep", 79)], pools=[pool(tmp_path)], **ROLE_NAMES)
    only_vms = call(capsys, vms=[vm(nics=[{"network": "rkeep"}])], networks_purge=True, pools_purge=True, **ROLE_NAMES)
    assert only_vms["changed"] and set(only_vms["restart_required"]) == {"vms"}
    assert "networks" not in only_vms and "pools" not in only_vms
    assert (
        default_conn.networkLookupByName("rkeep").isActive()
        and default_conn.storagePoolLookupByName("rpool").isActive()
    )

    # An empty list with its purge set removes that kind's unlisted objects, the stock default network
    # included (the fixture restores it); pools and VMs, left out, stay although their purge is set too.
    purged = call(capsys, networks=[], networks_purge=True, pools_purge=True, vms_purge=True, **ROLE_NAMES)
    assert purged["changed"] and "vms" not in purged and "pools" not in purged
    networks, pools, domains = names(default_conn)
    assert networks == [] and pools == ["default-pool", "rpool"] and domains == ["rvm", "test"]


@pytest.mark.parametrize(
    "cls, method, message, kinds_done",
    [
        (
            libvirt.virStoragePool,
            "create",
            "kvm_storage_pools[0]: start pool rpool failed: refused by test",
            ["rnet: define, start, autostart on", "define pool rpool", "build pool rpool"],
        ),
        (
            libvirt.virDomain,
            "create",
            "VM rvm: libvirt refused: refused by test",
            [
                "rnet: define, start, autostart on",
                "rpool: define pool rpool, build pool rpool, start pool rpool, "
                "enable autostart of pool rpool, create volume data.qcow2 (1 GiB)",
                "rvm: create volume rvm-disk0.qcow2, define, then failed",
            ],
        ),
    ],
    ids=["pool-start", "vm-start"],
)
def test_failure_in_a_later_kind_lists_what_earlier_kinds_did(
    capsys, default_conn, tmp_path, monkeypatch, cls, method, message, kinds_done
):
    def refuse(*_args):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(cls, method, refuse)
    result = call(capsys, **all_three(tmp_path))
    assert result["failed"] and result["changed"]
    assert result["msg"] == message
    assert result["done"] == kinds_done
    assert default_conn.networkLookupByName("rnet").isActive()
