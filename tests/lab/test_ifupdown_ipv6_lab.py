"""IPv6, static routes and MTU in interfaces stanzas, brought up by the real ifupdown through the
ifupdown_interfaces module and read back from the kernel (issue 22).

    ekvm-i6a<pid> (under test)                          ekvm-i6p<pid> (peer, the "router")
      ekvm-v6s  static 10.77.6.2/24 gw .1, mtu 1400  ------  ekvm-v6sp 10.77.6.1, fd00:77:6::1/64
                fd00:77:6::2/64 gw6 fd00:77:6::1             mtu 1400; 10.77.60.1 and fd00:77:60::1
                routes 10.77.60.0/24, fd00:77:60::/64        on its loopback (behind the routes)
      ekvm-v6a  manual + inet6 auto (SLAAC)          ------  ekvm-v6ap fd00:77:7::1/64, dnsmasq
                                                             sending router advertisements only
      ekvm-v6o  inet manual, inet6 fd00:77:8::2/64    ------  ekvm-v6op fd00:77:8::1/64

The sandbox (files and ifupdown state in a private mount namespace) is test_ifupdown_lab's.
"""

import json
import os
import re
import shutil
import tempfile
import time

import pytest

from tests.lab.ifupdown_sandbox import Ping, Sandbox, links, wait_ping
from tests.labkit import netns, paths
from tests.labkit.daemons import Daemon
from tests.labkit.proc import wait_for

pytestmark = pytest.mark.lab

TAG = "%d" % (os.getpid() % 1000)
NS = "ekvm-i6a" + TAG
PEER = "ekvm-i6p" + TAG
LINKS = ("ekvm-v6s", "ekvm-v6a", "ekvm-v6o")


class RouterAdvertiser(Daemon):
    """dnsmasq in the peer sending only router advertisements (no DHCP) for the SLAAC stanza."""

    name = "dnsmasq-ra-" + TAG

    def _launch(self):
        netns.execute(
            PEER,
            [
                "dnsmasq",
                "--conf-file=/dev/null",
                "--port=0",
                "--bind-interfaces",
                "--interface=ekvm-v6ap",
                "--enable-ra",
                "--dhcp-range=::,constructor:ekvm-v6ap,ra-only,64,1h",
                "--ra-param=ekvm-v6ap,3",
                "--dhcp-leasefile=" + os.path.join(paths.RUN, self.name + ".leases"),
                "--pid-file=" + self.pidfile,
                "--log-facility=" + self.log,
            ],
        )


def config(mtu=1400, metric=None):
    route4 = {"to": "10.77.60.0/24", "via": "10.77.6.1"}
    if metric is not None:
        route4["metric"] = metric
    return {
        "network_interfaces": [
            {
                "name": "ekvm-v6s",
                "address": "10.77.6.2/24",
                "gateway": "10.77.6.1",
                "mtu": mtu,
                "addresses": ["fd00:77:6::2/64"],
                "gateway6": "fd00:77:6::1",
                "routes": [route4, {"to": "fd00:77:60::/64", "via": "fd00:77:6::1"}],
            },
            {"name": "ekvm-v6a", "method": "manual", "method6": "auto", "up": ["ip link set dev $IFACE up"]},
            {"name": "ekvm-v6o", "addresses": ["fd00:77:8::2/64"]},
        ]
    }


def ip_json(*args):
    return json.loads(netns.ip(NS, "-j", *args).stdout or "[]")


def addresses(dev, family):
    found = ip_json(family, "addr", "show", "dev", dev)
    return (
        sorted("%s/%s" % (a["local"], a["prefixlen"]) for a in found[0]["addr_info"] if a.get("scope") == "global")
        if found
        else []
    )


def routes(family):
    """(destination, gateway, device, metric) of the namespace's main table, kernel-made routes left out."""
    return sorted(
        (r["dst"], r.get("gateway"), r["dev"], r.get("metric"))
        for r in ip_json(family, "route", "show")
        if r.get("protocol") not in ("kernel", "ra") and r.get("gateway")
    )


def mtu(dev):
    return ip_json("link", "show", dev)[0]["mtu"]


@pytest.fixture(scope="module")
def box(lab):
    root = tempfile.mkdtemp(prefix="ekvm-ifupdown6-")
    sandbox = Sandbox(NS, os.path.join(root, "ns"))
    advertiser = RouterAdvertiser()
    try:
        netns.add(NS)
        netns.add(PEER)
        for name in LINKS:
            netns.veth(name, NS, name + "p", PEER, up=False)
            netns.ip(PEER, "link", "set", name + "p", "up")
        netns.ip(PEER, "link", "set", "ekvm-v6sp", "mtu", "1400")
        for dev, cidr in (
            ("ekvm-v6sp", "10.77.6.1/24"),
            ("ekvm-v6sp", "fd00:77:6::1/64"),
            ("ekvm-v6ap", "fd00:77:7::1/64"),
            ("ekvm-v6op", "fd00:77:8::1/64"),
            ("lo", "10.77.60.1/32"),
            ("lo", "fd00:77:60::1/128"),
        ):
            netns.ip(PEER, "addr", "add", cidr, "dev", dev, "nodad")
        # The peer routes back to the addresses of the namespace under test (it is their router).
        netns.execute(PEER, ["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"])
        advertiser.start()
        yield sandbox
    finally:
        if netns.exists(NS):
            sandbox.shell("ifdown -a --force", timeout=60)
        advertiser.stop()
        netns.delete(NS)
        netns.delete(PEER)
        shutil.rmtree(root, ignore_errors=True)


