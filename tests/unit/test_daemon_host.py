"""libvirt_daemon_config's host side: drop-ins, socket switches, small files, AppArmor, group members
and the restarts they need, and the TLS files from PEM text (tls_pki), on files in a temp root with systemctl
played by a stand-in."""

import base64
import os
import stat

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import daemon_host, tls_pki
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError
from ansible_collections.essentials.kvm.plugins.module_utils.host_files import plan_block
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import validate_files


class Host:
    """systemctl and friends: unit states in a dict, every command recorded."""

    def __init__(self, units=None, fail=()):
        self.units = dict(units or {})
        self.calls = []
        self.fail = fail

    def __call__(self, argv):
        self.calls.append(" ".join(argv))
        if any(" ".join(argv).startswith(prefix) for prefix in self.fail):
            return 1, "", "refused"
        if argv[:2] == ["systemctl", "show"]:
            enabled, active = self.units.get(argv[-1], (False, False))
            return (
                0,
                "UnitFileState=%s\nActiveState=%s\n"
                % ("enabled" if enabled else "disabled", "active" if active else "inactive"),
                "",
            )
        if argv[0] == "systemctl" and argv[1] in ("enable", "disable", "start", "stop", "restart"):
            enabled, active = self.units.get(argv[2], (False, False))
            if argv[1] in ("enable", "disable"):
                enabled = argv[1] == "enable"
            else:
                active = argv[1] != "stop"
            self.units[argv[2]] = (enabled, active)
        return 0, "", ""

    def switched(self):
        return [c for c in self.calls if c.startswith("systemctl") and " show " not in c]


DEBIAN_UNITS = {
    "libvirtd.socket": (True, True),
    "libvirtd-ro.socket": (True, True),
    "libvirtd.service": (True, False),
    "libvirtd-tls.socket": (False, False),
    "libvirtd-tcp.socket": (False, False),
}


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(daemon_host, "DROPIN", str(tmp_path / "systemd/%s.d/essentials-kvm.conf"))
    monkeypatch.setattr(daemon_host, "APPARMOR_FILE", str(tmp_path / "apparmor/libvirt-qemu"))
    monkeypatch.setattr(daemon_host, "unit_exists", lambda unit, unit_dirs=None: unit.startswith("libvirtd"))
    (tmp_path / "libvirtd.conf").write_text("#listen_tls = 0\n")
    return tmp_path


def params(root, **over):
    base = dict(
        files=validate_files([{"path": str(root / "libvirtd.conf"), "settings": {"listen_tls": 1, "max_clients": 10}}]),
        service="libvirtd",
        manage_service=True,
        packages=[],
        group="libvirt",
        users=[],
        sockets=[
            {"unit": "libvirtd.socket", "lines": ["SocketGroup=libvirt", "SocketMode=0770"]},
            {"unit": "libvirtd-tls.socket", "lines": [], "enabled": True},
            {"unit": "libvirtd-tcp.socket", "lines": [], "enabled": False},
        ],
        text_files=[
            {
                "path": str(root / "sysctl.d/60-kvm.conf"),
                "content": "a = 0\n",
                "mode": "0644",
                "validate": None,
                "after_change": ["sysctl", "-e", "-p", str(root / "sysctl.d/60-kvm.conf")],
            }
        ],
        apparmor_paths=["/srv/images"],
    )
    base.update(over)
    return base


def converge(root, host, check=False, **over):
    return daemon_host.converge_host(
        params(root, **over), host, check_mode=check, apparmor_enabled=True, socket_activation=True, missing_tls=()
    )


def test_first_run_writes_switches_and_restarts_once_in_systemds_order(root):
    host = Host(DEBIAN_UNITS)
    result, diffs = converge(root, host)
    assert result["changed"] and result["daemon_mode"] == "monolithic"
    assert (root / "systemd/libvirtd.socket.d/essentials-kvm.conf").read_text() == (
        "# BEGIN essentials.kvm kvm role\n[Socket]\nSocketGroup=libvirt\nSocketMode=0770\n"
        "# END essentials.kvm kvm role\n"
    )
    assert (root / "apparmor/libvirt-qemu").read_text() == (
        "# BEGIN essentials.kvm pool paths\n/sys/devices/**/block/*/queue/zoned r,\n"
        '"/srv/images/" r,\n"/srv/images/**" rwk,\n# END essentials.kvm pool paths\n'
    )
    assert "max_clients = 10" in (root / "libvirtd.conf").read_text()
    # The service stops before its sockets restart, and starts once after them.
    assert host.switched() == [
        "systemctl enable libvirtd-tls.socket",
        "systemctl stop libvirtd.service",
        "systemctl daemon-reload",
        "systemctl restart libvirtd.socket",
        "systemctl restart libvirtd-tls.socket",
        "systemctl stop libvirtd-tcp.socket",
        "systemctl restart libvirtd.service",
    ]
    assert "sysctl -e -p %s" % (root / "sysctl.d/60-kvm.conf") in host.calls
    assert {d["before_header"] for d in diffs} >= {str(root / "libvirtd.conf"), str(root / "apparmor/libvirt-qemu")}


