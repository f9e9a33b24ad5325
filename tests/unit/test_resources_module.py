"""The libvirt_resources module on test:///default: networks, pools and VMs converged in one run, all input
validated before any change, kinds left out left alone, and what a later kind's failure reports as done."""
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import libvirt_resources

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

URI = "test:///default"
# Per kind: how to list and define its objects, and the flags reading a definition (the test driver has no
# inactive network or pool XML).
KINDS = (("listAllNetworks", "networkDefineXML", 0),
         ("listAllStoragePools", "storagePoolDefineXML", 0),
         ("listAllDomains", "defineXML", libvirt.VIR_DOMAIN_XML_INACTIVE))
ROLE_NAMES = dict(networks_input_name="kvm_virtual_networks", pools_input_name="kvm_storage_pools",
                  vms_input_name="kvm_vms", inventory_hostname="kvm01")


def snapshot(conn):
    return [{obj.name(): (obj.XMLDesc(flags), obj.isActive(), obj.autostart()) for obj in getattr(conn, lister)()}
            for lister, _define, flags in KINDS]


def names(conn):
    return [sorted(kind) for kind in snapshot(conn)]


@pytest.fixture
def conn():
    """test:///default keeps one state per process while a connection is open: this one spans the test, and
    afterwards what the test made is removed and any stock object it removed (the default network) comes back."""
    connection = libvirt.open(URI)
    stock = snapshot(connection)
    yield connection
    for (lister, _define, _flags), kept in reversed(list(zip(KINDS, stock))):  # VMs first, networks last
        for obj in getattr(connection, lister)():
            if obj.name() not in kept:
                if obj.isActive():
                    obj.destroy()
                obj.undefine()
    for (lister, define, _flags), kept in zip(KINDS, stock):
        present = [obj.name() for obj in getattr(connection, lister)()]
        for name, (xml, active, autostart) in kept.items():
            if name not in present:
                obj = getattr(connection, define)(xml)
                if active:
                    obj.create()
                obj.setAutostart(autostart)
    connection.close()


def call(capsys, **args):
    args.setdefault("uri", URI)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            libvirt_resources.main()
    return json.loads(capsys.readouterr().out)


def net(name="rnet", third=77, **extra):
    return dict({"name": name, "ips": [{"address": "10.%d.0.1" % third, "prefix": 24}]}, **extra)


def pool(tmp_path, **extra):
    # The test driver keeps dir pools in memory: nothing is made under the path.
    return dict({"name": "rpool", "path": str(tmp_path / "rpool"),
                 "volumes": [{"name": "data.qcow2", "capacity": "1G", "format": "qcow2"}]}, **extra)


def vm(**extra):
    return dict({"name": "rvm", "memory": "512M", "pool": "rpool", "disks": [{"size": "2G"}],
                 "nics": [{"network": "rnet"}]}, **extra)


def all_three(tmp_path):
    return dict(ROLE_NAMES, networks=[net()], pools=[pool(tmp_path)], vms=[vm()])


def test_one_run_creates_network_pool_and_vm_then_changes_nothing(capsys, conn, tmp_path):
    first = call(capsys, **all_three(tmp_path))
    assert first["changed"], first
    assert [n["name"] for n in first["networks"]] == ["rnet"] and [p["name"] for p in first["pools"]] == ["rpool"]
    assert first["vms"][0]["actions"] == ["create volume rpool/rvm-disk0.qcow2 (new)", "define", "start (was absent)"]
    assert first["restart_required"] == {"networks": [], "pools": [], "vms": []}
    assert "diff" not in first
    assert first["invocation"]["module_args"]["vms"] == "1 item"
    network, storage, dom = (conn.networkLookupByName("rnet"), conn.storagePoolLookupByName("rpool"),
                             conn.lookupByName("rvm"))
    assert network.isActive() and storage.isActive() and dom.isActive()
    assert sorted(v.name() for v in storage.listAllVolumes()) == ["data.qcow2", "rvm-disk0.qcow2"]
    xml = dom.XMLDesc(0)
    assert "<source network='rnet'" in xml and "<source pool='rpool' volume='rvm-disk0.qcow2'" in xml

    second = call(capsys, _ansible_diff=True, **all_three(tmp_path))
    assert not second["changed"], second
    assert second["diff"] == [] and second["pools"] == []
    assert [(n["name"], n["actions"]) for n in second["networks"]] == [("rnet", [])]
    assert [(v["name"], v["changed"]) for v in second["vms"]] == [("rvm", False)]
    assert second["restart_required"] == {"networks": [], "pools": [], "vms": []}


