#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_daemon_config
short_description: Converge settings of libvirt's configuration files (libvirtd.conf, qemu.conf)
description:
  - Sets or removes C(key = value) settings in libvirt's configuration files in one call for all of them.
  - Comments and every line that is not a listed setting stay as they are. An existing assignment is replaced in
    place; a new one goes right after the file's commented default (C(#key = ...)) when there is one, else at the
    end. A setting assigned twice is written once.
  - All settings of all files are checked before any file is read or written; errors name the setting, for
    example C(kvm_libvirtd_settings.max_clients).
  - Files are replaced atomically (temporary file and rename) and keep their mode and owner. The module does not
    restart any daemon; notify a handler when it reports a change.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  files:
    description: The files and their settings.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file. A missing file is created with mode C(0644).
        type: path
        required: true
      settings:
        description:
          - Setting name to value. Integers and booleans (written as C(1) and C(0)) are written bare, strings
            quoted, lists as lists of strings.
          - C(null) removes the setting, so libvirt's built-in default applies again.
        type: dict
        required: true
      input_name:
        description: Name of the settings in error messages, for example C(kvm_qemu_settings).
        type: str
attributes:
  check_mode:
    description: Reports the changes and diffs without writing.
    support: full
  diff_mode:
    description: Shows each changed file before and after.
    support: full
"""

EXAMPLES = r"""
- name: Listen for TLS only and let the libvirt group manage guests
  essentials.kvm.libvirt_daemon_config:
    files:
      - path: /etc/libvirt/libvirtd.conf
        input_name: kvm_libvirtd_settings
        settings:
          listen_tls: true
          listen_tcp: false
          unix_sock_group: libvirt
          unix_sock_rw_perms: "0770"
          log_outputs: "3:syslog:libvirtd"
          max_clients: null
      - path: /etc/libvirt/qemu.conf
        settings:
          security_driver: apparmor
          cgroup_device_acl: ["/dev/null", "/dev/full", "/dev/zero"]
  notify: Restart libvirtd
"""

RETURN = r"""
files:
  description: One entry per file with what changed (or would change in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
      sample: /etc/libvirt/libvirtd.conf
    changed:
      description: Whether the file changed.
      type: bool
      sample: true
    created:
      description: Whether the file did not exist before.
      type: bool
      sample: false
    changes:
      description: The settings set or removed, with their previous values.
      type: list
      elements: str
      sample: ["set max_clients = 100 (was 5000)", "set listen_tcp = 0 (was unset)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import converge_files, validate_files


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="path", required=True),
                settings=dict(type="dict", required=True),
                input_name=dict(type="str"),
            )),
        ),
        supports_check_mode=True,
    )
    try:
        files = validate_files(module.params["files"])
        result, diffs = converge_files(files, check_mode=module.check_mode)
    except EssentialsError as exc:
        module.fail_json(msg=exc.message)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
