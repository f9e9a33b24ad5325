"""The host VMs every host test of a session shares: a Debian 12 and a Debian 13 one (a mixed cluster, as
during a rolling upgrade), booted from bare images and given the roles' first run with nothing declared
(host_install.py), which installs the hypervisor.

Under TCG that takes minutes of CPU while the lab layer, which runs before the host layer, leaves about one
of the machine's cores idle (its tests mostly wait on daemons and guests). So a session that runs lab tests
before its first host test starts the preparation in the background as soon as the lab is up, at a low
priority (the controller's side and the VMs' QEMU), so that the lab tests keep the CPU they need; the first
host test then waits for what is left of it, and the VMs get their full share back."""

import os
import threading

from . import host_install, hostvm

RELEASES = ("debian-12", "debian-13")
# Below the lab tests' daemons and guests, as the homelab's site tests, which `make test` runs beside
# everything else (the Makefile).
BACKGROUND_NICENESS = 10


class SharedHosts:
    def __init__(self, names, releases=RELEASES):
        self.hosts = [hostvm.HostVM(name, release=releases[index % len(releases)]) for index, name in enumerate(names)]
        self.booted = []  # the VMs this session booted, so the ones it stops
        # What boot and install say, printed by the test that gets the hosts: printed from the background, it
        # would land in the output of whichever test runs then (pytest captures per test).
        self.messages = []
        self._inventory = None
        self._error = None
        self._thread = None

    def start_in_background(self):
        self._thread = threading.Thread(target=self._prepare, args=(BACKGROUND_NICENESS,), daemon=True)
        self._thread.start()

    def _prepare(self, niceness):
        try:
            if niceness:
                os.nice(niceness)  # on Linux, this thread only, and the processes and threads it starts
            already = {host.name for host in hostvm.running_hosts()}
            self._inventory = hostvm.boot(self.hosts, log=self.messages.append)
            self.booted = [host for host in self.hosts if host.name not in already]
            if self.booted:
                host_install.install(self.booted, log=self.messages.append)
        except BaseException as error:  # re-raised in the test that asks for the hosts
            self._error = error

    def get(self):
        """The hosts and their inventory, booted and installed (waiting for the background work if any)."""
        if self._thread is None:
            self._prepare(0)
        else:
            self._thread.join()
            hostvm.renice(self.booted, 0)
        print("\n".join(self.messages))
        if self._error is not None:
            raise self._error
        return self.hosts, self._inventory

    def destroy(self):
        if self._thread is not None:
            self._thread.join()
        hostvm.destroy(self.booted)
        del self.booted[:]
