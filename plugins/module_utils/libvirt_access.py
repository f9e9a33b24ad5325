# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt bindings and connections for every module that talks to libvirt: one import, one error for
missing bindings, one error handler, and a connection that is always closed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
from contextlib import contextmanager

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.host_virt import host_info

try:
    import libvirt
except ImportError:
    libvirt = None
    # Without the bindings nothing can raise libvirt's error; OSError keeps `except LibvirtError` valid.
    LibvirtError = OSError
else:
    LibvirtError = libvirt.libvirtError
    # Errors come back as exceptions; libvirt's default handler would also print each to stderr, the expected
    # ones (no resize for logical volumes, a driver without inactive XML) too. Registered once per process.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def _load_bindings():
    """Import the bindings again when they were missing at import time: libvirt_daemon_config installs
    python3-libvirt and then describes the host, in one process."""
    global libvirt, LibvirtError
    if libvirt is None:
        importlib.invalidate_caches()  # the path's directory listings were cached before the package came
        try:
            libvirt = importlib.import_module("libvirt")
        except ImportError:
            return
        LibvirtError = libvirt.libvirtError
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def open_connection(uri):
    """A connection the caller closes; UnsupportedError when the host lacks the bindings, HostError naming
    the URI when libvirt refuses the connection."""
    _load_bindings()
    if libvirt is None:
        raise UnsupportedError("the libvirt Python bindings are missing on this host (install python3-libvirt)")
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise HostError("cannot connect to libvirt at %s: %s" % (uri, exc.get_error_message() or exc))


@contextmanager
def connection(uri):
    """`with connection(uri) as conn:` opens it and closes it again whatever happens inside. An error met after
    the daemon went away (its connection is dead) says so, with the changes made before it."""
    conn = open_connection(uri)
    try:
        yield conn
    except HostError as exc:  # input errors are found before any call, whatever the daemon does
        if _alive(conn):
            raise
        raise HostError(daemon_lost(uri, exc.message), exc.done)
    finally:
        try:
            conn.close()
        except LibvirtError:
            pass  # a connection the daemon dropped cannot be closed cleanly


def _alive(conn):
    try:
        return conn.isAlive() == 1
    except LibvirtError:
        return False


def daemon_lost(uri, message):
    """A failure's message once the connection to the daemon is gone: which daemon, and what to do."""
    return (
        "%s; the connection to the libvirt daemon at %s was lost: libvirtd (virtqemud, virtnetworkd or "
        "virtstoraged on hosts with modular daemons) stopped or restarted during the run. The changes made before "
        "are listed in done; run again once the daemon is back" % (message, uri)
    )


# The uri option of the libvirt modules; the doc fragment essentials.kvm.libvirt documents it.
URI_OPTION = {"type": "str", "default": "qemu:///system"}


def describe_host(uri, tls_files):
    """What the host offers for virtualisation (host_virt.host_info) and the warnings to give. A host without
    libvirt (yet: check mode on a fresh host) is still described: the domain type then follows /dev/kvm."""
    try:
        conn = open_connection(uri)
    except EssentialsError as exc:
        found = host_info(None, LibvirtError, exc.message, tls_files=tls_files)
        return found, ["%s; the domain type follows /dev/kvm (%s)" % (exc.message, found["domain_type"])]
    try:
        return host_info(conn, LibvirtError, tls_files=tls_files), []
    finally:
        conn.close()


# libvirt's domain state codes (virDomainState) by value, as the readers name them.
DOMAIN_STATES = ("nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended")


def state_name(dom):
    """The domain's state as a word (`running`, `shutoff`...), `unknown` for a code newer than this list."""
    code = dom.state()[0]
    return DOMAIN_STATES[code] if code < len(DOMAIN_STATES) else "unknown"


def volume_at(conn, path):
    """(pool name, volume name) of the volume at path; None for a path in no running pool."""
    try:
        vol = conn.storageVolLookupByPath(path)
        return vol.storagePoolLookupByVolume().name(), vol.name()
    except LibvirtError:
        return None
