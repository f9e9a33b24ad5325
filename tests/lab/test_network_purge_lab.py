"""Network purge for real (issue 22): libvirt_network and libvirt_resources with purge remove the
networks they were not given, running and inactive, and leave the declared ones.

Purge removes every undeclared network of the daemon it talks to, and the lab's libvirtd is shared
with other developers' tests, so purge runs here against a libvirtd of this test's own: the real
daemon and network driver, in a namespace of its own (ekvm-np<tag>), with /etc/libvirt, /run/libvirt,
/var/lib/libvirt and /var/cache/libvirt bound to folders of the test in a private mount namespace.
Only the network driver is loaded (its folder of connection drivers holds that one), so it starts in
well under a second and never probes QEMU. The module reaches it as network:///system through the
daemon's socket, which lives in the test's folder.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import netns
from tests.labkit.ansible import ROOT
from tests.labkit.proc import run, running, stop_pidfile, wait_for

pytestmark = pytest.mark.lab

TAG = uuid.uuid4().hex[:3]
NS = "ekvm-np" + TAG
# Debian keeps libvirtd's connection drivers under the multiarch folder (x86_64-linux-gnu here).
DRIVERS = (glob.glob("/usr/lib/*/libvirt/connection-driver") or ["/usr/lib/libvirt/connection-driver"])[0]
MODULES = {
    name: "ansible_collections.essentials.kvm.plugins.modules." + name
    for name in ("libvirt_network", "libvirt_resources")
}
# The daemon's own folders, each bound over the system one inside its private mount namespace.
PRIVATE = {
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "cache": "/var/cache/libvirt",
    "drivers": DRIVERS,
}


def name(suffix):
    return "ekvm-np%s-%s" % (TAG, suffix)


def bridge(suffix):
    return ("ekvm-%s%s" % (TAG, suffix))[:15]


class NetworkDaemon:
    """libvirtd with only the network driver, its state in `root`, stopped by its PID file."""

    def __init__(self, root):
        self.root = root
        self.pidfile = os.path.join(root, "libvirtd.pid")
        self.uri = "network:///system?socket=%s" % os.path.join(root, "sock", "libvirt-sock")

    def start(self):
        for folder in list(PRIVATE) + ["sock"]:
            os.makedirs(os.path.join(self.root, folder))
        shutil.copy(os.path.join(DRIVERS, "libvirt_driver_network.so"), os.path.join(self.root, "drivers"))
        conf = os.path.join(self.root, "libvirtd.conf")
        with open(conf, "w") as handle:
            handle.write(
                'unix_sock_dir = "%s"\nlog_outputs = "3:file:%s"\n'
                % (os.path.join(self.root, "sock"), os.path.join(self.root, "libvirtd.log"))
            )
        binds = ["mount --bind %s %s" % (os.path.join(self.root, mine), system) for mine, system in PRIVATE.items()]
        netns.add(NS)
        netns.execute(
            NS,
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                " && ".join(binds + ["exec libvirtd -d -f %s --pid-file %s" % (conf, self.pidfile)]),
            ],
        )
        # net-list, not version: a daemon without a hypervisor driver has no version to tell.
        wait_for(
            lambda: run(["virsh", "-c", self.uri, "net-list", "--all"], check=False).returncode == 0,
            30,
            interval=0.2,
            what="the test's libvirtd to answer",
        )

    def stop(self):
        """Networks first: a started network's bridge (and dnsmasq, had it one) outlive the daemon."""
        if running(self.pidfile):
            conn = libvirt.open(self.uri)
            for net in conn.listAllNetworks():
                if net.isActive():
                    net.destroy()
            conn.close()
        stop_pidfile(self.pidfile)
        netns.delete(NS)


def network_xml(suffix):
    """An isolated network without addresses: no dnsmasq, no firewall rules, just a bridge."""
    net = ET.Element("network")
    ET.SubElement(net, "name").text = name(suffix)
    ET.SubElement(net, "bridge", name=bridge(suffix), stp="off")
    return ET.tostring(net, encoding="unicode")


