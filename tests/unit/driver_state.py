"""What libvirt's test driver holds, read the same way by the fixtures and the tests that compare before/after."""

import pytest

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

# Per kind: how to list and define its objects, and the flags reading a definition (the test driver has no
# inactive network or pool XML).
KINDS = (
    ("listAllNetworks", "networkDefineXML", 0),
    ("listAllStoragePools", "storagePoolDefineXML", 0),
    ("listAllDomains", "defineXML", libvirt.VIR_DOMAIN_XML_INACTIVE),
)


def snapshot(conn):
    return [
        {obj.name(): (obj.XMLDesc(flags), obj.isActive(), obj.autostart()) for obj in getattr(conn, lister)()}
        for lister, _define, flags in KINDS
    ]


def names(conn):
    """The names of the networks, pools and VMs, each list sorted."""
    return [sorted(kind) for kind in snapshot(conn)]
