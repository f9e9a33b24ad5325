# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open vSwitch's host side in one pass: packages, the service, the sysctl file. Kept apart from
the switch's own state (ovs_*), which another module converges over OVSDB."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.host_files import apply_text, diff_of, plan_file
from ansible_collections.essentials.kvm.plugins.module_utils.host_paths import writable_file
from ansible_collections.essentials.kvm.plugins.module_utils.host_units import (
    Systemd,
    ensure_unit,
    install_packages,
    missing_packages,
    package_manager,
    package_name,
    unit_name,
)

HEADER = "# Managed by the essentials.kvm.openvswitch role.\n"
# A sysctl.d key: dotted or slashed names (an interface with a dot is written with slashes), systemd-sysctl's glob
# and its leading '-' (ignore a missing key); nothing that could end the line or start another assignment.
SYSCTL_KEY_RE = re.compile(r"^-?[A-Za-z0-9_*][A-Za-z0-9_.*/+@:-]*$")
sysctl_key = checks.text(SYSCTL_KEY_RE, "a sysctl key", "such as net.ipv4.ip_forward")


def sysctl_text(settings, path="openvswitch_system_tuning"):
    """The file's text (the one the role's copy task wrote), or None for no settings."""
    if not settings:
        return None
    lines = []
    for index, setting in enumerate(settings):
        value = setting["value"]
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (dict, list)) or value is None or "\n" in str(value):
            raise InputError(at(at(path, index), "value"), "must be a single value (got %r)" % (value,))
        name = sysctl_key(setting["name"], at(at(path, index), "name"))
        if isinstance(value, str):
            checks.plain_text(value, at(at(path, index), "value"))
        lines.append("%s = %s\n" % (name, value))
    return HEADER + "".join(lines)


def converge_switch_host(params, runner, check_mode=False, manager=None):
    """Returns (result, diffs)."""
    text = sysctl_text(params["sysctl"])
    checks.abs_path(params["sysctl_file"], "sysctl_file")
    unit_name(params["service"], "service")
    for index, package in enumerate(params["packages"]):
        package_name(package, at("packages", index))
    writable_file("sysctl_file", params["sysctl_file"], writing=not check_mode, make_dirs=True)
    changes, diffs = [], []
    manager = manager or package_manager()
    missing = missing_packages(runner, params["packages"], manager)
    changes.extend("install %s" % name for name in missing)
    if missing and not check_mode:
        install_packages(runner, missing, manager)
    systemd = Systemd(runner)
    if check_mode and missing:
        # The unit arrives with the package: a fresh host would get it enabled and started.
        changes.extend(["enable %s" % params["service"], "start %s" % params["service"]])
    else:
        changes.extend(ensure_unit(systemd, params["service"], enabled=True, started=True, check_mode=check_mode))
    path = params["sysctl_file"]
    changed, before, after = plan_file(path, text)
    if changed:
        changes.append("%s %s" % ("remove" if after is None else "write", path))
        diffs.append(diff_of(path, before, after))
        if not check_mode:
            apply_text(path, after)
            if after is not None:
                rc, out, err = runner(["sysctl", "-p", path])
                if rc != 0:
                    raise HostError("sysctl -p %s failed: %s" % (path, (err or out).strip()), done=changes)
    return dict(changed=bool(changes), changes=changes), diffs
