"""Host virtualisation facts from fake /proc and /sys files, a fake /dev/kvm and libvirt's test driver."""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import host_virt
from ansible_collections.essentials.kvm.plugins.modules import kvm_host_info

INTEL = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx ssse3 sse4_1
processor\t: 1
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx ssse3 sse4_1
"""
AMD = "processor\t: 0\nflags\t\t: fpu svm lm\n"
TCG = "processor\t: 0\nflags\t\t: fpu de pse tsc msr pae hypervisor\n"


class KvmConn:
    """A connection whose libvirt offers kvm domains (the test driver never does)."""

    def __init__(self):
        self.asked = []

    def getDomainCapabilities(self, emulator, arch, machine, virttype):
        self.asked.append((emulator, arch, machine, virttype))
        return "<domainCapabilities/>"


@pytest.fixture
def fake(tmp_path):
    def make(
        cpuinfo=INTEL, modules="kvm_intel 372736 0 - Live 0x0\nkvm 1142784 1 kvm_intel, Live 0x0\n", apparmor="Y\n"
    ):
        paths = {}
        for name, text in (("cpuinfo", cpuinfo), ("proc_modules", modules), ("apparmor", apparmor)):
            if text is not None:
                (tmp_path / name).write_text(text)
            paths[name] = str(tmp_path / name)
        paths["dev_kvm"] = str(tmp_path / "kvm")
        paths["units"] = str(tmp_path / "units")
        return paths

    return make


@pytest.mark.parametrize("cpuinfo, flags", [(INTEL, ["vmx"]), (AMD, ["svm"]), (TCG, [])])
def test_cpu_flags_come_from_proc_cpuinfo(fake, cpuinfo, flags):
    assert host_virt.cpu_virt_flags(fake(cpuinfo=cpuinfo)["cpuinfo"]) == flags


def test_missing_files_mean_no_virtualisation(fake):
    paths = fake(cpuinfo=None, modules=None, apparmor=None)
    info = host_virt.host_info(
        cpuinfo=paths["cpuinfo"],
        dev_kvm=paths["dev_kvm"],
        proc_modules=paths["proc_modules"],
        apparmor=paths["apparmor"],
        unit_dirs=[paths["units"]],
    )
    assert info == {
        "libvirtd_socket_activation": False,
        "tls_files_missing": [],
        "tls_ready": False,
        "cpu_virt_flags": [],
        "hardware_virtualization": False,
        "kvm_modules": [],
        "kvm_device_exists": False,
        "kvm_device_usable": False,
        "kvm_device_problem": "%s does not exist" % paths["dev_kvm"],
        "apparmor_enabled": False,
        "domain_type": "qemu",
        "domain_type_source": "/dev/kvm",
        "domain_type_reason": "%s does not exist" % paths["dev_kvm"],
    }


def test_a_device_that_is_not_kvm_is_not_usable(fake):
    paths = fake()
    with open(paths["dev_kvm"], "w") as handle:
        handle.write("not a device")
    exists, usable, problem = host_virt.kvm_device(paths["dev_kvm"])
    assert (exists, usable) == (True, False)
    assert "does not answer the KVM API" in problem


def test_a_device_that_does_not_open_is_not_usable(fake):
    paths = fake()
    os.mkdir(paths["dev_kvm"])  # opening a directory read-write fails even for root
    exists, usable, problem = host_virt.kvm_device(paths["dev_kvm"])
    assert (exists, usable) == (True, False)
    assert problem.startswith("cannot open %s: " % paths["dev_kvm"])


def test_libvirt_offering_kvm_decides_the_domain_type(fake):
    paths = fake()
    conn = KvmConn()
    info = host_virt.host_info(
        conn,
        Exception,
        cpuinfo=paths["cpuinfo"],
        dev_kvm=paths["dev_kvm"],
        proc_modules=paths["proc_modules"],
        apparmor=paths["apparmor"],
    )
    assert conn.asked == [(None, None, None, "kvm")]
    assert (info["domain_type"], info["domain_type_source"], info["domain_type_reason"]) == ("kvm", "libvirt", "")
    assert (info["cpu_virt_flags"], info["kvm_modules"], info["apparmor_enabled"]) == (["vmx"], ["kvm_intel"], True)


def test_libvirt_test_driver_offers_no_kvm_so_qemu_is_used(fake):
    libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    paths = fake(cpuinfo=TCG, modules="", apparmor="N\n")
    conn = libvirt.open("test:///default")
    try:
        info = host_virt.host_info(
            conn,
            libvirt.libvirtError,
            cpuinfo=paths["cpuinfo"],
            dev_kvm=paths["dev_kvm"],
            proc_modules=paths["proc_modules"],
            apparmor=paths["apparmor"],
        )
    finally:
        conn.close()
    assert (info["domain_type"], info["domain_type_source"]) == ("qemu", "libvirt")
    assert info["domain_type_reason"].startswith("libvirt offers no kvm domains: ")
    assert (info["hardware_virtualization"], info["apparmor_enabled"]) == (False, False)


def test_without_libvirt_the_domain_type_follows_dev_kvm(fake):
    paths = fake()
    info = host_virt.host_info(
        None,
        Exception,
        "cannot connect to qemu:///system: no socket",
        cpuinfo=paths["cpuinfo"],
        dev_kvm=paths["dev_kvm"],
        proc_modules=paths["proc_modules"],
        apparmor=paths["apparmor"],
    )
    assert (info["domain_type"], info["domain_type_source"]) == ("qemu", "/dev/kvm")
    assert info["domain_type_reason"] == "cannot connect to qemu:///system: no socket"


def test_module_reports_and_never_changes(monkeypatch, capsys):
    libvirt = pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed for the test driver")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    with patch_module_args({"uri": "test:///default", "_ansible_check_mode": True}):
        with pytest.raises(SystemExit):
            kvm_host_info.main()
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is False
    assert result["domain_type"] == "qemu" and result["domain_type_source"] == "libvirt"
    assert "warnings" not in result


def test_module_warns_when_libvirt_cannot_be_reached(monkeypatch, capsys):
    pytest.importorskip("libvirt", reason="the libvirt Python bindings are needed to fail a connection")
    with patch_module_args({"uri": "test:///nonexistent/ekvm-no-such-file.xml"}):
        with pytest.raises(SystemExit):
            kvm_host_info.main()
    result = json.loads(capsys.readouterr().out)
    assert result["domain_type_source"] == "/dev/kvm"
    assert "the domain type follows /dev/kvm" in json.dumps(result["warnings"])


def test_tls_certificates_and_socket_activation_are_reported(fake, tmp_path):
    paths = fake()
    os.mkdir(paths["units"])
    (tmp_path / "units" / "libvirtd.socket").write_text("[Socket]\n")
    (tmp_path / "cacert.pem").write_text("cert")
    wanted = [str(tmp_path / "cacert.pem"), str(tmp_path / "serverkey.pem")]
    info = host_virt.host_info(
        cpuinfo=paths["cpuinfo"],
        dev_kvm=paths["dev_kvm"],
        tls_files=wanted,
        proc_modules=paths["proc_modules"],
        apparmor=paths["apparmor"],
        unit_dirs=[paths["units"]],
    )
    assert (info["libvirtd_socket_activation"], info["tls_ready"]) == (True, False)
    assert info["tls_files_missing"] == [str(tmp_path / "serverkey.pem")]
    (tmp_path / "serverkey.pem").write_text("key")
    assert host_virt.host_info(tls_files=wanted, dev_kvm=paths["dev_kvm"])["tls_ready"] is True
