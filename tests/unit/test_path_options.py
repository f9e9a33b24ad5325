"""Issue #26: every path option that names a directory, a missing parent or a place that cannot be written fails
naming the option, with nothing changed, never with a traceback. Each module runs through its entry point, in
process; the tests run as root, so "cannot be written" is a path whose parent is a regular file, or os.access
answering no."""

import json
import os

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import host_paths, ifupdown_run
from ansible_collections.essentials.kvm.plugins.modules import (
    ifupdown_interfaces,
    kvm_host_info,
    libvirt_daemon_config,
    libvirt_pool,
    openvswitch,
    openvswitch_host,
)


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A directory, a regular file, and no command ever run (a path check comes first)."""

    def no_command(self, argv, **_kw):
        raise AssertionError("ran %s before the path check" % (argv,))

    monkeypatch.setattr(AnsibleModule, "run_command", no_command)
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("a regular file\n")
    return tmp_path


CAPTURED = []


@pytest.fixture(autouse=True)
def _output(capsys):
    CAPTURED[:] = [capsys]


def run(module, args, check_mode=False):
    """The module's result; any exception but the module's own exit (a traceback) fails the test."""
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(CAPTURED[0].readouterr().out)


def refused(module, args, check_mode=False):
    result = run(module, args, check_mode)
    assert result.get("failed") and not result.get("changed"), result
    return result["msg"]


def read_only(monkeypatch, where):
    """os.access says no for `where`, as for a user without become (root may write anywhere)."""
    real = os.access
    monkeypatch.setattr(host_paths.os, "access", lambda path, mode: path != str(where) and real(path, mode))


# Option (as the message names it): its module and its arguments for a path. MADE: a missing directory is made.
CASES = {
    "files[0].path": (libvirt_daemon_config, lambda p: {"files": [{"path": p, "settings": {"max_clients": 5}}]}),
    "text_files[0].path": (libvirt_daemon_config, lambda p: {"text_files": [{"path": p, "content": "a = 1\n"}]}),
    "sysctl_file": (openvswitch_host, lambda p: {"sysctl_file": p, "sysctl": [{"name": "a", "value": 1}]}),
}
MADE = {"text_files[0].path", "sysctl_file"}


@pytest.mark.parametrize("option", sorted(CASES))
@pytest.mark.parametrize("check_mode", [False, True])
def test_a_directory_is_refused_naming_the_option(host, option, check_mode):
    module, args = CASES[option]
    message = refused(module, args(str(host / "dir")), check_mode)
    assert message.startswith("%s: %s is a directory" % (option, host / "dir")), message


@pytest.mark.parametrize("option", sorted(CASES))
@pytest.mark.parametrize("check_mode", [False, True])
def test_a_path_below_a_file_is_refused_naming_the_option(host, option, check_mode):
    module, args = CASES[option]
    message = refused(module, args(str(host / "file" / "sub" / "x.conf")), check_mode)
    assert message.startswith("%s: " % option) and "%s is not a directory" % (host / "file") in message, message


@pytest.mark.parametrize("option", sorted(CASES))
def test_an_unwritable_directory_is_refused_naming_the_option(host, monkeypatch, option):
    module, args = CASES[option]
    read_only(monkeypatch, host / "dir")
    message = refused(module, args(str(host / "dir" / "x.conf")))
    assert message.startswith("%s: %s cannot be written" % (option, host / "dir" / "x.conf")), message
    assert os.listdir(str(host / "dir")) == []


@pytest.mark.parametrize("option", sorted(CASES))
def test_check_mode_plans_a_write_to_an_unwritable_directory(host, monkeypatch, option):
    """Check mode writes nothing: a run without become may still plan."""
    module, args = CASES[option]
    read_only(monkeypatch, host / "dir")
    if module is openvswitch_host:
        monkeypatch.setattr(AnsibleModule, "run_command", lambda self, argv, **kw: (0, "", ""))
    result = run(module, args(str(host / "dir" / "x.conf")), check_mode=True)
    assert not result.get("failed") and result["changed"], result


@pytest.mark.parametrize("option", sorted(CASES))
def test_a_missing_parent_is_made_or_named(host, monkeypatch, option):
    module, args = CASES[option]
    path = host / "new" / "dir" / "x.conf"
    if option in MADE:
        monkeypatch.setattr(AnsibleModule, "run_command", lambda self, argv, **kw: (0, "", ""))
        result = run(module, args(str(path)))
        assert not result.get("failed") and path.exists(), result
    else:
        message = refused(module, args(str(path)))
        assert message.startswith(
            "%s: %s cannot be made: the directory %s does not exist" % (option, path, path.parent)
        )


def test_check_mode_on_a_fresh_host_plans_a_config_file_whose_directory_the_package_makes(host):
    """The kvm role's check run on a fresh server: the package step only said it would install libvirt, so
    /etc/libvirt is not there yet; the file is planned as created and nothing is made."""
    module, args = CASES["files[0].path"]
    path = host / "etc" / "libvirt" / "libvirtd.conf"
    result = run(module, args(str(path)), check_mode=True)
    assert not result.get("failed") and result["changed"], result
    assert result["files"][0]["created"] and not (host / "etc").exists(), result


@pytest.mark.parametrize("module", [kvm_host_info, libvirt_daemon_config])
@pytest.mark.parametrize("where", ["dir", "file/server.pem"])
def test_a_tls_file_that_can_never_exist_is_named(host, module, where):
    """A certificate may be missing (TLS stays off until it comes), a directory or a path below a file never serves."""
    args = {"tls_files": [str(host / "ca.pem"), str(host / where)], "uri": "test:///default"}
    message = refused(module, args)
    assert message.startswith("tls_files[1]: %s" % (host / where)), message


def test_a_missing_tls_file_is_only_reported(host):
    pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")
    result = run(kvm_host_info, {"tls_files": [str(host / "none" / "ca.pem")], "uri": "test:///default"})
    assert result["tls_files_missing"] == [str(host / "none" / "ca.pem")] and not result["tls_ready"]


@pytest.mark.parametrize("where, words", [("file", "is not a directory"), ("relative", "must be an absolute path")])
def test_an_apparmor_path_that_is_no_directory_is_named(host, where, words):
    path = str(host / "file") if where == "file" else "srv/images"
    message = refused(libvirt_daemon_config, {"apparmor_paths": [path]}, check_mode=True)
    assert message.startswith("apparmor_paths[0]: ") and words in message, message


@pytest.mark.parametrize("where, words", [("dir", "is a directory"), ("file/ovs-vsctl", "not found")])
def test_the_ovs_vsctl_program_is_named(host, where, words):
    message = refused(openvswitch, {"ovs_vsctl": str(host / where), "bridges": [{"name": "br0"}]}, check_mode=True)
    assert message.startswith("ovs_vsctl: %s %s" % (host / where, words)), message


@pytest.mark.parametrize("where", ["dir", "file/disk.img"])
def test_an_upload_image_that_is_no_file_is_named(host, where):
    volume = {"name": "a.qcow2", "capacity": "1G", "upload": str(host / where)}
    pools = [{"name": "images", "path": str(host / "pool"), "volumes": [volume]}]
    message = refused(libvirt_pool, {"pools": pools, "uri": "test:///default"}, check_mode=True)
    assert message.startswith("pools[0].volumes[0].upload: "), message


@pytest.mark.parametrize("where, words", [("dir", "is a directory"), ("file/essentials-kvm", "is not a directory")])
def test_ifupdown_dest_is_named(host, monkeypatch, where, words):
    """ifupdown_interfaces' paths (ifupdown_paths over host_paths), run here so that every module's path options
    are in one place."""
    monkeypatch.setattr(ifupdown_run, "host_interfaces", lambda: ["lo", "eth0"])
    (host / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    args = {"dest": str(host / where), "interfaces_file": str(host / "interfaces"), "state_dir": str(host / "state")}
    message = refused(ifupdown_interfaces, args, check_mode=True)
    assert message.startswith("dest: ") and words in message, message


def test_ifupdown_dest_in_an_unwritable_directory_is_named(host, monkeypatch):
    monkeypatch.setattr(ifupdown_run, "host_interfaces", lambda: ["lo", "eth0"])
    read_only(monkeypatch, host / "dir")
    (host / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    args = {
        "dest": str(host / "dir" / "essentials-kvm"),
        "interfaces_file": str(host / "interfaces"),
        "state_dir": str(host / "state"),
    }
    message = refused(ifupdown_interfaces, args)
    assert message.startswith("dest: ") and "read-only" in message, message
