# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt host in one pass: config files, socket drop-ins and switches, small files, the
AppArmor abstraction, group members, then the restarts the changes need, in the order systemd
accepts them. Everything is planned (and checked) before the first write, so check mode and a
no-op run touch nothing and restart nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd

from ansible_collections.essentials.kvm.plugins.module_utils.checks import abs_path, plain_text
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.host_files import (
    apply_text,
    diff_of,
    plan_block,
    plan_file,
    validate_text,
)
from ansible_collections.essentials.kvm.plugins.module_utils.host_paths import writable_file
from ansible_collections.essentials.kvm.plugins.module_utils.host_units import (
    UNIT_DIRS,
    Systemd,
    account_name,
    converge_packages,
    ensure_unit,
    unit_exists,
    unit_name,
)
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import converge_text, read_text, write_atomic
from ansible_collections.essentials.kvm.plugins.module_utils.tls_pki import plan as plan_pki
from ansible_collections.essentials.kvm.plugins.module_utils.tls_pki import write as write_pki

DROPIN = "/etc/systemd/system/%s.d/essentials-kvm.conf"
DROPIN_MARKER = "essentials.kvm kvm role"
APPARMOR_FILE = "/etc/apparmor.d/local/abstractions/libvirt-qemu"
APPARMOR_MARKER = "essentials.kvm pool paths"
# QEMU 8.1 and later read each block device's zoned attribute when it opens the disk; libvirt 11.3's guest
# profiles (Debian 13) lack the rule, so every guest on a logical volume logged a denial at its start.
QEMU_SYSFS_RULES = ("/sys/devices/**/block/*/queue/zoned r,",)
# libvirt's per-driver daemons (https://libvirt.org/daemons.html); virtproxyd takes remote clients.
MODULAR_DAEMONS = (
    "virtqemud",
    "virtnetworkd",
    "virtstoraged",
    "virtnodedevd",
    "virtsecretd",
    "virtnwfilterd",
    "virtinterfaced",
    "virtproxyd",
)


def daemon_mode(systemd, service, unit_dirs=UNIT_DIRS):
    """'monolithic' while the host runs (or would start) libvirtd, 'modular' when only the
    per-driver daemons are enabled: Debian 12 and 13 enable libvirtd, RHEL 9 the modular ones."""
    for unit in (service + ".socket", service + ".service"):
        if unit_exists(unit, unit_dirs) and systemd.state(unit)[0]:
            return "monolithic"
    for name in MODULAR_DAEMONS[:1]:
        for unit in (name + ".socket", name + ".service"):
            if unit_exists(unit, unit_dirs) and systemd.state(unit)[0]:
                return "modular"
    return "monolithic"


def turn_tls_off(files, sockets, missing):
    """Without its certificates libvirtd does not start with TLS on: keep it off until they exist."""
    if not missing:
        return files, sockets
    files = [
        (path, dict(settings, listen_tls=0) if settings.get("listen_tls") else settings) for path, settings in files
    ]
    sockets = [dict(s, enabled=False) if s["unit"].endswith("-tls.socket") and s.get("enabled") else s for s in sockets]
    return files, sockets


class HostPlan:
    """What differs on the host; `apply` makes it so and restarts what must restart."""

    def __init__(self):
        self.writes = []  # (path, after, mode, validate)
        self.diffs = []
        self.changes = []
        self.after_change = []
        self.restart_needed = False  # a daemon setting or its packages changed
        self.sockets_changed = False
        self.socket_switches = []  # (unit, enabled)
        self.members = []  # (user, exists)
        self.pki = []  # (tls_pki.PkiFile, content changed)

    def write(self, path, before, after, mode=0o644, validate=None, description=None):
        self.writes.append((path, after, mode, validate))
        self.diffs.append(diff_of(path, before, after))
        self.changes.append(description or ("remove %s" % path if after is None else "write %s" % path))


