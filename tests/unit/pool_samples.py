"""Pool specs of every libvirt pool type and pool-dumpxml samples, shared by the storage pool tests, and their
reconcile call, which must never probe a device."""

import os

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_reconcile import reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pools

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pool")

IQN = "iqn.2026-01.org.example:storage.t1"
INITIATOR = "iqn.2026-01.org.example:host1"

SPECS = {
    "dir": [
        {"name": "images", "path": "/var/lib/libvirt/images"},
        {
            "name": "dir2",
            "target": {"path": "/srv/vms", "permissions": {"mode": "0711", "owner": 0, "group": 0}},
            "cow": False,
        },
        {
            "name": "dir3",
            "target": {"path": "/srv/d3", "permissions": {"mode": "755", "label": "system_u:x"}},
            "source": {"vendor": "acme", "product": "disk"},
        },
    ],
    "fs": [
        {"name": "fs1", "type": "fs", "source": {"device": "/dev/vdb"}, "target": {"path": "/mnt/fs1"}},
        {
            "name": "fs2",
            "type": "fs",
            "source": {"device": "/dev/vdc1", "format": "xfs"},
            "target": {"path": "/mnt/fs2"},
            "mount_opts": ["noatime", "discard"],
        },
        {
            "name": "fs3",
            "type": "fs",
            "source": {"device": "/dev/loop0", "format": "ext4"},
            "target": {"path": "/mnt/fs3", "permissions": {"mode": "0750", "owner": 64055, "group": 64055}},
            "cow": True,
        },
    ],
    "netfs": [
        {
            "name": "nfs1",
            "type": "netfs",
            "source": {"host": "nas.example.org", "dir": "/export/vms"},
            "target": {"path": "/mnt/nfs1"},
        },
        {
            "name": "nfs2",
            "type": "netfs",
            "source": {
                "host": "192.0.2.10",
                "port": 2049,
                "dir": "/export",
                "format": "nfs",
                "protocol_version": "4.2",
            },
            "target": {"path": "/mnt/nfs2"},
            "mount_opts": ["soft", "timeo=50"],
        },
        {
            "name": "cifs1",
            "type": "netfs",
            "source": {"host": "smb.example.org", "dir": "share", "format": "cifs"},
            "target": {"path": "/mnt/cifs1"},
        },
        {
            "name": "glfs1",
            "type": "netfs",
            "source": {"host": "gl1", "dir": "gv0", "format": "glusterfs"},
            "target": {"path": "/mnt/glfs1"},
        },
    ],
    "logical": [
        {"name": "vg0", "type": "logical"},
        {
            "name": "lv2",
            "type": "logical",
            "build": True,
            "source": {"name": "vgdata", "devices": ["/dev/vdb", "/dev/vdc"]},
        },
        {
            "name": "lv3",
            "type": "logical",
            "source": {"device": "/dev/sdb", "format": "lvm2"},
            "target": {"path": "/dev/lv3"},
        },
    ],
    "disk": [
        {"name": "disk1", "type": "disk", "source": {"device": "/dev/vdd"}, "target": {"path": "/dev"}},
        {
            "name": "disk2",
            "type": "disk",
            "source": {"device": "/dev/mapper/mp0", "format": "gpt", "part_separator": True},
            "target": {"path": "/dev/mapper"},
        },
        {
            "name": "disk3",
            "type": "disk",
            "source": {"device": "/dev/sde", "format": "dos"},
            "target": {"path": "/dev/disk/by-path"},
        },
    ],
    "iscsi": [
        {
            "name": "iscsi1",
            "type": "iscsi",
            "source": {"host": "san.example.org", "device": IQN},
            "target": {"path": "/dev/disk/by-path"},
        },
        {
            "name": "iscsi2",
            "type": "iscsi",
            "source": {
                "host": "192.0.2.20",
                "port": 3260,
                "device": IQN,
                "initiator": INITIATOR,
                "auth": {"username": "chapuser", "secret_usage": "libvirtiscsi"},
            },
            "target": {"path": "/dev/disk/by-id"},
        },
        {
            "name": "iscsi3",
            "type": "iscsi",
            "source": {
                "host": "san",
                "device": IQN,
                "auth": {"type": "chap", "username": "u", "secret_uuid": "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"},
            },
            "target": {"path": "/dev/disk/by-path"},
        },
    ],
    "iscsi-direct": [
        {
            "name": "idirect1",
            "type": "iscsi-direct",
            "source": {"host": "san.example.org", "device": IQN, "initiator": INITIATOR},
        },
        {
            "name": "idirect2",
            "type": "iscsi-direct",
            "source": {
                "host": "192.0.2.21",
                "port": 3261,
                "device": IQN,
                "initiator": INITIATOR,
                "auth": {"username": "chapuser", "secret_usage": "idirect2"},
            },
        },
    ],
    "scsi": [
        {
            "name": "scsi1",
            "type": "scsi",
            "source": {"adapter": {"name": "host0"}},
            "target": {"path": "/dev/disk/by-path"},
        },
        {
            "name": "scsi2",
            "type": "scsi",
            "source": {
                "adapter": {
                    "type": "fc_host",
                    "parent": "scsi_host5",
                    "wwnn": "20000000c9831b4b",
                    "wwpn": "10000000c9831b4b",
                    "managed": True,
                }
            },
            "target": {"path": "/dev/disk/by-path"},
        },
        {
            "name": "scsi3",
            "type": "scsi",
            "source": {"adapter": {"parent_address": "0000:00:1f.2", "unique_id": 2}},
            "target": {"path": "/dev/disk/by-id"},
        },
        {
            "name": "scsi4",
            "type": "scsi",
            "source": {
                "adapter": {
                    "type": "fc_host",
                    "parent_wwnn": "20000000c9831b4a",
                    "parent_wwpn": "10000000c9831b4a",
                    "parent_fabric_wwn": "2000000533113f04",
                    "wwnn": "20000000c9831b4c",
                    "wwpn": "10000000c9831b4c",
                }
            },
            "target": {"path": "/dev/disk/by-path"},
        },
    ],
    "mpath": [
        {"name": "mpath1", "type": "mpath", "target": {"path": "/dev/mapper"}},
        {"name": "mpath2", "type": "mpath", "target": {"path": "/dev/mapper", "permissions": {"mode": "0700"}}},
    ],
    "rbd": [
        {"name": "rbd1", "type": "rbd", "source": {"name": "libvirt", "host": "mon1.example.org"}},
        {
            "name": "rbd2",
            "type": "rbd",
            "source": {
                "name": "vms",
                "hosts": [{"name": "192.0.2.31", "port": 6789}, {"name": "mon2"}],
                "auth": {"username": "libvirt", "secret_usage": "client.libvirt"},
            },
            "config_opts": {"client_mount_timeout": "45", "rados_osd_op_timeout": 10},
            "refresh_allocation": "capacity",
        },
        {
            "name": "rbd3",
            "type": "rbd",
            "source": {
                "name": "vms",
                "host": "mon1",
                "auth": {"type": "ceph", "username": "admin", "secret": "QVFBcGxRZGF3YjdXTkJBQVpPR1RpVnlrZz09"},
            },
        },
    ],
    "sheepdog": [
        {"name": "sheep1", "type": "sheepdog", "source": {"name": "sd", "host": "localhost", "port": 7000}},
        {"name": "sheep2", "type": "sheepdog", "source": {"name": "vdi.pool", "host": "192.0.2.40"}},
    ],
    "gluster": [
        {"name": "gl1", "type": "gluster", "source": {"name": "gv0", "host": "gluster.example.org"}},
        {
            "name": "gl2",
            "type": "gluster",
            "source": {"name": "gv1", "host": "192.0.2.50", "port": 24007, "dir": "/vms"},
        },
    ],
    "zfs": [
        {"name": "zfs1", "type": "zfs", "source": {"name": "tank"}},
        {"name": "zfs2", "type": "zfs", "build": True, "source": {"name": "tank2", "device": "/dev/vdb"}},
        {"name": "zfs3", "type": "zfs", "source": {"name": "tank/vms"}, "target": {"path": "/dev/zvol/tank/vms"}},
    ],
    "vstorage": [
        {"name": "vs1", "type": "vstorage", "source": {"name": "cluster1"}, "target": {"path": "/mnt/vstorage/vs1"}},
        {
            "name": "vs2",
            "type": "vstorage",
            "source": {"name": "c2"},
            "target": {"path": "/mnt/vs2", "permissions": {"mode": "0700", "owner": 107, "group": 107}},
        },
    ],
}

