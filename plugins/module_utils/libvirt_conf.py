# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge `key = value` settings of libvirt's config files (libvirtd.conf, qemu.conf...).

libvirt's format (virconf): `name = value` where value is an integer, a "string" or 'string'
(no escapes), or a [list, of, "strings"] that may span lines; `#` starts a comment. Only the
assignments named in the settings are touched: comments, blank lines and every other line stay
byte for byte, so the distribution's documented defaults remain readable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import tempfile

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
# libvirt's shipped files comment out each default as `#name = value`, right after a leading '#'.
COMMENTED_DEFAULT = re.compile(r"^#([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
INTEGER = re.compile(r"[-+]?\d+")
# A NUL or another control character ends or garbles the line libvirt's parser reads, and a lone surrogate (a byte
# that was not UTF-8) cannot be written to the file at all.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
NEW_FILE_MODE = 0o644


class Unparsable(ValueError):
    """A value in the file that virconf syntax does not allow; the setting is rewritten if managed."""


# ---------------------------------------------------------------- values


def normalise_value(value, path):
    """Check one desired value: int, bool (written 1/0), string, list of strings, or None (remove)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        _check_string(value, path)
        return value
    if isinstance(value, (list, tuple)):
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise InputError(
                    at(path, index),
                    "list items must be strings (got %r)" % (item,),
                    "quote the value, libvirt lists hold strings only",
                )
            _check_string(item, at(path, index))
            items.append(item)
        return items
    raise InputError(
        path,
        "must be an integer, a boolean, a string or a list of strings (got %r)" % (value,),
        "use null to remove the setting",
    )


def _check_string(value, path):
    if "\n" in value or "\r" in value:
        raise InputError(path, "strings cannot span lines (got %r)" % value)
    if UNWRITABLE.search(value):
        raise InputError(
            path,
            "strings cannot hold control characters or bytes that are not UTF-8 (got %r)" % value,
            "libvirt reads its configuration as one line of text per setting",
        )
    if '"' in value and "'" in value:
        raise InputError(
            path,
            "a string cannot hold both quote characters (got %r)" % value,
            "libvirt config strings have no escapes",
        )


def validate_settings(settings, path):
    """Check a whole settings mapping before anything is read or written; returns a normalised dict."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise InputError(path, "must be a mapping of setting name to value (got %r)" % (settings,))
    result = {}
    for key, value in settings.items():
        if not isinstance(key, str) or not NAME.match(key):
            raise InputError(
                at(path, str(key)),
                "is not a libvirt setting name",
                "names are letters, digits and underscores, such as max_clients",
            )
        result[key] = normalise_value(value, at(path, key))
    return result


def format_value(value):
    """Render a normalised value in virconf syntax."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[%s]" % ", ".join(_quote(item) for item in value)
    return _quote(value)


def _quote(text):
    return "'%s'" % text if '"' in text else '"%s"' % text


def parse_value(text):
    """Parse the text after `=` (possibly several lines) into an int, a string or a list of strings."""
    value, pos = _parse(text, _skip(text, 0))
    if _skip(text, pos) != len(text):
        raise Unparsable("unexpected text after the value: %r" % text[pos:].strip())
    return value


def _skip(text, pos):
    """Skip blanks, newlines and comments."""
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        else:
            break
    return pos


def _parse(text, pos):
    if pos >= len(text):
        raise Unparsable("missing value")
    char = text[pos]
    if char in "\"'":
        end = text.find(char, pos + 1)
        if end < 0:
            raise Unparsable("unterminated string")
        return text[pos + 1 : end], end + 1
    if char == "[":
        items = []
        pos = _skip(text, pos + 1)
        while pos < len(text) and text[pos] != "]":
            item, pos = _parse(text, pos)
            items.append(item)
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos = _skip(text, pos + 1)
            elif pos < len(text) and text[pos] != "]":
                raise Unparsable("expected ',' or ']' in a list")
        if pos >= len(text):
            raise Unparsable("unterminated list")
        return items, pos + 1
    match = INTEGER.match(text, pos)
    if match:
        return int(match.group(0)), match.end()
    raise Unparsable("not an integer, string or list: %r" % text[pos:].strip())


def _open_brackets(text):
    """How many '[' of this text are still open, ignoring quoted strings and comments."""
    depth, quote = 0, None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth


# ---------------------------------------------------------------- statements


class Statement:
    """One assignment in the file: lines[start:end] hold `key = value`."""

    def __init__(self, key, start, end, text):
        self.key = key
        self.start = start
        self.end = end
        try:
            self.value = parse_value(text)
            self.parsed = True
        except Unparsable:
            self.value = text.strip()
            self.parsed = False


def _extent(lines, index, rest, strip_comment_mark=False):
    """End index of a statement starting at lines[index] whose value text begins with `rest`."""
    end, text = index + 1, rest
    while _open_brackets(text) > 0 and end < len(lines):
        line = lines[end]
        if strip_comment_mark:
            if not line.startswith("#"):
                break
            line = line[1:]
        text += "\n" + line
        end += 1
    return end, text


def scan(lines):
    """The assignments and the commented defaults (key -> index after its block) of a file."""
    statements, defaults = [], {}
    index = 0
    while index < len(lines):
        line = lines[index]
        match = ASSIGNMENT.match(line)
        if match:
            end, text = _extent(lines, index, match.group(2))
            statements.append(Statement(match.group(1), index, end, text))
            index = end
            continue
        match = COMMENTED_DEFAULT.match(line)
        if match:
            end, _text = _extent(lines, index, match.group(2), strip_comment_mark=True)
            defaults.setdefault(match.group(1), end)
            index = end
            continue
        index += 1
    return statements, defaults


def converge_text(text, settings):
    """Apply normalised settings to a file's text; returns (new text, list of change descriptions)."""
    lines = text.splitlines()
    statements, defaults = scan(lines)
    replace = {}  # line index -> replacement lines for the statement starting there
    drop = set()  # line indexes removed
    after = {}  # line index -> new lines inserted after it (-1: at the end)
    changes = []
    for key, wanted in settings.items():
        found = [s for s in statements if s.key == key]
        if wanted is None:
            for statement in found:
                drop.update(range(statement.start, statement.end))
            if found:
                changes.append("remove %s (was %s)" % (key, _shown(found[0])))
            continue
        if len(found) == 1 and found[0].parsed and found[0].value == wanted:
            continue
        line = "%s = %s" % (key, format_value(wanted))
        if found:
            first = found[0]
            replace[first.start] = [line]
            drop.update(range(first.start + 1, first.end))
            for statement in found[1:]:
                drop.update(range(statement.start, statement.end))
            changes.append("set %s = %s (was %s)" % (key, format_value(wanted), _shown(first)))
        else:
            position = defaults[key] - 1 if key in defaults else -1
            after.setdefault(position, []).append(line)
            changes.append("set %s = %s (was unset)" % (key, format_value(wanted)))
    if not changes:
        return text, []
    out = []
    for index, line in enumerate(lines):
        if index in replace:
            out.extend(replace[index])
        elif index not in drop:
            out.append(line)
        out.extend(after.get(index, []))
    out.extend(after.get(-1, []))
    return "\n".join(out) + "\n", changes


def _shown(statement):
    return format_value(statement.value) if statement.parsed else statement.value


# ---------------------------------------------------------------- files


def validate_files(files, path="files"):
    """Check the module's `files` list; returns [(path, normalised settings)]."""
    seen = {}
    result = []
    for index, entry in enumerate(files or []):
        where = at(path, index)
        file_path = checks.abs_path(entry.get("path"), at(where, "path"))
        if file_path in seen:
            raise InputError(
                at(where, "path"),
                "%s is already listed at %s" % (file_path, seen[file_path]),
                "merge the settings into one entry",
            )
        seen[file_path] = where
        name = entry.get("input_name") or at(where, "settings")
        result.append((file_path, validate_settings(entry.get("settings"), name)))
    return result


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read(), True
    except FileNotFoundError:
        return "", False
    except OSError as exc:
        raise HostError("cannot read %s: %s" % (path, exc))


def write_atomic(path, text):
    """Replace the file with a temporary file and a rename, keeping its mode and owner."""
    directory = os.path.dirname(path)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        stat = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    except OSError as exc:
        raise HostError("cannot write in %s: %s" % (directory, exc))
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if stat is None:
            os.chmod(tmp, NEW_FILE_MODE)
        else:
            os.chmod(tmp, stat.st_mode & 0o7777)
            if (stat.st_uid, stat.st_gid) != (os.getuid(), os.getgid()):
                os.chown(tmp, stat.st_uid, stat.st_gid)
        os.rename(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise HostError("cannot write %s: %s" % (path, exc))


def converge_files(files, check_mode=False):
    """Converge validated [(path, settings)]; returns changed, per-file results and Ansible diffs."""
    results, diffs = [], []
    for path, settings in files:
        before, exists = read_text(path)
        after, changes = converge_text(before, settings)
        if changes and not exists and not os.path.isdir(os.path.dirname(path)):
            raise HostError("cannot create %s: its directory does not exist" % path)
        if changes and not check_mode:
            write_atomic(path, after)
        results.append(dict(path=path, changed=bool(changes), created=bool(changes) and not exists, changes=changes))
        if changes:
            diffs.append(dict(before=before, after=after, before_header=path, after_header=path))
    return dict(changed=any(r["changed"] for r in results), files=results), diffs
