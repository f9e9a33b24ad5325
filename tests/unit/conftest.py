"""Fixtures shared by the unit tests: connections to libvirt's test driver (skipped without the bindings)."""

import pytest

# One dir pool named like libvirt's usual one; the test driver keeps it in memory (nothing is made on disk).
NODE = "<node><pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool></node>"


@pytest.fixture
def default_conn():
    """test:///default keeps one state per process while a connection is open: this one spans the test, and
    afterwards what the test made is removed and any stock object it removed (the default network) comes back."""
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    from tests.unit.driver_state import KINDS, snapshot

    connection = libvirt.open("test:///default")
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


@pytest.fixture
def node_conn(tmp_path):
    """A test-driver host of its own (a custom node file is never shared between connections), holding one dir
    pool `default`."""
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    connection = libvirt.open("test://%s" % path)
    yield connection
    connection.close()
