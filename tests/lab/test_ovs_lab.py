"""The openvswitch module against the lab's ovs-vswitchd (userspace datapath in namespace ekvm-lab).

Topology of every test (a tree, so no loop), all bridges named ekvm-<id><letter>:

    B =trunk 10,20 (veth)= A =LACP balance-tcp bond (2 veths)= C =active-backup bond (2 veths)= D

D holds its two cables as plain ports, as a switch facing a server's active-backup bond does: two
active-backup bonds back to back would each pick an active member of their own and drop what
arrives on the other.

Internal ports tagged 10 or 20 on every bridge are moved into namespaces of their own with
addresses of one subnet, so only VLAN separation keeps two of them from reaching each other.
"""

import json
import re
import subprocess
import sys
import uuid

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.ovs_apply import Vsctl, converge
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from tests.labkit import ansible, netns, paths
from tests.labkit.proc import LabError, run, wait_for

pytestmark = pytest.mark.lab

# Internal port suffix -> (bridge letter, VLAN, last address byte).
ENDPOINTS = {
    "a10": ("A", 10, 1),
    "a20": ("A", 20, 2),
    "b10": ("B", 10, 11),
    "b20": ("B", 20, 12),
    "c10": ("C", 10, 21),
    "d10": ("D", 10, 31),
    "d20": ("D", 20, 32),
}
# veth pairs inside ekvm-lab: trunk A-B, LACP A-C, active-backup C-D.
CABLES = (("ta", "tb"), ("la1", "lc1"), ("la2", "lc2"), ("ac1", "ad1"), ("ac2", "ad2"))
ACTIVE_MEMBER = re.compile(r"^active member mac: \S+\((\S+)\)$", re.M)


class Runner:
    """subprocess runner for Vsctl that records every ovs-vsctl call."""

    def __init__(self):
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        return done.returncode, done.stdout, done.stderr

    @property
    def writes(self):
        """Calls that are not the read-only JSON listing."""
        return [argv for argv in self.calls if "--format=json" not in argv]


def vsctl(*args):
    return run(["ovs-vsctl", "--timeout=30"] + list(args)).stdout.strip()


def appctl(*args):
    return run(["ovs-appctl"] + list(args)).stdout


