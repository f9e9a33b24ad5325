"""The lab: one network namespace with libvirtd, virtlogd, ovsdb-server and ovs-vswitchd."""

import os

import libvirt

from . import hostvm, netns, paths
from .daemons import LIBVIRT_URI, Libvirtd, OvsdbServer, OvsVswitchd, Virtlogd, tail
from .image_server import ImageServer
from .package_cache import services as package_cache_services
from .proc import run


class Lab:
    def __init__(self):
        self.daemons = [Virtlogd(), Libvirtd(), OvsdbServer(), OvsVswitchd()]
        # Services on the lab network; starting one alone does not count as starting the lab,
        # so a session that finds the lab running never stops it for their sake.
        self.services = [ImageServer()] + package_cache_services()

    def up(self, log=print):
        """Start what is not running yet; returns True when any lab daemon had to be started."""
        paths.ensure_dirs()
        netns.add(paths.NETNS)
        started = False
        for daemon in self.daemons + self.services:
            if daemon.start():
                log("lab: started %s (pid %s)" % (daemon.name, daemon.pid()))
                started = started or daemon in self.daemons
        return started

    def running(self):
        return netns.exists(paths.NETNS) and all(d.pid() for d in self.daemons)

    def status(self):
        lines = ["namespace %s: %s" % (paths.NETNS, "present" if netns.exists(paths.NETNS) else "absent")]
        lines += ["%s: %s" % (d.name, d.pid() or "stopped") for d in self.daemons + self.services]
        if os.path.exists(hostvm.INVENTORY):
            with open(hostvm.INVENTORY) as handle:
                lines += ["host VM: " + line.split()[0] for line in handle if line.startswith(hostvm.HOST_NAMES)]
        return "\n".join(lines)

    def down(self, log=print):
        """Stop every guest, network and daemon of the lab, then remove its namespaces."""
        if Libvirtd().pid():
            self._stop_libvirt_objects(log)
        for daemon in reversed(self.daemons + self.services):
            if daemon.pid():
                log("lab: stopping %s (pid %s)" % (daemon.name, daemon.pid()))
            daemon.stop()
        for ns in netns.lab_namespaces():
            log("lab: removing namespace %s" % ns)
            netns.delete(ns)

    @staticmethod
    def _stop_libvirt_objects(log):
        # Guests and libvirt's dnsmasq outlive libvirtd, so they go first. This libvirtd is the
        # lab's own, so everything it runs belongs to the lab.
        conn = libvirt.open(LIBVIRT_URI)
        try:
            for dom in conn.listAllDomains():
                if dom.isActive():
                    log("lab: destroying guest %s" % dom.name())
                    dom.destroy()
                if dom.name().startswith(paths.PREFIX):
                    dom.undefine()
            for net in conn.listAllNetworks():
                if net.isActive():
                    net.destroy()
                if net.name().startswith(paths.PREFIX):
                    net.undefine()
        finally:
            conn.close()
        for host in hostvm.HOST_NAMES:
            disk = hostvm.HostVM(host).disk
            if os.path.exists(disk):
                os.unlink(disk)
        if os.path.exists(hostvm.INVENTORY):
            os.unlink(hostvm.INVENTORY)

    def leftovers(self):
        """What a stopped lab must not leave: its daemons, namespaces, veths and guests."""
        found = ["%s (pid %s)" % (d.name, d.pid()) for d in self.daemons + self.services if d.pid()]
        found += ["namespace " + ns for ns in netns.lab_namespaces()]
        links = run(["ip", "-o", "link", "show"]).stdout
        found += [
            "link " + line.split(":")[1].strip().split("@")[0]
            for line in links.splitlines()
            if line.split(":")[1].strip().startswith(paths.PREFIX)
        ]
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    cmdline = handle.read().split(b"\0")
            except OSError:
                continue
            if b"-name" in cmdline and any(arg.startswith(b"guest=") for arg in cmdline):
                found.append("guest process %s" % pid)
        return found

    def logs(self, lines=60):
        """Tails of the daemon logs, for failing tests."""
        return {d.name: tail(d.log, lines) for d in self.daemons + self.services}
