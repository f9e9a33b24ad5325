"""A domain undefined between a listing and the read of it is not there, not a failed read: in the placement's read
(migration_read.host_facts, another client's transient guest that stopped on a shared libvirtd), and when a move
asks which VMs of the source still use a disk it copied (migration_apply.disk_sources: another VM of the source moved
away meanwhile, as moves run side by side)."""

import libvirt

from ansible_collections.essentials.kvm.plugins.module_utils.migration_apply import _users, disk_sources
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import Disk, host_facts


def gone_error():
    error = libvirt.libvirtError("Domain not found: no domain with matching uuid")
    error.get_error_code = lambda: libvirt.VIR_ERR_NO_DOMAIN
    return error


def test_a_domain_gone_since_the_listing_is_left_out():
    class Gone:
        def name(self):
            return "gone"

        def state(self):
            raise gone_error()

    class Here:
        def name(self):
            return "web1"

        def state(self):
            return [libvirt.VIR_DOMAIN_RUNNING, 1]

        def XMLDesc(self, _flags):
            return "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os></domain>"

    class Host:
        def listAllDomains(self, _flags):
            return [Gone(), Here()]

        def listAllNetworks(self, _flags):
            return []

        def listAllStoragePools(self, _flags):
            return []

        def getMemoryStats(self, _cell, _flags):
            return {"free": 1024}

        def getCapabilities(self):
            return "<capabilities/>"

    facts = host_facts(Host())
    assert facts["domains"] == {"web1": "running"}
    assert facts["machines"] == {"web1": {"arch": "x86_64", "machine": "pc-i440fx-7.2"}}


def test_a_vm_that_moved_away_since_the_listing_uses_no_disk_of_the_source():
    class Gone:
        def name(self):
            return "moved-away"

        def XMLDesc(self, _flags):
            raise gone_error()

    class User:
        def name(self):
            return "db1"

        def isActive(self):
            return False

        def XMLDesc(self, _flags):
            return "<domain><devices><disk><source file='/var/lib/libvirt/local/a.img'/></disk></devices></domain>"

    class Host:
        def listAllDomains(self, _flags):
            return [Gone(), User()]

    disk = Disk(target="vda", pool="local", volume="a.img", copy=True)
    assert _users(disk_sources(Host()), disk, "/var/lib/libvirt/local/a.img") == ["db1"]
    assert _users(disk_sources(Host()), disk, "/var/lib/libvirt/local/b.img") == []