class Switch:
    """Names, cables and namespaces of one test; everything goes away in cleanup()."""

    def __init__(self, subnet):
        self.p = "ekvm-%s" % uuid.uuid4().hex[:4]
        self.subnet = subnet
        # A-D make the topology; X is a fake bridge in the settings test and what the bad-input test
        # must never create.
        self.bridges = [self.p + letter for letter in "ABCDX"]
        self.links = []
        self.namespaces = []

    def name(self, suffix):
        return self.p + suffix

    def address(self, endpoint):
        return "10.253.%d.%d" % (self.subnet, ENDPOINTS[endpoint][2])

    def cable(self, left, right):
        netns.veth(self.name(left), paths.NETNS, self.name(right), paths.NETNS)
        self.links.append(self.name(left))

    def wire(self):
        for left, right in CABLES:
            self.cable(left, right)

    def desired(self, lacp_mode="balance-tcp", backup_mode="active-backup", backup_members=("1", "2")):
        n = self.name
        lacp = dict(bond_mode=lacp_mode, lacp="active", lacp_time="fast")
        internal = dict(
            (
                letter,
                [
                    {"name": n(suffix), "type": "internal", "tag": vlan}
                    for suffix, (owner, vlan, _) in sorted(ENDPOINTS.items())
                    if owner == letter
                ],
            )
            for letter in "ABCD"
        )
        return [
            {
                "name": n("A"),
                "datapath_type": "netdev",
                "ports": internal["A"] + [{"name": n("ta"), "trunks": [10, 20]}],
                "bonds": [dict(name=n("lA"), members=[n("la1"), n("la2")], **lacp)],
            },
            {
                "name": n("B"),
                "datapath_type": "netdev",
                "mcast_snooping": True,
                "ports": internal["B"] + [{"name": n("tb"), "vlan_mode": "trunk", "trunks": [10, 20]}],
            },
            {
                "name": n("C"),
                "datapath_type": "netdev",
                "other_config": {"mac-aging-time": 60},
                "ports": internal["C"],
                "bonds": [
                    dict(name=n("lC"), members=[n("lc1"), n("lc2")], **lacp),
                    {"name": n("aC"), "members": [n("ac" + m) for m in backup_members], "bond_mode": backup_mode},
                ],
            },
            {
                "name": n("D"),
                "datapath_type": "netdev",
                "ports": internal["D"] + [{"name": n("ad" + m)} for m in backup_members],
            },
        ]

    def converge(self, raw, check_mode=False):
        runner = Runner()
        result = converge(Vsctl(runner), parse_bridges(raw), check_mode=check_mode)
        return result, runner

    def hosts(self):
        """Move each internal port into a namespace of its own and give it its address."""
        for endpoint in sorted(ENDPOINTS):
            ns = netns.add(self.name(endpoint))
            self.namespaces.append(ns)
            dev = self.name(endpoint)
            netns.ip(paths.NETNS, "link", "set", dev, "netns", ns)
            netns.addr(ns, dev, "%s/24" % self.address(endpoint))
            netns.ip(ns, "link", "set", dev, "up")

    def reaches(self, source, target):
        """Ping until it answers (MAC learning and LACP may still settle); False after the timeout."""
        ping = lambda: netns.ping(self.name(source), self.address(target), count=1, wait=1)  # noqa: E731
        try:
            return wait_for(ping, 15, interval=0.2, what="ping")
        except LabError:
            return False

    def isolated(self, source, target):
        return not netns.ping(self.name(source), self.address(target), count=2, wait=1)

    def cleanup(self):
        for bridge in self.bridges:
            run(["ovs-vsctl", "--timeout=30", "--if-exists", "del-br", bridge], check=False)
        for link in self.links:
            netns.ip(paths.NETNS, "link", "del", link, check=False)
        for ns in self.namespaces:
            netns.delete(ns)


SUBNETS = iter(range(140, 200))


@pytest.fixture
def switch(lab):
    the_switch = Switch(next(SUBNETS))
    try:
        the_switch.wire()
        yield the_switch
    finally:
        the_switch.cleanup()


def lacp_negotiated(bond):
    shown = appctl("lacp/show", bond)
    return shown.count("attached") >= 2 and "status: active negotiated" in shown and shown


def test_check_mode_then_one_transaction_then_no_command(switch):
    result, runner = switch.converge(switch.desired(), check_mode=True)
    assert result["changed"] is True and result["commands"][:2] == ["ovs-vsctl", "--timeout=30"]
    assert runner.writes == []
    assert switch.name("A") not in vsctl("list-br").split()

    result, runner = switch.converge(switch.desired())
    assert result["changed"] is True
    assert len(runner.writes) == 1 and len(runner.calls) == 3, runner.calls
    assert set(switch.bridges[:4]) <= set(result["after"])
    assert vsctl("get", "Port", switch.name("a20"), "tag") == "20"
    assert vsctl("get", "Port", switch.name("ta"), "trunks") == "[10, 20]"
    assert vsctl("get", "Port", switch.name("lA"), "bond_mode") == "balance-tcp"
    assert vsctl("get", "Bridge", switch.name("C"), "other_config:mac-aging-time") == '"60"'

    result, runner = switch.converge(switch.desired())
    assert (result["changed"], result["commands"]) == (False, [])
    assert runner.writes == [] and len(runner.calls) == 1


@pytest.mark.parametrize("count", [1, 40])
def test_one_transaction_whatever_the_number_of_ports(lab, count):
    bridge = "ekvm-%sN" % uuid.uuid4().hex[:4]
    raw = [
        {
            "name": bridge,
            "datapath_type": "netdev",
            "ports": [
                {"name": "%s-%d" % (bridge, number), "type": "internal", "tag": number % 7 + 1}
                for number in range(count)
            ],
        }
    ]
    try:
        runner = Runner()
        result = converge(Vsctl(runner), parse_bridges(raw))
        assert len(runner.writes) == 1 and len(runner.calls) == 3
        assert result["commands"].count("add-port") == count
        assert len(vsctl("list-ports", bridge).split()) == count
        runner = Runner()
        assert converge(Vsctl(runner), parse_bridges(raw))["commands"] == []
        assert runner.writes == []
    finally:
        run(["ovs-vsctl", "--timeout=30", "--if-exists", "del-br", bridge], check=False)