def test_second_run_changes_and_restarts_nothing(root):
    host = Host(DEBIAN_UNITS)
    converge(root, host)
    again = Host(host.units)
    result, diffs = converge(root, again)
    assert not result["changed"] and result["changes"] == [] and result["restarted"] == [] and diffs == []
    assert again.switched() == [] and not [c for c in again.calls if c.startswith("sysctl")]


def test_check_mode_reports_and_touches_nothing(root):
    host = Host(DEBIAN_UNITS)
    result, diffs = converge(root, host, check=True)
    assert result["changed"] and result["restarted"] == ["libvirtd.service"] and diffs
    assert host.switched() == [] and not (root / "systemd").exists() and not (root / "sysctl.d").exists()
    assert "max_clients" not in (root / "libvirtd.conf").read_text()


def test_a_config_change_alone_restarts_the_service_only(root):
    host = Host(DEBIAN_UNITS)
    converge(root, host)
    again = Host(host.units)
    files = validate_files([{"path": str(root / "libvirtd.conf"), "settings": {"listen_tls": 1, "max_clients": 20}}])
    result, _diffs = converge(root, again, files=files)
    assert result["restarted"] == ["libvirtd.service"]
    assert again.switched() == ["systemctl daemon-reload", "systemctl restart libvirtd.service"]


def test_installed_packages_alone_restart_the_service_so_it_loads_new_drivers(root):
    """A storage driver package installed while libvirtd runs is unknown to it until it starts again."""
    host = Host(DEBIAN_UNITS)
    converge(root, host)
    again = Host(host.units)
    result, diffs = converge(root, again, installed=["libvirt-daemon-driver-storage-iscsi"])
    assert result["changed"] and result["restarted"] == ["libvirtd.service"] and diffs == []
    assert result["installed"] == ["libvirt-daemon-driver-storage-iscsi"]
    assert again.switched() == ["systemctl daemon-reload", "systemctl restart libvirtd.service"]
    unmanaged, _diffs = converge(root, Host(host.units), installed=["open-iscsi"], manage_service=False)
    assert unmanaged["changed"] and unmanaged["restarted"] == []


def _packages_runner(installed):
    """A runner for dpkg-query and apt-get that records the calls; dpkg knows `installed`."""
    calls = []

    def runner(argv):
        calls.append(list(argv))
        if argv[0] == "dpkg-query":
            return 0, "".join("%s\tii \n" % name for name in installed), ""
        return 0, "", ""

    return runner, calls


def test_packages_come_after_the_whole_input_is_checked(root):
    runner, calls = _packages_runner([])
    with pytest.raises(InputError, match=r"^users\[0\]"):
        daemon_host.install_packages(params(root, users=["bad name"], packages=["libvirt-daemon-system"]), runner)
    assert calls == []


def test_missing_packages_are_named_in_check_mode_and_installed_outside_it(root):
    wanted = ["libvirt-daemon-system", "qemu-system-x86"]
    runner, calls = _packages_runner(["libvirt-daemon-system"])
    assert daemon_host.install_packages(params(root, packages=wanted), runner, check_mode=True) == ["qemu-system-x86"]
    assert [argv[0] for argv in calls] == ["dpkg-query"]
    assert daemon_host.install_packages(params(root, packages=wanted), runner) == ["qemu-system-x86"]
    assert calls[-1][-1] == "qemu-system-x86" and "install" in calls[-1]


