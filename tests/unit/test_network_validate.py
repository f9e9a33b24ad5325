"""Bad network input fails before anything changes, with the exact input path in the message."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_networks
from tests.unit.network_samples import NAT, OVS, refusal, with_

BAD = [
    ("name missing", [{"mode": "nat"}], "kvm_virtual_networks[0].name: is required"),
    ("name with slash", [with_(NAT, name="a/b")], "kvm_virtual_networks[0].name: must not contain '/'"),
    (
        "duplicate name",
        [NAT, with_(NAT, ips=[{"address": "10.1.0.1", "prefix": 24}])],
        "kvm_virtual_networks[1].name: 'lab' is also used by kvm_virtual_networks[0]",
    ),
    ("unknown mode", [with_(NAT, mode="nated")], "kvm_virtual_networks[0].mode: must be one of nat, route"),
    ("unknown state", [with_(NAT, state="running")], "kvm_virtual_networks[0].state: must be one of"),
    ("unknown key", [with_(NAT, bridge="br0")], "kvm_virtual_networks[0].bridge: is not a known option"),
    ("mtu too small", [with_(NAT, mtu=10)], "kvm_virtual_networks[0].mtu: must be a whole number from 68"),
    ("multicast mac", [with_(NAT, mac="01:00:5e:00:00:01")], "kvm_virtual_networks[0].mac: must be a unicast"),
    ("bad mac", [with_(NAT, mac="52:54:00:zz:00:01")], "kvm_virtual_networks[0].mac: must be a MAC address"),
    (
        "long bridge name",
        [with_(NAT, bridge_name="a-very-long-bridge-name")],
        "kvm_virtual_networks[0].bridge_name: interface names are at most 15 characters",
    ),
    (
        "bridge undeclared",
        [with_(OVS, bridge_name="br-nowhere")],
        "kvm_virtual_networks[0].bridge_name: bridge 'br-nowhere' neither exists on this host nor is declared",
    ),
    (
        "vlans and portgroups",
        [with_(OVS, vlans=[{"name": "p", "vlan": 10}])],
        "kvm_virtual_networks[0].vlans: cannot be combined with portgroups",
    ),
    (
        "same bridge twice",
        [with_(NAT, bridge_name="virbr5"), {"name": "b", "mode": "isolated", "bridge_name": "virbr5"}],
        "kvm_virtual_networks[1].bridge_name: bridge 'virbr5' is also claimed by kvm_virtual_networks[0].bridge_name",
    ),
    (
        "same subnet twice",
        [NAT, {"name": "other", "mode": "isolated", "ips": [{"address": "192.168.100.129", "prefix": 25}]}],
        "kvm_virtual_networks[1].ips[0].address: subnet 192.168.100.128/25 overlaps 192.168.100.0/24 of "
        "kvm_virtual_networks[0].ips[0]",
    ),
    ("autostart not bool", [with_(NAT, autostart="maybe")], "kvm_virtual_networks[0].autostart: must be true or"),
    ("not a list", {"name": "x"}, "kvm_virtual_networks: must be a list"),
    # The shared kit's rules (checks.py): the same words and paths as every other kind.
    (
        "bridge name with colon",
        [with_(NAT, bridge_name="br:1")],
        "kvm_virtual_networks[0].bridge_name: 'br:1' is not a valid interface name",
    ),
    (
        "name as a number",
        [with_(NAT, name=5)],
        "kvm_virtual_networks[0].name: must be a network name, not a number: 5 (YAML reads an unquoted number",
    ),
    (
        "zone as a boolean",
        [with_(NAT, zone=True)],
        "kvm_virtual_networks[0].zone: must be text, not a boolean: true (unquoted yes/no",
    ),
    ("stp not a bool word", [with_(NAT, stp="enabled")], "kvm_virtual_networks[0].stp: must be true or false"),
    (
        "mtu as a fraction",
        [with_(NAT, mtu=1500.5)],
        "kvm_virtual_networks[0].mtu: must be a whole number from 68 to 65535 (got a number: 1500.5)",
    ),
]


@pytest.mark.parametrize("items,message", [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_field(items, message):
    assert message in refusal(items)


def test_good_input_passes_and_defaults_autostart():
    nets = read_networks(
        [NAT, OVS, {"name": "old", "state": "absent"}, with_(OVS, name="p", state="present", bridge_name="br-host")],
        "kvm_virtual_networks",
        declared_bridges=["br-ovs"],
        interface_exists=lambda name: name == "br-host",
    )
    assert [(n.state, n.autostart) for n in nets] == [
        ("active", True),
        ("active", True),
        ("absent", None),
        ("present", None),
    ]


def test_absent_network_needs_only_its_name():
    assert read_networks([{"name": "gone", "state": "absent", "mode": "nat"}])[0].state == "absent"


def test_bridge_of_absent_network_is_not_checked():
    item = {"name": "gone", "state": "absent", "mode": "bridge", "bridge_name": "br-nowhere"}
    [gone] = read_networks([item])
    assert (gone.state, gone.network.name, gone.network.bridge_name, gone.autostart) == ("absent", "gone", None, None)
    with pytest.raises(InputError, match=r"networks\[0\]\.bridge_name: bridge 'br-nowhere' neither exists"):
        read_networks([with_(item, state="present")])


def test_kit_words_and_numbers_are_accepted():
    [want] = read_networks(
        [
            with_(
                NAT,
                stp="yes",
                mtu="9000",
                autostart="no",
                bridge_name="virbr+1",
                dns={"enable": "on", "srvs": [{"service": "ldap", "protocol": "tcp", "port": "389"}]},
            )
        ]
    )
    net = want.network
    assert (net.stp, net.mtu, want.autostart, net.bridge_name) == (True, 9000, False, "virbr+1")
    assert (net.dns.enable, net.dns.srvs[0].port) == (True, 389)
    [group] = read_networks(
        [with_(OVS, portgroups=[{"name": "v10", "default": "y", "vlan": {"tags": ["10"]}}])],
        declared_bridges=["br-ovs"],
    )[0].network.portgroups
    assert (group.default, group.vlan.tags, group.vlan.trunk) == (True, [10], False)
