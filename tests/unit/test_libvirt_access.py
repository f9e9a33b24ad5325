"""The one libvirt access layer and the one way a module ends (module_run.run)."""

import importlib
import json
import sys

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import libvirt_access, resources_reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import run


def test_missing_bindings_name_the_package(monkeypatch):
    monkeypatch.setattr(libvirt_access, "libvirt", None)
    monkeypatch.setitem(sys.modules, "libvirt", None)  # import libvirt raises ImportError
    with pytest.raises(UnsupportedError, match=r"install python3-libvirt"):
        libvirt_access.open_connection("test:///default")


def test_bindings_installed_during_the_run_are_found(monkeypatch):
    """libvirt_daemon_config installs python3-libvirt on a fresh host, then describes it in the same process."""
    pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed to connect")
    monkeypatch.setattr(libvirt_access, "libvirt", None)
    monkeypatch.setattr(libvirt_access, "LibvirtError", OSError)
    conn = libvirt_access.open_connection("test:///default")
    try:
        assert libvirt_access.LibvirtError is libvirt_access.libvirt.libvirtError and conn.isAlive() == 1
    finally:
        conn.close()


def test_a_refused_connection_names_the_uri():
    pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed to fail a connection")
    with pytest.raises(HostError, match=r"^cannot connect to libvirt at test:///nonexistent/no-such\.xml: "):
        libvirt_access.open_connection("test:///nonexistent/no-such.xml")


def test_the_connection_is_closed_when_the_work_fails(monkeypatch):
    closed = []

    class Conn:
        def close(self):
            closed.append(True)

    monkeypatch.setattr(libvirt_access, "open_connection", lambda uri: Conn())
    with pytest.raises(InputError):
        with libvirt_access.connection("test:///default"):
            raise InputError("x", "bad")
    assert closed == [True]


class Module:
    """Stands in for AnsibleModule: records how the module ended."""

    def __init__(self):
        self.params = {"items": [1, 2]}
        self.warnings, self.ended = [], None

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        self.ended = ("exit", result)

    def fail_json(self, **result):
        self.ended = ("fail", result)


def test_run_exits_with_the_result_and_its_warnings():
    module = Module()
    run(module, lambda: {"changed": True, "warnings": ["careful"]})
    assert module.ended == ("exit", {"changed": True, "invocation": {"module_args": {"items": "2 items"}}})
    assert module.warnings == ["careful"]


@pytest.mark.parametrize(
    "error, changed", [(InputError("items[0]", "bad"), False), (HostError("refused", ["define a"]), True)]
)
def test_run_fails_with_what_was_done(error, changed):
    def fail():
        raise error

    module = Module()
    run(module, fail)
    assert module.ended == (
        "fail",
        {
            "msg": error.message,
            "changed": changed,
            "done": error.done,
            "invocation": {"module_args": {"items": "2 items"}},
        },
    )


@pytest.mark.parametrize(
    "name, args",
    [
        ("libvirt_network", {"networks": []}),
        ("libvirt_pool", {"pools": []}),
        ("libvirt_domain", {"vms": []}),
        ("libvirt_resources", {"networks": []}),
        ("kvm_host_info", {}),
    ],
)
def test_every_libvirt_module_closes_its_connection(name, args, monkeypatch, capsys):
    libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")
    module = importlib.import_module("ansible_collections.essentials.kvm.plugins.modules." + name)
    opened, closed = [], []

    class Closing:
        def __init__(self, conn):
            self._conn = conn

        def __getattr__(self, attr):
            return getattr(self._conn, attr)

        def close(self):
            closed.append(True)
            return self._conn.close()

    def opener(uri):
        opened.append(uri)
        return Closing(libvirt.open(uri))

    monkeypatch.setattr(libvirt_access, "open_connection", opener)
    monkeypatch.setattr(resources_reconcile, "open_connection", opener)
    with patch_module_args(dict(args, uri="test:///default")):
        with pytest.raises(SystemExit):
            module.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get("failed"), result
    assert opened == ["test:///default"] and closed == [True]