def test_vlans_carry_traffic_only_within_themselves(switch):
    switch.converge(switch.desired())
    switch.hosts()
    # Across the trunk veth, tagged frames of both VLANs pass.
    assert switch.reaches("a10", "b10")
    assert switch.reaches("a20", "b20")
    # Through the LACP and active-backup bonds (which carry every VLAN), too.
    assert switch.reaches("b10", "d10")
    assert switch.reaches("b20", "d20")
    # One subnet, but different VLANs: no way through, neither on one bridge nor across the trunk.
    assert switch.isolated("a10", "a20")
    assert switch.isolated("a10", "b20")
    assert switch.isolated("b20", "d10")


def test_bonds_negotiate_and_keep_traffic_when_a_member_goes_down(switch):
    switch.converge(switch.desired())
    switch.hosts()
    for bond in (switch.name("lA"), switch.name("lC")):
        wait_for(lambda bond=bond: lacp_negotiated(bond), 20, interval=0.5, what="LACP on %s" % bond)
    assert "bond_mode: balance-tcp" in appctl("bond/show", switch.name("lA"))
    assert "bond_mode: active-backup" in appctl("bond/show", switch.name("aC"))
    assert switch.reaches("a10", "d10")

    # An LACP member goes down: the bond keeps the other member and stays negotiated.
    netns.ip(paths.NETNS, "link", "set", switch.name("la1"), "down")
    wait_for(
        lambda: "member %s: disabled" % switch.name("la1") in appctl("bond/show", switch.name("lA")),
        15,
        what="la1 disabled in the bond",
    )
    assert "status: active negotiated" in appctl("lacp/show", switch.name("lA"))
    assert switch.reaches("a10", "c10")

    # The active member of the active-backup bond goes down: the backup takes over.
    active = ACTIVE_MEMBER.search(appctl("bond/show", switch.name("aC"))).group(1)
    netns.ip(paths.NETNS, "link", "set", active, "down")
    wait_for(
        lambda: (ACTIVE_MEMBER.search(appctl("bond/show", switch.name("aC"))) or [None, active])[1] != active,
        15,
        what="a new active member",
    )
    assert switch.reaches("a10", "d10")
    assert switch.reaches("b20", "d20")


def test_bond_mode_lacp_and_members_converge_on_existing_bonds(switch):
    switch.converge(switch.desired())
    switch.hosts()
    n = switch.name

    wanted = switch.desired(lacp_mode="active-backup", backup_mode="balance-slb")
    result, runner = switch.converge(wanted)
    assert len(runner.writes) == 1
    assert result["commands"][2:] == [
        "--",
        "set",
        "Port",
        n("lA"),
        "bond_mode=active-backup",
        "--",
        "set",
        "Port",
        n("lC"),
        "bond_mode=active-backup",
        "--",
        "set",
        "Port",
        n("aC"),
        "bond_mode=balance-slb",
    ]
    assert "bond_mode: active-backup" in appctl("bond/show", n("lA"))
    assert "bond_mode: balance-slb" in appctl("bond/show", n("aC"))
    wait_for(lambda: lacp_negotiated(n("lA")), 20, interval=0.5, what="LACP after the mode change")
    assert switch.reaches("a10", "d10")
    assert switch.converge(wanted)[0]["commands"] == []

    # One member of the C-D bond moves to a new cable (D keeps its old port: no purge).
    switch.cable("ac3", "ad3")
    moved = switch.desired(lacp_mode="active-backup", backup_mode="balance-slb", backup_members=("1", "3"))
    result, runner = switch.converge(moved)
    assert len(runner.writes) == 1
    assert result["commands"][2:] == [
        "--",
        "del-bond-iface",
        n("aC"),
        n("ac2"),
        "--",
        "add-bond-iface",
        n("aC"),
        n("ac3"),
        "--",
        "add-port",
        n("D"),
        n("ad3"),
    ]
    assert vsctl("iface-to-br", n("ad3")) == n("D")
    netns.ip(paths.NETNS, "link", "set", n("ac1"), "down")
    assert switch.reaches("a10", "d10"), "traffic must flow over the new member"
    assert switch.converge(moved)[0]["commands"] == []


