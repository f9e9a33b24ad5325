# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small whole files (drop-ins, sysctl files, udev rules) and marked blocks inside files, converged
in one pass: read, compare, write atomically only what differs, and return Ansible diffs. The
roles used to write these with copy/file/blockinfile tasks, one module run each; the text written
is the same, so hosts converged by those tasks show no change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import read_text, write_atomic


def _diff(path, before, after):
    return dict(before=before, after=after, before_header=path, after_header=path)


def plan_file(path, content):
    """(changed, before, after) for a file that should hold `content`, or be absent when it is None."""
    before, exists = read_text(path)
    if content is None:
        return exists, before, None
    return (not exists or before != content), before, content


def plan_block(path, marker, lines):
    """(changed, before, after) for a block between `# BEGIN marker` and `# END marker` (the shape
    Ansible's blockinfile writes); no lines removes the block and its markers, other lines stay."""
    before, exists = read_text(path)
    begin, end = "# BEGIN %s" % marker, "# END %s" % marker
    current = before.splitlines()
    kept, block_at, inside = [], None, False
    for line in current:
        if line == begin:
            inside, block_at = True, len(kept)
        elif line == end and inside:
            inside = False
        elif not inside:
            kept.append(line)
    block = [begin] + list(lines) + [end] if lines else []
    if block_at is None:
        block_at = len(kept)
    wanted = kept[:block_at] + block + kept[block_at:]
    if not exists and not block:
        return False, before, before
    after = "\n".join(wanted) + "\n" if wanted else ""
    return after != before, before, after


def validate_text(command, text, directory, runner):
    """Run `command` (argv, %s stands for the file) on the new text before it replaces a file."""
    fd, tmp = tempfile.mkstemp(prefix=".validate.", dir=directory if os.path.isdir(directory) else None)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        argv = [part.replace("%s", tmp) for part in command]
        rc, out, err = runner(argv)
        if rc != 0:
            raise HostError("%s refused the new text: %s" % (" ".join(command), (err or out).strip()))
    finally:
        os.unlink(tmp)


def apply_text(path, after, mode=0o644):
    """Write (or remove, when after is None) a planned file; creates its directory like blockinfile did."""
    if after is None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise HostError("cannot remove %s: %s" % (path, exc))
        return
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise HostError("cannot create %s: %s" % (directory, exc))
    existed = os.path.exists(path)
    write_atomic(path, after)
    if not existed:
        os.chmod(path, mode)


def diff_of(path, before, after):
    return _diff(path, before, after or "")
