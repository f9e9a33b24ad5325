# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible checks of the libvirt modules' item lists (O(networks), O(pools), O(vms)): a list of mappings.

Nothing inside an item is in the argument spec. Each kind's validator (network_validate, storage_pool_validate,
domain_validate, on the shared kit checks.py) is the one reader of the items, so every item is walked once, and an
error starts with the item's path as the user wrote it (`kvm_vms[7].disks[1].disk_driver: ...`). Ansible's nested
checks named no item, crashed on a scalar where a mapping belongs (`dns: false`) and turned `name: yes` into "True".
The doc fragments (plugins/doc_fragments/) still document every suboption.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

ITEMS = {"type": "list", "elements": "dict"}


def pool_secrets(pools):
    """The keys given as pools[].source.auth.secret (CHAP passwords, ceph keys); malformed items are skipped,
    the validator refuses them later."""
    found = set()
    for pool in pools if isinstance(pools, list) else ():
        source = pool.get("source") if isinstance(pool, dict) else None
        auth = source.get("auth") if isinstance(source, dict) else None
        secret = auth.get("secret") if isinstance(auth, dict) else None
        if isinstance(secret, str) and secret:
            found.add(secret)
    return found


# Keys of a cloud-init user_data mapping whose text values are secrets: passwd, hashed_passwd, plain_text_passwd,
# password, chpasswd's list, ssh_keys' *_private, tokens. Usernames, groups and public keys stay visible.
SECRET_KEY_RE = re.compile(r"passw|private|secret|token", re.I)
PEM_RE = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----", re.S)
# In a user_data written as YAML text: the value of a password-like key on its own line.
SECRET_LINE_RE = re.compile(
    r"^[ \t]*(?:-[ \t]*)?[\w-]*(?:passw|private|secret|token)[\w-]*[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.I | re.M
)
NOT_SECRET = ("", "true", "false", "yes", "no", "|", ">", "|-", ">-")


def vm_secrets(vms):
    """The console passwords and the cloud-init secrets of O(vms) items; malformed items are skipped."""
    found = set()
    for vm in vms if isinstance(vms, list) else ():
        graphics = vm.get("graphics") if isinstance(vm, dict) else None
        if isinstance(graphics, dict) and isinstance(graphics.get("password"), str):
            found.add(graphics["password"])
        cloud_init = vm.get("cloud_init") if isinstance(vm, dict) else None
        user_data = cloud_init.get("user_data") if isinstance(cloud_init, dict) else None
        if isinstance(user_data, str):
            # Text is hidden whole (it is never shown anyway), and its secrets on their own, wherever they go.
            found.add(user_data)
            found.update(match.strip("'\"") for match in SECRET_LINE_RE.findall(user_data))
            found.update(PEM_RE.findall(user_data))
        else:
            _walk(user_data, False, None, found)
    return set(value for value in found if value.strip().lower() not in NOT_SECRET)


def _walk(node, secret, parent, found):
    if isinstance(node, dict):
        for key, value in node.items():
            key = str(key)
            # chpasswd holds user names too: only its list (and its users' passwords) are secret.
            named = bool(SECRET_KEY_RE.search(key)) and key != "chpasswd"
            _walk(value, secret or named or (parent == "chpasswd" and key == "list"), key, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, secret, parent, found)
    elif isinstance(node, str):
        if secret:
            found.add(node)
            # chpasswd's "user:password" lines: the passwords alone too.
            found.update(line.split(":", 1)[1].strip() for line in node.splitlines() if ":" in line)
        found.update(PEM_RE.findall(node))


class HidesSecrets:
    """Mixed into AnsibleModule by the modules that take O(pools) or O(vms).

    Ansible learns no_log values from nested options only, and the item lists have none: the secrets (pool auth
    secrets, console passwords, cloud-init passwords and private keys) are registered here, before AnsibleModule
    logs its arguments to the journal, so that log line and every result, diff, warning and message has them
    masked. (This file imports no Ansible; the modules put the mixin in front of AnsibleModule.)
    """

    def _log_invocation(self):
        self.no_log_values.update(pool_secrets(self.params.get("pools")))
        self.no_log_values.update(vm_secrets(self.params.get("vms")))
        super()._log_invocation()


def hiding_secrets(module_class):
    """AnsibleModule (passed in: this file imports no Ansible) with HidesSecrets in front."""
    return type("Module", (HidesSecrets, module_class), {})


def dict_list(**options):
    """The spec of a small list of mappings that Ansible checks itself (libvirt_daemon_config's files, sockets
    and text_files, openvswitch_host's sysctl): few keys, no item path worth naming. Empty by default."""
    return {"type": "list", "elements": "dict", "default": [], "options": options}
