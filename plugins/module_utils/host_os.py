# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's OS from /etc/os-release, in the names ansible.builtin.setup gives it (os_family, distribution,
distribution_major_version). The first module of a play returns them as facts, so site.yml needs no setup run:
under emulation that run alone costs seconds per host, for three values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError

OS_RELEASE = "/etc/os-release"
# ID (or an ID_LIKE word) -> os_family, for the families the roles know; setup names these the same way.
FAMILIES = {"debian": "Debian", "ubuntu": "Debian", "rhel": "RedHat", "fedora": "RedHat", "centos": "RedHat"}


def read_release(path=OS_RELEASE):
    """os-release as a dict; an empty one when the file is missing (the facts then say so)."""
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:
        return {}
    release = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            words = shlex.split(value, comments=False, posix=True)
            release[key.strip()] = words[0] if words else ""
    return release


def os_facts(release):
    """{os_family, distribution, distribution_major_version} as setup's min subset names them."""
    ident = release.get("ID", "").lower()
    family = FAMILIES.get(ident)
    for like in release.get("ID_LIKE", "").lower().split():
        family = family or FAMILIES.get(like)
    version = release.get("VERSION_ID", "")
    return {
        "os_family": family or (ident.capitalize() if ident else "unknown"),
        # setup's names for Debian and Ubuntu, the family this module runs on; others only reach the refusal.
        "distribution": ident.capitalize() if ident else "unknown",
        "distribution_major_version": version.split(".")[0] if version else "NA",
    }


def require_debian_family(facts):
    """ifupdown's /etc/network/interfaces is the Debian family's; anywhere else the module refuses to start."""
    if facts["os_family"] != "Debian":
        raise HostError(
            "config_interfaces writes ifupdown's /etc/network/interfaces, which only the Debian family (Debian, "
            "Ubuntu with ifupdown) uses, but this host runs %s (os_family %s). Configure its network another way "
            "(NetworkManager on the RHEL family) and set config_network_interfaces: false for this host."
            % (facts["distribution"], facts["os_family"])
        )
