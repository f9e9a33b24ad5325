"""libvirt config files: parse values, render settings in place, idempotence, atomic writes, bad input."""

import difflib
import json
import os
import shutil

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import (
    Unparsable,
    converge_files,
    converge_text,
    format_value,
    parse_value,
    validate_files,
    validate_settings,
)
from ansible_collections.essentials.kvm.plugins.modules import libvirt_daemon_config

SAMPLE = """# Master libvirt daemon configuration file
#
# Flag listening for secure TLS connections on the public TCP/IP port.
#listen_tls = 0

#listen_tcp = 1
listen_tcp = 1   # enabled by hand

# Set the UNIX domain socket group ownership.
#unix_sock_group = "libvirt"

#max_clients = 5000
max_clients = 20
#log_outputs="3:syslog:libvirtd"

# A commented list spanning lines
#cgroup_device_acl = [
#    "/dev/null", "/dev/full",
#]
"""


def settings(**values):
    return validate_settings(values, "kvm_libvirtd_settings")


@pytest.mark.parametrize(
    "text, value",
    [
        (" 1", 1),
        (" -1 # comment", -1),
        (' "libvirt"', "libvirt"),
        (" '0770'", "0770"),
        ('"3:syslog:libvirtd"', "3:syslog:libvirtd"),
        (' [ "a", "b" ]', ["a", "b"]),
        (" []", []),
        (
            ' [\n    "/dev/null", "/dev/full",  # the basics\n    "/dev/zero",\n]',
            ["/dev/null", "/dev/full", "/dev/zero"],
        ),
    ],
)
def test_parse_value_reads_virconf_values(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("text", [' "open', " [1, 2", " yes", ' "a" "b"', ""])
def test_parse_value_rejects_what_virconf_rejects(text):
    with pytest.raises(Unparsable):
        parse_value(text)


def test_format_value_quotes_strings_and_writes_booleans_as_numbers():
    assert format_value(5) == "5"
    assert format_value("0770") == '"0770"'
    assert format_value('say "hi"') == "'say \"hi\"'"
    assert format_value(["a", "b"]) == '["a", "b"]'
    assert settings(listen_tls=True, listen_tcp=False) == {"listen_tls": 1, "listen_tcp": 0}


def test_replaces_in_place_inserts_after_commented_default_and_appends():
    text, changes = converge_text(
        SAMPLE,
        settings(
            listen_tcp=False,
            listen_tls=True,
            unix_sock_group="libvirt",
            max_clients=100,
            log_outputs="3:syslog:libvirtd",
            cgroup_device_acl=["/dev/null"],
            ovs_timeout=10,
        ),
    )
    lines = text.splitlines()
    # In place: the hand-made assignment line is replaced, its commented default stays.
    assert lines[lines.index("#listen_tcp = 1") + 1] == "listen_tcp = 0"
    # After the commented default of a key that was not set.
    assert lines[lines.index("#listen_tls = 0") + 1] == "listen_tls = 1"
    assert lines[lines.index('#unix_sock_group = "libvirt"') + 1] == 'unix_sock_group = "libvirt"'
    assert lines[lines.index('#log_outputs="3:syslog:libvirtd"') + 1] == 'log_outputs = "3:syslog:libvirtd"'
    assert lines[lines.index("max_clients = 100") - 1] == "#max_clients = 5000"
    # After the whole commented multi-line list, not inside it.
    assert lines[lines.index("#]") + 1] == 'cgroup_device_acl = ["/dev/null"]'
    # No commented default: appended.
    assert lines[-1] == "ovs_timeout = 10"
    # Comments and untouched lines stay; only the managed lines differ.
    added = [line[1:] for line in difflib.ndiff(SAMPLE.splitlines(), lines) if line.startswith("+ ")]
    removed = [line[1:].strip() for line in difflib.ndiff(SAMPLE.splitlines(), lines) if line.startswith("- ")]
    assert len(added) == 7
    assert removed == ["listen_tcp = 1   # enabled by hand", "max_clients = 20"]
    assert "set max_clients = 100 (was 20)" in changes
    assert "set ovs_timeout = 10 (was unset)" in changes


def test_second_run_changes_nothing():
    wanted = settings(listen_tcp=0, unix_sock_group="libvirt", cgroup_device_acl=["/dev/null", "/dev/kvm"])
    once, changes = converge_text(SAMPLE, wanted)
    assert changes
    assert converge_text(once, wanted) == (once, [])


def test_existing_equal_value_in_another_spelling_is_left_alone():
    text = 'unix_sock_rw_perms = \'0770\'\nacl = [ "a",\n  "b" ]\nlisten_tcp=0\n'
    assert converge_text(text, settings(unix_sock_rw_perms="0770", acl=["a", "b"], listen_tcp=False)) == (text, [])


def test_null_removes_every_assignment_and_keeps_the_comment():
    text, changes = converge_text(SAMPLE, settings(max_clients=None, listen_tcp=None, never_set=None))
    assert "max_clients = 20" not in text and "#max_clients = 5000" in text
    assert "listen_tcp = 1" not in text.replace("#listen_tcp = 1", "")
    assert changes == ["remove max_clients (was 20)", "remove listen_tcp (was 1)"]


def test_multi_line_assignment_is_replaced_whole_and_duplicates_are_dropped():
    text = 'acl = [\n  "a",\n  "b",\n]\nother = 1\nacl = ["c"]\n'
    result, _changes = converge_text(text, settings(acl=["d"]))
    assert result == 'acl = ["d"]\nother = 1\n'


def test_unparsable_current_value_is_rewritten():
    result, changes = converge_text("log_level = three\n", settings(log_level=3))
    assert result == "log_level = 3\n"
    assert changes == ["set log_level = 3 (was three)"]


@pytest.mark.parametrize(
    "value, message",
    [
        (1.5, "kvm_libvirtd_settings.max_clients: must be an integer, a boolean, a string or a list of strings"),
        ({"a": 1}, "kvm_libvirtd_settings.max_clients: must be an integer"),
        ([1, 2], "kvm_libvirtd_settings.max_clients[0]: list items must be strings"),
        ("a\nb", "kvm_libvirtd_settings.max_clients: strings cannot span lines"),
        ("'\"", "kvm_libvirtd_settings.max_clients: a string cannot hold both quote characters"),
        ("a\x00b", "kvm_libvirtd_settings.max_clients: strings cannot hold control characters"),
        ("a\udcffb", "kvm_libvirtd_settings.max_clients: strings cannot hold control characters"),
    ],
)
def test_bad_values_name_the_setting(value, message):
    with pytest.raises(InputError) as err:
        settings(max_clients=value)
    assert str(err.value).startswith(message)


def test_bad_names_and_files_name_their_path():
    with pytest.raises(InputError, match=r"^kvm_qemu_settings\.bad-name: is not a libvirt setting name"):
        validate_files(
            [{"path": "/etc/libvirt/qemu.conf", "settings": {"bad-name": 1}, "input_name": "kvm_qemu_settings"}]
        )
    with pytest.raises(InputError, match=r"^files\[0\]\.path: must be an absolute path"):
        validate_files([{"path": "qemu.conf", "settings": {}}])
    with pytest.raises(InputError, match=r"^files\[1\]\.path: /a\.conf is already listed at files\[0\]"):
        validate_files([{"path": "/a.conf", "settings": {}}, {"path": "/a.conf", "settings": {}}])
    with pytest.raises(InputError, match=r"^files\[0\]\.settings\.x: must be an integer"):
        validate_files([{"path": "/a.conf", "settings": {"x": 2.5}}])


def test_files_are_written_atomically_keeping_mode_and_check_mode_writes_nothing(tmp_path):
    conf = tmp_path / "libvirtd.conf"
    conf.write_text(SAMPLE)
    os.chmod(conf, 0o600)
    inode = os.stat(conf).st_ino
    files = validate_files([{"path": str(conf), "settings": {"max_clients": 7}}])
    result, diffs = converge_files(files, check_mode=True)
    assert result["changed"] and conf.read_text() == SAMPLE
    assert diffs[0]["before"] == SAMPLE and "max_clients = 7" in diffs[0]["after"]
    result, _diffs = converge_files(files)
    assert result["files"] == [
        {"path": str(conf), "changed": True, "created": False, "changes": ["set max_clients = 7 (was 20)"]}
    ]
    assert "max_clients = 7\n" in conf.read_text()
    assert os.stat(conf).st_mode & 0o777 == 0o600
    assert os.stat(conf).st_ino != inode  # replaced by rename, never rewritten in place
    assert sorted(os.listdir(tmp_path)) == ["libvirtd.conf"]  # no temporary file left
    assert converge_files(files) == (
        {"changed": False, "files": [{"path": str(conf), "changed": False, "created": False, "changes": []}]},
        [],
    )


def test_missing_file_is_created(tmp_path):
    conf = tmp_path / "new.conf"
    result, _diffs = converge_files(validate_files([{"path": str(conf), "settings": {"a": "b"}}]))
    assert result["files"][0]["created"] is True
    assert conf.read_text() == 'a = "b"\n'
    assert os.stat(conf).st_mode & 0o777 == 0o644


@pytest.mark.skipif(
    not os.path.exists("/etc/libvirt/libvirtd.conf"),
    reason="libvirt's shipped libvirtd.conf is the realistic input; install libvirt-daemon-system",
)
def test_shipped_libvirtd_conf_takes_the_role_defaults_and_stays_readable(tmp_path):
    conf = tmp_path / "libvirtd.conf"
    shutil.copy("/etc/libvirt/libvirtd.conf", conf)
    shipped = conf.read_text()
    wanted = [
        {
            "path": str(conf),
            "settings": {
                "listen_tls": 1,
                "listen_tcp": 0,
                "unix_sock_group": "libvirt",
                "unix_sock_ro_perms": "0777",
                "unix_sock_rw_perms": "0770",
                "auth_unix_rw": "none",
                "keepalive_interval": 5,
                "keepalive_count": 5,
                "max_clients": 5000,
                "max_workers": 20,
                "log_level": 3,
                "audit_level": 1,
                "ovs_timeout": 5,
            },
        }
    ]
    result, _diffs = converge_files(validate_files(wanted))
    assert len(result["files"][0]["changes"]) == 13
    lines = conf.read_text().splitlines()
    assert lines[lines.index("#ovs_timeout = 5") + 1] == "ovs_timeout = 5"
    assert len(lines) == len(shipped.splitlines()) + 13
    assert converge_files(validate_files(wanted))[0]["changed"] is False


def run_module(capsys, args, check=False, diff=False):
    if check:
        args = dict(args, _ansible_check_mode=True)
    if diff:
        args = dict(args, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            libvirt_daemon_config.main()
    return json.loads(capsys.readouterr().out)


def test_module_converges_both_files_in_one_call(tmp_path, capsys):
    libvirtd, qemu = tmp_path / "libvirtd.conf", tmp_path / "qemu.conf"
    libvirtd.write_text(SAMPLE)
    qemu.write_text('#security_driver = "selinux"\n')
    args = {
        "files": [
            {"path": str(libvirtd), "settings": {"listen_tcp": False}},
            {"path": str(qemu), "settings": {"security_driver": "apparmor"}},
        ]
    }
    checked = run_module(capsys, args, check=True, diff=True)
    assert checked["changed"] is True and len(checked["diff"]) == 2
    assert qemu.read_text() == '#security_driver = "selinux"\n'
    first = run_module(capsys, args)
    assert first["changed"] is True and [f["changed"] for f in first["files"]] == [True, True]
    assert qemu.read_text() == '#security_driver = "selinux"\nsecurity_driver = "apparmor"\n'
    assert run_module(capsys, args)["changed"] is False


def test_module_fails_before_writing_with_the_setting_path(tmp_path, capsys):
    libvirtd = tmp_path / "libvirtd.conf"
    libvirtd.write_text(SAMPLE)
    result = run_module(
        capsys,
        {
            "files": [
                {"path": str(libvirtd), "settings": {"max_clients": 10}},
                {
                    "path": str(tmp_path / "qemu.conf"),
                    "settings": {"max_clients": 1.5},
                    "input_name": "kvm_qemu_settings",
                },
            ]
        },
    )
    assert result["failed"] is True
    assert result["msg"].startswith("kvm_qemu_settings.max_clients: must be an integer")
    assert libvirtd.read_text() == SAMPLE
