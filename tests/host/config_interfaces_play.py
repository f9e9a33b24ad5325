"""Running the config_interfaces role on the nested host VMs, shared by the host tests that do: the play, a YAML
inventory Ansible can read the lab's SSH options from, and a digest of the files the role may touch."""

import json
import os
import shlex

from tests.labkit import ansible, hostvm

HERE = os.path.dirname(os.path.abspath(__file__))
PLAY = os.path.join(HERE, "config_interfaces.yml")
DEST = "/etc/network/interfaces.d/essentials-kvm"
STATE = "/var/lib/essentials-kvm"
# What the role may touch on a host; hashed before and after to prove "byte-identical".
WATCHED = "/etc/network/interfaces /etc/network/interfaces.d"


def play_vars(hosts, config):
    """The role's variables and the per-host values the tests' templates use."""
    return dict(config, ekvm_octet={h.name: h.index for h in hosts}, ekvm_mac={h.name: h.mac(10) for h in hosts})


def play(hosts, inventory, config, check=False):
    return ansible.playbook_with_vars(
        PLAY,
        [inventory],
        play_vars(hosts, config),
        check=check,
        diff=check,
        timeout=600,
        args=["--limit", ",".join(h.name for h in hosts)],
    )


def digest(host, where=WATCHED):
    """sha256 of every file under `where` on the host, as one listing."""
    return host.ssh("find %s -type f 2>/dev/null | sort | xargs -r sha256sum" % where, check=False).stdout


def write_inventory(hosts, path):
    """A YAML inventory of the hosts. The lab's INI inventory leaves the ProxyCommand unquoted inside
    ansible_ssh_common_args, which Ansible splits into words; shlex quoting keeps it one argument.
    A TCG guest on a loaded machine can take longer than Ansible's default 10 s to greet a new
    connection, which would end the play for that host as unreachable."""
    lines = ["lab_hosts:", "  hosts:"]
    for host in hosts:
        options = json.dumps(" ".join(shlex.quote(word) for word in hostvm.ssh_options()))
        lines += [
            "    %s:" % host.name,
            "      ansible_host: %s" % host.address,
            "      ansible_user: root",
            "      ansible_ssh_private_key_file: %s" % hostvm.SSH_KEY,
            "      ansible_python_interpreter: /usr/bin/python3",
            "      ansible_ssh_timeout: 60",
            "      ansible_ssh_common_args: %s" % options,
        ]
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path