def every_setting(
    n, rstp=False, key=5000, lacp="passive", downdelay=200, tunnels=("vx", "gn", "gr"), mirror_output=None
):
    """Settings the traffic topology leaves out: a fake bridge, a patch pair, tunnels, STP or RSTP,
    bridge and port maps, a native-tagged trunk, a bond with passive LACP and delays, a mirror."""
    tunnel = {
        "vx": {"type": "vxlan", "remote_ip": "192.0.2.7", "key": key},
        "gn": {"type": "geneve", "remote_ip": "2001:db8::7"},
        "gr": {"type": "gre", "remote_ip": "192.0.2.8", "key": "flow"},
    }
    return [
        {
            "name": n("A"),
            "datapath_type": "netdev",
            "fail_mode": "secure",
            "stp": not rstp,
            "rstp": rstp,
            "other_config": {"mac-table-size": 2048},
            "external_ids": {"owner": "ekvm lab"},
            "ports": [
                {"name": n("pa"), "type": "patch", "peer": n("pb")},
                {
                    "name": n("ta"),
                    "vlan_mode": "native-tagged",
                    "tag": 30,
                    "trunks": [10],
                    "external_ids": {"cable": "to B"},
                },
            ]
            + [dict(tunnel[suffix], name=n(suffix)) for suffix in tunnels],
            "bonds": [
                {
                    "name": n("lA"),
                    "members": [n("la1"), n("la2")],
                    "bond_mode": "balance-slb",
                    "lacp": lacp,
                    "lacp_time": "fast",
                    "bond_updelay": 100,
                    "bond_downdelay": downdelay,
                }
            ],
            "mirrors": [
                dict(
                    mirror_output or {"output_port": n("pa")},
                    name=n("m"),
                    select_src_port=[n("ta")],
                    select_dst_port=[n("x40"), n("ta")],
                    select_vlan=[10],
                )
            ],
        },
        {"name": n("B"), "datapath_type": "netdev", "ports": [{"name": n("pb"), "type": "patch", "peer": n("pa")}]},
        {"name": n("X"), "parent": n("A"), "vlan": 40, "ports": [{"name": n("x40"), "type": "internal"}]},
    ]


