#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_daemon_config
short_description: Converge the libvirt host in one run (config files, sockets, services, small files, AppArmor)
extends_documentation_fragment:
  - essentials.kvm.invocation
description:
  - Sets or removes C(key = value) settings in libvirt's configuration files in one call for all of them.
  - Comments and every line that is not a listed setting stay as they are. An existing assignment is replaced in
    place; a new one goes right after the file's commented default (C(#key = ...)) when there is one, else at the
    end. A setting assigned twice is written once.
  - All settings of all files are checked before any file is read or written; errors name the setting, for
    example C(kvm_libvirtd_settings.max_clients).
  - Files are replaced atomically (temporary file and rename) and keep their mode and owner.
  - Beside the configuration files it converges, in the same run, libvirtd's systemd socket drop-ins and the
    switches of its TLS and TCP sockets, small whole files (O(text_files)), the AppArmor abstraction that lets
    guests use pool directories, and the members of libvirt's group; then it restarts what must restart, only
    when something changed, in the order systemd accepts (a socket cannot start while its service runs).
  - It reports what the host offers for virtualisation (RV(host), as M(essentials.kvm.kvm_host_info) does), after
    any restart.
  - On a host that runs libvirt's modular daemons (virtqemud and friends enabled, libvirtd not) it restarts the
    running modular daemons after a configuration change and leaves libvirtd's sockets alone.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  files:
    description: The files and their settings.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file. A missing file is created with mode C(0644); its directory must exist.
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
  uri:
    description: libvirt connection URI for RV(host).
    type: str
    default: qemu:///system
  report_host:
    description: Return RV(host), what the host offers for virtualisation (this opens a libvirt connection).
    type: bool
    default: false
  tls_files:
    description:
      - CA certificate, server certificate and key. While one is missing, a C(listen_tls) setting of 1 is written
        as 0 and the C(-tls.socket) stays off, because libvirtd does not start with TLS and no certificates.
    type: list
    elements: path
    default: []
  tls_pki:
    description:
      - TLS certificates and private keys written whole from their PEM text (the kvm role's C(kvm_tls_ca_cert),
        C(kvm_tls_server_cert), C(kvm_tls_server_key), C(kvm_tls_client_cert) and C(kvm_tls_client_key)), checked
        before anything is written, owned by root, a certificate with mode C(0644), a key C(0600). A file is written
        (atomically) only when its text differs, and the daemon then restarts, since it reads them when it starts.
      - A key's text is never shown, in diffs, changes or errors. A path of O(tls_files) written here counts as
        there, so TLS comes on in the run that places its files.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path, for example C(/etc/pki/libvirt/servercert.pem); its directory is created.
        type: path
        required: true
      certificate:
        description: One or more PEM certificates; unset with O(tls_pki[].key) unset leaves the file alone.
        type: str
      key:
        description: One unencrypted PEM private key.
        type: str
      input_name:
        description: Name of the text in error messages, for example C(kvm_tls_server_key).
        type: str
  service:
    description: The monolithic daemon's unit name, without C(.service).
    type: str
    default: libvirtd
  manage_service:
    description:
      - Enable and run the daemon (its socket under socket activation), switch O(sockets[].enabled), and restart
        the daemon after changes. Without it the module only writes files.
    type: bool
    default: false
  packages:
    description:
      - Packages of libvirt, QEMU and the declared pools' backends, installed with
        C(apt-get install --no-install-recommends) (C(dnf) on the RHEL family) when missing, after the whole input
        was checked and before anything else is read or written, since they bring the directories, units and daemons the
        rest converges. Nothing is removed or upgraded. Check mode lists them in RV(installed).
      - A running daemon loads its drivers and reads QEMU's capabilities when it starts, so with O(manage_service)
        the daemon restarts after an installation (a pool type's storage driver added, for example), as after a
        configuration change.
    type: list
    elements: str
    default: []
  sockets:
    description:
      - libvirtd's socket units, under systemd socket activation only. O(sockets[].lines) go to a C([Socket])
        drop-in C(/etc/systemd/system/UNIT.d/essentials-kvm.conf).
    type: list
    elements: dict
    default: []
    suboptions:
      unit:
        description: Socket unit, for example C(libvirtd-tls.socket).
        type: str
        required: true
      lines:
        description: Lines of the C([Socket]) section; an empty list removes the drop-in, unset leaves it.
        type: list
        elements: str
      enabled:
        description: Switch the socket on (enabled and listening) or off; unset leaves it as it is.
        type: bool
  text_files:
    description: Small files written whole (drop-ins, sysctl files, udev rules).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path; its directory is created.
        type: path
        required: true
      content:
        description: The whole text; C(null) removes the file.
        type: str
      mode:
        description: Mode of a new file.
        type: str
        default: "0644"
      validate:
        description: Command (argv) that must accept the new text first; C(%s) stands for a temporary file.
        type: list
        elements: str
      after_change:
        description: Command (argv) run once after the file changed, for example C([sysctl, -p, FILE]).
        type: list
        elements: str
  apparmor_paths:
    description:
      - Directories confined guests may use, written as a marked block in
        C(/etc/apparmor.d/local/abstractions/libvirt-qemu), with the read of block devices' C(queue/zoned)
        attribute that QEMU 8.1 and later make and libvirt 11.3's profiles lack; unset leaves the file alone.
      - Ignored while AppArmor is disabled.
    type: list
    elements: str
  group:
    description: libvirt's group.
    type: str
    default: libvirt
  users:
    description: Users added to O(group) (a missing user is created with a home directory).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    description: Reports the changes and diffs without writing.
    support: full
  diff_mode:
    description: Shows each changed file before and after.
    support: full
"""

EXAMPLES = r"""
- name: Converge the libvirt host in one run
  essentials.kvm.libvirt_daemon_config:
    packages: [libvirt-daemon-system, qemu-system-x86, python3-libvirt]
    files:
      - path: /etc/libvirt/qemu.conf
        settings: {max_files: 32768}
    sockets:
      - unit: libvirtd.socket
        lines: ["SocketGroup=libvirt", "SocketMode=0770"]
      - unit: libvirtd-tcp.socket
        enabled: false
    text_files:
      - path: /etc/sysctl.d/60-kvm-essentials.conf
        content: "net.bridge.bridge-nf-call-iptables = 0\n"
        after_change: [sysctl, -e, -p, /etc/sysctl.d/60-kvm-essentials.conf]
    apparmor_paths: [/srv/images]
    users: [alice]
    manage_service: true
    report_host: true

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
"""

RETURN = r"""
installed:
  description: The packages of O(packages) that were missing and installed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [libvirt-daemon-driver-storage-iscsi, open-iscsi]
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
changes:
  description: Everything changed (or that would change in check mode), files, sockets, units and groups.
  returned: always
  type: list
  elements: str
restarted:
  description: The units restarted (in check mode, those that would restart).
  returned: always
  type: list
  elements: str
daemon_mode:
  description: C(monolithic) (libvirtd) or C(modular) (virtqemud and the other per-driver daemons).
  returned: always
  type: str
host:
  description: What the host offers, the keys M(essentials.kvm.kvm_host_info) returns.
  returned: when O(report_host) is true
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.daemon_host import converge_host, install_packages
from ansible_collections.essentials.kvm.plugins.module_utils.host_virt import apparmor_enabled, missing_files
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import URI_OPTION, describe_host
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_conf import validate_files
from ansible_collections.essentials.kvm.plugins.module_utils.list_spec import dict_list
from ansible_collections.essentials.kvm.plugins.module_utils.module_run import main as module_main
from ansible_collections.essentials.kvm.plugins.module_utils.tls_pki import validate as validate_pki

ARGUMENT_SPEC = dict(
    files=dict_list(
        path={"type": "path", "required": True},
        settings={"type": "dict", "required": True},
        input_name={"type": "str"},
    ),
    uri=URI_OPTION,
    report_host={"type": "bool", "default": False},
    tls_files={"type": "list", "elements": "path", "default": []},
    tls_pki=dict_list(
        path={"type": "path", "required": True},
        certificate={"type": "str"},
        key={"type": "str", "no_log": True},
        input_name={"type": "str"},
    ),
    service={"type": "str", "default": "libvirtd"},
    manage_service={"type": "bool", "default": False},
    packages={"type": "list", "elements": "str", "default": []},
    sockets=dict_list(
        unit={"type": "str", "required": True}, lines={"type": "list", "elements": "str"}, enabled={"type": "bool"}
    ),
    text_files=dict_list(
        path={"type": "path", "required": True},
        content={"type": "str"},
        mode={"type": "str", "default": "0644"},
        validate={"type": "list", "elements": "str"},
        after_change={"type": "list", "elements": "str"},
    ),
    apparmor_paths={"type": "list", "elements": "str"},
    group={"type": "str", "default": "libvirt"},
    users={"type": "list", "elements": "str", "default": []},
)


def daemon(module):
    params = dict(
        module.params, files=validate_files(module.params["files"]), tls_pki=validate_pki(module.params["tls_pki"])
    )
    params["installed"] = install_packages(params, module.run_command, check_mode=module.check_mode)
    result, diffs = converge_host(
        params,
        module.run_command,
        check_mode=module.check_mode,
        apparmor_enabled=apparmor_enabled(),
        missing_tls=missing_files(params["tls_files"]),
    )
    if params["report_host"]:
        result["host"], warnings = describe_host(params["uri"], params["tls_files"])
        result["warnings"] = result["warnings"] + warnings
    return dict(result, diff=diffs)


def main():
    module_main(AnsibleModule, ARGUMENT_SPEC, daemon)


if __name__ == "__main__":
    main()
