"""Hypothesis strategies for the openvswitch module's input: valid bridges built from ovs_validate's own key tables
(BRIDGE_KEYS, PORT_KEYS, BOND_KEYS, MIRROR_KEYS) and the model's choices (PORT_TYPES, TUNNEL_TYPES, VLAN_MODES,
FAIL_MODES, ...): ports of every type, bonds, tags and trunks, mirrors, fake bridges. Valid means ovs-vswitchd takes
it too: tunnels differ by ovs_validate_datapath.tunnel_identity, the patch pair shares a datapath type and runs RSTP
at one end at most. Mutations are generated_inputs.mutate's; run_ovs runs the module on a fake switch."""

from unittest import mock

from ansible.module_utils.basic import AnsibleModule
from generated_inputs import WORDS, valid
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils import ovs_model as om
from ansible_collections.essentials.kvm.plugins.module_utils import ovs_validate as ov
from ansible_collections.essentials.kvm.plugins.module_utils.ovs_validate_datapath import tunnel_identity
from ansible_collections.essentials.kvm.plugins.modules import openvswitch
from tests.unit.generated_runs import exit_result

OVS_MAP = st.dictionaries(WORDS, st.one_of(WORDS, st.booleans(), st.integers(0, 99)), max_size=2)
# Keys each kind takes, drawn freely (others are drawn with what they depend on: type, members, outputs).
BRIDGE_FREE = {
    "fail_mode": st.sampled_from(om.FAIL_MODES),
    "datapath_type": st.sampled_from(om.DATAPATH_TYPES),
    "mcast_snooping": valid(checks.boolean),
    "other_config": OVS_MAP,
    "external_ids": OVS_MAP,
}
BOND_FREE = {
    "lacp_time": st.sampled_from(om.LACP_TIMES),
    "bond_updelay": st.integers(0, 1000),
    "bond_downdelay": st.integers(0, 1000),
    "external_ids": OVS_MAP,
}
DEPENDENT = {"name", "state", "parent", "vlan", "stp", "rstp", "ports", "bonds", "mirrors", "type", "peer"}
DEPENDENT |= {"remote_ip", "key", "tag", "trunks", "vlan_mode", "members", "bond_mode", "lacp", "external_ids"}
DEPENDENT |= set(ov.MIRROR_KEYS)
# Every key of the tables has a strategy here: a key added to ovs_validate fails here first.
MISSING = set(ov.BRIDGE_KEYS + ov.PORT_KEYS + ov.BOND_KEYS) - set(BRIDGE_FREE) - set(BOND_FREE) - DEPENDENT
assert not MISSING, "no strategy for openvswitch keys %s" % sorted(MISSING)


def some(draw, item, free):
    for key in draw(st.lists(st.sampled_from(sorted(free)), unique=True, max_size=len(free))):
        item[key] = draw(free[key])
    return item


@st.composite
def vlan(draw, item):
    """tag, trunks and vlan_mode in the combinations Open vSwitch takes."""
    mode = draw(st.sampled_from((None,) + om.VLAN_MODES))
    tags = st.integers(checks.VLAN_LOW, checks.VLAN_HIGH)
    if mode != "trunk" and (mode in ("native-tagged", "native-untagged") or draw(st.booleans())):
        item["tag"] = draw(st.one_of(tags, tags.map(str)))
    if mode != "access" and draw(st.booleans()):
        item["trunks"] = draw(st.lists(tags, min_size=1, max_size=3, unique=True))
    if mode is not None:
        item["vlan_mode"] = mode
    return item


REMOTE_IP = st.one_of(valid(checks.ip(4)), valid(checks.ip(6)), st.just("flow"))
TUNNEL_KEY = st.one_of(st.integers(0, ov.TUNNEL_KEY_HIGH), st.just("flow"))


def identity(tunnel):
    key = tunnel.get("key")
    return tunnel_identity(tunnel["type"], tunnel["remote_ip"], None if key is None else str(key))


@st.composite
def tunnel(draw, item, kind, tunnels):
    """item made a tunnel of type kind; it gets a key of its own when one in tunnels (the identities drawn so far,
    added to) has its type and remote_ip."""
    item["remote_ip"] = draw(REMOTE_IP)
    if draw(st.booleans()):
        item["key"] = draw(TUNNEL_KEY)
    drawn = dict(item, type=kind)
    while identity(drawn) in tunnels:
        drawn["key"] = item["key"] = len(tunnels) + draw(st.integers(1, 9))
    tunnels.add(identity(drawn))
    return item


@st.composite
def port(draw, name, peers, tunnels):
    """A port named name of a type from PORT_TYPES; a patch port's peer is drawn from peers, a tunnel is unlike
    those in tunnels."""
    kind = draw(st.sampled_from([t for t in om.PORT_TYPES if t != "patch" or peers]))
    item = {ov.PORT_ALIAS if draw(st.booleans()) else "name": name}
    if kind != "system" or draw(st.booleans()):
        item["type"] = kind
    if kind == "patch":
        item["peer"] = peers.pop()
    if kind in om.TUNNEL_TYPES:
        draw(tunnel(item, kind, tunnels))
    if draw(st.booleans()):
        item["external_ids"] = draw(OVS_MAP)
    return draw(vlan(item)) if draw(st.booleans()) else item


