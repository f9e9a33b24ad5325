"""Byte sizes as libvirt and users write them (units.py): parse_size takes a bare number as bytes (libvirt's
unit), unlike checks.size, which reads input and takes it as MiB."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.units import format_size, parse_size


@pytest.mark.parametrize(
    "text,size",
    [
        ("10G", 10 << 30),
        ("512MiB", 512 << 20),
        ("1GB", 10**9),
        ("4096", 4096),
        (4096, 4096),
        ("1.5K", 1536),
        ("2 t", 2 << 40),
        ("100b", 100),
        ("1 bytes", 1),
    ],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["abc", "10X", "", "-1", True, "1.2.3G", None])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_format_size():
    assert [format_size(n) for n in (100, 1536, 10 << 30)] == ["100 B", "1.5 KiB", "10 GiB"]
