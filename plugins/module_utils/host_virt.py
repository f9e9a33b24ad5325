# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host offers for virtualisation: CPU flags, /dev/kvm, AppArmor and libvirt's domain type.

Read-only: nothing here changes the host. Paths are parameters so tests can point at fake files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os

from ansible_collections.essentials.kvm.plugins.module_utils.host_paths import readable_file

CPUINFO = "/proc/cpuinfo"
DEV_KVM = "/dev/kvm"
PROC_MODULES = "/proc/modules"
APPARMOR_ENABLED = "/sys/module/apparmor/parameters/enabled"
TLS_FILES = ("/etc/pki/CA/cacert.pem", "/etc/pki/libvirt/servercert.pem", "/etc/pki/libvirt/private/serverkey.pem")
UNIT_DIRS = ("/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system")
VIRT_FLAGS = ("vmx", "svm")
KVM_MODULES = ("kvm_intel", "kvm_amd")
# ioctl(KVM_GET_API_VERSION) = _IO(0xAE, 0x00); every KVM since Linux 2.6.22 answers 12.
KVM_GET_API_VERSION = 0xAE00
KVM_API_VERSION = 12


def cpu_virt_flags(cpuinfo=CPUINFO):
    """The hardware virtualisation flags (vmx: Intel VT-x, svm: AMD-V) any CPU lists."""
    found = set()
    try:
        with open(cpuinfo) as handle:
            for line in handle:
                key, _sep, value = line.partition(":")
                if key.strip() == "flags":
                    found.update(flag for flag in value.split() if flag in VIRT_FLAGS)
    except OSError:
        return []
    return sorted(found)


def kvm_modules(proc_modules=PROC_MODULES):
    """The loaded KVM kernel modules (kvm_intel, kvm_amd)."""
    try:
        with open(proc_modules) as handle:
            names = [line.split(" ", 1)[0] for line in handle]
    except OSError:
        return []
    return [name for name in names if name in KVM_MODULES]


def kvm_device(path=DEV_KVM):
    """Whether /dev/kvm exists and answers the KVM API; returns (exists, usable, reason)."""
    if not os.path.exists(path):
        return False, False, "%s does not exist" % path
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        return True, False, "cannot open %s: %s" % (path, exc.strerror)
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as exc:
        return True, False, "%s does not answer the KVM API: %s" % (path, exc.strerror)
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return True, False, "%s speaks KVM API %s, expected %s" % (path, version, KVM_API_VERSION)
    return True, True, ""


def apparmor_enabled(path=APPARMOR_ENABLED):
    try:
        with open(path) as handle:
            return handle.read().strip() == "Y"
    except OSError:
        return False


def libvirt_offers_kvm(conn, error_class):
    """Ask libvirt for KVM domain capabilities; returns (offered, reason)."""
    try:
        conn.getDomainCapabilities(None, None, None, "kvm")
    except error_class as exc:
        return False, "libvirt offers no kvm domains: %s" % exc
    return True, ""


def missing_files(paths, name="tls_files"):
    """The files of the list option `name` that do not exist yet; one that never can (a directory, a path below
    a file) is refused naming its place in the option."""
    for index, path in enumerate(paths):
        readable_file("%s[%d]" % (name, index), path)
    return [path for path in paths if not os.path.exists(path)]


def socket_activation(unit_dirs=UNIT_DIRS):
    """Whether libvirtd comes with systemd socket units (its sockets then belong to systemd)."""
    return any(os.path.exists(os.path.join(directory, "libvirtd.socket")) for directory in unit_dirs)


def host_info(
    conn=None,
    error_class=Exception,
    libvirt_problem="",
    cpuinfo=CPUINFO,
    dev_kvm=DEV_KVM,
    proc_modules=PROC_MODULES,
    apparmor=APPARMOR_ENABLED,
    tls_files=(),
    unit_dirs=UNIT_DIRS,
):
    """Everything the module reports. Without a libvirt connection the domain type follows /dev/kvm."""
    tls_missing = missing_files(tls_files)
    flags = cpu_virt_flags(cpuinfo)
    exists, usable, device_problem = kvm_device(dev_kvm)
    if conn is not None:
        offered, reason = libvirt_offers_kvm(conn, error_class)
        source = "libvirt"
    else:
        offered, reason = usable, libvirt_problem or device_problem
        source = "/dev/kvm"
    return dict(
        cpu_virt_flags=flags,
        hardware_virtualization=bool(flags),
        kvm_modules=kvm_modules(proc_modules),
        kvm_device_exists=exists,
        kvm_device_usable=usable,
        kvm_device_problem=device_problem,
        apparmor_enabled=apparmor_enabled(apparmor),
        libvirtd_socket_activation=socket_activation(unit_dirs),
        tls_files_missing=tls_missing,
        tls_ready=bool(tls_files) and not tls_missing,
        domain_type="kvm" if offered else "qemu",
        domain_type_source=source,
        domain_type_reason="" if offered else reason,
    )
