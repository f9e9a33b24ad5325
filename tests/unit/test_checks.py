"""The shared input kit: one answer per value type, refusals that name the path and the likely cause."""

import re

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

MIB = 1024 * 1024


def refused(check, value, path="kvm_vms[2].disks[0].size"):
    with pytest.raises(InputError) as info:
        check(value, path)
    assert info.value.message.startswith(path)
    return info.value.message


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("No", False),
        ("on", True),
        ("off", False),
        ("true", True),
        ("FALSE", False),
        ("y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
    ],
)
def test_booleans_are_the_words_ansible_accepts(value, expected):
    assert checks.boolean(value, "p") is expected


@pytest.mark.parametrize("value", [2, "maybe", "", None, [], {}, 1.0])
def test_anything_else_is_not_a_boolean(value):
    assert "must be true or false" in refused(checks.boolean, value)


@pytest.mark.parametrize("value, expected", [(10, 10), ("10", 10), (" 7 ", 7), ("010", 10)])
def test_integers_accept_digit_strings(value, expected):
    assert checks.integer(0, 100)(value, "p") == expected


@pytest.mark.parametrize("value", [True, False, 1.5, "1.5", "-1", "ten", None, 101, -1])
def test_integers_refuse_bools_fractions_and_out_of_range(value):
    assert "must be a whole number from 0 to 100" in refused(checks.integer(0, 100), value)


def test_integer_without_upper_bound_says_so():
    assert "of at least 1" in refused(checks.integer(1, None), 0)


@pytest.mark.parametrize(
    "value, expected",
    [
        (512, 512 * MIB),
        ("512", 512 * MIB),
        ("1G", 1024 * MIB),
        ("1GiB", 1024 * MIB),
        ("1GB", 10**9),
        ("1.5G", 1536 * MIB),
        ("64M", 64 * MIB),
    ],
)
def test_sizes_take_a_unit_or_mean_mib(value, expected):
    assert checks.size(value, "p") == expected


@pytest.mark.parametrize("value", [True, "lots", "-1G", -1, 1.5, None, [1]])
def test_bad_sizes_say_what_a_size_is(value):
    assert "must be a size such as 10G or 512MiB, or a number of MiB" in refused(checks.size, value)


@pytest.mark.parametrize(
    "value, hint",
    [(True, "becomes a boolean in YAML"), (10, "reads an unquoted number"), (1.5, "reads an unquoted number")],
)
def test_yaml_scalars_are_never_text(value, hint):
    message = refused(checks.plain_text, value)
    assert hint in message


@pytest.mark.parametrize("value", ["", "  ", "a\nb", "nul\x00", None, [], {}])
def test_text_is_one_non_empty_line(value):
    refused(checks.plain_text, value)


def test_word_keeps_yaml_scalars_as_option_values():
    assert [checks.word(v, "p") for v in (True, False, 100, "fast")] == ["on", "off", "100", "fast"]


@pytest.mark.parametrize("value", ["eth0", "br-lan", "bond0.10", "vnet+", "v@x", "_x", "a" * 15])
def test_interface_names(value):
    assert checks.ifname(value, "p") == value


@pytest.mark.parametrize("value", ["br:1", "a" * 16, "-x", ".x", "a b", "a/b", "", True, 10])
def test_bad_interface_names(value):
    refused(checks.ifname, value)


def test_macs_are_lower_case_and_unicast():
    assert checks.mac("52:54:00:AB:cd:01", "p") == "52:54:00:ab:cd:01"
    assert "unicast" in refused(checks.mac, "01:00:5e:00:00:01")
    assert checks.mac("01:00:5e:00:00:01", "p", unicast=False) == "01:00:5e:00:00:01"
    for value in ("52-54-00-ab-cd-01", "52:54:00:ab:cd", True):
        refused(checks.mac, value)


@pytest.mark.parametrize("value", [0, 4095, "x", True, None])
def test_vlan_ids_are_1_to_4094(value):
    assert "must be a VLAN id from 1 to 4094" in refused(checks.vlan_id, value)


def test_choices_name_the_yaml_trap_when_a_word_became_a_boolean():
    check = checks.choice("yes", "no", "auto")
    assert check("auto", "p") == "auto"
    assert "becomes a boolean in YAML" in refused(check, True)
    assert "must be one of a, b" in refused(checks.choice("a", "b"), "c")


def test_addresses_hosts_and_paths():
    assert checks.ip()("fd00:0::1", "p") == "fd00::1"
    assert "IPv4" in refused(checks.ip(4), "fd00::1")
    assert checks.host("nfs.lan", "p") == "nfs.lan"
    refused(checks.host, "bad host")
    assert checks.abs_path("/srv/vm", "p") == "/srv/vm"
    for value in ("srv/vm", "/srv/../etc", False):
        refused(checks.abs_path, value)


def test_lists_are_never_guessed_from_a_scalar():
    assert checks.listing(None, "p") == []
    assert "must be a list (got a mapping)" in refused(checks.listing, {"name": "x"})
    assert checks.list_of(checks.vlan_id)(["10", 20], "p") == [10, 20]
    assert refused(checks.list_of(checks.vlan_id), [10, 0], "p").startswith("p[1]: ")


def test_fields_name_keys_as_written_aliases_included():
    fields = checks.Fields(
        {"disk_driver": "virtio", "size": None}, "kvm_vms[7].disks[1]", ("bus", "size"), aliases={"disk_driver": "bus"}
    )
    assert fields.get("bus", checks.choice("virtio")) == "virtio"
    assert fields.where("bus") == "kvm_vms[7].disks[1].disk_driver"
    assert not fields.has("size")
    with pytest.raises(InputError, match=r"^kvm_vms\[7\].disks\[1\].disk_driver: must be one of"):
        checks.Fields({"disk_driver": "floppyx"}, "kvm_vms[7].disks[1]", ("bus",), aliases={"disk_driver": "bus"}).get(
            "bus", checks.choice("virtio", "sata")
        )


def test_fields_refuse_unknown_keys_two_spellings_and_missing_required_keys():
    assert "is not a known option" in refused(lambda v, p: checks.Fields(v, p, ("a",)), {"b": 1}, "x[0]")
    with pytest.raises(InputError, match=r"^x\[0\].disk_driver: is another spelling of bus"):
        checks.Fields({"disk_driver": "a", "bus": "b"}, "x[0]", ("bus",), aliases={"disk_driver": "bus"})
    with pytest.raises(InputError, match=r"^x\[0\].disk_driver: is another spelling of bus"):
        checks.Fields({"bus": "b", "disk_driver": "a"}, "x[0]", ("bus",), aliases={"disk_driver": "bus"})
    with pytest.raises(InputError, match=r"^x\[0\].name: is required"):
        checks.Fields({}, "x[0]", ("name",)).get("name", required=True)
    assert "must be a mapping (got a list)" in refused(lambda v, p: checks.Fields(v, p, ("a",)), [], "x[0]")


def test_pci_addresses_are_full_and_lower_case():
    assert checks.pci_address("0000:03:1F.1", "p") == "0000:03:1f.1"
    for value in ("03:10.1", "0000:03:10.8", "0000:3:10.1"):
        assert "must be a PCI address such as 0000:03:10.1" in refused(checks.pci_address, value)
    assert "must be a PCI address, not a number" in refused(checks.pci_address, 3)


def test_a_pattern_refusal_reads_without_the_article():
    check = checks.text(re.compile(r"^[a-z]+$"), "a pool name")
    assert "p: is not a valid pool name (got 'A')" in refused(check, "A", "p")
    assert "must be a pool name, not a boolean" in refused(check, True, "p")
