"""cloud-init NoCloud seed ISO: label cidata, the three files, readable by xorriso."""

import shutil
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import cloudinit_seed as seed
from ansible_collections.essentials.kvm.plugins.module_utils.errors import UnsupportedError
from tests.unit.domain_samples import cloud_init

pytestmark = pytest.mark.skipif(not shutil.which("xorriso"), reason="reading the ISO needs xorriso")


def xorriso(*args):
    return subprocess.run(["xorriso"] + list(args), capture_output=True, text=True, check=True)


def test_seed_iso_is_built_and_readable(tmp_path):
    iso = tmp_path / "seed.iso"
    size = seed.build_seed(cloud_init(), str(iso))
    assert size == iso.stat().st_size > 0
    listing = xorriso("-indev", str(iso), "-find", "/", "-type", "f").stdout.split()
    assert sorted(listing) == ["'/meta-data'", "'/network-config'", "'/user-data'"]
    info = xorriso("-indev", str(iso), "-pvd_info")
    assert "Volume id    : 'cidata'" in info.stdout + info.stderr
    out = tmp_path / "out"
    xorriso("-osirrox", "on", "-indev", str(iso), "-extract", "/", str(out))
    user = (out / "user-data").read_text()
    assert user.startswith("#cloud-config\n") and "ssh-ed25519 AAAA admin" in user
    assert '"instance-id": "web1"' in (out / "meta-data").read_text()
    assert '"dhcp4": true' in (out / "network-config").read_text()


def test_without_network_config_there_is_no_file(tmp_path):
    ci = cloud_init()
    ci.network_config = None
    iso = tmp_path / "seed.iso"
    seed.build_seed(ci, str(iso))
    listing = xorriso("-indev", str(iso), "-find", "/", "-type", "f").stdout.split()
    assert "'/network-config'" not in listing


def test_missing_tool_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(seed.shutil, "which", lambda _name: None)
    with pytest.raises(UnsupportedError, match="install the Debian package 'xorriso'"):
        seed.build_seed(cloud_init(), str(tmp_path / "seed.iso"))
