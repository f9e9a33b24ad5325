"""The VM model's own rules: derived MACs and disk targets, machine aliases, what counts as a difference."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_model as m
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError


def test_machine_aliases():
    assert m.machine_matches("q35", "pc-q35-7.2") and m.machine_matches("pc", "pc-i440fx-7.2")
    assert not m.machine_matches("q35", "pc-i440fx-7.2") and not m.machine_matches("pc", None)


def test_derived_mac_is_stable_local_and_unicast():
    mac = m.derive_mac("kvm01", "web1", 0)
    assert mac == m.derive_mac("kvm01", "web1", 0) and mac.startswith("52:54:00:")
    assert len({mac, m.derive_mac("kvm02", "web1", 0), m.derive_mac("kvm01", "web1", 1)}) == 3


def test_next_target_per_bus():
    assert m.next_target("virtio", {"vda": 0}) == "vdb"
    assert m.next_target("sata", {"vda": 0, "sda": 1}) == "sdb" == m.next_target("scsi", {"sda": 0})
    with pytest.raises(InputError, match="too many virtio disks"):
        m.next_target("virtio", {"vd" + c: 0 for c in "abcdefghijklmnopqrstuvwxyz"})


def test_differences_skip_unset_and_action_fields_but_not_explicit_ones():
    want = m.Domain(name="web1", machine="q35", state="shutdown", nics=[m.Nic(type="user", mac="52:54:00:00:00:01")])
    have = m.Domain(
        name="web1",
        machine="pc-q35-7.2",
        arch="x86_64",
        kernel="/boot/vmlinuz",
        disks=[m.Disk(target="vda", pool="default", volume="a.qcow2")],
    )
    assert m.differences(want, have) == [
        ("kernel", "/boot/vmlinuz", None),
        ("disks[target=vda]", "present", None),
        ("nics[mac=52:54:00:00:00:01]", None, "added"),
    ]


def test_differences_inside_list_items():
    want = m.Domain(name="web1", disks=[m.Disk(target="vda", cache="none", size=1)])
    have = m.Domain(name="web1", disks=[m.Disk(target="vda", cache="unsafe", size=2)])
    assert m.differences(want, have) == [("disks[target=vda].cache", "unsafe", "none")]
