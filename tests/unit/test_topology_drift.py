"""Drift (kvm_host_facts' facts.drift): the modules' own check-mode plans mapped to report objects, on libvirt's
test:///default, a recorded Open vSwitch and ifupdown files in a temporary folder. Each object's diff is the
module's check-mode diff of that object, and nothing changes."""

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import (
    resources_reconcile,
    topology_drift,
    topology_drift_net,
    topology_facts,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import plan_files
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_model import Bridge, Port
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.unit.driver_state import to_stock
from tests.unit.fakes import ovsdb_json

URI = "test:///default"


def state(conn):
    return [
        sorted(obj.XMLDesc(0) for obj in objects)
        for objects in (conn.listAllDomains(), conn.listAllNetworks(), conn.listAllStoragePools())
    ]


@pytest.fixture
def conn():
    """test:///default keeps its state while a connection is open; the drift must leave it as it was."""
    connection = libvirt.open(URI)
    to_stock(connection)
    before = state(connection)
    yield connection
    after = state(connection)
    connection.close()
    assert after == before, "planning the drift changed libvirt"


def declared_libvirt(**extra):
    found = {
        "kvm_virtual_networks_uri": URI,
        "kvm_storage_pools_uri": URI,
        "kvm_vms_uri": URI,
        "inventory_hostname": "hv1",
    }
    found.update(extra)
    return found


def kvm_only(declared):
    return topology_drift.compute(declared, {"kvm": (topology_drift.LIBVIRT_LISTS, topology_drift.libvirt_drift)})


def test_nothing_declared_is_no_drift_check_at_all(conn):
    assert kvm_only({}) is None
    assert kvm_only({"inventory_hostname": "hv1", "kvm_vms_purge": True}) is None


def test_libvirt_objects_carry_the_modules_own_diffs(conn):
    declared = declared_libvirt(
        kvm_vms=[{"name": "test", "memory": 16, "vcpus": 3}, {"name": "new1", "memory": 64}],
        kvm_virtual_networks=[],
        kvm_virtual_networks_purge=True,
        kvm_storage_pools=[
            {
                "name": "default-pool",
                "path": "/default-pool",
                "autostart": False,
                "volumes": [{"name": "v1", "capacity": 8}],
            }
        ],
    )
    drift = kvm_only(declared)
    assert drift["errors"] == []
    by_id = {item["id"]: item for item in drift["objects"]}
    assert {k: v["status"] for k, v in by_id.items()} == {
        "net:default": "extra",
        "vm:test": "different",
        "vm:new1": "missing",
        "vol:default-pool/v1": "missing",
    }
    # The module's own check run, with its diff, as the kvm role makes it.
    with resources_reconcile.Connections() as connect:
        result = resources_reconcile.converge(topology_drift.libvirt_request(declared), connect, check_mode=True)
    diffs = {entry["before_header"]: entry for entry in result["diff"]}
    assert by_id["vm:test"]["diff"] == topology_drift.unified(diffs["test"]["before"], diffs["test"]["after"], "test")
    assert '-  <memory unit="KiB">8388608</memory>\n' in by_id["vm:test"]["diff"]
    assert '+  <memory unit="KiB">16384</memory>\n' in by_id["vm:test"]["diff"]
    assert by_id["vm:new1"]["actions"][0] == "define" and "+  <name>new1</name>" in by_id["vm:new1"]["diff"]
    assert by_id["net:default"]["diff"] == topology_drift.unified(
        diffs["network default"]["before"], "", "network default"
    )
    assert by_id["vol:default-pool/v1"]["diff"].endswith("+volume v1: 8 MiB\n")
    assert [item["source"] for item in drift["objects"]].count("kvm_vms") == 2


def test_converged_objects_are_no_drift(conn):
    dom = conn.lookupByName("test")
    drift = kvm_only(declared_libvirt(kvm_vms=[{"name": "test", "state": "absent"}]))
    assert [(item["id"], item["status"]) for item in drift["objects"]] == [("vm:test", "extra")]
    assert dom.isActive(), "a check run leaves the VM alone"
    assert kvm_only(declared_libvirt(kvm_vms=[], kvm_virtual_networks=[])) == {
        "objects": [],
        "errors": [],
        "warnings": [],
        "commands": {},
    }


def test_invalid_input_is_a_drift_error_and_the_other_parts_still_report(conn, tmp_path):
    declared = declared_libvirt(kvm_vms=[{"name": "web1", "memory": "lots"}], openvswitch_bridges=[{"name": "br0"}])
    drift = topology_facts.drift(declared, fake_vsctl({}))
    assert [error["part"] for error in drift["errors"]] == ["kvm"]
    assert drift["errors"][0]["message"].startswith("kvm_vms[0].memory: ")
    assert [(item["id"], item["status"]) for item in drift["objects"]] == [("ovs:br0", "missing")]


def fake_vsctl(bridges, calls=None):
    """An ovs-vsctl that lists `bridges` (Bridge objects) and records every call."""
    text = ovsdb_json(list(bridges.values()))

    def run(argv):
        if calls is not None:
            calls.append(argv)
        return 0, text, ""

    return run


def test_ovs_objects_match_the_modules_check_mode_diff():
    current = {
        "br0": Bridge(name="br0", ports=[Port(name="p0", type="internal", tag=10), Port(name="p1", type="internal")])
    }
    declared = {
        "openvswitch_bridges": [
            {
                "name": "br0",
                "ports": [{"name": "p0", "type": "internal", "tag": 20}, {"name": "p2", "type": "internal"}],
            },
            {"name": "br1", "fail_mode": "secure"},
        ],
        "openvswitch_purge": True,
    }
    calls = []
    objects, _warnings, command = topology_drift_net.ovs_drift(declared, fake_vsctl(current, calls))
    assert all("list" in argv for argv in calls), "only reads"
    assert {o["id"]: o["status"] for o in objects} == {
        "ovs:br0/p0": "different",
        "ovs:br0/p1": "extra",
        "ovs:br0/p2": "missing",
        "ovs:br1": "missing",
    }
    p0 = [o for o in objects if o["id"] == "ovs:br0/p0"][0]
    assert "-      tag: 10\n+      tag: 20\n" in p0["diff"] and p0["actions"] == ["set Port p0 tag=20"]
    # Each object's removed lines are lines of the module's check-mode `before`, its added lines of its `after`.
    module = converge(Vsctl(fake_vsctl(current)), parse_bridges(declared["openvswitch_bridges"]), True, True, True)
    for item in objects:
        assert changed_lines(item["diff"], "-") <= set(module["diff"]["before"].splitlines()), item
        assert changed_lines(item["diff"], "+") <= set(module["diff"]["after"].splitlines()), item
    assert command == module["commands"]


def changed_lines(diff, sign):
    return set(line[1:] for line in diff.splitlines() if line[:1] == sign and line[:3] not in ("+++", "---"))


def test_ovs_without_open_vswitch_is_an_error():
    def run(argv):
        raise OSError("no ovs-vsctl")

    drift = topology_facts.drift({"openvswitch_bridges": [{"name": "br0"}]}, run)
    assert drift["errors"] == [
        {
            "part": "openvswitch",
            "message": "Open vSwitch is not installed (no ovs-vsctl), but openvswitch_bridges declares bridges",
        }
    ]


def test_ifupdown_stanzas_added_removed_and_changed(tmp_path):
    main, dest = tmp_path / "interfaces", tmp_path / "essentials-kvm"
    main.write_text("auto lo\niface lo inet loopback\n\nsource %s\n" % dest)
    dest.write_text("auto eth1\niface eth1 inet static\n    address 10.0.0.2/24\n\nauto eth2\niface eth2 inet manual\n")
    declared = {
        "network_interfaces": [{"name": "eth1", "method": "static", "address": "10.0.0.3/24"}],
        "network_bridges": [{"name": "br0", "method": "manual", "ports": ["eth1"]}],
        "config_interfaces_dest": str(dest),
        "config_interfaces_file": str(main),
        "config_interfaces_purge": True,
    }
    objects, _warnings, steps = topology_drift_net.ifupdown_drift(declared, ["lo", "eth1", "eth2"])
    assert {o["id"]: o["status"] for o in objects} == {
        "link:br0": "missing",
        "link:eth2": "extra",
        "link:eth1": "different",
    }
    eth1 = [o for o in objects if o["id"] == "link:eth1"][0]
    assert "-    address 10.0.0.2/24\n+    address 10.0.0.3/24\n" in eth1["diff"]
    assert "ifup br0" in steps and dest.read_text().startswith("auto eth1\n"), "nothing written"


def test_ifupdown_address_missing_from_the_running_link(tmp_path):
    """The files match, but br0's declared address was removed by hand: the role's check run shows nothing, the
    report marks br0 with no action and a warning; an address no stanza declares is no drift."""
    main, dest = tmp_path / "interfaces", tmp_path / "essentials-kvm"
    main.write_text("source %s\n" % dest)
    declared = {
        "network_bridges": [{"name": "br0", "addresses": ["10.0.0.2/24", "fd00::2/64"], "ports": []}],
        "network_interfaces": [{"name": "eth1", "address": "10.0.1.2/24"}],
        "config_interfaces_dest": str(dest),
        "config_interfaces_file": str(main),
    }
    dest.write_text(_rendered(declared))
    links = [
        {"name": "br0", "addresses": ["fd00::2/64"]},
        {"name": "eth1", "addresses": ["10.0.1.2/24", "10.0.9.9/24"]},
    ]
    objects, warnings, steps = topology_drift_net.ifupdown_drift(declared, ["lo", "eth1", "br0"], links)
    assert steps == [] and len(objects) == 1, objects
    assert objects[0]["id"] == "link:br0" and objects[0]["status"] == "different" and objects[0]["actions"] == []
    assert objects[0]["diff"] == (
        "--- before: br0 (running addresses)\n+++ after: br0 (running addresses)\n"
        "@@ -1 +1,2 @@\n address fd00::2/64\n+address 10.0.0.2/24\n"
    )
    assert warnings == [
        "br0 lacks its declared address 10.0.0.2/24: config_interfaces changes only the interfaces files, which "
        "match, so it does not restore it; `ifdown br0; ifup br0` does"
    ]


def _rendered(declared):
    """The file the role would write for `declared`."""
    config = dict((key, declared.get(key) or []) for key in topology_drift_net.IFUPDOWN_LISTS)
    _desired, changes, _old, _new = plan_files(
        config, ["lo", "eth1"], declared["config_interfaces_dest"], declared["config_interfaces_file"]
    )
    return changes[0].after


IMAGE_URL = "http://127.0.0.1:9/debian-12-genericcloud-amd64.qcow2"
IMAGE_SUM = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "images, disk",
    [
        ([{"name": "debian", "url": IMAGE_URL, "checksum": IMAGE_SUM}], {"type": "image", "image": "debian"}),
        ([], {"url": IMAGE_URL, "checksum": IMAGE_SUM}),
    ],
    ids=["listed", "inline"],
)
def test_vms_on_images_plan_with_the_images_and_the_roles_images_pool(conn, images, disk):
    """The report passes kvm_images, and adds the dir pool `images` the role creates for them: a VM on an image
    is drift to plan (missing here), not an error about an unknown image or pool."""
    declared = declared_libvirt(
        kvm_images=images,
        kvm_images_uri=URI,
        kvm_storage_pools=[],
        kvm_vms=[{"name": "web-img", "memory": 64, "pool": "images", "disks": [dict(disk, size="4G")]}],
    )
    assert topology_drift._images_pool(declared) == [{"name": "images", "path": topology_drift.IMAGES_POOL_PATH}]
    drift = kvm_only(declared)
    assert drift["errors"] == [], drift
    assert {(item["id"], item["status"]) for item in drift["objects"]} >= {
        ("vm:web-img", "missing"),
        ("pool:images", "missing"),
    }, drift
    named = dict(declared, kvm_storage_pools=[{"name": "images", "path": "/srv/img"}])
    assert topology_drift._images_pool(named) == []
