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


# What test:///default holds when a process first opens it.
STOCK = ({"default"}, {"default-pool"}, {"test"})


def to_stock(conn):
    """Remove what earlier tests of this process left on test:///default (its state lives while any connection,
    a forgotten one included, is open), so a test that reads the whole driver sees what it ships."""
    for (lister, _define, _flags), kept in reversed(list(zip(KINDS, STOCK))):  # VMs first, networks last
        for obj in getattr(conn, lister)():
            if obj.name() not in kept:
                if obj.isActive():
                    obj.destroy()
                obj.undefine()
