"""hostvm.renice finds a host VM's QEMU by the guest name on its command line and sets the niceness of every one
of its threads and of its session's autogroup (shared_hosts.py boots the shared host VMs in the background with
it)."""

import os
import subprocess
import sys

from tests.labkit import hostvm

# A stand-in process named as libvirt names a host VM's QEMU, with a second thread started before the renice.
PROGRAM = "import threading, time; threading.Thread(target=time.sleep, args=(60,)).start(); print(1, flush=True)"


def niceness_of_threads(pid):
    return sorted(os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir("/proc/%d/task" % pid))


def test_every_thread_of_the_named_guest_and_no_other_process_is_reniced():
    # A session of its own, as QEMU starts, so its autogroup is not this test's.
    named = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, "-name", "guest=ekvm-host8,debug-threads=on"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    other = subprocess.Popen([sys.executable, "-c", PROGRAM, "-name", "guest=ekvm-host7,debug-threads=on"])
    try:
        named.stdout.readline()  # its second thread runs
        hostvm.renice([hostvm.HostVM("host8")], 7)
        assert niceness_of_threads(named.pid) == [7, 7]
        if os.path.exists("/proc/%d/autogroup" % named.pid):
            with open("/proc/%d/autogroup" % named.pid) as handle:
                assert handle.read().split()[-1] == "7"
        assert os.getpriority(os.PRIO_PROCESS, other.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        for process in (named, other):
            process.kill()
            process.wait()
