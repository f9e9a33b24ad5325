"""Run one command and measure its wall time and the peak memory of its whole process tree.

Peak memory is the largest sum of RSS over the process and all its descendants, sampled every
20 ms from /proc (children that live shorter than a sample are missed; Ansible's module processes
live for hundreds of milliseconds).
"""

import os
import resource
import subprocess
import threading
import time

SAMPLE_SECONDS = 0.02
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _parents():
    """pid -> ppid of every process, from /proc/PID/stat."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = int(fields[1])
    return table


def _rss_kb(pid):
    try:
        with open("/proc/%d/statm" % pid) as statm:
            return int(statm.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_kb(root):
    parents = _parents()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(children.get(pid, ()))
    return total


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv, env=None, log_path=None):
    """Run argv; return (returncode, wall s, CPU s of the tree, peak tree RSS in KiB, stdout text).

    CPU time (user + system of the process and every descendant it waited for) hardly depends on
    how busy the machine is, unlike wall time; the daemons' own work is in neither.
    """
    peak = [0]
    cpu_before = _children_cpu()
    done = threading.Event()
    # Output goes straight to the log, so a long run can be followed while it runs.
    log = open(log_path or os.devnull, "w+")
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    wall = time.monotonic() - start
    cpu = _children_cpu() - cpu_before
    done.set()
    sampler.join()
    log.seek(0)
    out = log.read()
    log.close()
    return proc.returncode, wall, cpu, peak[0], out