def plan_host(params, systemd, apparmor_enabled, socket_activation, mode, check_mode=False):
    """Plan every change; params are the module's validated options."""
    plan = HostPlan()
    plan.files = []
    if params.get("installed"):
        plan.changes.append("install %s" % ", ".join(params["installed"]))
        if params["manage_service"]:
            # New driver modules and a new QEMU are read when the daemon starts, not while it runs.
            plan.restart_needed = True
            plan.changes.append("restart for the changed packages")
    for path, settings in params["files"]:
        before, exists = read_text(path)
        after, changes = converge_text(before, settings)
        plan.files.append(dict(path=path, changed=bool(changes), created=bool(changes) and not exists, changes=changes))
        if changes:
            plan.restart_needed = True
            plan.writes.append((path, after, None, None))
            plan.diffs.append(diff_of(path, before, after))
            plan.changes.extend("%s: %s" % (path, change) for change in changes)
    if socket_activation and mode == "monolithic":
        for socket in params["sockets"]:
            path = DROPIN % socket["unit"]
            changed = False
            if socket.get("lines"):
                changed, before, after = plan_block(path, DROPIN_MARKER, ["[Socket]"] + socket["lines"])
            elif socket.get("lines") is not None:
                changed, before, after = plan_file(path, None)
            if changed:
                plan.sockets_changed = True
                plan.write(path, before, after)
            if params["manage_service"] and socket.get("enabled") is not None:
                enabled, active = systemd.state(socket["unit"])
                if (enabled, active) != (socket["enabled"], socket["enabled"]):
                    plan.sockets_changed = True
                    if enabled != socket["enabled"]:
                        plan.socket_switches.append((socket["unit"], socket["enabled"]))
                    plan.changes.append("%s %s" % ("switch on" if socket["enabled"] else "switch off", socket["unit"]))
    for entry in params["text_files"]:
        changed, before, after = plan_file(entry["path"], entry["content"])
        if changed:
            plan.write(entry["path"], before, after, int(entry["mode"], 8), entry.get("validate"))
            if entry.get("after_change") and entry["after_change"] not in plan.after_change:
                plan.after_change.append(entry["after_change"])
    for pki_file in params.get("tls_pki") or ():
        content, meta = plan_pki(pki_file)
        if content or meta:
            plan.pki.append((pki_file, content))
            meta_only = "set mode %o, owner root on %s" % (pki_file.mode, pki_file.path)
            plan.changes.append("write %s" % pki_file.describe() if content else meta_only)
        if content:
            # libvirtd reads its certificates when it starts; a key's text never goes to a diff.
            plan.restart_needed = True
            if not pki_file.secret:
                before, _exists = read_text(pki_file.path)
                plan.diffs.append(diff_of(pki_file.path, before, pki_file.text))
    if params["apparmor_paths"] is not None and apparmor_enabled:
        lines = list(QEMU_SYSFS_RULES)
        for path in params["apparmor_paths"]:
            lines.extend(['"%s/" r,' % path, '"%s/**" rwk,' % path])
        changed, before, after = plan_block(APPARMOR_FILE, APPARMOR_MARKER, lines)
        if changed:
            plan.write(APPARMOR_FILE, before, after)
    if params["users"]:
        try:
            members = set(grp.getgrnam(params["group"]).gr_mem)
        except KeyError:
            # In check mode on a fresh host the group is still to come with libvirt's package.
            if not check_mode:
                raise HostError("group %s does not exist: is libvirt installed?" % params["group"])
            members = set()
        for user in params["users"]:
            if user not in members:
                plan.members.append((user, _user_exists(user)))
                plan.changes.append("add %s to group %s" % (user, params["group"]))
    return plan


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def apply_host(plan, params, systemd, runner, socket_activation, mode):
    """Write, switch and restart; returns the units restarted."""
    for pki_file, content in plan.pki:
        write_pki(pki_file, content)
    for path, after, file_mode, validate in plan.writes:
        if validate and after is not None:
            validate_text(validate, after, path.rsplit("/", 1)[0], runner)
        if file_mode is None:
            write_atomic(path, after)
        else:
            apply_text(path, after, file_mode)
    for user, exists in plan.members:
        argv = (
            ["usermod", "--append", "--groups", params["group"], user]
            if exists
            else ["useradd", "--create-home", "--groups", params["group"], user]
        )
        rc, out, err = runner(argv)
        if rc != 0:
            raise HostError("%s failed: %s" % (" ".join(argv), (err or out).strip()), done=plan.changes)
    for argv in plan.after_change:
        rc, out, err = runner(argv)
        if rc != 0:
            raise HostError("%s failed: %s" % (" ".join(argv), (err or out).strip()), done=plan.changes)
    restarted = []
    if not params["manage_service"]:
        return restarted
    service = params["service"]
    if mode == "modular":
        if plan.restart_needed:
            systemd.daemon_reload()
            for name in MODULAR_DAEMONS:
                if unit_exists(name + ".service") and systemd.state(name + ".service")[1]:
                    systemd.switch(name + ".service", "restart")
                    restarted.append(name)
        return restarted
    for unit, enabled in plan.socket_switches:
        systemd.switch(unit, "enable" if enabled else "disable")
    if plan.sockets_changed:
        # systemd refuses to start a socket while its service runs: stop the service first.
        systemd.switch(service + ".service", "stop")
        systemd.daemon_reload()
        for socket in params["sockets"]:
            if unit_exists(socket["unit"]):
                verb = "stop" if socket.get("enabled") is False else "restart"
                systemd.switch(socket["unit"], verb)
                restarted.append(socket["unit"])
    if socket_activation:
        # libvirtd exits when idle and its socket starts it again: the socket must listen.
        ensure_unit(systemd, service + ".socket", enabled=True, started=True)
        ensure_unit(systemd, service + ".service", enabled=True)
    else:
        ensure_unit(systemd, service + ".service", enabled=True, started=True)
    if plan.sockets_changed or plan.restart_needed:
        if not plan.sockets_changed:
            systemd.daemon_reload()
        systemd.switch(service + ".service", "restart")
        restarted.append(service + ".service")
    return restarted