def test_missing_certificates_keep_tls_off(root):
    host = Host(DEBIAN_UNITS)
    result, _diffs = daemon_host.converge_host(
        params(root), host, apparmor_enabled=True, socket_activation=True, missing_tls=["/etc/pki/CA/cacert.pem"]
    )
    assert "listen_tls = 0" in (root / "libvirtd.conf").read_text()
    assert "systemctl enable libvirtd-tls.socket" not in host.calls
    assert "systemctl stop libvirtd-tls.socket" in host.calls


def test_modular_daemons_are_restarted_instead_of_libvirtd(root, monkeypatch):
    monkeypatch.setattr(daemon_host, "unit_exists", lambda unit, unit_dirs=None: unit.startswith("virt"))
    host = Host(
        {"virtqemud.socket": (True, True), "virtqemud.service": (False, True), "virtnetworkd.service": (False, False)}
    )
    result, _diffs = converge(root, host)
    assert result["daemon_mode"] == "modular" and result["restarted"] == ["virtqemud"]
    assert "systemctl restart virtqemud.service" in host.calls
    assert not [c for c in host.calls if "libvirtd" in c and " show " not in c]
    assert result["warnings"]


def test_group_members_are_added_and_missing_users_created(root, monkeypatch):
    monkeypatch.setattr(daemon_host.grp, "getgrnam", lambda name: type("G", (), {"gr_mem": ["bob"]}))
    monkeypatch.setattr(daemon_host, "_user_exists", lambda name: name == "alice")
    host = Host(DEBIAN_UNITS)
    result, _diffs = converge(root, host, users=["alice", "bob", "carol"])
    assert "usermod --append --groups libvirt alice" in host.calls
    assert "useradd --create-home --groups libvirt carol" in host.calls
    assert not [c for c in host.calls if c.endswith(" bob")]
    assert "add carol to group libvirt" in result["changes"]


def test_a_refused_validation_writes_nothing_after_it(root):
    host = Host(DEBIAN_UNITS, fail=("/usr/sbin/sshd",))
    text = dict(
        path=str(root / "ssh/10.conf"),
        content="PermitRootLogin yes\n",
        mode="0644",
        validate=["/usr/sbin/sshd", "-t", "-f", "%s"],
        after_change=["systemctl", "reload", "ssh"],
    )
    with pytest.raises(HostError, match="refused the new text"):
        converge(root, host, text_files=[text], sockets=[], apparmor_paths=None, files=[])
    assert not (root / "ssh/10.conf").exists() and "systemctl reload ssh" not in host.calls


@pytest.mark.parametrize(
    "over, where",
    [
        ({"service": "--now"}, "service"),
        ({"group": "libvirt\nx"}, "group"),
        ({"users": ["ok", "a;b"]}, "users[1]"),
        ({"sockets": [{"unit": "../../x", "lines": ["A=1"]}]}, "sockets[0].unit"),
        ({"sockets": [{"unit": "libvirtd.socket", "lines": ["A=1\n[Service]"]}]}, "sockets[0].lines[0]"),
        ({"apparmor_paths": ['/srv/a" rwk, /** rwk, "/x']}, "apparmor_paths[0]"),
    ],
)
def test_a_name_or_line_that_could_escape_its_place_is_refused_before_anything(root, over, where):
    host = Host(DEBIAN_UNITS)
    with pytest.raises(InputError) as err:
        converge(root, host, **over)
    assert str(err.value).startswith(where + ": ")
    assert host.calls == [] and not (root / "systemd").exists()


def test_removed_content_removes_the_file_and_no_lines_leave_a_dropin_alone(root):
    dropin = root / "systemd/libvirtd.socket.d/essentials-kvm.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("kept\n")
    (root / "gone.conf").write_text("x\n")
    host = Host(DEBIAN_UNITS)
    text = dict(path=str(root / "gone.conf"), content=None, mode="0644", validate=None, after_change=None)
    result, _diffs = converge(
        root,
        host,
        text_files=[text],
        sockets=[{"unit": "libvirtd.socket", "lines": None}],
        apparmor_paths=None,
        files=[],
    )
    assert not (root / "gone.conf").exists() and dropin.read_text() == "kept\n"
    assert result["changes"] == ["remove %s" % (root / "gone.conf")]


