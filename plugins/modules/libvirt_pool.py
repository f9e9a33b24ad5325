#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_pool
short_description: Converge all libvirt storage pools, their volumes and secrets of a host
description:
  - Takes the whole list of storage pools of a host, validates all of it before changing anything, reads the
    live pools, redefines only what differs, starts, stops and autostarts pools and creates, grows or deletes
    volumes.
  - Supports all 14 libvirt pool types (dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd,
    sheepdog, gluster, zfs, vstorage). Types this host's libvirt has no backend for fail before any change.
  - CHAP passwords and ceph keys become libvirt secrets; their values never appear in a diff or a return value.
    Removing the pool undefines the secret made for it; secrets referred to by secret_usage or secret_uuid stay.
  - Volumes are never shrunk or recreated, and removing a pool keeps its data unless O(pools[].delete_data) is set.
version_added: "0.1.0"
author:
  - KVM essentials developers (@kvm-essentials)
options:
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
  pools:
    description:
      - The storage pools of the host. Errors name the entry, for example C(pools[1].source.host).
      - See docs/storage_pools.md for the options each pool type takes.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Pool name (letters, digits and C(_ . + -)). Required.
        type: str
      type:
        description:
          - Pool type, one of C(dir fs netfs logical disk iscsi iscsi-direct scsi mpath rbd sheepdog gluster zfs
            vstorage).
        type: str
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
            suboptions:
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
                description: C(scsi_host) or C(fc_host).
                type: str
              name:
                description: scsi_host name such as C(host0).
                type: str
              parent:
                description: Parent scsi_host of an fc_host vHBA.
                type: str
              parent_wwnn:
                description: WWNN of the parent HBA.
                type: str
              parent_wwpn:
                description: WWPN of the parent HBA.
                type: str
              parent_fabric_wwn:
                description: Fabric WWN of the parent HBA.
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
            description: Vendor name of the source.
            type: str
          product:
            description: Product name of the source.
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
        description: How rbd volume allocation is refreshed, C(default) or C(capacity).
        type: str
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
            description: C(present) or C(absent); only C(absent) deletes a volume.
            type: str
            default: present
          capacity:
            description:
              - Size such as C(10G), C(512MiB) or bytes. Grown when larger than now, never shrunk.
              - Where libvirt cannot resize a logical volume (libvirt 9.0), the module grows it with C(lvextend)
                and refreshes the pool; LVM rounds the size up to whole extents.
            type: raw
          allocation:
            description: Space to allocate up front.
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
          permissions:
            description: Permissions of the volume when created.
            type: dict
            suboptions:
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
          upload:
            description: Image file on the host to upload into the volume when it is created.
            type: str
  purge:
    description: Undefine pools that are not listed (their data stays).
    type: bool
    default: false
  restart_on_change:
    description:
      - Restart an active pool whose definition changed. Without it such pools are listed in RV(restart_required).
    type: bool
    default: false
  input_name:
    description: Name of the input used in error messages, for example C(kvm_storage_pools).
    type: str
    default: pools
attributes:
  check_mode:
    description: Plans and reports every change without making it.
    support: full
  diff_mode:
    description: Shows each pool's definition, state and volumes before and after; secrets are never shown.
    support: full
"""

EXAMPLES = r"""
- name: A directory pool with a qcow2 volume and an NFS pool
  essentials.kvm.libvirt_pool:
    pools:
      - name: images
        path: /var/lib/libvirt/images
        volumes:
          - name: base.qcow2
            capacity: 20G
            format: qcow2
      - name: nfs
        type: netfs
        source:
          host: nas.example.org
          dir: /export/vms
          format: nfs
        target:
          path: /srv/nfs-vms

- name: A ceph pool with its key kept as a libvirt secret
  essentials.kvm.libvirt_pool:
    pools:
      - name: ceph
        type: rbd
        source:
          name: libvirt
          hosts:
            - name: mon1.example.org
              port: 6789
          auth:
            username: libvirt
            secret: "{{ vault_ceph_key }}"
"""

RETURN = r"""
pools:
  description: The pools that changed or need a restart, with the actions taken (or planned in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "images", "actions": ["define pool images", "start pool images"], "restart_required": false}]
