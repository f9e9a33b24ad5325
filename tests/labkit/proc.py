"""Processes the lab starts: each tracked by a PID file and stopped by that PID only."""

import os
import signal
import subprocess
import time


class LabError(RuntimeError):
    pass


def run(argv, check=True, capture=True, timeout=600, env=None, input=None):
    """Run a command; on failure raise LabError with its output."""
    result = subprocess.run(argv, capture_output=capture, text=True, timeout=timeout, env=env, input=input)
    if check and result.returncode != 0:
        raise LabError(
            "%s exited %d\n%s%s" % (" ".join(argv), result.returncode, result.stdout or "", result.stderr or "")
        )
    return result


def read_pid(pidfile):
    try:
        with open(pidfile) as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not a running daemon.
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def running(pidfile):
    pid = read_pid(pidfile)
    return pid if alive(pid) else None


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise LabError("timed out after %ss waiting for %s" % (timeout, what))


def stop_pid(pid, timeout=15):
    """SIGTERM, then SIGKILL after the timeout; only ever the given PID."""
    if not alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    try:
        wait_for(lambda: not alive(pid), timeout, what="pid %d to exit" % pid)
    except LabError:
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not alive(pid), 5, what="pid %d to die" % pid)


def stop_pidfile(pidfile, timeout=15):
    stop_pid(read_pid(pidfile), timeout)
    if os.path.exists(pidfile):
        os.unlink(pidfile)
