"""Pool specs of every libvirt pool type and pool-dumpxml samples, shared by the storage pool tests."""

IQN = "iqn.2026-01.org.example:storage.t1"
INITIATOR = "iqn.2026-01.org.example:host1"

SPECS = {
    "dir": [
        {"name": "images", "path": "/var/lib/libvirt/images"},
        {"name": "dir2", "target": {"path": "/srv/vms", "permissions": {"mode": "0711", "owner": 0, "group": 0}},
         "cow": False},
        {"name": "dir3", "target": {"path": "/srv/d3", "permissions": {"mode": "755", "label": "system_u:x"}},
         "source": {"vendor": "acme", "product": "disk"}},
    ],
    "fs": [
        {"name": "fs1", "type": "fs", "source": {"device": "/dev/vdb"}, "target": {"path": "/mnt/fs1"}},
        {"name": "fs2", "type": "fs", "source": {"device": "/dev/vdc1", "format": "xfs"},
         "target": {"path": "/mnt/fs2"}, "mount_opts": ["noatime", "discard"]},
        {"name": "fs3", "type": "fs", "source": {"device": "/dev/loop0", "format": "ext4"},
         "target": {"path": "/mnt/fs3", "permissions": {"mode": "0750", "owner": 64055, "group": 64055}}, "cow": True},
    ],
    "netfs": [
        {"name": "nfs1", "type": "netfs", "source": {"host": "nas.example.org", "dir": "/export/vms"},
         "target": {"path": "/mnt/nfs1"}},
        {"name": "nfs2", "type": "netfs", "source": {"host": "192.0.2.10", "port": 2049, "dir": "/export",
                                                     "format": "nfs", "protocol_version": "4.2"},
         "target": {"path": "/mnt/nfs2"}, "mount_opts": ["soft", "timeo=50"]},
        {"name": "cifs1", "type": "netfs", "source": {"host": "smb.example.org", "dir": "share", "format": "cifs"},
         "target": {"path": "/mnt/cifs1"}},
        {"name": "glfs1", "type": "netfs", "source": {"host": "gl1", "dir": "gv0", "format": "glusterfs"},
         "target": {"path": "/mnt/glfs1"}},
    ],
    "logical": [
        {"name": "vg0", "type": "logical"},
        {"name": "lv2", "type": "logical", "build": True, "source": {"name": "vgdata", "devices": ["/dev/vdb", "/dev/vdc"]}},
        {"name": "lv3", "type": "logical", "source": {"device": "/dev/sdb", "format": "lvm2"},
         "target": {"path": "/dev/lv3"}},
    ],
    "disk": [
        {"name": "disk1", "type": "disk", "source": {"device": "/dev/vdd"}, "target": {"path": "/dev"}},
        {"name": "disk2", "type": "disk", "source": {"device": "/dev/mapper/mp0", "format": "gpt",
                                                     "part_separator": True}, "target": {"path": "/dev/mapper"}},
        {"name": "disk3", "type": "disk", "source": {"device": "/dev/sde", "format": "dos"},
         "target": {"path": "/dev/disk/by-path"}},
    ],
    "iscsi": [
        {"name": "iscsi1", "type": "iscsi", "source": {"host": "san.example.org", "device": IQN},
         "target": {"path": "/dev/disk/by-path"}},
        {"name": "iscsi2", "type": "iscsi",
         "source": {"host": "192.0.2.20", "port": 3260, "device": IQN, "initiator": INITIATOR,
                    "auth": {"username": "chapuser", "secret_usage": "libvirtiscsi"}},
         "target": {"path": "/dev/disk/by-id"}},
        {"name": "iscsi3", "type": "iscsi",
         "source": {"host": "san", "device": IQN, "auth": {"type": "chap", "username": "u",
                                                           "secret_uuid": "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"}},
         "target": {"path": "/dev/disk/by-path"}},
    ],
    "iscsi-direct": [
        {"name": "idirect1", "type": "iscsi-direct",
         "source": {"host": "san.example.org", "device": IQN, "initiator": INITIATOR}},
        {"name": "idirect2", "type": "iscsi-direct",
         "source": {"host": "192.0.2.21", "port": 3261, "device": IQN, "initiator": INITIATOR,
                    "auth": {"username": "chapuser", "secret_usage": "idirect2"}}},
    ],
    "scsi": [
        {"name": "scsi1", "type": "scsi", "source": {"adapter": {"name": "host0"}},
         "target": {"path": "/dev/disk/by-path"}},
        {"name": "scsi2", "type": "scsi",
         "source": {"adapter": {"type": "fc_host", "parent": "scsi_host5", "wwnn": "20000000c9831b4b",
                                "wwpn": "10000000c9831b4b", "managed": True}},
         "target": {"path": "/dev/disk/by-path"}},
        {"name": "scsi3", "type": "scsi",
         "source": {"adapter": {"parent_address": "0000:00:1f.2", "unique_id": 2}},
         "target": {"path": "/dev/disk/by-id"}},
        {"name": "scsi4", "type": "scsi",
         "source": {"adapter": {"type": "fc_host", "parent_wwnn": "20000000c9831b4a",
                                "parent_wwpn": "10000000c9831b4a", "parent_fabric_wwn": "2000000533113f04",
                                "wwnn": "20000000c9831b4c", "wwpn": "10000000c9831b4c"}},
         "target": {"path": "/dev/disk/by-path"}},
    ],
    "mpath": [
        {"name": "mpath1", "type": "mpath", "target": {"path": "/dev/mapper"}},
        {"name": "mpath2", "type": "mpath", "target": {"path": "/dev/mapper", "permissions": {"mode": "0700"}}},
    ],
    "rbd": [
        {"name": "rbd1", "type": "rbd", "source": {"name": "libvirt", "host": "mon1.example.org"}},
        {"name": "rbd2", "type": "rbd",
         "source": {"name": "vms", "hosts": [{"name": "192.0.2.31", "port": 6789}, {"name": "mon2"}],
                    "auth": {"username": "libvirt", "secret_usage": "client.libvirt"}},
         "config_opts": {"client_mount_timeout": "45", "rados_osd_op_timeout": 10},
         "refresh_allocation": "capacity"},
        {"name": "rbd3", "type": "rbd",
         "source": {"name": "vms", "host": "mon1",
                    "auth": {"type": "ceph", "username": "admin", "secret": "QVFBcGxRZGF3YjdXTkJBQVpPR1RpVnlrZz09"}}},
    ],
    "sheepdog": [
        {"name": "sheep1", "type": "sheepdog", "source": {"name": "sd", "host": "localhost", "port": 7000}},
        {"name": "sheep2", "type": "sheepdog", "source": {"name": "vdi.pool", "host": "192.0.2.40"}},
    ],
    "gluster": [
        {"name": "gl1", "type": "gluster", "source": {"name": "gv0", "host": "gluster.example.org"}},
        {"name": "gl2", "type": "gluster", "source": {"name": "gv1", "host": "192.0.2.50", "port": 24007,
                                                      "dir": "/vms"}},
    ],
    "zfs": [
        {"name": "zfs1", "type": "zfs", "source": {"name": "tank"}},
        {"name": "zfs2", "type": "zfs", "build": True, "source": {"name": "tank2", "device": "/dev/vdb"}},
        {"name": "zfs3", "type": "zfs", "source": {"name": "tank/vms"}, "target": {"path": "/dev/zvol/tank/vms"}},
    ],
    "vstorage": [
        {"name": "vs1", "type": "vstorage", "source": {"name": "cluster1"}, "target": {"path": "/mnt/vstorage/vs1"}},
        {"name": "vs2", "type": "vstorage", "source": {"name": "c2"},
         "target": {"path": "/mnt/vs2", "permissions": {"mode": "0700", "owner": 107, "group": 107}}},
    ],
}

