"""The placement's read (migration_read.host_facts) on a shared libvirtd: a domain undefined between the listing
and the read of its state (another client's transient guest that stopped) is not there, not a failed read."""

import libvirt

from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import host_facts


def test_a_domain_gone_since_the_listing_is_left_out():
    class Gone:
        def name(self):
            return "gone"

        def state(self):
            error = libvirt.libvirtError("Domain not found: no domain with matching uuid")
            error.get_error_code = lambda: libvirt.VIR_ERR_NO_DOMAIN
            raise error

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
