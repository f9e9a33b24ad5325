# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The types of the cloud-init user-data keys users write most, checked before any change.

cloud-init skips a key of the wrong type with a warning in the guest's log, so `users: "10"` or
`users: {a: 1}` boots a guest without its users and nobody is told. The shapes follow cloud-init's
schema (cloudinit/config/schemas); a YAML boolean or number where cloud-init wants text is refused
with the kit's hint, as everywhere else. Keys not listed here are passed on as written.
A user_data given as a YAML string is passed on as written: the managed host has no YAML parser.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at


def string(value, path):
    """Any string (several lines included): cloud-init passes it to a shell or a file as is."""
    if isinstance(value, bool):
        fail(path, "must be a string, not %s" % checks.describe(value), checks.YAML_BOOL_HINT)
    if isinstance(value, (int, float)):
        fail(path, "must be a string, not %s" % checks.describe(value), checks.YAML_NUMBER_HINT)
    if not isinstance(value, str):
        fail(path, "must be a string (got %s)" % checks.describe(value))
    return value


def items(check, hint=None, at_least_one=False):
    """A list, each item read by check; a lone string or mapping is refused (cloud-init would skip it).
    at_least_one: cloud-init's schema refuses the empty list there (`runcmd: []`, `packages: []`...)."""

    def read(value, path):
        if not isinstance(value, list):
            fail(path, "must be a list (got %s)" % checks.describe(value), hint)
        if at_least_one and not value:
            fail(
                path, "must list at least one item (cloud-init's schema refuses an empty list)", "or leave the key out"
            )
        return [check(item, at(path, i)) for i, item in enumerate(value)]

    return read


def string_or_strings(value, path):
    """A command: one shell line, or a list of arguments run without a shell."""
    return items(string)(value, path) if isinstance(value, list) else string(value, path)


def user(value, path):
    if isinstance(value, dict):
        if "name" not in value:
            fail(at(path, "name"), "is required", "each user mapping names its user")
        string(value["name"], at(path, "name"))
        for key in ("groups", "ssh_authorized_keys"):
            if key in value:
                (string_or_strings if key == "groups" else items(string, at_least_one=True))(value[key], at(path, key))
        return value
    return string(value, path)


def group(value, path):
    if isinstance(value, dict):
        for name, members in value.items():
            string(name, path)
            if members is not None:
                string_or_strings(members, at(path, str(name)))
        return value
    return string(value, path)


def chpasswd(value, path):
    fields = checks.Fields(value, path, ("expire", "users", "list"))
    checked = dict(value)
    if fields.has("expire"):
        checked["expire"] = fields.get("expire", checks.boolean)
    fields.each(
        "users",
        lambda item, where: checks.Fields(item, where, ("name", "password", "type")).get("name", string, required=True),
    )
    if fields.has("list"):
        string_or_strings(fields.raw("list"), fields.where("list"))
    return checked


WRITE_FILE = {
    "path": checks.abs_path,
    "content": string,
    "source": checks.mapping,
    "owner": string,
    "permissions": string,
    "encoding": checks.choice(
        "gz", "gzip", "gz+base64", "gzip+base64", "gz+b64", "gzip+b64", "b64", "base64", "text/plain"
    ),
    "append": checks.boolean,
    "defer": checks.boolean,
}


def write_file(value, path):
    fields = checks.Fields(value, path, tuple(WRITE_FILE))
    checked = dict(value)
    for key, check in WRITE_FILE.items():
        got = fields.get(key, check, required=key == "path")
        if key in value and got is not None:
            checked[key] = got
    return checked


def mount(value, path):
    entries = items(string, "e.g. [/dev/vdb, /data, ext4, 'defaults,nofail', '0', '2']")(value, path)
    if not 1 <= len(entries) <= 6:
        fail(path, "must list 1 to 6 fields of an fstab line (got %d)" % len(entries))
    return value


USER_DATA = {
    "users": items(user, "e.g. users: [default, {name: alice, ssh_authorized_keys: [...]}]", at_least_one=True),
    "groups": lambda value, path: (
        group(value, path) if isinstance(value, dict) else items(group, at_least_one=True)(value, path)
    ),
    "ssh_authorized_keys": items(string, at_least_one=True),
    "chpasswd": chpasswd,
    "write_files": items(write_file, at_least_one=True),
    "runcmd": items(string_or_strings, at_least_one=True),
    "bootcmd": items(string_or_strings, at_least_one=True),
    "packages": items(string_or_strings, at_least_one=True),
    "mounts": items(mount, at_least_one=True),
}


def check_user_data(value, path):
    """The user-data mapping's well-known keys, each against its cloud-init type; a copy holding the
    checked values, so that `append: "yes"` reaches cloud-init as the boolean the kit read, not as text."""
    checked = dict(value)
    for key, check in USER_DATA.items():
        if value.get(key) is not None:
            checked[key] = check(value[key], at(path, key))
    return checked
