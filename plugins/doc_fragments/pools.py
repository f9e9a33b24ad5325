# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The pools option: every storage pool of a host, with its volumes (libvirt_pool and libvirt_resources).
    DOCUMENTATION = r"""
options:
  pools:
    description:
      - The storage pools of the host. Errors name the entry, for example C(pools[1].source.host).
      - See docs/storage_pools.md for the options each pool type takes.
    type: list
    elements: dict
    suboptions:
      name:
        description: Pool name (letters, digits and C(_ . + -)). Required.
        type: str
      type:
        description: Pool type.
        type: str
        choices: [dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd, sheepdog, gluster, zfs, vstorage]
        default: dir
      state:
        description:
          - C(active), C(inactive), C(present) (defined, run state left as it is) or C(absent).
            The older role's C(undefined) and C(deleted) mean C(absent).
        type: str
        default: active
      autostart:
        description:
          - Start the pool when libvirtd starts. Defaults to true for C(active), false for C(inactive) and
            left as it is for C(present).
        type: bool
      build:
        description:
          - Build a new pool (create its directory, make the filesystem, write the partition table, create the
            volume group or zpool). Only ever done when the pool is first defined.
          - Defaults to true for dir, netfs and vstorage (only a directory is made) and false for the others.
        type: bool
      overwrite:
        description:
          - Allow O(pools[].build) to format devices that already hold a filesystem, partition table or LVM
            signature. Without it such a build is refused.
        type: bool
        default: false
      delete_data:
        description: With O(pools[].state=absent), also delete all volumes and the pool's storage.
        type: bool
        default: false
      path:
        description: Shorthand for O(pools[].target.path), as in the older ansible-kvm role.
        type: str
      target:
        description: Where the pool appears on the host.
        type: dict
        suboptions:
          path:
            description: Absolute target path.
            type: str
          permissions:
            description:
              - Permissions of the target directory. libvirt applies them only when it creates the directory; a
                different value for an existing pool gives a warning, never a change.
            type: dict
            suboptions: &permissions
              mode:
                description: Octal mode as a quoted string, for example C('0755').
                type: str
              owner:
                description: Numeric owner id.
                type: int
              group:
                description: Numeric group id.
                type: int
              label:
                description: Security label.
                type: str
      source:
        description: Where the storage comes from; which keys apply depends on O(pools[].type).
        type: dict
        suboptions:
          host:
            description: Server name or address (netfs, iscsi, iscsi-direct, rbd, sheepdog, gluster).
            type: str
          port:
            description: Server port, with O(pools[].source.host).
            type: int
          hosts:
            description: Several servers (rbd monitors); instead of host and port.
            type: list
            elements: dict
            suboptions:
              name:
                description: Server name or address.
                type: str
              port:
                description: Server port.
                type: int
          device:
            description: Block device path, or the target IQN for iscsi and iscsi-direct.
            type: str
          devices:
            description: Several devices (logical volume group members, zpool disks); instead of device.
            type: list
            elements: str
          part_separator:
            description: Whether partition names of the device get a C(p) separator (disk, logical).
            type: bool
          dir:
            description: Exported directory (netfs) or gluster subdirectory.
            type: str
          name:
            description: Volume group, ceph pool, gluster volume, zpool, sheepdog or vstorage cluster name.
            type: str
          format:
            description:
              - Source format. fs C(auto ext2 ext3 ext4 ufs iso9660 udf gfs gfs2 vfat hfs+ xfs ocfs2 vmfs);
                netfs C(auto nfs cifs glusterfs); disk C(unknown dos dvh gpt mac bsd pc98 sun lvm2);
                logical C(unknown lvm2).
            type: str
          adapter:
            description: SCSI host adapter of a scsi pool.
            type: dict
            suboptions:
              type:
                description: Adapter type.
                type: str
                choices: [scsi_host, fc_host]
              name:
                description: scsi_host name such as C(host0).
                type: str
              parent:
                description: Parent scsi_host of an fc_host vHBA.
                type: str
              parent_wwnn:
                description: WWNN of the parent HBA; with O(pools[].source.adapter.parent_wwpn), instead of parent.
                type: str
              parent_wwpn:
                description: WWPN of the parent HBA, with O(pools[].source.adapter.parent_wwnn).
                type: str
              parent_fabric_wwn:
                description: Fabric WWN of the parent HBA, instead of parent.
                type: str
              managed:
                description: Whether libvirt creates and deletes the vHBA.
                type: bool
              wwnn:
                description: WWNN of the fc_host vHBA.
                type: str
              wwpn:
                description: WWPN of the fc_host vHBA.
                type: str
              parent_address:
                description: PCI address of a scsi_host, for example C(0000:00:1f.2); instead of name.
                type: str
              unique_id:
                description: unique_id of the scsi_host at O(pools[].source.adapter.parent_address).
                type: int
          initiator:
            description: Initiator IQN (iscsi, iscsi-direct).
            type: str
          auth:
            description: CHAP (iscsi, iscsi-direct) or ceph (rbd) authentication.
            type: dict
            suboptions:
              type:
                description: C(chap) or C(ceph); defaults to the one the pool type uses.
                type: str
              username:
                description: User name.
                type: str
              secret_usage:
                description: Usage name of the libvirt secret holding the key.
                type: str
              secret_uuid:
                description: UUID of the libvirt secret holding the key.
                type: str
              secret:
                description:
                  - The CHAP password or the base64 ceph key. The module keeps a libvirt secret with this value;
                    its usage defaults to C(essentials.kvm.pool.NAME).
                type: str
          protocol_version:
            description: NFS protocol version (netfs).
            type: str
          vendor:
            description: Vendor of the storage device (libvirt only records it).
            type: str
          product:
            description: Product name of the storage device (libvirt only records it).
            type: str
      cow:
        description: Copy-on-write of the target filesystem (dir, fs, netfs on btrfs).
        type: bool
      mount_opts:
        description: Extra mount options (fs, netfs).
        type: list
        elements: str
      config_opts:
        description: Extra ceph client options (rbd), name to value.
        type: dict
      refresh_allocation:
        description: How rbd volume allocation is refreshed.
        type: str
        choices: [default, capacity]
      volumes:
        description:
          - Volumes in the pool; unlisted volumes are left alone.
          - iscsi, iscsi-direct, scsi, mpath and gluster pools cannot create volumes; their volumes are the LUNs,
            devices or files the storage already has. A netfs pool with format C(glusterfs) creates files in a
            gluster volume.
        type: list
        elements: dict
        suboptions:
          name:
            description: Volume name. Required.
            type: str
          state:
            description: Only C(absent) deletes a volume.
            type: str
            choices: [present, absent]
            default: present
          capacity:
            description:
              - Size such as C(10G) or C(512MiB); a bare number is MiB. Grown when larger than now, never shrunk.
              - Where libvirt cannot resize a logical volume (libvirt 9.0), the module grows it with C(lvextend)
                and refreshes the pool; LVM rounds the size up to whole extents.
            type: raw
          allocation:
            description: Space to allocate up front; a size as for O(pools[].volumes[].capacity).
            type: raw
          format:
            description: Volume format such as C(raw) or C(qcow2) (file based pools) or a partition type (disk).
            type: str
          backing:
            description: Backing volume, as a name in the same pool or an absolute path.
            type: str
          backing_format:
            description: Format of the backing volume.
            type: str
            choices: [raw, qcow2, qcow, qed, vmdk, vpc, vdi, vhd, cow, dir, bochs, cloop, dmg, iso, fat, ploop]
            default: qcow2
          permissions:
            description: Permissions of the volume when created.
            type: dict
            suboptions: *permissions
          upload:
            description:
              - Image file on the host to upload into the volume when it is created.
              - The volume is marked unfinished under C(/var/lib/essentials-kvm/unfinished-volumes) until it holds
                the whole file; a run that finds it marked (an earlier run was interrupted) deletes and uploads it
                again.
            type: str
"""