ALL_SPECS = [(kind, spec) for kind, specs in SPECS.items() for spec in specs]

# A volume group of two volumes (the test driver takes any pool type and keeps it in memory).
LVM_POOL = {
    "name": "vg0",
    "type": "logical",
    "source": {"name": "vmvg"},
    "volumes": [{"name": "lv1", "capacity": "16M"}, {"name": "lv2", "capacity": "8M"}],
}

# The input of each pool-dumpxml sample: capture.py defines it on a real libvirtd (tests/unit/fixtures/pool)
# and the tests check that the dumped XML parses to the same model.
PREFIX = "ekvm-cap-"
CAPTURE_DIR = "/var/tmp/ekvm-cap"
CAPTURED = {
    # The trailing slash is normalised away: still no change.
    "dir": {"name": PREFIX + "dir", "path": CAPTURE_DIR + "/dir/"},
    "fs": {
        "name": PREFIX + "fs",
        "type": "fs",
        "source": {"device": "/dev/loop3", "format": "ext4"},
        "path": "/mnt/ekvm-cap-fs",
        "mount_opts": ["noatime"],
    },
    "netfs": {
        "name": PREFIX + "netfs",
        "type": "netfs",
        "source": {"host": "gluster1", "dir": "gv0", "format": "glusterfs"},
        "target": {"path": "/mnt/gv"},
    },
    "logical": {"name": PREFIX + "logical", "type": "logical", "source": {"device": "/dev/loop4"}},
    "disk": {
        "name": PREFIX + "disk",
        "type": "disk",
        "source": {"device": "/dev/loop5", "format": "gpt", "part_separator": True},
        "path": "/dev",
    },
    "iscsi": {
        "name": PREFIX + "iscsi",
        "type": "iscsi",
        "path": "/dev/disk/by-path",
        "source": {
            "host": "192.0.2.20",
            "port": 3260,
            "device": IQN,
            "initiator": INITIATOR,
            "auth": {"username": "chapuser", "secret_usage": "libvirtiscsi"},
        },
    },
    "iscsi-direct": {
        "name": PREFIX + "iscsi-direct",
        "type": "iscsi-direct",
        "source": {"host": "san.example.org", "device": IQN, "initiator": INITIATOR},
    },
    "scsi": {
        "name": PREFIX + "scsi",
        "type": "scsi",
        "source": {"adapter": {"parent_address": "0000:00:1f.2", "unique_id": 2}},
        "target": {"path": "/dev/disk/by-id"},
    },
    "mpath": {"name": PREFIX + "mpath", "type": "mpath", "path": "/dev/mapper"},
    "rbd": {
        "name": PREFIX + "rbd",
        "type": "rbd",
        "config_opts": {"client_mount_timeout": "45", "rados_osd_op_timeout": 10},
        "source": {
            "name": "vms",
            "hosts": [{"name": "192.0.2.31", "port": 6789}, {"name": "mon2"}],
            "auth": {"username": "libvirt", "secret_uuid": "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"},
        },
    },
    "sheepdog": {
        "name": PREFIX + "sheepdog",
        "type": "sheepdog",
        "source": {"name": "sd", "host": "localhost", "port": 7000},
    },
    "gluster": {
        "name": PREFIX + "gluster",
        "type": "gluster",
        "source": {"name": "gv1", "host": "192.0.2.50", "port": 24007, "dir": "/vms"},
    },
    "zfs": {"name": PREFIX + "zfs", "type": "zfs", "source": {"name": "tank"}},
    "vstorage": {
        "name": PREFIX + "vstorage",
        "type": "vstorage",
        "source": {"name": "cluster1"},
        "target": {"path": "/mnt/vstorage/vs1"},
    },
}


