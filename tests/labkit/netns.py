"""Network namespaces and veth "NICs" of the lab. Every name carries the ekvm- prefix."""

import os
import subprocess

from .paths import PREFIX
from .proc import LabError, run


def exists(ns):
    return os.path.exists("/run/netns/" + ns)


def lab_namespaces():
    try:
        return sorted(n for n in os.listdir("/run/netns") if n.startswith(PREFIX))
    except FileNotFoundError:
        return []


def add(ns):
    """Create a namespace with loopback up, and a resolv.conf of its own so dhclient there
    can never rewrite the machine's."""
    if not ns.startswith(PREFIX):
        raise LabError("lab namespaces must start with %r: %s" % (PREFIX, ns))
    if not exists(ns):
        run(["ip", "netns", "add", ns])
    os.makedirs("/etc/netns/" + ns, exist_ok=True)
    resolv = "/etc/netns/%s/resolv.conf" % ns
    if not os.path.exists(resolv):
        with open(resolv, "w") as handle:
            handle.write("# lab namespace %s: no resolver\n" % ns)
    ip(ns, "link", "set", "lo", "up")
    return ns


def delete(ns):
    if exists(ns):
        # Links inside die with the namespace; their veth peers elsewhere go with them.
        run(["ip", "netns", "delete", ns])
    folder = "/etc/netns/" + ns
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def ip(ns, *args, check=True):
    return run(["ip", "-n", ns] + list(args), check=check)


def exec_argv(ns, argv):
    return ["ip", "netns", "exec", ns] + list(argv)


def execute(ns, argv, check=True, timeout=600):
    return run(exec_argv(ns, argv), check=check, timeout=timeout)


def popen(ns, argv, **kwargs):
    return subprocess.Popen(exec_argv(ns, argv), **kwargs)


def veth(name_a, ns_a, name_b, ns_b, up=True):
    """A cable between two namespaces: name_a in ns_a, name_b in ns_b."""
    run(["ip", "-n", ns_a, "link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", ns_b])
    if up:
        ip(ns_a, "link", "set", name_a, "up")
        ip(ns_b, "link", "set", name_b, "up")
    return name_a, name_b


def link_exists(ns, name):
    return ip(ns, "link", "show", name, check=False).returncode == 0


def addr(ns, dev, cidr):
    ip(ns, "addr", "replace", cidr, "dev", dev)


def ping(ns, address, count=1, wait=2):
    """True when address answers from inside ns (traffic stays inside the lab)."""
    result = execute(ns, ["ping", "-n", "-q", "-c", str(count), "-W", str(wait), address], check=False)
    return result.returncode == 0


def dhcp_lease(ns, iface, state_dir, timeout=20):
    """Ask for one DHCP lease on iface and return the address offered. The client runs with a
    no-op script, so it never touches routes or any resolv.conf; it is stopped by its PID."""
    from .proc import stop_pidfile

    pidfile = os.path.join(state_dir, "dhclient-%s-%s.pid" % (ns, iface))
    leases = os.path.join(state_dir, "dhclient-%s-%s.leases" % (ns, iface))
    if os.path.exists(leases):
        os.unlink(leases)
    try:
        execute(
            ns,
            ["timeout", str(timeout), "dhclient", "-1", "-sf", "/bin/true", "-pf", pidfile, "-lf", leases, iface],
            timeout=timeout + 5,
        )
    finally:
        stop_pidfile(pidfile)
    with open(leases) as handle:
        for line in handle:
            words = line.split()
            if words[:1] == ["fixed-address"]:
                return words[1].rstrip(";")
    raise LabError("no lease for %s in %s" % (iface, ns))