def declared():
    return [
        {"name": name("keep"), "mode": "isolated", "bridge_name": bridge("keep")},
        {
            "name": name("idle"),
            "mode": "isolated",
            "bridge_name": bridge("idle"),
            "state": "inactive",
            "autostart": False,
        },
    ]


@pytest.fixture(scope="module")
def daemon(lab):
    root = tempfile.mkdtemp(prefix="ekvm-net-purge-")
    os.chmod(root, 0o755)
    the_daemon = NetworkDaemon(root)
    try:
        the_daemon.start()
        yield the_daemon
    finally:
        the_daemon.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def conn(daemon):
    connection = libvirt.open(daemon.uri)
    yield connection
    connection.close()


def module(daemon, module_name, params, check_mode=False):
    """One run of the module inside the daemon's namespace (where its bridges are); returns its JSON result."""
    args = os.path.join(daemon.root, "args-%s.json" % uuid.uuid4().hex[:6])
    with open(args, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(params, _ansible_check_mode=check_mode, _ansible_diff=True)}, handle)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    done = subprocess.run(
        netns.exec_argv(NS, [sys.executable, "-m", MODULES[module_name], args]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError("module printed no JSON (rc %d):\n%s%s" % (done.returncode, done.stdout, done.stderr))


def state(conn):
    """name -> (active, persistent, autostart) of every network of the test's daemon."""
    return {
        net.name(): (bool(net.isActive()), bool(net.isPersistent()), bool(net.autostart()))
        for net in conn.listAllNetworks()
    }


def strays(conn):
    """An undeclared running network and an undeclared inactive one, made behind the module's back."""
    running_net = conn.networkDefineXML(network_xml("up"))
    running_net.create()
    running_net.setAutostart(1)
    conn.networkDefineXML(network_xml("down"))
    return {name("up"): (True, True, True), name("down"): (False, True, False)}


def test_purge_removes_undeclared_networks_running_and_inactive_and_keeps_the_declared(daemon, conn):
    first = module(daemon, "libvirt_network", {"uri": daemon.uri, "networks": declared()})
    assert first["changed"] and not first.get("failed"), first
    kept = {name("keep"): (True, True, True), name("idle"): (False, True, False)}
    assert state(conn) == kept

    extra = strays(conn)
    assert state(conn) == dict(kept, **extra)
    assert netns.link_exists(NS, bridge("up"))

    planned = module(
        daemon, "libvirt_network", {"uri": daemon.uri, "networks": declared(), "purge": True}, check_mode=True
    )
    actions = {n["name"]: n["actions"] for n in planned["networks"]}
    assert actions == {
        name("keep"): [],
        name("idle"): [],
        name("up"): ["stop", "undefine"],
        name("down"): ["undefine"],
    }, planned
    assert state(conn) == dict(kept, **extra), "check mode changed the daemon"

    purged = module(daemon, "libvirt_network", {"uri": daemon.uri, "networks": declared(), "purge": True})
    assert purged["changed"] and not purged.get("failed"), purged
    assert {n["name"]: n["actions"] for n in purged["networks"]} == actions
    assert state(conn) == kept
    assert not netns.link_exists(NS, bridge("up")) and netns.link_exists(NS, bridge("keep"))

    again = module(daemon, "libvirt_network", {"uri": daemon.uri, "networks": declared(), "purge": True})
    assert again["changed"] is False and all(n["actions"] == [] for n in again["networks"]), again
    assert state(conn) == kept


def test_libvirt_resources_networks_purge_does_the_same(daemon, conn):
    strays(conn)
    params = {"uri": daemon.uri, "networks": declared(), "networks_purge": True}
    purged = module(daemon, "libvirt_resources", params)
    assert purged["changed"] and not purged.get("failed"), purged
    assert state(conn) == {name("keep"): (True, True, True), name("idle"): (False, True, False)}
    again = module(daemon, "libvirt_resources", params)
    assert again["changed"] is False, again
