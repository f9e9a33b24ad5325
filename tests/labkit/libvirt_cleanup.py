"""Removing what one lab test made on a libvirtd, by the name prefix the test gives its objects; and where a domain
is, as the migration tests ask before and after a move."""

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


def state(conn, name):
    """(persistent, running) of the domain, None when that libvirtd has it not."""
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return None
    return bool(dom.isPersistent()), bool(dom.isActive())
