"""What the lab's disk images share: the Debian mirror they are built from, and the per-VM identity
(hostname and SSH key from the kernel command line) of the bare host images (bare_image.py).
"""

import glob
import os

from .proc import LabError

FIRSTBOOT = """#!/bin/sh
# Per-VM identity from the kernel command line: ekvm.hostname=NAME ekvm.sshkey=BASE64(pubkey)
set -e
for word in $(cat /proc/cmdline); do
  case "$word" in
    ekvm.hostname=*) name="${word#ekvm.hostname=}" ;;
    ekvm.sshkey=*) key="${word#ekvm.sshkey=}" ;;
  esac
done
if [ -n "$name" ]; then
  echo "$name" > /etc/hostname
  hostname "$name"
  printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' "$name" > /etc/hosts
fi
if [ -n "$key" ]; then
  mkdir -p -m 700 /root/.ssh
  echo "$key" | base64 -d > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
"""

FIRSTBOOT_UNIT = """[Unit]
Description=Lab VM identity from the kernel command line
DefaultDependencies=no
After=local-fs.target
Before=ssh.service networking.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ekvm-identity

[Install]
WantedBy=multi-user.target
"""


def mirror():
    """The Debian mirror this machine's apt uses, so the image comes from the same place."""
    sources = glob.glob("/etc/apt/sources.list.d/*.sources") + ["/etc/apt/sources.list"]
    for path in sources:
        if not os.path.exists(path):
            continue
        with open(path) as handle:
            for line in handle:
                words = line.split()
                if words[:1] == ["URIs:"] and "security" not in words[1]:
                    return words[1]
                if words[:1] == ["deb"] and "security" not in line:
                    return [w for w in words[1:] if "://" in w][0]
    raise LabError("no Debian mirror found in /etc/apt sources")
