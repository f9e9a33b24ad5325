"""Hypothesis strategies for ifupdown_interfaces' input: valid configurations built from the validator's own
tables in ifupdown_fields (SECTIONS for each section's keys, TYPED for the checker of each typed key, METHODS),
the model's START_MODES and HOOK_KEYWORDS; the values drawn by generated_inputs.valid from those checkers. Mutations are
generated_inputs.mutate's.

A configuration is one mapping of sections (network_interfaces, network_bonds, ...), drawn as a whole because
the sections refer to each other (a bond's slaves, a VLAN's raw device, an OVS port's bridge)."""

from generated_inputs import WORDS, valid
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_fields as iv
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_item import MTU_LOW
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import HOOK_KEYWORDS, START_MODES

# The host's interfaces the module is told of (eth0 carries nothing generated: it stands for the management NIC).
HOST = ["lo", "eth0", "eth1", "eth2", "eth3", "eth4", "eth5"]
FREE_NICS = HOST[2:]
SECTION_KEYS = {section: iv.COMMON_KEYS + extra for section, _cls, extra in iv.SECTIONS}


def typed(section):
    """The section's keys whose checker is in TYPED: each drawn from its checker."""
    return [key for key in SECTION_KEYS[section] if key in iv.TYPED]


def _hooks():
    return st.lists(WORDS.map(lambda word: "true " + word), max_size=2)


# Keys every section shares that are set independently of the others (addresses and gateways are drawn together).
COMMON = {
    "comment": st.one_of(st.just("generated"), WORDS),
    "start": st.sampled_from(START_MODES),
    "mtu": st.integers(MTU_LOW, 9000),
    "hwaddress": valid(checks.mac),
    "dns_nameservers": st.lists(valid(checks.ip(4)), max_size=2, unique=True),
    "dns_search": st.lists(valid(checks.host), max_size=2),
    "enable": valid(checks.boolean),
    "configure": st.just(True),
}
COMMON.update({keyword.replace("-", "_"): _hooks() for keyword in HOOK_KEYWORDS})
ADDRESSING = ("method", "method6", "address", "netmask", "netmask_cidr", "network", "addresses", "gateway")
ADDRESSING += ("gateway6", "routes", "parameters", "name")
# Every common key has a strategy or is drawn with the addressing: a key added to COMMON_KEYS fails here first.
MISSING = set(iv.COMMON_KEYS) - set(COMMON) - set(ADDRESSING)
assert not MISSING, "no strategy for ifupdown keys %s" % sorted(MISSING)