@st.composite
def bond(draw, name, members):
    mode = draw(st.sampled_from(checks.BOND_MODES_OVS))
    item = {"name": name, "members": members, "bond_mode": mode}
    lacp = [m for m in checks.LACP_MODES_OVS if mode != "balance-tcp" or m != "off"]
    if mode == "balance-tcp" or draw(st.booleans()):
        item["lacp"] = draw(st.sampled_from(lacp))
    some(draw, item, BOND_FREE)
    return draw(vlan(item)) if draw(st.booleans()) else item


@st.composite
def mirror(draw, name, ports):
    """A mirror of some of ports (at least one needed) to another of them or to a VLAN."""
    output = draw(st.sampled_from(ports))
    others = [p for p in ports if p != output]
    item = {"name": name}
    if draw(st.booleans()):
        item["output_vlan"] = draw(valid(checks.vlan_id))
        others = ports
    else:
        item["output_port"] = output
    for key in ("select_src_port", "select_dst_port"):
        if others and draw(st.booleans()):
            item[key] = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        item["select_vlan"] = draw(st.lists(valid(checks.vlan_id), min_size=1, max_size=2, unique=True))
    if not any(key in item for key in ("select_src_port", "select_dst_port", "select_vlan")) or draw(st.booleans()):
        item["select_all"] = True
    return item


@st.composite
def bridges(draw):
    """One to three real bridges (maybe a fake bridge on the first), each with ports, bonds and mirrors; every
    port, bond and member name is used once across the switch; patch ports come in pairs across bridges."""
    count = draw(st.integers(1, 3))
    names = iter("gp%d" % n for n in range(100))
    items, tunnels = [], set()
    for index in range(count):
        bridge = {ov.BRIDGE_ALIAS if draw(st.booleans()) else "name": "gbr%d" % index}
        some(draw, bridge, BRIDGE_FREE)
        stp = draw(st.sampled_from([None, "stp", "rstp"]))
        if stp:
            bridge[stp] = True
        ports = [draw(port(next(names), [], tunnels)) for _ in range(draw(st.integers(0, 3)))]
        if ports:
            bridge["ports"] = ports
        if draw(st.booleans()):
            bridge["bonds"] = [draw(bond(next(names), [next(names), next(names)]))]
        placed = [p.get("name") or p.get(ov.PORT_ALIAS) for p in ports] + [b["name"] for b in bridge.get("bonds", [])]
        if len(placed) >= 2 and draw(st.booleans()):
            bridge["mirrors"] = [draw(mirror("gm%d" % index, placed))]
        items.append(bridge)
    if count >= 2 and draw(st.booleans()):
        patch_pair(items)
        if items[0].get("rstp") and items[1].pop("rstp", None):
            items[1]["stp"] = True
    if draw(st.booleans()):  # a fake bridge on the first bridge, with a port of its own
        parent = items[0].get("name") or items[0].get(ov.BRIDGE_ALIAS)
        tags = {p.get("tag") for b in items[:1] for p in b.get("ports", []) + b.get("bonds", [])}
        vid = draw(valid(checks.vlan_id).filter(lambda v: v not in tags and str(v) not in {str(t) for t in tags}))
        fake = {"name": "gfake0", "parent": parent, "vlan": vid}
        if draw(st.booleans()):
            fake["ports"] = [{"name": next(names), "type": "internal"}]
        items.append(fake)
    return items


def patch_pair(items):
    """A patch pair between the first two bridges, whose datapath type the second takes; returns the index of the
    second port in the second bridge's ports."""
    items[0].setdefault("ports", []).append({"name": "gpatch0", "type": "patch", "peer": "gpatch1"})
    items[1].setdefault("ports", []).append({"name": "gpatch1", "type": "patch", "peer": "gpatch0"})
    items[1]["datapath_type"] = datapath(items[0])
    return len(items[1]["ports"]) - 1


def datapath(bridge):
    return bridge.get("datapath_type", "system")


def run_ovs(bridges, switch, check_mode=True):
    """The openvswitch module in process on switch, a FakeOvs standing in for ovs-vsctl."""
    binary = "/usr/bin/ovs-vsctl"
    with (
        mock.patch.object(AnsibleModule, "get_bin_path", lambda self, name, *rest, **kw: binary),
        mock.patch.object(
            AnsibleModule,
            "run_command",
            lambda self, argv, **kw: switch(["ovs-vsctl" if part == binary else part for part in argv]),
        ),
    ):
        args = {"bridges": bridges, "input_name": "openvswitch_bridges", "_ansible_check_mode": check_mode}
        return exit_result(openvswitch, args)
