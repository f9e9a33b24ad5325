"""host_packages: the missing packages installed in one apt-get run, named in check mode with nothing but
dpkg-query (a fresh host has no python3-apt), nothing done when all are there, a failure naming the packages."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError
from ansible_collections.essentials.kvm.plugins.module_utils.host_units import converge_packages


class Apt:
    """dpkg-query and apt-get on a host with `installed`; `archive` is what apt can install once its lists
    were refreshed (a fresh host has empty lists)."""

    def __init__(self, installed=(), archive=(), lists=True):
        self.installed, self.archive, self.lists = set(installed), set(archive), lists
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[0] == "dpkg-query":
            names = argv[argv.index("--") + 1 :]
            return 0, "".join("%s\tii \n" % n for n in names if n in self.installed), ""
        if argv[:2] == ["apt-get", "update"]:
            self.lists = True
            return 0, "", ""
        names = argv[argv.index("--") + 1 :]
        unknown = [n for n in names if not self.lists or n not in self.archive]
        if unknown:
            return 100, "", "E: Unable to locate package %s" % unknown[0]
        self.installed.update(names)
        return 0, "", ""


def installs(apt):
    return [argv[argv.index("--") + 1 :] for argv in apt.calls if "install" in argv]


def test_the_missing_ones_are_installed_in_one_run_and_a_second_pass_does_nothing():
    apt = Apt(installed=["lvm2"], archive=["lvm2", "open-iscsi", "nfs-common"])
    assert converge_packages(apt, ["open-iscsi", "lvm2", "nfs-common"], manager="apt") == {
        "changed": True,
        "installed": ["open-iscsi", "nfs-common"],
    }
    assert installs(apt) == [["open-iscsi", "nfs-common"]]
    apt.calls = []
    assert converge_packages(apt, ["open-iscsi", "lvm2", "nfs-common"], manager="apt") == {
        "changed": False,
        "installed": [],
    }
    assert [argv[0] for argv in apt.calls] == ["dpkg-query"]


def test_check_mode_on_a_fresh_host_names_them_with_dpkg_query_alone():
    apt = Apt(archive=["libvirt-daemon-system"], lists=False)
    result = converge_packages(apt, ["libvirt-daemon-system"], check_mode=True, manager="apt")
    assert result == {"changed": True, "installed": ["libvirt-daemon-system"]}
    assert [argv[0] for argv in apt.calls] == ["dpkg-query"]
    assert apt.installed == set()


def test_empty_lists_are_refreshed_once():
    apt = Apt(archive=["qemu-system-x86"], lists=False)
    assert converge_packages(apt, ["qemu-system-x86"], manager="apt")["installed"] == ["qemu-system-x86"]
    steps = [step for argv in apt.calls for step in ("update", "install") if step in argv]
    assert steps == ["install", "update", "install"]
    assert apt.installed == {"qemu-system-x86"}


def test_a_package_the_archive_lacks_fails_naming_the_packages_and_installs_nothing():
    apt = Apt(archive=["libvirt-daemon-driver-storage-zfs"])
    with pytest.raises(HostError) as caught:
        converge_packages(apt, ["libvirt-daemon-driver-storage-zfs", "zfsutils-linux"], manager="apt")
    assert caught.value.message.startswith("installing libvirt-daemon-driver-storage-zfs, zfsutils-linux failed")
    assert "Unable to locate package zfsutils-linux" in caught.value.message
    assert apt.installed == set()


def test_a_name_that_would_be_an_option_is_refused_before_any_call():
    apt = Apt()
    with pytest.raises(InputError) as caught:
        converge_packages(apt, ["lvm2", "-oAPT::x=y"], manager="apt")
    assert "packages[1]" in str(caught.value.message)
    assert apt.calls == []