def _dumped():
    """Per pool type: (pool-dumpxml text, the input it was defined from), for the samples captured so far (a test
    checks that every type has one; capture.py imports this module before it writes any)."""
    samples = {}
    for kind, raw in CAPTURED.items():
        name = os.path.join(FIXTURES, "dumpxml-%s.xml" % kind)
        if os.path.exists(name):
            with open(name) as handle:
                samples[kind] = (handle.read(), raw)
    return samples


DUMPXML = _dumped()


def no_probe(device):
    raise AssertionError("probed %s although nothing is built" % device)


def run(conn, pools, **kwargs):
    kwargs.setdefault("probe", no_probe)
    return reconcile(conn, parse_pools(pools), **kwargs)


KEY = "QVFCc2VjcmV0a2V5dmFsdWU9PQ=="
FS = {"name": "fs-a", "type": "fs", "build": True, "source": {"device": "/dev/vdz"}, "target": {"path": "/mnt/fs"}}
RBD = {
    "name": "ceph-a",
    "type": "rbd",
    "source": {"name": "vms", "host": "mon1", "auth": {"username": "libvirt", "secret": KEY}},
}


def names(conn):
    return sorted(p.name() for p in conn.listAllStoragePools(0))


class Host:
    """The test driver plus what it lacks: pool capabilities and a secret store."""

    def __init__(self, conn, supported=None):
        self._conn = conn
        self._supported = supported
        self.secrets = {}
        self.builds = []

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def storagePoolLookupByName(self, name):
        return BuildRecorder(self._conn.storagePoolLookupByName(name), self.builds)

    def getStoragePoolCapabilities(self, flags):
        if self._supported is None:
            return self._conn.getStoragePoolCapabilities(flags)
        pools = "".join(
            "<pool type='%s' supported='%s'/>" % (t, "yes" if t in self._supported else "no")
            for t in ("dir", "netfs", "rbd", "sheepdog", "vstorage")
        )
        return "<storagepoolCapabilities>%s</storagepoolCapabilities>" % pools

    def secretLookupByUsage(self, usage_type, usage):
        if usage not in self.secrets:
            import libvirt  # the pool specs above serve tests that run without the bindings too

            err = libvirt.libvirtError("no secret")
            err.err = (66, 0, "no secret", 0, "", None, None, 0, 0)
            raise err
        return self.secrets[usage]

    def secretDefineXML(self, xml, flags):
        usage = xml.split("<name>")[1].split("</name>")[0]
        self.secrets[usage] = Secret(xml)
        return self.secrets[usage]


class BuildRecorder:
    """A pool whose build() records its flags; the test driver accepts no build flags."""

    def __init__(self, pool, builds):
        self._pool = pool
        self._builds = builds

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def build(self, flags):
        self._builds.append((self._pool.name(), flags))
        return self._pool.build(0)


class Secret:
    def __init__(self, xml):
        self.xml = xml
        self.stored = None
        self.undefined = False

    def value(self, flags):
        return self.stored

    def setValue(self, value, flags):
        self.stored = value

    def undefine(self):
        self.undefined = True
