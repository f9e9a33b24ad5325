#!/usr/bin/python
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bench's floor for one module run over the scenario (playbooks/args_floor.yml): it takes the lists the kvm
role hands libvirt_resources and does nothing with them. It imports nothing of the collection, so what contender
1's no-op costs above it is the collection's own: its module_utils in the AnsiballZ package, the role's conversion
of older item shapes, the reading and comparing."""

from ansible.module_utils.basic import AnsibleModule

ITEMS = {"type": "list", "elements": "dict"}


def main():
    module = AnsibleModule(argument_spec={"networks": ITEMS, "pools": ITEMS, "vms": ITEMS}, supports_check_mode=True)
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
