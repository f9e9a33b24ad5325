# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate -> read -> plan -> check with ifquery -> apply for ifupdown files. Every command
goes through an injectable runner and every path is configurable, so tests use a temp dir."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, UnsupportedError, at
from ansible_collections.essentials.kvm.plugins.module_utils.host_lock import enter_apply
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_owner import (
    TEMP_PREFIX,
    owner_mode,
    owner_running,
    owner_text,
    remove_temp_files,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_parse import parse
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import make_plan
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_render import render_file
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_validate import build_desired

ROLLBACK_UNIT = "essentials-kvm-ifupdown-rollback"
APPLY_UNIT = "essentials-kvm-ifupdown-apply"
SOURCE_DIRECTORY_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


def run_command(argv):
    """Default runner: (rc, stdout, stderr); a missing binary is rc 127 like a shell."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        return 127, "", str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def read_text(path):
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return handle.read()


def write_atomic(path, text):
    """Temp file in the same directory + rename: readers see the old or the new file, never half.
    The temp name starts with a dot so `source dir/*` never picks it up."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass
class FileChange:
    path: str
    before: Optional[str]
    after: str

    @property
    def changed(self):
        return self.before != self.after

    def diff(self):
        return {"before": self.before or "", "after": self.after, "before_header": self.path, "after_header": self.path}


def is_sourced(document, main_path, dest):
    """Whether a source or source-directory line of the main file already includes dest."""
    base = os.path.dirname(main_path)
    for keyword, argument in document.sources():
        target = os.path.join(base, argument)
        if keyword == "source" and fnmatch(dest, target):
            return True
        if (
            keyword == "source-directory"
            and os.path.normpath(target) == os.path.dirname(dest)
            and SOURCE_DIRECTORY_NAME.match(os.path.basename(dest))
        ):
            return True
    return False


def sourced_files(document, main_path):
    base = os.path.dirname(main_path)
    files = []
    for keyword, argument in document.sources():
        target = os.path.join(base, argument)
        if keyword == "source":
            files.extend(sorted(glob.glob(target)))
        elif os.path.isdir(target):
            files.extend(os.path.join(target, n) for n in sorted(os.listdir(target)) if SOURCE_DIRECTORY_NAME.match(n))
    return files


class Applier:
    """Host side: ifquery checks, backups, the rollback timer, ifdown/ifup and file writes.

    Without a rollback timeout the change is applied in the module's own process. With one, the
    timer is armed first and the change runs in a transient systemd unit of its own, so it goes on
    (or rolls back) whatever happens to the connection that started it; state() and confirm()
    follow it from later connections. The state lives in files under state_dir:
    rollback.sh (a change awaits confirmation), apply.status (`applied` or `failed WHAT`),
    apply.log (output of ifdown/ifup), rolled-back (when a rollback began; it is over once
    rollback.sh is gone) and applying (the module run changing the host, until its change is done
    or handed to the timer: ifupdown_owner.py)."""

    def __init__(self, runner=run_command, state_dir="/var/lib/essentials-kvm/ifupdown", answer_pid=None):
        self.runner = runner
        self.state_dir = state_dir
        # The process whose answer must reach the controller before the unit bounces anything.
        self.answer_pid = os.getpid() if answer_pid is None else answer_pid
        self.script = os.path.join(state_dir, "rollback.sh")
        self.marker = os.path.join(state_dir, "rolled-back")
        self.apply_script = os.path.join(state_dir, "apply.sh")
        self.status = os.path.join(state_dir, "apply.status")
        self.log = os.path.join(state_dir, "apply.log")
        self.owner = os.path.join(state_dir, "applying")

    def ifquery_check(self, change):
        """Let ifupdown's own parser read the candidate file; it only reads."""
        workdir = tempfile.mkdtemp(prefix="essentials-kvm-ifquery.")
        try:
            candidate = os.path.join(workdir, os.path.basename(change.path))
            with open(candidate, "w") as handle:
                handle.write(change.after)
            rc, out, err = self.runner(["ifquery", "-i", candidate, "--list", "-a"])
        finally:
            shutil.rmtree(workdir)
        if rc == 127:
            raise UnsupportedError("ifquery is not installed; install the ifupdown package first")
        if rc != 0:
            raise InputError(
                change.path,
                "ifupdown rejects the rendered file: %s" % (err or out).replace(candidate, change.path).strip(),
                "check free-form parameters and hooks",
            )

    def _backup_path(self, path):
        return os.path.join(self.state_dir, "backup", path.strip("/").replace("/", "__"))

    def _staged_path(self, path):
        return os.path.join(self.state_dir, "staged", path.strip("/").replace("/", "__"))

    def _write_script(self, changes, downs, ups, detached):
        lines = [
            "#!/bin/sh",
            "# Written by essentials.kvm ifupdown_interfaces: puts back the network configuration",
            "# from before the last change, which was not confirmed in time.",
        ]
        if detached:
            # The timer may fire while a slow apply still runs: stop it first, unless it called us.
            lines.append('[ "$1" = --from-apply ] || systemctl stop %s.service' % APPLY_UNIT)
        # Marked before anything moves: the host may answer SSH again while ifup still runs its hooks,
        # and a report then must say "rolling_back", not "applied".
        lines.append("date > %s" % shlex.quote(self.marker))
        lines += ["ifdown --force %s || true" % shlex.quote(n) for n in reversed(ups)]
        for change in changes:
            if change.before is None:
                lines.append("rm -f %s" % shlex.quote(change.path))
            else:
                lines.append("cp -p %s %s" % (shlex.quote(self._backup_path(change.path)), shlex.quote(change.path)))
        lines += ["ifup %s || true" % shlex.quote(n) for n in reversed(downs)]
        lines.append("rm -f %s" % shlex.quote(self.script))
        write_atomic(self.script, "\n".join(lines) + "\n")

    def _write_apply_script(self, changes, downs, ups):
        """The same steps as the in-process apply, for the transient unit. A failed step runs the
        rollback script at once, disarms the timer and then records itself, so a report never
        calls the change failed while the previous configuration is still being brought back."""
        q = shlex.quote
        lines = [
            "#!/bin/sh",
            "# Written by essentials.kvm ifupdown_interfaces: applies the change armed with rollback.sh.",
            "failed() {",
            "    /bin/sh %s --from-apply >> %s 2>&1" % (q(self.script), q(self.log)),
            "    systemctl stop %s" % q(ROLLBACK_UNIT + ".timer"),
            '    echo "failed $1" > %s.tmp && mv %s.tmp %s' % (q(self.status), q(self.status), q(self.status)),
            "    exit 1",
            "}",
            "# Let the module's answer leave the host before any interface goes down: wait (at most",
            "# 60 s) until the module has exited, then give sshd time to pass its answer on. A fixed",
            "# delay is not enough on a loaded host.",
            "i=0",
            "while kill -0 %d 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done" % self.answer_pid,
            "sleep 2",
        ]
        lines += ["ifdown %s >> %s 2>&1 || failed %s" % (q(n), q(self.log), q("ifdown " + n)) for n in downs]
        for change in changes:
            tmp = os.path.join(os.path.dirname(change.path), ".essentials-kvm.apply")
            lines.append(
                "cp %s %s && mv %s %s || failed %s"
                % (q(self._staged_path(change.path)), q(tmp), q(tmp), q(change.path), q("writing " + change.path))
            )
        lines += ["ifup %s >> %s 2>&1 || failed %s" % (q(n), q(self.log), q("ifup " + n)) for n in ups]
        lines.append("echo applied > %s.tmp && mv %s.tmp %s" % (q(self.status), q(self.status), q(self.status)))
        write_atomic(self.apply_script, "\n".join(lines) + "\n")

    def _run(self, argv):
        rc, out, err = self.runner(argv)
        if rc != 0:
            raise HostError("%s failed (rc %d): %s" % (" ".join(argv), rc, (err or out).strip()))

    def apply(self, changes, plan, bounce=True, rollback_timeout=0):
        """Back up and write the rollback script, then either apply here (no timeout) or arm the
        timer and start the apply unit (timeout). Here, any failure restores the backups and the
        previous interfaces at once. Returns whether a rollback timer now waits for confirm()."""
        if os.path.exists(self.script):
            raise HostError(
                "an earlier network change still awaits confirmation (%s exists); run the module "
                "with confirm: true, or wait for its rollback, first" % self.script
            )
        changes = [c for c in changes if c.changed]
        downs, ups = (plan.downs, plan.ups) if bounce else ([], [])
        if not changes and not downs and not ups:
            return False
        detached = bool((downs or ups) and rollback_timeout)
        # Before the first change: a run killed from here on leaves this file, and the next run puts back what it
        # had changed (recover()). Every failure handled below has put it back already.
        write_atomic(self.owner, owner_text("detached" if detached else "here"))
        try:
            armed = self._apply(changes, downs, ups, detached, rollback_timeout)
        except HostError:
            os.unlink(self.owner)
            raise
        os.unlink(self.owner)
        return armed

    def _apply(self, changes, downs, ups, detached, rollback_timeout):
        for change in changes:
            if change.before is not None:
                os.makedirs(os.path.dirname(self._backup_path(change.path)), exist_ok=True)
                shutil.copy2(change.path, self._backup_path(change.path))
        for stale in (self.marker, self.status, self.log):
            if os.path.exists(stale):
                os.unlink(stale)
        self._write_script(changes, downs, ups, detached)
        if detached:
            return self._apply_detached(changes, downs, ups, rollback_timeout)
        try:
            for name in downs:
                self._run(["ifdown", name])
            for change in changes:
                write_atomic(change.path, change.after)
            for name in ups:
                self._run(["ifup", name])
        except (HostError, OSError) as exc:
            self.runner(["/bin/sh", self.script])
            # The failure is reported right here, so a later confirm must not report it again.
            if os.path.exists(self.marker):
                os.unlink(self.marker)
            raise HostError(
                "%s; the previous files were restored and the previous configuration brought back"
                % getattr(exc, "message", exc)
            )
        os.unlink(self.script)
        return False

    def _apply_detached(self, changes, downs, ups, rollback_timeout):
        for change in changes:
            staged = self._staged_path(change.path)
            write_atomic(staged, change.after)
            if change.before is not None:
                shutil.copymode(change.path, staged)
        self._write_apply_script(changes, downs, ups)
        # --collect and RemainAfterElapse=no unload the transient units when they are done, so the
        # names are free for the next change.
        try:
            self._run(
                [
                    "systemd-run",
                    "--unit",
                    ROLLBACK_UNIT,
                    "--on-active",
                    "%ds" % rollback_timeout,
                    "--timer-property=AccuracySec=1s",
                    "--timer-property=RemainAfterElapse=no",
                    "--collect",
                    "/bin/sh",
                    self.script,
                ]
            )
            self._run(["systemd-run", "--unit", APPLY_UNIT, "--collect", "/bin/sh", self.apply_script])
        except HostError:
            self.runner(["systemctl", "stop", ROLLBACK_UNIT + ".timer"])
            os.unlink(self.script)
            raise
        return True

    def state(self):
        """(state, detail) of the last armed change: none, applying, applied (awaits confirm),
        failed (already restored), rolling_back (the timer fired and the old state is being
        restored) or rolled_back (the timer restored the old state)."""
        status = read_text(self.status) or ""
        if status.startswith("failed"):
            tail = "".join((read_text(self.log) or "").strip().splitlines(True)[-5:]).strip()
            return "failed", "%s failed: %s" % (status[len("failed ") :].strip(), tail or "no output")
        if os.path.exists(self.marker):
            when = (read_text(self.marker) or "").strip()
            return ("rolling_back" if os.path.exists(self.script) else "rolled_back"), when
        if os.path.exists(self.script):
            return ("applied", "") if status.startswith("applied") else ("applying", "")
        return "none", ""

    def _clear(self):
        for done in (self.marker, self.status):
            if os.path.exists(done):
                os.unlink(done)

    def confirm(self):
        """Disarm a rollback that waits for confirmation. Returns True if one was disarmed; raises
        if the change failed or was rolled back (once), or is still being applied."""
        state, detail = self.state()
        if state == "applying":
            raise HostError("the network change is still being applied; confirm once report shows it applied")
        if state == "rolling_back":
            raise HostError(
                "the network change is being rolled back since %s: it was not confirmed over a fresh "
                "connection within the rollback timeout" % detail
            )
        if state == "failed":
            self._clear()
            raise HostError("%s; the previous files were restored and the previous configuration brought back" % detail)
        if state == "rolled_back":
            self._clear()
            raise HostError(
                "the network change was rolled back at %s: it was not confirmed over a fresh "
                "connection within the rollback timeout" % detail
            )
        if state == "applied":
            # Without its script the timer has nothing to run: removing it disarms the rollback at once, so a run
            # killed before the timer is stopped leaves nothing armed, and the timer may be gone already.
            os.unlink(self.script)
            self.runner(["systemctl", "stop", ROLLBACK_UNIT + ".timer"])
            self._clear()
            return True
        return False

    def recover(self, folders):
        """Put back what a module run killed half way had changed (its owner file names a process that is gone):
        files, links and addresses as before that run, its temporary files in `folders` and the state folder
        removed. Returns a sentence saying what was done, or None when no run was interrupted."""
        text = read_text(self.owner)
        if text is None or owner_running(text):
            return None
        enter_apply()
        done = "a run killed while it changed the interfaces (%s) left nothing to put back" % self.owner
        detached = owner_mode(text) == "detached"
        # A detached change's rollback.sh with its marker is being run (or was) by the timer, which owns it now.
        if os.path.exists(self.script) and not (detached and os.path.exists(self.marker)):
            if detached:
                # Killed before the change was handed over: its timer may be armed already.
                self.runner(["systemctl", "stop", ROLLBACK_UNIT + ".timer"])
            rc, out, err = self.runner(["/bin/sh", self.script])
            if rc != 0 or os.path.exists(self.script):
                raise HostError(
                    "a run killed while it changed the interfaces left %s, which failed (rc %d): %s"
                    % (self.script, rc, (err or out).strip())
                )
            self._clear()
            done = "a run killed while it changed the interfaces was undone: the previous files and interfaces are back"
        remove_temp_files(list(folders) + [self.state_dir, os.path.join(self.state_dir, "staged")])
        os.unlink(self.owner)
        return done


def plan_files(config, host_interfaces, dest, interfaces_file, manage_main_file=False, purge=False):
    """Validate and compute (desired, file changes, old items, new items) without touching anything."""
    desired = build_desired(config, host_interfaces)
    main_text = read_text(interfaces_file)
    main_doc = parse(main_text or "")
    target = interfaces_file if manage_main_file else dest
    target_text = main_text if manage_main_file else read_text(dest)
    target_doc = parse(target_text or "")
    new_text = render_file(target_doc, desired.items, purge)
    changes = [FileChange(target, target_text, new_text)]
    if not manage_main_file and not is_sourced(main_doc, interfaces_file, dest):
        text = main_text or ""
        if text and not text.endswith("\n"):
            text += "\n"
        changes.append(FileChange(interfaces_file, main_text, text + "source %s\n" % dest))
    # ifupdown refuses to bring up an interface defined twice in a sensible way: reject overlaps.
    others = [interfaces_file] if not manage_main_file else []
    others += [f for f in sourced_files(main_doc, interfaces_file) if os.path.abspath(f) != os.path.abspath(target)]
    for other in others:
        names = set(parse(read_text(other) or "").names())
        for item in desired.items:
            if item.name in names:
                raise InputError(
                    at(desired.paths[item.name], "name"),
                    "%r is also defined in %s" % (item.name, other),
                    "remove it there, or set manage_main_file so one file holds it",
                )
    return desired, changes, target_doc.items(), parse(new_text).items()


def converge(params, host_interfaces, applier, check_mode=False):
    """The whole module run. Returns the result dict; raises EssentialsError subclasses."""
    if params.get("confirm") or params.get("report"):
        state, detail = applier.state()
        result = {
            "changed": False,
            "bounced": [],
            "steps": [],
            "diff": [],
            "rollback_armed": False,
            "warnings": [],
            "state": state,
            "detail": detail,
        }
        if params.get("confirm") and not check_mode:
            enter_apply()
            result["changed"] = applier.confirm()
            result["state"] = "confirmed" if result["changed"] else state
        return result
    desired, changes, old_items, new_items = plan_files(
        params,
        host_interfaces,
        params["dest"],
        params["interfaces_file"],
        params.get("manage_main_file", False),
        params.get("purge", False),
    )
    plan = make_plan(old_items, new_items, desired.frozen)
    warnings = []
    for change in changes:
        if change.changed:
            try:
                applier.ifquery_check(change)
            except UnsupportedError as exc:
                # A check-mode run may precede the package installation (the role validates first).
                if not check_mode:
                    raise
                warnings.append("%s; the rendered file was not checked by ifupdown" % exc.message)
    bounce = params.get("bounce", True)
    steps = plan.steps if bounce else []
    result = {
        "changed": any(c.changed for c in changes) or bool(steps),
        "diff": [c.diff() for c in changes if c.changed],
        "bounced": plan.bounced if bounce else [],
        "steps": ["%s %s" % step for step in steps],
        "rollback_armed": False,
        "warnings": warnings,
    }
    if not check_mode:
        enter_apply()
        result["rollback_armed"] = applier.apply(changes, plan, bounce, params.get("rollback_timeout", 0))
    return result