ALL_SPECS = [(kind, spec) for kind, specs in SPECS.items() for spec in specs]

# A volume group of two volumes (the test driver takes any pool type and keeps it in memory).
LVM_POOL = {"name": "vg0", "type": "logical", "source": {"name": "vmvg"},
            "volumes": [{"name": "lv1", "capacity": "16M"}, {"name": "lv2", "capacity": "8M"}]}

# pool-dumpxml output in the shape libvirt prints it: uuid, sizes, filled-in defaults, target permissions.
DUMPXML = {
    "dir": ("""<pool type='dir'>
  <name>images</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <capacity unit='bytes'>105088212992</capacity>
  <allocation unit='bytes'>4833222656</allocation>
  <available unit='bytes'>100254990336</available>
  <source>
  </source>
  <target>
    <path>/var/lib/libvirt/images</path>
    <permissions>
      <mode>0711</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
""", {"name": "images", "path": "/var/lib/libvirt/images/"}),
    "fs": ("""<pool type='fs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <name>fs2</name>
  <uuid>53d97b12-d92c-4dc5-8c9d-aa1d4828bcf2</uuid>
  <capacity unit='bytes'>1023303680</capacity>
  <allocation unit='bytes'>33554432</allocation>
  <available unit='bytes'>989749248</available>
  <source>
    <device path='/dev/loop3'/>
    <format type='ext4'/>
  </source>
  <target>
    <path>/mnt/fs2</path>
    <permissions>
      <mode>0755</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
  <fs:mount_opts>
    <fs:option name='noatime'/>
  </fs:mount_opts>
</pool>
""", {"name": "fs2", "type": "fs", "source": {"device": "/dev/loop3", "format": "ext4"}, "path": "/mnt/fs2",
      "mount_opts": ["noatime"]}),
    "netfs": ("""<pool type='netfs'>
  <name>gv</name>
  <uuid>854ea4c1-064d-4133-a89d-d7f4fa527390</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='gluster1'/>
    <dir path='gv0'/>
    <format type='glusterfs'/>
  </source>
  <target>
    <path>/mnt/gv</path>
    <permissions>
      <mode>0755</mode>
      <owner>-1</owner>
      <group>-1</group>
    </permissions>
  </target>
</pool>
""", {"name": "gv", "type": "netfs", "source": {"host": "gluster1", "dir": "gv0", "format": "glusterfs"},
      "target": {"path": "/mnt/gv"}}),
    "logical": ("""<pool type='logical'>
  <name>vmvg</name>
  <uuid>d621a580-b45a-48f2-83f7-93c04c9f5d9d</uuid>
  <capacity unit='bytes'>10733223936</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>10733223936</available>
  <source>
    <device path='/dev/loop4'/>
    <name>vmvg</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/vmvg</path>
  </target>
</pool>
""", {"name": "vmvg", "type": "logical", "source": {"device": "/dev/loop4"}}),
    "disk": ("""<pool type='disk'>
  <name>disk1</name>
  <uuid>c3847afe-0459-4544-b9a6-9831608b465a</uuid>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>1073724928</available>
  <source>
    <device path='/dev/loop5' part_separator='yes'>
      <freeExtent start='17408' end='1073724928'/>
    </device>
    <format type='gpt'/>
  </source>
  <target>
    <path>/dev</path>
  </target>
</pool>
""", {"name": "disk1", "type": "disk", "source": {"device": "/dev/loop5", "format": "gpt", "part_separator": True},
      "path": "/dev"}),
    "iscsi": ("""<pool type='iscsi'>
  <name>iscsi2</name>
  <uuid>872d23ab-fb8d-4449-882c-06442af1d675</uuid>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>1073741824</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='192.0.2.20' port='3260'/>
    <device path='iqn.2026-01.org.example:storage.t1'/>
    <initiator>
      <iqn name='iqn.2026-01.org.example:host1'/>
    </initiator>
    <auth type='chap' username='chapuser'>
      <secret usage='libvirtiscsi'/>
    </auth>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
    <permissions>
      <mode>0755</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
""", {"name": "iscsi2", "type": "iscsi", "path": "/dev/disk/by-path",
      "source": {"host": "192.0.2.20", "port": 3260, "device": IQN, "initiator": INITIATOR,
                 "auth": {"username": "chapuser", "secret_usage": "libvirtiscsi"}}}),
    "iscsi-direct": ("""<pool type='iscsi-direct'>
  <name>idirect1</name>
  <uuid>5f24e998-49d2-43c6-879f-fc0395b0e2e4</uuid>
  <capacity unit='bytes'>104857600</capacity>
  <allocation unit='bytes'>104857600</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='san.example.org'/>
    <device path='iqn.2026-01.org.example:storage.t1'/>
    <initiator>
      <iqn name='iqn.2026-01.org.example:host1'/>
    </initiator>
  </source>
</pool>
""", {"name": "idirect1", "type": "iscsi-direct",
      "source": {"host": "san.example.org", "device": IQN, "initiator": INITIATOR}}),
    "scsi": ("""<pool type='scsi'>
  <name>scsi3</name>
  <uuid>a935c1fe-6a62-498c-ab78-e9f3cd86a366</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <adapter type='scsi_host'>
      <parentaddr unique_id='2'>
        <address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
      </parentaddr>
    </adapter>
  </source>
  <target>
    <path>/dev/disk/by-id</path>
  </target>
</pool>
""", {"name": "scsi3", "type": "scsi", "source": {"adapter": {"parent_address": "0000:00:1f.2", "unique_id": 2}},
      "target": {"path": "/dev/disk/by-id"}}),
    "mpath": ("""<pool type='mpath'>
  <name>mpath1</name>
  <uuid>6a5ba472-71b1-4d9c-b966-bd86e1a08793</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
  </source>
  <target>
    <path>/dev/mapper</path>
  </target>
</pool>
""", {"name": "mpath1", "type": "mpath", "path": "/dev/mapper"}),
    "rbd": ("""<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'>
  <name>rbd2</name>
  <uuid>955671e9-534f-4608-b2e2-cd92bd840232</uuid>
  <capacity unit='bytes'>64424509440</capacity>
  <allocation unit='bytes'>1073741824</allocation>
  <available unit='bytes'>60129542144</available>
  <source>
    <host name='192.0.2.31' port='6789'/>
    <host name='mon2'/>
    <name>vms</name>
    <auth type='ceph' username='libvirt'>
      <secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>
    </auth>
  </source>
  <rbd:config_opts>
    <rbd:option name='rados_osd_op_timeout' value='10'/>
    <rbd:option name='client_mount_timeout' value='45'/>
  </rbd:config_opts>
</pool>
""", {"name": "rbd2", "type": "rbd", "config_opts": {"client_mount_timeout": "45", "rados_osd_op_timeout": 10},
      "source": {"name": "vms", "hosts": [{"name": "192.0.2.31", "port": 6789}, {"name": "mon2"}],
                 "auth": {"username": "libvirt", "secret_uuid": "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"}}}),
    "sheepdog": ("""<pool type='sheepdog'>
  <name>sheep1</name>
  <uuid>a55b7b6c-728d-45ad-a238-8b703fde778e</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='localhost' port='7000'/>
    <name>sd</name>
  </source>
</pool>
""", {"name": "sheep1", "type": "sheepdog", "source": {"name": "sd", "host": "localhost", "port": 7000}}),
    "gluster": ("""<pool type='gluster'>
  <name>gl2</name>
  <uuid>55173182-5cbe-411a-95df-b36845c00eec</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='192.0.2.50' port='24007'/>
    <dir path='/vms'/>
    <name>gv1</name>
  </source>
</pool>
""", {"name": "gl2", "type": "gluster",
      "source": {"name": "gv1", "host": "192.0.2.50", "port": 24007, "dir": "/vms"}}),
    "zfs": ("""<pool type='zfs'>
  <name>zfs1</name>
  <uuid>55c37ff9-1373-43c5-8e3e-dc854ba33604</uuid>
  <capacity unit='bytes'>1056964608</capacity>
  <allocation unit='bytes'>110592</allocation>
  <available unit='bytes'>1056854016</available>
  <source>
    <name>tank</name>
  </source>
  <target>
    <path>/dev/zvol/tank</path>
  </target>
</pool>
""", {"name": "zfs1", "type": "zfs", "source": {"name": "tank"}}),
    "vstorage": ("""<pool type='vstorage'>
  <name>vs1</name>
  <uuid>5b151b11-c823-4109-9c12-7e3b1fd54362</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <name>cluster1</name>
  </source>
  <target>
    <path>/mnt/vstorage/vs1</path>
    <permissions>
      <mode>0755</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
""", {"name": "vs1", "type": "vstorage", "source": {"name": "cluster1"}, "target": {"path": "/mnt/vstorage/vs1"}}),
}
