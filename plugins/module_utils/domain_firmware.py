# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""UEFI needs OVMF on the hypervisor: checked against libvirt's domain capabilities before any change.

A VM with firmware: uefi is defined with <os firmware='efi'>: libvirt picks the OVMF build from the
firmware descriptors, copies the build's vars template to a per-VM NVRAM file on first start, and the
NVRAM file goes with the VM (undefine with the NVRAM flag, domain_apply.remove)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError

OVMF_HINT = "install the OVMF firmware: package ovmf on Debian and Ubuntu, edk2-ovmf on Fedora and RHEL"


def firmware_offer(conn, vm, cache):
    """(UEFI offered, secure boot offered) for the VM's emulator and machine, or None when the driver cannot
    tell (the test driver has no domain capabilities)."""
    machine = vm.machine or ("q35" if vm.secure_boot else None)
    key = (vm.arch, machine, vm.domain_type)
    if key not in cache:
        try:
            root = ET.fromstring(conn.getDomainCapabilities(None, vm.arch, machine, vm.domain_type, 0))
        except LibvirtError:
            cache[key] = None
        else:
            os_elem = root.find("os")
            efi = (
                os_elem is not None
                and os_elem.get("supported") == "yes"
                and (
                    "efi" in [v.text for v in os_elem.findall("enum[@name='firmware']/value")]
                    or bool(os_elem.findall("loader/value"))
                )
            )
            secure = efi and "yes" in [v.text for v in os_elem.findall("loader/enum[@name='secure']/value")]
            cache[key] = (efi, secure)
    return cache[key]


def check_firmware(conn, vms, path):
    """Refuse firmware: uefi (and secure_boot) on a host whose libvirt offers no OVMF build for it."""
    cache = {}
    for index, vm in enumerate(vms):
        if vm.firmware != "uefi" or vm.state == "absent":
            continue
        offer = firmware_offer(conn, vm, cache)
        if offer is None:
            continue
        if not offer[0]:
            raise InputError(
                at(at(path, index), "firmware"),
                "uefi needs OVMF, which this host's libvirt does not offer for %s guests" % vm.domain_type,
                OVMF_HINT,
            )
        if vm.secure_boot and not offer[1]:
            raise InputError(
                at(at(path, index), "secure_boot"),
                "this host's OVMF has no secure boot build",
                OVMF_HINT + " (its secboot build)",
            )
