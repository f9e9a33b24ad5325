# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether QEMU's migration stream can reach a target's migration address, asked before any live move.

The target's libvirt may answer (over SSH or TLS) while the ports QEMU listens on for the stream are filtered:
QEMU's connection then hangs in the kernel until it gives up (about two minutes), and an abort cannot cut that
short, so the VM would stand in a migration job for minutes before staying on the source. One TCP connection to
the top of the target's migration port range tells before anything moves: refused (nothing listens there; the
usual answer) or accepted means the packets get through; no answer within the probe's timeout, or no route,
means they would not. libvirt hands incoming migrations the lowest free port of the range, so the top one is
in use only when 64 migrations come in at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import socket

# libvirt's default migration_port_min/max in qemu.conf: the range the firewall must open between the hosts.
PORTS = (49152, 49215)
PROBE_TIMEOUT = 5.0


def stream_blocked(address, port=PORTS[1], timeout=PROBE_TIMEOUT):
    """None when a TCP connection from here to address:port is accepted or refused; otherwise what happened."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return "its name does not resolve here (%s)" % exc.strerror
    last = None
    for family, kind, proto, _name, sockaddr in infos:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
            return None
        except ConnectionRefusedError:
            return None
        except socket.timeout:
            last = "a TCP connection to port %d got no answer within %g s" % (port, timeout)
        except OSError as exc:
            last = "a TCP connection to port %d failed: %s" % (port, exc.strerror or errno.errorcode.get(exc.errno))
    return last
