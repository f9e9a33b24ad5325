"""The keys' readers (ifupdown_fields): bools take the kit's words, bond modes and LACP rates bonding(5)'s numbers."""

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_validate import build_desired
from tests.unit.ifupdown_samples import HOST, changed


def test_bools_take_the_kit_words_and_bond_modes_their_numbers():
    config = changed("network_bridges", 0, vlan_aware="yes", vids=["10"], enable="no")
    config["network_bonds"][0].update(parameters=[{"param": "miimon", "val": "100"}], mode=4, lacp_rate=1)
    config["network_interfaces"][0]["configure"] = "on"
    desired = build_desired(config, HOST)
    by_name = dict((i.name, i) for i in desired.items)
    assert by_name["br100"].vlan_aware is True and desired.frozen == ["br100"]
    assert (by_name["bond0"].mode, by_name["bond0"].lacp_rate, by_name["bond0"].miimon) == ("4", "1", 100)
    assert "eth0" in by_name
