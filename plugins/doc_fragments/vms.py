# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The vms option: the virtual machines of a host, with the options that only VMs use (libvirt_domain and
    # libvirt_resources).
    DOCUMENTATION = r"""
options:
  vms:
    description: The virtual machines.
    type: list
    elements: dict
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
      iothreads:
        description:
          - I/O threads QEMU runs for the VM's disks (1-64), so disk I/O leaves the vCPU threads; unset means none.
          - A change is applied to the definition and takes effect at the next boot (RV(restart_required)).
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
        description:
          - Firmware. V(uefi) lets libvirt pick the host's OVMF build and create the VM's NVRAM file from its vars
            template on first start; the NVRAM file is removed with the VM. A host without OVMF is refused before
            any change.
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
        description:
          - Graphical console.
          - The older ansible-kvm role's V(false) (no console) and V(true) (SPICE, as its template drew it) are taken too.
        type: dict
        suboptions:
          type:
            description: Graphics type.
            type: str
            choices: [none, vnc, spice]
            default: none
          listen:
            description:
              - Listen address. Without it the console listens on C(127.0.0.1) only (reach it through an SSH
                tunnel), whatever the host's qemu.conf says; give V(0.0.0.0) to open it to the network.
            type: str
          password:
            description:
              - Console password, at most 8 characters for VNC (the protocol's limit). Never shown in the output, the diff or
                the actions (they say "(hidden)" in its place), nor in errors; keep it in a vault. Dropping it removes the
                password from the VM. A change applies at the next restart of a running VM.
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
                (pool volume or path), V(file) an existing host path, V(image) a disk from a cached base image
                (O(vms[].disks[].image), M(essentials.kvm.libvirt_resources) only).
              - Unset means V(image) with an image or a url, V(overlay) with a base, V(new) with a size, else V(volume).
            type: str
            choices: [volume, new, copy, overlay, cdrom, file, image]
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
          image:
            description:
              - For V(image) disks, the name of one of the O(essentials.kvm.libvirt_resources#module:images).
                The disk is grown to O(vms[].disks[].size), which may not be smaller than the image's virtual size.
            type: str
          clone:
            description:
              - For V(image) disks, V(linked) a qcow2 overlay with the cached image as backing file, V(full) a copy.
            type: str
            choices: [linked, full]
            default: linked
          url:
            description:
              - For V(image) disks, the image's URL instead of a listed image (an image of its own), named by
                O(vms[].disks[].image) or after the file name, cached in the pool C(images), downloaded once per host
                however many disks give it. A URL also listed in O(essentials.kvm.libvirt_resources#module:images)
                is that image. M(essentials.kvm.libvirt_resources) only.
            type: str
          checksum:
            description: With O(vms[].disks[].url), as O(essentials.kvm.libvirt_resources#module:images[].checksum).
            type: str
          checksum_url:
            description: With O(vms[].disks[].url), as O(essentials.kvm.libvirt_resources#module:images[].checksum_url).
            type: str
          compression:
            description: With O(vms[].disks[].url), as O(essentials.kvm.libvirt_resources#module:images[].compression).
            type: str
            choices: [xz, gz, zst, none]
          validate_certs:
            description: With O(vms[].disks[].url), as O(essentials.kvm.libvirt_resources#module:images[].validate_certs).
            type: bool
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
  inventory_hostname:
    description:
      - Name of the host this call runs for. VMs whose O(vms[].host) names another host are skipped.
      - Also seeds the MAC addresses derived for NICs without O(vms[].nics[].mac).
    type: str
  shutdown_timeout:
    description: Seconds to wait for a guest to power off before it is destroyed.
    type: int
    default: 120
"""
