"""Secrets in the item lists (console passwords, cloud-init passwords, hashes, chpasswd lists, private keys, pool
auth secrets) are registered as no_log values: the real module's output, diff, errors and journal line never
carry them. The end-to-end proof at -vvvv is tests/lab/test_secrets_lab.py."""

import importlib
import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import vm_secrets

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAcanary\n-----END OPENSSH PRIVATE KEY-----"
CANARIES = {
    "pw": "Cnry-plain-1",
    "hash": "$6$Cnry$hash2",
    "chpw": "Cnry-chpasswd-3",
    "user_pw": "Cnry-users-4",
    "gfx": "CnryGfx5",
    "key": KEY,
}


def user_data():
    return {
        "password": CANARIES["pw"],
        "ssh_pwauth": True,
        "users": [{"name": "ubuntu", "hashed_passwd": CANARIES["hash"], "lock_passwd": False, "groups": "sudo"}],
        "chpasswd": {
            "list": "root:%s\n" % CANARIES["chpw"],
            "expire": False,
            "users": [{"name": "admin", "password": CANARIES["user_pw"], "type": "text"}],
        },
        "ssh_keys": {"ed25519_private": KEY, "ed25519_public": "ssh-ed25519 AAAA public"},
    }


def test_every_secret_of_a_user_data_mapping_is_found_and_nothing_else():
    found = vm_secrets(
        [
            {
                "name": "a",
                "graphics": {"type": "vnc", "password": CANARIES["gfx"]},
                "cloud_init": {"user_data": user_data()},
            }
        ]
    )
    for value in CANARIES.values():
        assert value in found
    assert not found & {"ubuntu", "admin", "root", "sudo", "text", "ssh-ed25519 AAAA public"}


def test_a_user_data_text_is_hidden_whole_and_its_secrets_alone():
    text = (
        "#cloud-config\npassword: '%s'\nchpasswd:\n  expire: false\nusers:\n  - name: ubuntu\n"
        "    hashed_passwd: %s\n    lock_passwd: false\nwrite_files:\n  - path: /root/.ssh/id\n    content: |\n"
        "      %s\n" % (CANARIES["pw"], CANARIES["hash"], KEY.replace("\n", "\n      "))
    )
    found = vm_secrets([{"cloud_init": {"user_data": text}}, "not a mapping", {"cloud_init": None}])
    assert {text, CANARIES["pw"], CANARIES["hash"]} <= found
    assert any("PRIVATE KEY" in value for value in found - {text})
    assert "false" not in found


def test_the_domain_module_masks_them_in_its_output_diff_and_journal_line(monkeypatch, capsys):
    pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")
    module = importlib.import_module("ansible_collections.essentials.kvm.plugins.modules.libvirt_domain")
    logged = []
    monkeypatch.setattr(AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    vm = {
        "name": "sec1",
        "memory": 256,
        "graphics": {"type": "vnc", "password": CANARIES["gfx"]},
        "cloud_init": {"user_data": user_data(), "pool": "default-pool"},
        "nics": [{"network": "default"}],
    }
    # An error on the same VM: a bad NIC, after the secrets were read.
    bad = dict(vm, nics=[{"network": "default", "model": CANARIES["gfx"]}])
    for items in ([vm], [bad]):
        with patch_module_args(
            {
                "uri": "test:///default",
                "vms": items,
                "_ansible_check_mode": True,
                "_ansible_diff": True,
                "_ansible_no_log": False,
            }
        ):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        result = json.loads(out)
        assert ("failed" in result) == (items == [bad]), result
        for value in CANARIES.values():
            assert value not in out and all(value not in line for line in logged)
    assert logged and "********" in logged[0]