def test_blocks_keep_the_other_lines_and_leave_with_their_markers(tmp_path):
    path = tmp_path / "f"
    path.write_text("first\n# BEGIN m\nold\n# END m\nlast\n")
    changed, _before, after = plan_block(str(path), "m", ["new"])
    assert changed and after == "first\n# BEGIN m\nnew\n# END m\nlast\n"
    changed, _before, after = plan_block(str(path), "m", [])
    assert changed and after == "first\nlast\n"
    assert plan_block(str(tmp_path / "absent"), "m", [])[0] is False


def test_check_mode_before_libvirt_is_installed_plans_the_group_members(root, monkeypatch):
    def no_group(name):
        raise KeyError(name)

    monkeypatch.setattr(daemon_host.grp, "getgrnam", no_group)
    monkeypatch.setattr(daemon_host, "_user_exists", lambda name: False)
    result, _diffs = converge(root, Host(), check=True, users=["alice"])
    assert "add alice to group libvirt" in result["changes"]
    with pytest.raises(HostError, match="group libvirt does not exist"):
        converge(root, Host(), users=["alice"])


# Stand-ins for the operator's PEM texts (tls_pki): DER-shaped bodies, the checks read the PEM shape.
BODY = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x02" * 8).decode()
CERT = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % BODY
KEY_BODY = base64.b64encode(b"\x30\x06\x02\x01\x07\x02\x01\x09" * 8).decode()
KEY = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % KEY_BODY


def pki(root):
    return tls_pki.validate(
        [
            {"path": str(root / "CA/cacert.pem"), "certificate": CERT, "input_name": "kvm_tls_ca_cert"},
            {"path": str(root / "libvirt/servercert.pem"), "certificate": CERT, "input_name": "kvm_tls_server_cert"},
            {"path": str(root / "libvirt/private/serverkey.pem"), "key": KEY, "input_name": "kvm_tls_server_key"},
        ]
    )


def test_files_are_written_root_owned_a_key_0600_and_only_when_they_differ_and_restart_once(root):
    host = Host(DEBIAN_UNITS)
    daemon_host.converge_host(params(root), host, apparmor_enabled=True, socket_activation=True)
    again = Host(host.units)
    result, diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), again, apparmor_enabled=True, socket_activation=True
    )
    key = root / "libvirt/private/serverkey.pem"
    assert key.read_text() == KEY and (root / "CA/cacert.pem").read_text() == CERT
    assert (
        stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE((root / "libvirt/private").stat().st_mode) == 0o700
    )
    assert stat.S_IMODE((root / "CA/cacert.pem").stat().st_mode) == 0o644
    assert (key.stat().st_uid, key.stat().st_gid) == ((0, 0) if os.geteuid() == 0 else (os.getuid(), os.getgid()))
    assert "write %s (private key, not shown)" % key in result["changes"]
    assert result["restarted"] == ["libvirtd.service"]
    # Certificates are public and diffed; the key appears in no diff and no change line.
    assert {d["after_header"] for d in diffs} == {str(root / "CA/cacert.pem"), str(root / "libvirt/servercert.pem")}
    assert KEY_BODY not in repr(result) and KEY_BODY not in repr(diffs)
    # Nothing differs: nothing written, nothing restarted.
    third = Host(again.units)
    result, diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), third, apparmor_enabled=True, socket_activation=True
    )
    assert not result["changed"] and diffs == [] and third.switched() == []
    # A key made readable by others is made private again, without a restart (its text is the same).
    os.chmod(key, 0o644)
    result, _diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)), Host(third.units), apparmor_enabled=True, socket_activation=True
    )
    assert result["changes"] == ["set mode 600, owner root on %s" % key] and result["restarted"] == []
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_check_mode_writes_no_certificate(root):
    result, _diffs = daemon_host.converge_host(
        params(root, tls_pki=pki(root)),
        Host(DEBIAN_UNITS),
        check_mode=True,
        apparmor_enabled=True,
        socket_activation=True,
    )
    assert result["changed"] and not (root / "CA").exists()


def test_tls_comes_on_in_the_run_that_places_its_files(root):
    """The files of tls_files this run writes count as there: listen_tls stays 1 and the TLS socket goes on."""
    files = pki(root)
    host = Host(DEBIAN_UNITS)
    daemon_host.converge_host(
        params(root, tls_pki=files),
        host,
        apparmor_enabled=True,
        socket_activation=True,
        missing_tls=[f.path for f in files],
    )
    assert "listen_tls = 1" in (root / "libvirtd.conf").read_text()
    assert "systemctl enable libvirtd-tls.socket" in host.calls