restart_required:
  description: Active pools whose new definition takes effect only after a restart.
  returned: always
  type: list
  elements: str
  sample: ["nfs"]
done:
  description:
    - The changes made before the host refused one; the task then fails with C(changed=true).
    - Steps on volumes and secrets name their pool.
  returned: failure
  type: list
  elements: str
  sample: ["define pool images", "start pool images", "create volume a.qcow2 (1 GiB) in pool images"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import parse_pools
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile

try:
    import libvirt
except ImportError:
    libvirt = None

PERMISSIONS = dict(mode=dict(type="str"), owner=dict(type="int"), group=dict(type="int"), label=dict(type="str"))
ADAPTER = dict(
    type=dict(type="str"), name=dict(type="str"), parent=dict(type="str"), parent_wwnn=dict(type="str"),
    parent_wwpn=dict(type="str"), parent_fabric_wwn=dict(type="str"), managed=dict(type="bool"),
    wwnn=dict(type="str"), wwpn=dict(type="str"), parent_address=dict(type="str"), unique_id=dict(type="int"),
)
AUTH = dict(type=dict(type="str"), username=dict(type="str"), secret_usage=dict(type="str", no_log=False),
            secret_uuid=dict(type="str", no_log=False), secret=dict(type="str", no_log=True))
SOURCE = dict(
    host=dict(type="str"), port=dict(type="int"),
    hosts=dict(type="list", elements="dict", options=dict(name=dict(type="str"), port=dict(type="int"))),
    device=dict(type="str"), devices=dict(type="list", elements="str"), part_separator=dict(type="bool"),
    dir=dict(type="str"), name=dict(type="str"), format=dict(type="str"),
    adapter=dict(type="dict", options=ADAPTER), initiator=dict(type="str"), auth=dict(type="dict", options=AUTH),
    protocol_version=dict(type="str"), vendor=dict(type="str"), product=dict(type="str"),
)
VOLUME = dict(
    name=dict(type="str"), state=dict(type="str", default="present"), capacity=dict(type="raw"),
    allocation=dict(type="raw"), format=dict(type="str"), backing=dict(type="str"), backing_format=dict(type="str"),
    permissions=dict(type="dict", options=PERMISSIONS), upload=dict(type="str"),
)
POOL = dict(
    name=dict(type="str"), type=dict(type="str", default="dir"), state=dict(type="str", default="active"),
    autostart=dict(type="bool"), build=dict(type="bool"), overwrite=dict(type="bool", default=False),
    delete_data=dict(type="bool", default=False), path=dict(type="str"),
    target=dict(type="dict", options=dict(path=dict(type="str"), permissions=dict(type="dict", options=PERMISSIONS))),
    source=dict(type="dict", options=SOURCE), cow=dict(type="bool"), mount_opts=dict(type="list", elements="str"),
    config_opts=dict(type="dict"), refresh_allocation=dict(type="str"),
    volumes=dict(type="list", elements="dict", options=VOLUME),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uri=dict(type="str", default="qemu:///system"),
            pools=dict(type="list", elements="dict", default=[], options=POOL),
            purge=dict(type="bool", default=False),
            restart_on_change=dict(type="bool", default=False),
            input_name=dict(type="str", default="pools"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    conn = None
    try:
        specs = parse_pools(params["pools"], params["input_name"])
        if libvirt is None:
            raise HostError("the libvirt Python bindings are missing; install python3-libvirt on the host")
        # Errors arrive as exceptions; some are expected (no resize for logical volumes) and must not reach stderr.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        try:
            conn = libvirt.open(params["uri"])
        except libvirt.libvirtError as exc:
            raise HostError("cannot connect to %s: %s" % (params["uri"], exc))
        result = reconcile(conn, specs, purge=params["purge"], restart_on_change=params["restart_on_change"],
                           check_mode=module.check_mode)
    except EssentialsError as exc:
        done = getattr(exc, "done", [])
        module.fail_json(msg=exc.message, changed=bool(done), done=done)
    finally:
        if conn is not None:
            conn.close()
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
