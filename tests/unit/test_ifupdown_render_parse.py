"""Renderer golden files, parse(render(x)) == x, and the lossless parser."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    Bond,
    Bridge,
    Interface,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    OvsPort,
    Route,
    Vlan,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_parse import parse, parse_items
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_render import render_file, render_items

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "ifupdown")

SAMPLES = {
    "interface": [
        Interface("eth0", method="dhcp", start="hotplug", comment="uplink"),
        Interface(
            "eth1",
            method="static",
            method6="static",
            addresses=["192.0.2.10/24", "192.0.2.11/24", "2001:db8::10/64"],
            gateway="192.0.2.1",
            gateway6="2001:db8::1",
            mtu=9000,
            hwaddress="52:54:00:12:34:56",
            dns_nameservers=["192.0.2.53", "2001:db8::53"],
            dns_search=["example.org", "lab.example.org"],
            routes=[Route("198.51.100.0/24", "192.0.2.254", 100), Route("2001:db8:1::/48", "2001:db8::fe")],
            hooks=[("pre-up", "sleep 2"), ("post-down", "logger eth1 down")],
            options=[("ethtool-wol", "g")],
        ),
        Interface("eth2", method6="auto", start="none"),
    ],
    "bond": [
        Interface("eno1", bond_master="bond0"),
        Interface("eno2", bond_master="bond0"),
        Bond(
            "bond0",
            slaves=["eno1", "eno2"],
            mode="802.3ad",
            miimon=100,
            lacp_rate="fast",
            xmit_hash_policy="layer3+4",
            updelay=200,
            downdelay=200,
            comment="LACP to the top-of-rack switch",
        ),
        Bond(
            "bond1",
            slaves=["eno3", "eno4"],
            mode="active-backup",
            primary="eno3",
            miimon=100,
            method="static",
            addresses=["10.0.0.5/24"],
        ),
    ],
    "bridge": [
        Bridge(
            "br0",
            method="static",
            addresses=["192.0.2.20/24"],
            gateway="192.0.2.1",
            ports=["eth1"],
            stp=False,
            fd=0,
            maxwait=0,
        ),
        Bridge("br1", ports=[]),
        Bridge("br2", ports=["bond0"], vlan_aware=True, vids=["10", "20-30"], stp=True),
    ],
    "vlan": [
        Vlan("bond0.10", raw_device="bond0"),
        Vlan("vlan20", raw_device="eth1", method="static", addresses=["10.20.0.2/24"], mtu=1496),
    ],
    "ovs": [
        OvsBridge(
            "vmbr0",
            ports=["obond0", "mgmt0", "eth5"],
            ovs_options=["protocols=OpenFlow13"],
            ovs_extra=["set bridge vmbr0 stp_enable=false", "set bridge vmbr0 fail_mode=standalone"],
        ),
        OvsBond(
            "obond0",
            bridge="vmbr0",
            slaves=["eth3", "eth4"],
            bond_mode="balance-tcp",
            lacp="active",
            ovs_options=["other_config:lacp-time=fast"],
            start="none",
        ),
        OvsIntPort("mgmt0", bridge="vmbr0", tag=10, method="static", addresses=["10.10.0.2/24"]),
        OvsPort("eth5", bridge="vmbr0", tag=20, start="none"),
    ],
}


def golden_path(kind):
    return os.path.join(GOLDEN, "%s.interfaces" % kind)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_matches_golden_file(kind):
    with open(golden_path(kind)) as handle:
        assert render_items(SAMPLES[kind]) == handle.read()


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_parse_of_render_gives_the_model_back(kind):
    assert parse_items(render_items(SAMPLES[kind])) == SAMPLES[kind]


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_is_deterministic_and_stable(kind):
    text = render_items(SAMPLES[kind])
    assert render_items(SAMPLES[kind]) == text
    assert render_file(parse(text), SAMPLES[kind]) == text


@pytest.mark.skipif(shutil.which("ifquery") is None, reason="ifquery (package ifupdown) is not installed")
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_golden_files_pass_ifupdowns_own_parser(kind):
    proc = subprocess.run(["ifquery", "-i", golden_path(kind), "--list", "-a"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


DEBIAN_DEFAULT = """\
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet dhcp
\t# a comment inside the stanza
\tdns-nameservers 192.0.2.53
# This is an autoconfigured IPv6 interface
iface eth0 inet6 auto
mapping hotplug
    script /usr/local/bin/map \\
        --verbose
    map eth7