def test_every_setting_round_trips_and_converges_on_the_real_switch(switch):
    n = switch.name
    result, runner = switch.converge(every_setting(n), check_mode=True)
    assert result["changed"] is True and runner.writes == []

    result, runner = switch.converge(every_setting(n))
    assert len(runner.writes) == 1 and len(runner.calls) == 3, runner.calls
    get = lambda *args: vsctl("get", *args)  # noqa: E731
    assert [get("Bridge", n("A"), column) for column in ("fail_mode", "stp_enable", "rstp_enable")] == [
        "secure",
        "true",
        "false",
    ]
    assert get("Bridge", n("A"), "external_ids:owner") == '"ekvm lab"'
    assert get("Interface", n("pa"), "options:peer") == n("pb")
    assert get("Interface", n("vx"), "options") == '{key="5000", remote_ip="192.0.2.7"}'
    assert get("Interface", n("gn"), "type") == "geneve"
    assert get("Interface", n("gr"), "options:key") == "flow"
    assert [get("Port", n("ta"), column) for column in ("vlan_mode", "tag", "trunks")] == [
        "native-tagged",
        "30",
        "[10]",
    ]
    assert [get("Port", n("lA"), column) for column in ("bond_mode", "lacp", "bond_updelay", "bond_downdelay")] == [
        "balance-slb",
        "passive",
        "100",
        "200",
    ]
    assert (vsctl("br-to-parent", n("X")), vsctl("br-to-vlan", n("X"))) == (n("A"), "40")
    assert (vsctl("port-to-br", n("x40")), get("Port", n("x40"), "tag")) == (n("X"), "40")
    assert result["after"][n("X")]["ports"][0]["name"] == n("x40")
    mirror = get("Bridge", n("A"), "mirrors").strip("[]")
    port_uuid = lambda name: get("Port", name, "_uuid")  # noqa: E731
    assert [get("Mirror", mirror, column) for column in ("name", "select_src_port", "output_port", "select_vlan")] == [
        n("m"),
        "[%s]" % port_uuid(n("ta")),
        port_uuid(n("pa")),
        "[10]",
    ]
    assert sorted(get("Mirror", mirror, "select_dst_port").strip("[]").split(", ")) == sorted(
        [port_uuid(n("ta")), port_uuid(n("x40"))]
    )
    assert switch.converge(every_setting(n))[0]["commands"] == []

    # STP becomes RSTP, a tunnel key, the bond's LACP and delay and the mirror's output change, and
    # purge drops the tunnel no longer listed: one transaction again, then nothing left to do.
    changed = every_setting(
        n, rstp=True, key=6000, lacp="active", downdelay=0, tunnels=("vx", "gn"), mirror_output={"output_vlan": 99}
    )
    result = converge(Vsctl(Runner()), parse_bridges(changed), purge=True)
    assert result["commands"][2:] == [
        "--",
        "del-port",
        n("gr"),
        "--",
        "remove",
        "Bridge",
        n("A"),
        "mirrors",
        mirror,
        "--",
        "set",
        "Bridge",
        n("A"),
        "stp_enable=false",
        "rstp_enable=true",
        "--",
        "set",
        "Interface",
        n("vx"),
        "options:key=6000",
        "--",
        "set",
        "Port",
        n("lA"),
        "lacp=active",
        "bond_downdelay=0",
        "--",
        "--id=@p0",
        "get",
        "Port",
        n("ta"),
        "--",
        "--id=@p1",
        "get",
        "Port",
        n("x40"),
        "--",
        "--id=@m0",
        "create",
        "Mirror",
        "name=%s" % n("m"),
        "select_src_port=[@p0]",
        "select_dst_port=[@p0,@p1]",
        "select_vlan=[10]",
        "output_vlan=99",
        "--",
        "add",
        "Bridge",
        n("A"),
        "mirrors",
        "@m0",
    ]
    assert get("Mirror", n("m"), "output_vlan") == "99"
    assert run(["ovs-vsctl", "list", "Mirror", mirror], check=False).returncode != 0, "the old row is gone"
    assert [get("Bridge", n("A"), column) for column in ("stp_enable", "rstp_enable")] == ["false", "true"]
    assert get("Port", n("lA"), "lacp") == "active"
    assert run(["ovs-vsctl", "port-to-br", n("gr")], check=False).returncode != 0
    assert converge(Vsctl(Runner()), parse_bridges(changed), purge=True)["commands"] == []


