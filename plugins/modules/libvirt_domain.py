#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: libvirt_domain
short_description: Converge libvirt virtual machines (domains) on one host
version_added: 0.1.0
description:
  - Takes the whole list of virtual machines for a host in one call, validates all of it before anything
    changes, then defines, redefines, starts, stops or removes domains so the host matches the list.
  - Disks can use existing pool volumes, new volumes, copies of a base image or qcow2 overlays on a base image.
    A cloud-init NoCloud seed ISO is built on the host and stored in a pool.
  - Changes a running guest accepts (NIC or disk attach and detach, memory balloon, vCPUs up to the maximum,
    description and metadata) are applied live and persistently; the rest is redefined and reported in
    C(restart_required), and applied by a graceful restart only with O(restart_on_change).
  - Options left unset (O(vms[].arch), O(vms[].machine), O(vms[].nvram)) are left to libvirt and never reported as changes.
  - Accepts the older C(mrlesmithjr/ansible-kvm) C(kvm_vms) shape through aliases (C(vcpu), C(boot_devices),
    C(network_interfaces), C(disk_driver), C(network_driver), disk C(name), NIC C(source), C(cdrom)).
author:
  - KVM essentials developers (@kvm-essentials)
requirements:
  - libvirt-python
  - xorriso, genisoimage or mkisofs on the host when O(vms[].cloud_init) is used
attributes:
  check_mode:
    support: full
    description: Plans and reports the changes without making them.
  diff_mode:
    support: full
    description: Shows the normalised domain XML, state and autostart before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on the libvirt host.