def test_check_mode_shows_the_diff_and_creates_nothing(capsys, conn, tmp_path):
    before = names(conn)
    result = call(capsys, _ansible_check_mode=True, _ansible_diff=True, **all_three(tmp_path))
    assert result["changed"]
    assert [d["before_header"] for d in result["diff"]] == ["network rnet", "pool rpool", "rvm"]
    assert all(d["before"] == "" for d in result["diff"])
    vm_diff = result["diff"][2]["after"]
    assert '<source network="rnet" />' in vm_diff and '<source pool="rpool" volume="rvm-disk0.qcow2" />' in vm_diff
    assert result["vms"][0]["actions"][0].endswith("in a pool this play creates")
    assert names(conn) == before


@pytest.mark.parametrize("kind, bad, message", [
    ("vms", vm(disks=[{"size": "abc"}]), "kvm_vms[0].disks[0].size: must be a size such as 10G"),
    ("vms", vm(nics=[{"network": "nowhere"}]), "kvm_vms[0].nics[0].network: network 'nowhere' is not defined"),
    ("networks", net("rnet2", 78, ips=[{"address": "10.78.0.300", "prefix": 24}]),
     "kvm_virtual_networks[1].ips[0].address: must be an IP address"),
    ("networks", {"name": "rnet2", "mode": "bridge", "bridge_name": "br-nowhere"},
     "kvm_virtual_networks[1].bridge_name: bridge 'br-nowhere' neither exists on this host nor is declared"),
    ("pools", {"name": "rpool2", "path": "/rpool2", "volumes": [{"name": "a.raw", "capacity": "abc"}]},
     "kvm_storage_pools[1].volumes[0].capacity: must be a size such as 10G"),
], ids=["vm-disk-size", "vm-unknown-network", "network-address", "network-undeclared-bridge", "pool-capacity"])
def test_bad_input_in_any_kind_fails_before_anything_changes(capsys, conn, tmp_path, kind, bad, message):
    args = all_three(tmp_path)
    if kind == "vms":
        args["vms"] = [bad]
    else:
        args[kind].append(bad)
    before = names(conn)
    result = call(capsys, **args)
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert not result["changed"] and result["done"] == []
    assert names(conn) == before, "the valid network, pool or VM of the same call was created"


def test_vm_on_a_network_the_same_call_removes_is_refused(capsys, conn, tmp_path):
    args = dict(all_three(tmp_path), networks=[net(state="absent")])
    before = names(conn)
    result = call(capsys, **args)
    assert result["failed"] and result["msg"].startswith("kvm_vms[0].nics[0].network: network 'rnet' is not defined")
    assert names(conn) == before


def test_a_kind_left_out_is_left_alone(capsys, conn, tmp_path):
    call(capsys, networks=[net("rkeep", 79)], pools=[pool(tmp_path)], **ROLE_NAMES)
    only_vms = call(capsys, vms=[vm(nics=[{"network": "rkeep"}])], networks_purge=True, pools_purge=True,
                    **ROLE_NAMES)
    assert only_vms["changed"] and set(only_vms["restart_required"]) == {"vms"}
    assert "networks" not in only_vms and "pools" not in only_vms
    assert conn.networkLookupByName("rkeep").isActive() and conn.storagePoolLookupByName("rpool").isActive()

    # An empty list with its purge set removes that kind's unlisted objects, the stock default network
    # included (the fixture restores it); pools and VMs, left out, stay although their purge is set too.
    purged = call(capsys, networks=[], networks_purge=True, pools_purge=True, vms_purge=True, **ROLE_NAMES)
    assert purged["changed"] and "vms" not in purged and "pools" not in purged
    networks, pools, domains = names(conn)
    assert networks == [] and pools == ["default-pool", "rpool"] and domains == ["rvm", "test"]


@pytest.mark.parametrize("cls, method, message, kinds_done", [
    (libvirt.virStoragePool, "create", "kvm_storage_pools[0]: start pool rpool failed: refused by test",
     ["rnet: define, start, autostart on", "define pool rpool", "build pool rpool"]),
    (libvirt.virDomain, "create", "VM rvm: libvirt refused: refused by test",
     ["rnet: define, start, autostart on", "rpool: define pool rpool, build pool rpool, start pool rpool, "
      "enable autostart of pool rpool, create volume data.qcow2 (1 GiB)",
      "rvm: create volume rvm-disk0.qcow2, define, then failed"]),
], ids=["pool-start", "vm-start"])
def test_failure_in_a_later_kind_lists_what_earlier_kinds_did(capsys, conn, tmp_path, monkeypatch, cls, method,
                                                              message, kinds_done):
    def refuse(*_args):
        raise libvirt.libvirtError("refused by test")

    monkeypatch.setattr(cls, method, refuse)
    result = call(capsys, **all_three(tmp_path))
    assert result["failed"] and result["changed"]
    assert result["msg"] == message
    assert result["done"] == kinds_done
    assert conn.networkLookupByName("rnet").isActive()
