"""openvswitch_host: packages, the service and the sysctl file in one pass; a second pass does nothing."""

import re

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import host_units
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError
from ansible_collections.essentials.kvm.plugins.module_utils.switch_host import converge_switch_host


class Host:
    def __init__(self, installed=(), units=None, apt_fails=0):
        self.installed = set(installed)
        self.units = dict(units or {})
        self.calls = []
        self.apt_fails = apt_fails

    def __call__(self, argv):
        self.calls.append(" ".join(argv))
        if argv[0] == "dpkg-query":
            names = argv[argv.index("--") + 1 :]
            return (
                0 if set(names) <= self.installed else 1,
                "".join("%s\tii \n" % n for n in names if n in self.installed),
                "",
            )
        if "apt-get" in argv and "install" in argv:
            if self.apt_fails:
                self.apt_fails -= 1
                return 100, "", "E: Unable to locate package"
            self.installed.update(argv[argv.index("--") + 1 :])
            return 0, "", ""
        if argv[:2] == ["systemctl", "show"]:
            enabled, active = self.units.get(argv[-1], (False, False))
            return (
                0,
                "UnitFileState=%s\nActiveState=%s\n"
                % ("enabled" if enabled else "disabled", "active" if active else "inactive"),
                "",
            )
        if argv[0] == "systemctl":
            enabled, active = self.units.get(argv[2], (False, False))
            self.units[argv[2]] = (True, active) if argv[1] == "enable" else (enabled, True)
        return 0, "", ""


def params(tmp_path, sysctl=({"name": "net.ipv4.ip_forward", "value": 1},)):
    return dict(
        packages=["openvswitch-switch", "openvswitch-common"],
        service="openvswitch-switch",
        sysctl=list(sysctl),
        sysctl_file=str(tmp_path / "60-openvswitch.conf"),
    )


def test_fresh_host_installs_starts_writes_then_nothing(tmp_path):
    host = Host()
    result, diffs = converge_switch_host(params(tmp_path), host, manager="apt")
    assert result["changes"] == [
        "install openvswitch-switch",
        "install openvswitch-common",
        "enable openvswitch-switch",
        "start openvswitch-switch",
        "write %s" % (tmp_path / "60-openvswitch.conf"),
    ]
    assert (tmp_path / "60-openvswitch.conf").read_text() == (
        "# Managed by the essentials.kvm.openvswitch role.\nnet.ipv4.ip_forward = 1\n"
    )
    assert "sysctl -p %s" % (tmp_path / "60-openvswitch.conf") in host.calls and len(diffs) == 1
    again = Host(host.installed, host.units)
    result, diffs = converge_switch_host(params(tmp_path), again, manager="apt")
    assert result == {"changed": False, "changes": []} and diffs == []
    assert [c for c in again.calls if not c.startswith(("dpkg-query", "systemctl show"))] == []


def test_check_mode_on_a_fresh_host_touches_nothing(tmp_path):
    host = Host()
    result, _diffs = converge_switch_host(params(tmp_path), host, check_mode=True, manager="apt")
    assert result["changed"] and "start openvswitch-switch" in result["changes"]
    assert not (tmp_path / "60-openvswitch.conf").exists()
    assert [c for c in host.calls if not c.startswith("dpkg-query")] == []


def test_unknown_package_refreshes_the_lists_once(tmp_path):
    host = Host(units={"openvswitch-switch": (True, True)}, apt_fails=1)
    converge_switch_host(params(tmp_path, ()), host, manager="apt")
    assert [c for c in host.calls if "apt-get" in c][1] == "apt-get update -q"
    with pytest.raises(HostError, match="installing openvswitch-switch"):
        converge_switch_host(params(tmp_path, ()), Host(apt_fails=2), manager="apt")


def test_no_settings_remove_the_file(tmp_path):
    (tmp_path / "60-openvswitch.conf").write_text("x = 1\n")
    host = Host({"openvswitch-switch", "openvswitch-common"}, {"openvswitch-switch": (True, True)})
    result, _diffs = converge_switch_host(params(tmp_path, ()), host, manager="apt")
    assert result["changes"] == ["remove %s" % (tmp_path / "60-openvswitch.conf")]
    assert not (tmp_path / "60-openvswitch.conf").exists() and not [c for c in host.calls if "sysctl" in c]


def test_a_list_value_is_refused_with_its_path(tmp_path):
    with pytest.raises(InputError, match=r"openvswitch_system_tuning\[0\]\.value"):
        converge_switch_host(params(tmp_path, ({"name": "a", "value": [1]},)), Host(), manager="apt")


@pytest.mark.parametrize(
    "setting, where",
    [
        ({"name": "net.ipv4.ip_forward = 1\nkernel.panic", "value": 1}, "name"),
        ({"name": "a;b", "value": 1}, "name"),
        ({"name": "net.ipv4.ip_forward", "value": "1\x00"}, "value"),
        ({"name": "net.ipv4.ip_forward", "value": "1\udcff"}, "value"),
    ],
)
def test_a_key_or_value_that_could_break_the_file_is_refused(tmp_path, setting, where):
    with pytest.raises(InputError, match=r"^openvswitch_system_tuning\[0\]\.%s: " % where):
        converge_switch_host(params(tmp_path, (setting,)), Host(), manager="apt")
    assert not (tmp_path / "60-openvswitch.conf").exists()


@pytest.mark.parametrize(
    "option, value, where",
    [
        ("service", "--now", "service"),
        ("packages", ["ovs", "-oAPT::x=y"], "packages[1]"),
        ("sysctl_file", "a.conf", "sysctl_file"),
    ],
)
def test_an_argument_that_could_pass_for_an_option_is_refused(tmp_path, option, value, where):
    host = Host()
    with pytest.raises(InputError, match=r"^%s: " % re.escape(where)):
        converge_switch_host(dict(params(tmp_path), **{option: value}), host, manager="apt")
    assert host.calls == []


def test_a_slow_start_is_tried_again():
    calls = []

    def runner(argv):
        calls.append(argv)
        return (1 if len(calls) < 3 else 0), "", "timeout"

    systemd = host_units.Systemd(runner)
    systemd.start_with_retries("ovs", sleep=lambda s: None)
    assert len(calls) == 3 and systemd.done == ["start ovs"]
