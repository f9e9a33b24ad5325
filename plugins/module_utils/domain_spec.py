# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of one virtual machine (O(vms) items of libvirt_domain and libvirt_resources);
plugins/doc_fragments/vms.py documents it."""

DISK = dict(
    type=dict(type='str', choices=['volume', 'new', 'copy', 'overlay', 'cdrom', 'file']),
    pool=dict(type='str'),
    volume=dict(type='str', aliases=['name']),
    path=dict(type='str'),
    size=dict(type='raw'),
    format=dict(type='str', choices=['qcow2', 'raw']),
    base=dict(type='str'),
    base_pool=dict(type='str'),
    target=dict(type='str'),
    bus=dict(type='str', choices=['virtio', 'scsi', 'sata'], aliases=['disk_driver']),
    cache=dict(type='str', choices=['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']),
    io=dict(type='str', choices=['native', 'threads', 'io_uring']),
    discard=dict(type='str', choices=['ignore', 'unmap']),
)

NIC = dict(
    type=dict(type='str', choices=['network', 'bridge', 'direct', 'user', 'ethernet', 'hostdev'], default='network'),
    source=dict(type='str'),
    network=dict(type='str'),
    portgroup=dict(type='str'),
    bridge=dict(type='str'),
    ovs=dict(type='bool', default=False),
    vlan=dict(type='int'),
    trunk=dict(type='list', elements='int'),
    dev=dict(type='str'),
    mode=dict(type='str', choices=['bridge', 'private', 'vepa', 'passthrough']),
    pci=dict(type='str'),
    target_dev=dict(type='str'),
    model=dict(type='str', choices=['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'], aliases=['network_driver']),
    mac=dict(type='str'),
    mtu=dict(type='int'),
    bandwidth=dict(type='dict'),
)

VM = dict(
    name=dict(type='str', required=True),
    host=dict(type='str'),
    state=dict(type='str', choices=['running', 'shutdown', 'paused', 'destroyed', 'absent'], default='running'),
    autostart=dict(type='bool', default=False),
    remove_volumes=dict(type='bool', default=False),
    domain_type=dict(type='str', choices=['auto', 'kvm', 'qemu'], default='auto'),
    memory=dict(type='raw', default='1G'),
    current_memory=dict(type='raw'),
    vcpus=dict(type='int', default=1, aliases=['vcpu']),
    max_vcpus=dict(type='int'),
    cpu=dict(type='dict', options=dict(
        mode=dict(type='str', choices=['host-passthrough', 'host-model', 'custom'], default='host-passthrough'),
        model=dict(type='str'))),
    arch=dict(type='str'),
    machine=dict(type='str'),
    firmware=dict(type='str', choices=['bios', 'uefi'], default='bios'),
    secure_boot=dict(type='bool', default=False),
    nvram=dict(type='str'),
    boot=dict(type='list', elements='str', choices=['hd', 'cdrom', 'network', 'fd'], default=['hd'],
              aliases=['boot_devices']),
    direct_boot=dict(type='dict', options=dict(
        kernel=dict(type='str', required=True),
        initrd=dict(type='str'),
        cmdline=dict(type='str'))),
    serial_console=dict(type='bool', default=True),
    graphics=dict(type='dict', options=dict(
        type=dict(type='str', choices=['none', 'vnc', 'spice'], default='none'),
        listen=dict(type='str'))),
    rng=dict(type='bool', default=True),
    guest_agent=dict(type='bool', default=True),
    description=dict(type='str'),
    metadata=dict(type='dict'),
    pool=dict(type='str', default='default'),
    cdrom=dict(type='str'),
    disks=dict(type='list', elements='dict', options=DISK),
    cloud_init=dict(type='dict', options=dict(
        user_data=dict(type='raw'),
        meta_data=dict(type='raw'),
        network_config=dict(type='raw'),
        pool=dict(type='str'))),
    nics=dict(type='list', elements='dict', options=NIC, aliases=['network_interfaces']),
)


def canonical(value, spec):
    """AnsibleModule keeps alias keys next to the option names; pass on the option names only."""
    if isinstance(value, list):
        return [canonical(item, spec) for item in value]
    out = {}
    for key, option in spec.items():
        item = value.get(key)
        out[key] = canonical(item, option['options']) if item is not None and 'options' in option else item
    return out


VMS = dict(type='list', elements='dict', options=VM)
