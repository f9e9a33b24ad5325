# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd units and packages as the host modules need them: one `systemctl show` per unit to
learn its state, then only the switches that differ. `runner(argv)` returns (rc, stdout, stderr):
AnsibleModule.run_command in a module, a stand-in in the tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import time

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, at

UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")
ENABLED_STATES = ("enabled", "enabled-runtime", "static", "indirect", "alias", "generated")
# Names that reach systemctl, apt-get/dnf, usermod and unit paths as arguments: no leading '-' (it would be read as
# an option) and no '/' (a drop-in path is built from the unit's name).
UNIT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9:_.@\\-]*$")
PACKAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.:~=_-]*$")
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$")
unit_name = checks.text(UNIT_RE, "a systemd unit name", "such as libvirtd.service; it cannot start with '-'")
package_name = checks.text(PACKAGE_RE, "a package name", "such as openvswitch-switch; it cannot start with '-'")
account_name = checks.text(ACCOUNT_RE, "a user or group name", "at most 32 letters, digits and _ . -")


def unit_exists(unit, unit_dirs=UNIT_DIRS):
    return any(os.path.exists(os.path.join(directory, unit)) for directory in unit_dirs)


class Systemd:
    """The systemctl calls of one module run; `done` lists what was switched, for the result."""

    def __init__(self, runner):
        self.runner = runner
        self.done = []

    def call(self, *args):
        rc, out, err = self.runner(["systemctl"] + list(args))
        if rc != 0:
            raise HostError("systemctl %s failed: %s" % (" ".join(args), (err or out).strip()), done=list(self.done))
        return out

    def state(self, unit):
        """(enabled, active) of a unit."""
        out = self.call("show", "--property=UnitFileState,ActiveState", unit)
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return (
            props.get("UnitFileState", "") in ENABLED_STATES,
            props.get("ActiveState", "") in ("active", "activating", "reloading"),
        )

    def switch(self, unit, verb):
        self.call(verb, unit)
        self.done.append("%s %s" % (verb, unit))

    def daemon_reload(self):
        self.call("daemon-reload")
        self.done.append("daemon-reload")

    def start_with_retries(self, unit, tries=6, delay=10, sleep=time.sleep):
        """Start a unit that may overrun its start timeout on a slow host (systemd restarts it)."""
        for attempt in range(tries):
            try:
                self.switch(unit, "start")
                return
            except HostError:
                if attempt == tries - 1:
                    raise
                sleep(delay)


def ensure_unit(systemd, unit, enabled=None, started=None, check_mode=False):
    """Converge one unit's enablement and running state (None: leave it); returns the changes."""
    is_enabled, is_active = systemd.state(unit)
    changes = []
    if enabled is not None and enabled != is_enabled:
        changes.append("enable" if enabled else "disable")
    if started is not None and started != is_active:
        changes.append("start" if started else "stop")
    if not check_mode:
        for verb in changes:
            if verb == "start":
                systemd.start_with_retries(unit)
            else:
                systemd.switch(unit, verb)
    return ["%s %s" % (verb, unit) for verb in changes]


# ---------------------------------------------------------------- packages


def package_manager(which=shutil.which):
    if which("dpkg-query"):
        return "apt"
    if which("rpm"):
        return "dnf"
    raise HostError("neither dpkg nor rpm on this host: the role cannot check its packages")


def missing_packages(runner, packages, manager):
    """The listed packages that are not installed, in their order."""
    if not packages:
        return []
    if manager == "apt":
        # rc 1 when a name is unknown to dpkg: that name is simply missing.
        _rc, out, _err = runner(["dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\n", "--"] + list(packages))
        installed = set(
            line.split("\t")[0].split(":")[0]
            for line in out.splitlines()
            if "\t" in line and line.split("\t")[1].startswith("ii")
        )
    else:
        _rc, out, _err = runner(["rpm", "-q", "--qf", "%{NAME}\n"] + list(packages))
        installed = set(line.strip() for line in out.splitlines() if " " not in line.strip())
    return [name for name in packages if name not in installed]


def install_packages(runner, packages, manager):
    """Install missing packages; apt refreshes its lists once when a name is unknown to them. Recommends
    (weak dependencies) stay out: QEMU's recommend a desktop (GTK, GStreamer, Mesa: about 300 packages on
    Debian 12) that a headless hypervisor never uses, so the roles name what they need instead."""
    if manager == "apt":
        argv = [
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "-o",
            "Dpkg::Options::=--force-confdef",
            "-o",
            "Dpkg::Options::=--force-confold",
            "--",
        ]
        rc, out, err = runner(argv + list(packages))
        if rc != 0:
            runner(["apt-get", "update", "-q"])
            rc, out, err = runner(argv + list(packages))
    else:
        rc, out, err = runner(["dnf", "install", "-y", "-q", "--setopt=install_weak_deps=False", "--"] + list(packages))
    if rc != 0:
        raise HostError("installing %s failed: %s" % (", ".join(packages), (err or out).strip()[-2000:]))


def converge_packages(runner, packages, check_mode=False, manager=None, path="packages"):
    """The host_packages module: install what `packages` lacks (check mode names it). dpkg-query is all check
    mode needs, so a fresh host without python3-apt (which ansible.builtin.apt's check mode requires) is fine."""
    for index, package in enumerate(packages):
        package_name(package, at(path, index))
    if not packages:
        return dict(changed=False, installed=[])  # nothing to ask: a host without dpkg or rpm is fine then
    manager = manager or package_manager()
    missing = missing_packages(runner, packages, manager)
    if missing and not check_mode:
        install_packages(runner, missing, manager)
    return dict(changed=bool(missing), installed=missing)
