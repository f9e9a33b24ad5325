"""Removing what one lab test made on the lab's libvirtd, by the name prefix the test gives its objects."""

import libvirt


def remove_tagged(conn, tag):
    """Destroy and undefine the domains (with their NVRAM) and the pools (deleting their volumes) named tag*."""
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(tag):
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    for pool in conn.listAllStoragePools(0):
        if pool.name().startswith(tag):
            if pool.isActive():
                for vol in pool.listAllVolumes(0):
                    vol.delete(0)
                pool.destroy()
            pool.undefine()