def planned_services(systemd, params, socket_activation, mode):
    """The enable/start changes a check-mode run would make (a real run makes them in apply_host)."""
    if not params["manage_service"] or mode == "modular":
        return []
    service = params["service"]
    if socket_activation:
        return ensure_unit(systemd, service + ".socket", True, True, check_mode=True) + ensure_unit(
            systemd, service + ".service", True, check_mode=True
        )
    return ensure_unit(systemd, service + ".service", True, True, check_mode=True)


def check_paths(params, check_mode):
    """Every file option checked before anything is read: config files must have their directory (libvirt's
    package makes it; in check mode on a fresh host the package step only said it would install it), small
    files get theirs made (the certificates, only looked for, are host_virt's)."""
    for index, (path, _settings) in enumerate(params["files"]):
        writable_file("files[%d].path" % index, path, writing=not check_mode, make_dirs=check_mode)
    for index, entry in enumerate(params["text_files"]):
        writable_file("text_files[%d].path" % index, entry["path"], writing=not check_mode, make_dirs=True)
    for index, path in enumerate(params["apparmor_paths"] or ()):
        where = "apparmor_paths[%d]" % index
        if '"' in abs_path(path, where):
            # The rule quotes the path: a quote in it would end the path and start rules of its own.
            raise InputError(where, "an AppArmor path cannot hold a double quote (got %r)" % path)
        if os.path.exists(path) and not os.path.isdir(path):
            raise InputError(where, "%s is not a directory" % path, "give the pool's directory")


def check_names(params):
    """The names that become systemctl or usermod arguments, drop-in paths and unit lines."""
    unit_name(params["service"], "service")
    account_name(params["group"], "group")
    for index, user in enumerate(params["users"]):
        account_name(user, at("users", index))
    for index, socket in enumerate(params["sockets"]):
        unit_name(socket["unit"], at(at("sockets", index), "unit"))
        for number, line in enumerate(socket.get("lines") or ()):
            plain_text(line, at(at(at("sockets", index), "lines"), number))


def install_packages(params, runner, check_mode=False):
    """The packages missing of params["packages"], installed (named only, in check mode) once the whole input was
    checked: they make the directories and units the rest reads, so they come before anything else is read."""
    check_names(params)
    check_paths(params, True)
    return converge_packages(runner, params.get("packages") or [], check_mode=check_mode)["installed"]


def converge_host(params, runner, check_mode=False, apparmor_enabled=False, socket_activation=None, missing_tls=()):
    """Plan and (unless check mode) apply; returns (result dict, diffs). params["installed"]: what install_packages
    installed in this run (a reason to restart the daemon)."""
    check_names(params)
    check_paths(params, check_mode)
    systemd = Systemd(runner)
    if socket_activation is None:
        socket_activation = unit_exists(params["service"] + ".socket")
    mode = daemon_mode(systemd, params["service"]) if params["manage_service"] else "monolithic"
    # The certificates this run writes count as there: TLS comes on in the run that places them.
    written = set(pki_file.path for pki_file in params.get("tls_pki") or ())
    files, sockets = turn_tls_off(params["files"], params["sockets"], [p for p in missing_tls if p not in written])
    params = dict(params, files=files, sockets=sockets)
    plan = plan_host(params, systemd, apparmor_enabled, socket_activation, mode, check_mode)
    services = planned_services(systemd, params, socket_activation, mode)
    restarts = []
    if check_mode:
        if plan.sockets_changed or plan.restart_needed:
            restarts = ["%s.service" % params["service"]] if mode == "monolithic" else ["modular daemons"]
    else:
        restarts = apply_host(plan, params, systemd, runner, socket_activation, mode)
    changes = plan.changes + services
    warnings = []
    if mode == "modular" and any(path.endswith("/libvirtd.conf") for path, _s in files):
        warnings.append(
            "this host runs libvirt's modular daemons: libvirtd.conf applies to libvirtd only; "
            "remote access settings belong to virtproxyd.conf"
        )
    result = dict(
        changed=bool(changes or restarts),
        installed=list(params.get("installed") or ()),
        files=plan.files,
        changes=changes,
        restarted=restarts,
        daemon_mode=mode,
        socket_activation=socket_activation,
        warnings=warnings,
    )
    return result, plan.diffs