def test_first_run_brings_up_ipv6_routes_and_mtu_as_the_kernel_shows_them(box):
    result = box.module(config())
    assert result["changed"] is True and not result.get("failed"), result
    assert result["bounced"] == list(LINKS), result
    rendered = box.read("interfaces.d/essentials-kvm")
    for line in (
        "iface ekvm-v6s inet6 static",
        "up ip route add 10.77.60.0/24 via 10.77.6.1",
        "up ip -6 route add fd00:77:60::/64 via fd00:77:6::1",
        "iface ekvm-v6a inet6 auto",
    ):
        assert line in rendered, rendered

    assert addresses("ekvm-v6s", "-4") == ["10.77.6.2/24"]
    assert addresses("ekvm-v6s", "-6") == ["fd00:77:6::2/64"]
    assert addresses("ekvm-v6o", "-6") == ["fd00:77:8::2/64"]
    assert addresses("ekvm-v6o", "-4") == []
    assert mtu("ekvm-v6s") == 1400 and mtu("ekvm-v6o") == 1500
    assert routes("-4") == [
        ("10.77.60.0/24", "10.77.6.1", "ekvm-v6s", None),
        ("default", "10.77.6.1", "ekvm-v6s", None),
    ]
    assert routes("-6") == [
        ("default", "fd00:77:6::1", "ekvm-v6s", 1024),
        ("fd00:77:60::/64", "fd00:77:6::1", "ekvm-v6s", 1024),
    ]
    # SLAAC: an address built from the advertised prefix and the interface's MAC (EUI-64).
    slaac = wait_for(lambda: addresses("ekvm-v6a", "-6"), 20, interval=0.5, what="a SLAAC address on ekvm-v6a")
    assert len(slaac) == 1 and slaac[0].startswith("fd00:77:7:0:") and slaac[0].endswith("/64"), slaac
    # Traffic: each address answers, and what lies behind the routes is reached through them.
    for address in ("10.77.6.2", "fd00:77:6::2", "fd00:77:8::2", slaac[0].split("/")[0]):
        wait_ping(PEER, address)
    for address in ("10.77.60.1", "fd00:77:60::1"):
        wait_ping(NS, address)
    # Full-size frames of the 1400 MTU pass without fragmenting (1372 + 28 header bytes).
    big = netns.execute(
        NS, ["ping", "-n", "-q", "-c", "1", "-W", "2", "-M", "do", "-s", "1372", "10.77.6.1"], check=False
    )
    assert big.returncode == 0, big.stdout + big.stderr
    too_big = netns.execute(
        NS, ["ping", "-n", "-q", "-c", "1", "-W", "2", "-M", "do", "-s", "1373", "10.77.6.1"], check=False
    )
    assert too_big.returncode != 0


def test_second_run_changes_nothing_and_bounces_nothing(box):
    before_links, before_files = links(NS, LINKS), box.files()
    before_routes = (routes("-4"), routes("-6"))
    ping = Ping(PEER, "fd00:77:6::2", count=60)
    time.sleep(0.3)
    result = box.module(config())
    sent, received = ping.result()
    assert result["changed"] is False and result["bounced"] == [] and result["steps"] == [], result
    assert received == sent, (sent, received)
    assert links(NS, LINKS) == before_links and box.files() == before_files
    assert (routes("-4"), routes("-6")) == before_routes


def test_a_changed_mtu_and_route_metric_bounce_that_interface_and_reach_the_kernel(box):
    before = links(NS, LINKS)
    result = box.module(config(mtu=1280, metric=50))
    assert result["changed"] is True and result["bounced"] == ["ekvm-v6s"], result
    after = links(NS, LINKS)
    assert {n: after[n] for n in LINKS[1:]} == {n: before[n] for n in LINKS[1:]}
    assert mtu("ekvm-v6s") == 1280
    assert ("10.77.60.0/24", "10.77.6.1", "ekvm-v6s", 50) in routes("-4")
    assert addresses("ekvm-v6s", "-6") == ["fd00:77:6::2/64"]
    assert ("default", "fd00:77:6::1", "ekvm-v6s", 1024) in routes("-6")
    wait_ping(NS, "fd00:77:60::1")
    again = box.module(config(mtu=1280, metric=50))
    assert again["changed"] is False and again["bounced"] == [], again
    assert re.search(r"mtu 1280\b", box.read("interfaces.d/essentials-kvm"))