def test_module_rejects_bad_input_unchanged_then_takes_the_older_shape(switch, tmp_path):
    """Through ansible-playbook: bad input fails before any change; the older role's shape (bridges with
    `bridge:`/`port:` keys, and per-bridge port lists through the `ports` option) converges."""
    n = switch.name
    switch.converge([{"name": n("A"), "datapath_type": "netdev", "ports": [{"name": n("ta")}]}])
    before = vsctl("--format=json", "--columns=name,ports,fail_mode,other_config", "list", "Bridge", n("A"))
    # Each case adds bridge X and changes bridge A, with one bad field.
    x_port = {"name": n("lc1")}
    cases = [
        (
            "openvswitch_bridges[1].ports[0].tag: must be a VLAN id from 1 to 4094 (got a number: 4095)",
            [dict(x_port, tag=4095)],
            [],
            [],
        ),
        (
            "openvswitch_bridges[1].ports[0].name: %r is already used at openvswitch_bridges[0].ports[1].name"
            % n("la1"),
            [{"name": n("la1")}],
            [],
            [],
        ),
        (
            "openvswitch_bridges[1].bonds[0].members: a bond needs at least 2 member interfaces (got 1)",
            [x_port],
            [{"name": n("lC"), "members": [n("lc2")]}],
            [],
        ),
        (
            "openvswitch_ports[1].ports[0].port: %r is already used at openvswitch_bridges[0].ports[1].name" % n("la1"),
            [x_port],
            [],
            [
                {"bridge": n("X"), "ports": [{"port": n("lc2")}]},
                {"bridge": n("X"), "ports": [{"port": n("la1"), "state": "present"}]},
            ],
        ),
        (
            "openvswitch_ports[1].bridge: is required",
            [x_port],
            [],
            [{"bridge": n("A"), "ports": [{"port": n("la2")}]}, {"ports": [{"port": n("lc2")}]}],
        ),
    ]
    cases = [
        {
            "msg": message,
            "ports": port_lists,
            "bridges": [
                {"name": n("A"), "fail_mode": "secure", "ports": [{"name": n("ta")}, {"name": n("la1")}]},
                {"name": n("X"), "datapath_type": "netdev", "ports": ports, "bonds": bonds},
            ],
        }
        for message, ports, bonds, port_lists in cases
    ]
    older = [
        {
            "bridge": n("B"),
            "state": "present",
            "datapath_type": "netdev",
            "ports": [{"port": n("tb"), "state": "present"}],
        }
    ]
    older_ports = [{"bridge": n("B"), "ports": [{"port": n("lc1"), "state": "present"}]}]
    module = "essentials.kvm.openvswitch"
    playbook, messages = tmp_path / "play.yml", tmp_path / "messages.json"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "bad input",
                            "loop": cases,
                            "register": "bad",
                            "ignore_errors": True,
                            module: {
                                "bridges": "{{ item.bridges }}",
                                "input_name": "openvswitch_bridges",
                                "ports": "{{ item.ports }}",
                                "ports_input_name": "openvswitch_ports",
                            },
                        },
                        {
                            "name": "older shape, check mode",
                            "check_mode": True,
                            "register": "checked",
                            module: {"bridges": older, "ports": older_ports, "input_name": "openvswitch_bridges"},
                        },
                        {
                            "name": "older shape",
                            "register": "first",
                            module: {"bridges": older, "ports": older_ports, "db": "unix:/var/run/openvswitch/db.sock"},
                        },
                        {
                            "name": "older shape again",
                            "register": "second",
                            module: {"bridges": older, "ports": older_ports},
                        },
                        {
                            "ansible.builtin.assert": {
                                "that": [
                                    "bad.results | map(attribute='failed') | list == [true] * %d" % len(cases),
                                    "checked is changed",
                                    "checked.after == checked.before",
                                    "first is changed",
                                    "second is not changed",
                                    "second.commands == []",
                                ]
                            }
                        },
                        {
                            "ansible.builtin.copy": {
                                "dest": str(messages),
                                "mode": "0644",
                                "content": "{{ bad.results | map(attribute='msg') | list | to_json }}",
                            }
                        },
                    ],
                    "vars": {"cases": cases},
                }
            ]
        )
    )
    done = ansible.playbook(
        str(playbook), ["localhost,"], args=["-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable]
    )
    assert done.rc == 0, done
    got = json.loads(messages.read_text())
    assert len(got) == len(cases)
    for case, message in zip(cases, got):
        assert message.startswith(case["msg"]), (case["msg"], message)
    # The failed runs touched nothing: bridge A is as it was and no bridge X appeared.
    assert vsctl("--format=json", "--columns=name,ports,fail_mode,other_config", "list", "Bridge", n("A")) == before
    assert run(["ovs-vsctl", "br-exists", n("X")], check=False).returncode == 2
    assert vsctl("port-to-br", n("tb")) == n("B")
    assert vsctl("port-to-br", n("lc1")) == n("B"), "the port list joined bridge B"