options:
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
  inventory_hostname:
    description:
      - Name of the host this call runs for. VMs whose O(vms[].host) names another host are skipped.
      - Also seeds the MAC addresses derived for NICs without O(vms[].nics[].mac).
    type: str
  input_name:
    description: Name of the variable the list came from, used in error messages (the kvm role passes C(kvm_vms)).
    type: str
    default: vms
  purge:
    description: Undefine domains on the host that are not in O(vms) (their volumes are kept).
    type: bool
    default: false
  restart_on_change:
    description: Restart running guests whose change needs a restart (graceful shutdown, then destroy after O(shutdown_timeout)).
    type: bool
    default: false
  shutdown_timeout:
    description: Seconds to wait for a guest to power off before it is destroyed.
    type: int
    default: 120
  declared_networks:
    description:
      - Networks the same play creates before the VMs (the kvm role passes its C(kvm_virtual_networks) names).
      - They count as present in check mode only, so a dry run on a fresh host plans the VMs instead of failing;
        a real run needs them on the host.
    type: list
    elements: str
    default: []
  declared_pools:
    description: Storage pools the same play creates before the VMs; like O(declared_networks).
    type: list
    elements: str
    default: []
  vms:
    description: The virtual machines.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Domain name.
        type: str
        required: true
      host:
        description: Inventory host the VM lives on; other hosts skip it. Unset means every host that gets the list.
        type: str
      state:
        description: Wanted state. V(absent) undefines the domain (and its UEFI NVRAM); volumes stay unless O(vms[].remove_volumes).
        type: str
        choices: [running, shutdown, paused, destroyed, absent]
        default: running
      autostart:
        description: Start the domain when the host boots.
        type: bool
        default: false
      remove_volumes:
        description: With O(vms[].state=absent), also delete the volumes of its disks and its cloud-init seed.
        type: bool
        default: false
      domain_type:
        description: V(auto) picks V(kvm) when the host capabilities offer it, else V(qemu) (TCG emulation).
        type: str
        choices: [auto, kvm, qemu]
        default: auto
      memory:
        description: Maximum memory, a size such as V(2G); bare numbers are MiB.
        type: raw
        default: 1G
      current_memory:
        description: Balloon size at boot, at most O(vms[].memory); defaults to O(vms[].memory).
        type: raw
      vcpus:
        description: vCPUs at boot.
        type: int
        default: 1
        aliases: [vcpu]
      max_vcpus:
        description: vCPUs that can be hot-plugged up to; defaults to O(vms[].vcpus).
        type: int
      cpu:
        description: CPU model. Unset means C(host-passthrough) under KVM and libvirt's default under TCG.
        type: dict
        suboptions:
          mode:
            description: CPU mode.
            type: str
            choices: [host-passthrough, host-model, custom]
            default: host-passthrough
          model:
            description: CPU model name for mode V(custom).
            type: str
      arch:
        description: Guest architecture such as V(x86_64).
        type: str
      machine:
        description: Machine type such as V(q35) or V(pc); aliases match the versioned types libvirt expands them to.
        type: str
      firmware:
        description: Firmware.
        type: str
        choices: [bios, uefi]
        default: bios
      secure_boot:
        description: UEFI secure boot with enrolled keys (needs a q35 machine).
        type: bool
        default: false
      nvram:
        description: Path of the UEFI variable store; libvirt picks one when unset.
        type: str
      boot:
        description: Boot devices in order.
        type: list
        elements: str
        choices: [hd, cdrom, network, fd]
        default: [hd]
        aliases: [boot_devices]
      direct_boot:
        description:
          - Direct kernel boot; QEMU loads the kernel (and initrd) from host files, so the disk needs no bootloader.
          - Changing or removing it on a running guest needs a restart.
        type: dict
        suboptions:
          kernel:
            description: Absolute host path of the kernel image.
            type: str
            required: true
          initrd:
            description: Absolute host path of the initial ramdisk.
            type: str
          cmdline:
            description: Kernel command line, such as V(root=/dev/vda rw console=ttyS0).
            type: str
      serial_console:
        description: Add a serial console (C(virsh console)).
        type: bool
        default: true
      graphics:
        description: Graphical console.
        type: dict
        suboptions:
          type:
            description: Graphics type.
            type: str
            choices: [none, vnc, spice]
            default: none
          listen:
            description: Listen address.
            type: str
      rng:
        description: Add a virtio RNG fed from the host's /dev/urandom.
        type: bool
        default: true
      guest_agent:
        description: Add the QEMU guest agent channel.
        type: bool
        default: true
      description:
        description: Domain description.
        type: str
      metadata:
        description: Simple key/value strings stored in the domain's metadata.
        type: dict
      pool:
        description: Default storage pool for disks and the cloud-init seed.
        type: str
        default: default
      cdrom:
        description: Host path of an ISO attached as CD-ROM (older ansible-kvm option).
        type: str
      disks:
        description: Disks and CD-ROMs.
        type: list
        elements: dict
        suboptions:
          type:
            description:
              - V(volume) an existing pool volume, V(new) a new volume of O(vms[].disks[].size), V(copy) a full copy
                of O(vms[].disks[].base), V(overlay) a qcow2 volume backed by O(vms[].disks[].base), V(cdrom) an ISO
                (pool volume or path), V(file) an existing host path.
              - Unset means V(overlay) with a base, V(new) with a size, else V(volume).
            type: str
            choices: [volume, new, copy, overlay, cdrom, file]
          pool:
            description: Pool of the volume; defaults to O(vms[].pool).
            type: str
          volume:
            description: Volume name; new volumes default to C(NAME-diskN.FORMAT).
            type: str
            aliases: [name]
          path:
            description: Host path for types V(file) and V(cdrom).
            type: str
          size:
            description: Size of a new volume (V(20G); bare numbers are MiB). Only used when the volume is created.
            type: raw
          format:
            description: Image format; V(qcow2) for created volumes, read from the volume otherwise.
            type: str
            choices: [qcow2, raw]
          base:
            description: Base image volume for V(copy) and V(overlay).
            type: str
          base_pool:
            description: Pool of O(vms[].disks[].base); defaults to the disk's pool.
            type: str
          target:
            description: Guest device such as V(vdb) or V(sda); assigned in order when unset.
            type: str
          bus:
            description: Disk bus.
            type: str
            choices: [virtio, scsi, sata]
            aliases: [disk_driver]
          cache:
            description: Cache mode.
            type: str
            choices: [default, none, writethrough, writeback, directsync, unsafe]
          io:
            description: I/O mode.
            type: str
            choices: [native, threads, io_uring]
          discard:
            description: Discard (TRIM) handling.
            type: str
            choices: [ignore, unmap]
      cloud_init:
        description: Build a NoCloud seed ISO (label C(cidata)), store it in a pool as C(NAME-cidata.iso) and attach it as CD-ROM.
        type: dict
        suboptions:
          user_data:
            description: cloud-config mapping (hostname, users, ssh_authorized_keys, packages...) or a YAML string.
            type: raw
          meta_data:
            description: Meta-data mapping or string; defaults to instance-id and local-hostname set to the VM name.
            type: raw
          network_config:
            description: Network configuration (version 2) mapping or string.
            type: raw
          pool:
            description: Pool for the seed ISO; defaults to O(vms[].pool).
            type: str
      nics:
        description: Network interfaces.
        type: list
        elements: dict
        aliases: [network_interfaces]
        suboptions:
          type:
            description: Interface type.
            type: str
            choices: [network, bridge, direct, user, ethernet, hostdev]
            default: network
          source:
            description: Network, bridge or host device name, depending on O(vms[].nics[].type) (older ansible-kvm option).
            type: str
          network:
            description: libvirt network for type V(network).
            type: str
          portgroup:
            description: Port group of the network.
            type: str
          bridge:
            description: Host bridge for type V(bridge).
            type: str
          ovs:
            description: The bridge is an Open vSwitch bridge (adds an openvswitch virtualport).
            type: bool
            default: false
          vlan:
            description: VLAN tag (access port), or the untagged native VLAN with O(vms[].nics[].trunk).
            type: int
          trunk:
            description: VLAN ids carried tagged.
            type: list
            elements: int
          dev:
            description: Host interface for type V(direct) (macvtap).
            type: str
          mode:
            description: macvtap mode for type V(direct).
            type: str
            choices: [bridge, private, vepa, passthrough]
          pci:
            description: PCI address of the host function for type V(hostdev), such as V(0000:03:00.1).
            type: str
          target_dev:
            description: Host tap device name for type V(ethernet).
            type: str
          model:
            description: Device model; V(virtio) unless type V(hostdev).
            type: str
            choices: [virtio, e1000, e1000e, rtl8139, vmxnet3]
            aliases: [network_driver]
          mac:
            description: MAC address; derived from host, VM name and NIC index when unset, so reruns keep it.
            type: str
          mtu:
            description: MTU.
            type: int
          bandwidth:
            description: Quality of service, C(inbound) and C(outbound) mappings of C(average), C(peak) (KiB/s) and C(burst) (KiB).
            type: dict