@st.composite
def addressing(draw, item, subnet, gateways):
    """method/address/netmask or addresses, IPv6 with method6, routes; the default gateway once per family."""
    method = draw(st.sampled_from([m for m in iv.METHODS if m != "loopback"]))
    if method == "static":
        host = "10.%d.%d.%d" % (subnet // 256, subnet % 256, draw(st.integers(2, 250)))
        form = draw(st.integers(0, 2))
        if form == 0:
            item.update(address=host, netmask=draw(st.sampled_from(["255.255.255.0", "24", 24])))
        elif form == 1:
            item.update(address=host, netmask_cidr=24)
        else:
            item["addresses"] = [host + "/24"]
        if "v4" not in gateways and draw(st.booleans()):
            gateways.add("v4")
            item["gateway"] = "10.%d.%d.1" % (subnet // 256, subnet % 256)
        if draw(st.booleans()):
            item["routes"] = [
                {"to": "172.%d.0.0/16" % draw(st.integers(16, 31)), "via": "10.%d.%d.1" % (subnet // 256, subnet % 256)}
            ]
            item["routes"][0].update(draw(st.fixed_dictionaries({}, optional={"metric": st.integers(0, 1000)})))
    if method != "static" or draw(st.booleans()):
        item["method"] = method
    if draw(st.booleans()):
        item["method6"] = "static"
        item.setdefault("addresses", []).append("fd00:%x::%x/64" % (subnet, draw(st.integers(2, 999))))
        if "v6" not in gateways and draw(st.booleans()):
            gateways.add("v6")
            item["gateway6"] = "fd00:%x::1" % subnet
    elif draw(st.booleans()):
        item["method6"] = draw(st.sampled_from([m for m in iv.METHODS6 if m != "static"]))
    return item


@st.composite
def stanza(draw, section, name, subnet, gateways, keys=()):
    """One item of section named name: some common keys, addressing, and the typed keys among keys."""
    item = {"name": name}
    for key in draw(st.lists(st.sampled_from(sorted(COMMON)), unique=True, max_size=4)):
        item[key] = draw(COMMON[key])
    if draw(st.booleans()):
        draw(addressing(item, subnet, gateways))
    for key in keys:
        if draw(st.booleans()):
            item[key] = draw(valid(iv.TYPED[key][1]))
    return item


@st.composite
def configuration(draw):
    """Sections of one valid configuration: plain NICs, a Linux bond, a bridge, VLANs and an OVS bridge with an
    internal port and an OVS bond; each host NIC belongs to one master at most."""
    nics = list(FREE_NICS)
    draw(st.randoms(use_true_random=False)).shuffle(nics)
    gateways, subnets = set(), iter(range(1, 200))
    config = {section: [] for section in SECTION_KEYS}
    if draw(st.booleans()):  # a Linux bond of two NICs, the first maybe primary
        bond = draw(
            stanza(
                "network_bonds", "bond0", next(subnets), gateways, [k for k in typed("network_bonds") if k != "primary"]
            )
        )
        bond["slaves"] = [nics.pop(), nics.pop()]
        if draw(st.booleans()):
            bond["slaves"] = " ".join(bond["slaves"])  # the older role's shape
        elif draw(st.booleans()):
            bond["primary"] = bond["slaves"][0]
        config["network_bonds"].append(bond)
    if draw(st.booleans()):  # a bridge on a NIC or on the bond
        bridge = draw(stanza("network_bridges", "br0", next(subnets), gateways, typed("network_bridges")))
        bridge["ports"] = ["bond0"] if config["network_bonds"] and draw(st.booleans()) else [nics.pop()]
        if bridge.get("vlan_aware") in checks.TRUE_WORDS + (True,) and draw(st.booleans()):
            low = draw(st.integers(checks.VLAN_LOW, 4000))
            bridge["vids"] = draw(st.sampled_from([[low], [low, "%d-%d" % (low + 1, low + 9)], str(low)]))
        config["network_bridges"].append(bridge)
    raws = [item["name"] for item in config["network_bonds"] + config["network_bridges"]] + nics[:1]
    for vid in draw(st.lists(valid(checks.vlan_id), max_size=2, unique=True)):
        raw = draw(st.sampled_from(raws))
        if draw(st.booleans()):
            vlan = draw(stanza("network_vlans", "%s.%d" % (raw, vid), next(subnets), gateways))
            if draw(st.booleans()):
                vlan["vlan_id"] = vid
        else:
            vlan = draw(stanza("network_vlans", "vlan%d" % vid, next(subnets), gateways))
            vlan["vlan_device"] = raw
        config["network_vlans"].append(vlan)
    if len(nics) >= 3 and draw(st.booleans()):  # an OVS bridge, an internal port on it and an OVS bond
        ports = []
        for index, tag in enumerate(draw(st.lists(valid(checks.vlan_id), max_size=2, unique=True))):
            port = draw(stanza("ovs_interfaces", "vport%d" % index, next(subnets), gateways))
            port.update(bridge="ovsbr0", tag=tag)
            ports.append(port)
        config["ovs_interfaces"] = ports
        names = [p["name"] for p in ports]
        if draw(st.booleans()):
            bond = draw(stanza("ovs_bonds", "ovsbond0", next(subnets), gateways, typed("ovs_bonds")))
            bond.pop("tag", None)
            bond.update(bridge="ovsbr0", ports=[nics.pop(), nics.pop()])
            config["ovs_bonds"] = [bond]
            names.append("ovsbond0")
        ovs = draw(stanza("ovs_bridges", "ovsbr0", next(subnets), gateways))
        ovs["ports"] = names
        config["ovs_bridges"] = [ovs]
    for nic in draw(st.lists(st.sampled_from(nics), unique=True, max_size=len(nics))) if nics else ():
        config["network_interfaces"].append(draw(stanza("network_interfaces", nic, next(subnets), gateways)))
    if config["network_bonds"] and not config["network_interfaces"] and draw(st.booleans()):
        # bond members may instead name their bond (bond_master) in their own stanza
        members = config["network_bonds"][0].pop("slaves")
        members = members.split() if isinstance(members, str) else members
        config["network_interfaces"] = [{"name": nic, "bond_master": "bond0"} for nic in members]
    return {section: items for section, items in config.items() if items}
