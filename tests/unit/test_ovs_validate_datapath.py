"""What OVSDB stores but ovs-vswitchd refuses or dies on is refused before any change, naming both entries: twin
tunnels (the lab's ovs-vswitchd 3.1.0 logged "attempting to add tunnel port with same config"), patch ports that
never join, RSTP at both ends of a patch pair (it aborted ovs-vswitchd 3.1.0 in the lab)."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate import parse_bridges
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate_datapath import tunnel_identity

TUNNEL_HINT = (
    " (Open vSwitch tells the tunnels of a datapath apart by type, remote_ip and key (no key is key 0) and refuses "
    "the second one: give it another remote_ip or key)"
)
RSTP_HINT = (
    " (ovs-vswitchd before 3.1.5 (Debian 12 has 3.1.0) aborts on RSTP at both ends of a patch pair: enable rstp on "
    "one bridge only, or use stp)"
)


def refusal(raw, port_lists=None):
    with pytest.raises(InputError) as caught:
        parse_bridges(raw, "openvswitch_bridges", port_lists, "openvswitch_ports")
    return str(caught.value)


def tunnel(name, **settings):
    return dict({"name": name, "type": "vxlan", "remote_ip": "192.0.2.1"}, **settings)


def patch(name, peer):
    return {"name": name, "type": "patch", "peer": peer}


def test_the_crash_declaration_two_flow_tunnels_without_key_is_refused_at_the_second():
    raw = [
        {"name": "gbr0", "datapath_type": "netdev", "ports": [tunnel("gp3", remote_ip="flow")]},
        {"name": "gbr1", "datapath_type": "netdev", "ports": [{"name": "gp4"}, tunnel("gp5", remote_ip="flow")]},
    ]
    assert refusal(raw) == (
        "openvswitch_bridges[1].ports[1]: a vxlan tunnel to flow with key 0 is already at "
        "openvswitch_bridges[0].ports[0]" + TUNNEL_HINT
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ({}, {"key": 0}),  # no key is key 0
        ({"key": 7}, {"key": "7"}),
        ({"key": "flow"}, {"key": "flow"}),
        ({"remote_ip": "2001:db8::7"}, {"remote_ip": "2001:DB8:0::7"}),
        ({"remote_ip": "192.0.2.9"}, {"remote_ip": "::ffff:192.0.2.9"}),
    ],
)
def test_tunnels_ovs_cannot_tell_apart_are_refused(first, second):
    raw = [{"name": "br0", "ports": [tunnel("t1", **first), tunnel("t2", **second)]}]
    assert refusal(raw).startswith("openvswitch_bridges[0].ports[1]: a vxlan tunnel to ")
    assert "is already at openvswitch_bridges[0].ports[0]" in refusal(raw)


def test_a_tunnel_of_the_older_port_lists_is_checked_against_the_bridges():
    raw = [{"name": "br0", "ports": [tunnel("t1", key=5)]}]
    message = refusal(raw, [{"bridge": "br1", "ports": [tunnel("t2", key=5)]}])
    assert message == (
        "openvswitch_ports[0].ports[0]: a vxlan tunnel to 192.0.2.1 with key 5 is already at "
        "openvswitch_bridges[0].ports[0]" + TUNNEL_HINT
    )


def test_a_tunnel_on_a_fake_bridge_shares_its_parents_datapath():
    raw = [
        {"name": "br0", "datapath_type": "netdev", "ports": [tunnel("t1")]},
        {"name": "v30", "parent": "br0", "vlan": 30, "ports": [tunnel("t2")]},
    ]
    assert refusal(raw).startswith("openvswitch_bridges[1].ports[0]: a vxlan tunnel to 192.0.2.1 with key 0 is already")


@pytest.mark.parametrize(
    "second, bridge",
    [
        (tunnel("t2", key=1), {}),
        (tunnel("t2", remote_ip="192.0.2.2"), {}),
        (tunnel("t2", type="geneve"), {}),  # another datapath port
        (tunnel("t2"), {"datapath_type": "netdev"}),  # another datapath
        (tunnel("t2", state="absent"), {}),
    ],
)
def test_tunnels_ovs_tells_apart_are_accepted(second, bridge):
    raw = [{"name": "br0", "ports": [tunnel("t1")]}, dict({"name": "br1", "ports": [second]}, **bridge)]
    assert len(parse_bridges(raw)) == 2


def test_tunnel_identity_is_type_address_and_key():
    assert tunnel_identity("gre", "::ffff:10.0.0.1", None) == ("gre", "10.0.0.1", "0")
    assert tunnel_identity("geneve", "fd00:0::1", "flow") == ("geneve", "fd00::1", "flow")
    assert tunnel_identity("vxlan", "flow", "9") == ("vxlan", "flow", "9")


def test_a_patch_peer_that_does_not_name_it_back_is_refused():
    raw = [{"name": "br0", "ports": [patch("pa", "pb")]}, {"name": "br1", "ports": [patch("pb", "pc")]}]
    assert refusal(raw) == (
        "openvswitch_bridges[0].ports[0].peer: 'pb' at openvswitch_bridges[1].ports[0] is not a patch port with "
        "peer 'pa' (Open vSwitch joins two patch ports only when each names the other as its peer)"
    )


def test_a_patch_peer_that_is_not_a_patch_port_is_refused():
    raw = [{"name": "br0", "ports": [patch("pa", "pb")]}, {"name": "br1", "ports": [{"name": "pb"}]}]
    assert refusal(raw).startswith(
        "openvswitch_bridges[0].ports[0].peer: 'pb' at openvswitch_bridges[1].ports[0] is not a patch port"
    )


def test_a_patch_pair_across_datapath_types_is_refused_at_the_second_port():
    raw = [
        {"name": "br0", "datapath_type": "netdev", "ports": [patch("pa", "pb")]},
        {"name": "br1", "ports": [patch("pb", "pa")]},
    ]
    assert refusal(raw) == (
        "openvswitch_bridges[1].ports[0].peer: patch port 'pa' at openvswitch_bridges[0].ports[0] is on a bridge of "
        "datapath_type netdev, this one on system (Open vSwitch joins patch ports of one datapath type only: give "
        "both bridges the same datapath_type)"
    )


def test_rstp_at_both_ends_of_a_patch_pair_is_refused():
    raw = [
        {"name": "br0", "rstp": True, "ports": [patch("pa", "pb")]},
        {"name": "br1", "rstp": "yes", "ports": [patch("pb", "pa")]},
    ]
    assert refusal(raw) == (
        "openvswitch_bridges[1].ports[0].peer: patch port 'pa' at openvswitch_bridges[0].ports[0] joins bridge "
        "'br1' to 'br0' and both run rstp" + RSTP_HINT
    )


def test_rstp_with_a_patch_pair_on_one_bridge_is_refused():
    raw = [{"name": "br0", "rstp": True, "ports": [patch("pa", "pb"), patch("pb", "pa")]}]
    assert refusal(raw).startswith("openvswitch_bridges[0].ports[1].peer: patch port 'pa' at openvswitch_bridges[0]")


@pytest.mark.parametrize("other", [{"stp": True}, {}, {"rstp": True, "state": "absent"}])
def test_rstp_at_one_end_of_a_patch_pair_is_accepted(other):
    raw = [
        {"name": "br0", "rstp": True, "ports": [patch("pa", "pb")]},
        dict({"name": "br1", "ports": [patch("pb", "pa")]}, **other),
    ]
    assert parse_bridges(raw)[0].rstp


def test_a_patch_peer_this_input_does_not_list_is_accepted():
    assert parse_bridges([{"name": "br0", "rstp": True, "ports": [patch("pa", "patch-br-int")]}])[0].ports[0].peer