'''

EXAMPLES = r'''
- name: A Debian guest from a base image, with a cloud-init seed
  essentials.kvm.libvirt_domain:
    inventory_hostname: "{{ inventory_hostname }}"
    vms:
      - name: web1
        memory: 2G
        vcpus: 2
        machine: q35
        disks:
          - type: overlay
            pool: default
            base: debian-12-genericcloud-amd64.qcow2
            size: 20G
        cloud_init:
          user_data:
            hostname: web1
            ssh_authorized_keys: ["ssh-ed25519 AAAA... admin"]
            packages: [qemu-guest-agent]
        nics:
          - network: default
          - type: bridge
            bridge: ovsbr0
            ovs: true
            vlan: 20

- name: An image without a bootloader, booted with a host kernel (dry run on a fresh host with the role's pools)
  essentials.kvm.libvirt_domain:
    declared_pools: [images]
    vms:
      - name: tiny1
        memory: 768M
        pool: images
        direct_boot:
          kernel: /var/lib/libvirt/boot/vmlinuz
          initrd: /var/lib/libvirt/boot/initrd.img
          cmdline: root=/dev/vda rw console=ttyS0 ds=nocloud
        disks:
          - base: rootfs.qcow2
        cloud_init:
          user_data:
            hostname: tiny1
            ssh_authorized_keys: ["ssh-ed25519 AAAA... admin"]

- name: The older ansible-kvm shape
  essentials.kvm.libvirt_domain:
    input_name: kvm_vms
    vms:
      - name: test_vm
        memory: '512'
        vcpu: '1'
        boot_devices: [network, hd]
        disks:
          - disk_driver: virtio
            name: test_vm.1
            size: '36864'
        network_interfaces:
          - source: default
            network_driver: virtio
            type: network
        state: running
'''

RETURN = r'''
vms:
  description: One entry per VM handled on this host.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Domain name.
      type: str
    changed:
      description: Whether anything changed (or would, in check mode).
      type: bool
    actions:
      description: What was (or would be) done, in order.
      type: list
      elements: str
    restart_required:
      description: The persistent definition changed in a way the running guest only picks up after a restart.
      type: bool
other_hosts:
  description: VMs placed on other hosts, left alone by this call.
  returned: always
  type: list
  elements: str
restart_required:
  description: Names of VMs that need a restart to apply their new definition.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.essentials.kvm.plugins.module_utils.domain_reconcile import converge
from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError

try:
    import libvirt
except ImportError:
    libvirt = None

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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uri=dict(type='str', default='qemu:///system'),
            inventory_hostname=dict(type='str'),
            input_name=dict(type='str', default='vms'),
            purge=dict(type='bool', default=False),
            restart_on_change=dict(type='bool', default=False),
            shutdown_timeout=dict(type='int', default=120),
            declared_networks=dict(type='list', elements='str', default=[]),
            declared_pools=dict(type='list', elements='str', default=[]),
            vms=dict(type='list', elements='dict', required=True, options=VM),
        ),
        supports_check_mode=True,
    )
    if libvirt is None:
        module.fail_json(msg=missing_required_lib('libvirt-python'))
    params = module.params
    try:
        conn = libvirt.open(params['uri'])
    except libvirt.libvirtError as exc:
        module.fail_json(msg='cannot connect to %s: %s' % (params['uri'], exc))
    try:
        result = converge(conn, canonical(params['vms'], VM), params['input_name'], params['inventory_hostname'],
                          params['purge'], module.check_mode, params['restart_on_change'], params['shutdown_timeout'],
                          params['declared_networks'], params['declared_pools'])
    except EssentialsError as exc:
        module.fail_json(msg=exc.message)
    finally:
        conn.close()
    if not module._diff:
        result.pop('diff')
    # A non-empty "skipped" would make Ansible report the whole task as skipped and hide its changes.
    result['other_hosts'] = result.pop('skipped')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