auto eth8 eth9
iface eth8 inet manual
  bond_master bond7
   up  echo   odd   spacing
no-scripts eth9
source-directory /etc/network/more.d
"""


def test_parser_keeps_every_byte():
    for text in (
        DEBIAN_DEFAULT,
        DEBIAN_DEFAULT.rstrip("\n"),
        "",
        "\n\n",
        "# only a comment",
        "garbage line\n",
        DEBIAN_DEFAULT.replace("\n", "\r\n"),
    ):
        assert parse(text).text() == text


def test_parser_reads_stanzas_of_a_foreign_file():
    doc = parse(DEBIAN_DEFAULT)
    assert doc.names() == ["lo", "eth0", "eth8"]
    assert doc.sources() == [("source", "/etc/network/interfaces.d/*"), ("source-directory", "/etc/network/more.d")]
    lo, eth0, eth8 = doc.items()
    assert lo == Interface("lo", method="loopback", comment="The loopback network interface")
    assert eth0.start == "hotplug" and eth0.method == "dhcp" and eth0.method6 == "auto"
    assert eth0.dns_nameservers == ["192.0.2.53"]
    assert eth8.bond_master == "bond7" and eth8.start == "auto" and eth8.hooks == [("up", "echo   odd   spacing")]


def test_managed_stanzas_are_replaced_and_the_rest_kept():
    desired = [
        Interface("eth0", method="static", addresses=["192.0.2.5/24"], start="auto"),
        Interface("eth9", mtu=9000),
    ]
    text = render_file(parse(DEBIAN_DEFAULT), desired)
    assert "iface eth0 inet dhcp" not in text and "iface eth0 inet6 auto" not in text
    assert "# The primary network interface" not in text
    untouched = [
        "# This file describes",
        "source /etc/network/interfaces.d/*\n",
        "# The loopback network interface\nauto lo\niface lo inet loopback\n",
        "mapping hotplug\n    script /usr/local/bin/map \\\n        --verbose\n",
        "iface eth8 inet manual\n  bond_master bond7\n   up  echo   odd   spacing\n",
        "no-scripts eth9\n",
        "source-directory /etc/network/more.d\n",
    ]
    for chunk in untouched:
        assert chunk in text
    assert "auto eth8\n" in text  # eth9 is now started by its own stanza
    assert text.endswith("source-directory /etc/network/more.d\n\nauto eth9\niface eth9 inet manual\n    mtu 9000\n")
    assert render_file(parse(text), desired) == text
    assert [i for i in parse(text).items() if i.name in ("eth0", "eth9")] == desired


def test_purge_drops_undeclared_stanzas_but_keeps_loopback_and_other_lines():
    text = render_file(parse(DEBIAN_DEFAULT), [Interface("eth9")], purge=True)
    assert parse(text).names() == ["lo", "eth9"]
    assert "auto eth8" not in text and "source /etc/network/interfaces.d/*\n" in text


def test_header_and_appending_to_a_file_without_final_newline():
    assert render_items([]).startswith("# Managed by essentials.kvm")
    text = render_file(parse("auto lo\niface lo inet loopback"), [Interface("eth1")])
    assert text == "auto lo\niface lo inet loopback\n\nauto eth1\niface eth1 inet manual\n"


def test_unparseable_typed_values_stay_as_free_options():
    item = parse_items("iface br0 inet manual\n bridge-ports eth0\n bridge-fd soon\n bridge_stp maybe\n")[0]
    assert isinstance(item, Bridge) and item.fd is None and item.stp is None
    assert item.options == [("bridge-fd", "soon"), ("bridge_stp", "maybe")]
