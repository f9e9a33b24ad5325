"""Generated switches (issue #26) made into what ovs-vswitchd refuses or dies on, through the real openvswitch module
on the fake switch: a second tunnel Open vSwitch cannot tell from one already listed, RSTP at both ends of the
patch pair. Each is refused before any ovs-vsctl call, at the later entry, naming the earlier one. The @examples
are the declarations that broke the lab's ovs-vswitchd 3.1.0 (tests/lab/test_generated_ovs_lab.py's first draft).
"""

import generated_ovs as go
import pytest
from hypothesis import example, given, seed
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.module_utils import ovs_model as om
from tests.unit.fakes import FakeOvs
from tests.unit.generated_runs import SEED, fuzz_settings, outcome, timed

pytestmark = pytest.mark.usefixtures("generated_report")
EXAMPLES = 40
NAME = "openvswitch_bridges"

# The lab's first crash: two netdev bridges, flow tunnels gp3 and gp5 without a key ("gp3: attempting to add tunnel
# port with same config as port 'gp5' (::->flow, key=0, ...)").
LAB_TUNNELS = [
    {"name": "gbr0", "datapath_type": "netdev", "ports": [{"name": "gp3", "type": "vxlan", "remote_ip": "flow"}]},
    {"name": "gbr1", "datapath_type": "netdev", "ports": [{"name": "gp5", "type": "vxlan", "remote_ip": "flow"}]},
]
# The lab's second: RSTP on both bridges of the patch pair gpatch0/gpatch1 (ovs-vswitchd 3.1.0 aborted).
LAB_RSTP = [
    {
        "name": "gbr0",
        "datapath_type": "netdev",
        "rstp": True,
        "ports": [{"name": "gpatch0", "type": "patch", "peer": "gpatch1"}],
    },
    {
        "name": "gbr1",
        "datapath_type": "netdev",
        "rstp": True,
        "ports": [{"name": "gpatch1", "type": "patch", "peer": "gpatch0"}],
    },
]


def spellings(key):
    """Other ways to write a tunnel key Open vSwitch reads the same: no key is key 0, a number or its text."""
    if key in (None, 0, "0"):
        return [{}, {"key": 0}, {"key": "0"}]
    return [{"key": key}] if key == "flow" else [{"key": int(key)}, {"key": str(key)}]


@st.composite
def twin_tunnel(draw):
    """A valid switch with a new tunnel gtwin0 and, on a real bridge of the same datapath type (maybe the same bridge),
    gtwin1 that Open vSwitch cannot tell from it: (bridges, path of the later, path of the earlier)."""
    bridges = draw(go.bridges())
    real = [index for index, bridge in enumerate(bridges) if "parent" not in bridge]
    known = {go.identity(dict(p, type=p["type"])) for b in bridges for p in b.get("ports", []) if "remote_ip" in p}
    kind = draw(st.sampled_from(om.TUNNEL_TYPES))
    first = draw(go.tunnel({"name": "gtwin0", "type": kind}, kind, known))
    twin = dict(
        {"name": "gtwin1", "type": kind, "remote_ip": first["remote_ip"]},
        **draw(st.sampled_from(spellings(first.get("key")))),
    )
    here = draw(st.sampled_from(real))
    there = draw(st.sampled_from([i for i in real if go.datapath(bridges[i]) == go.datapath(bridges[here])]))
    placed = []
    for index, port in ((here, first), (there, twin)):
        ports = bridges[index].setdefault("ports", [])
        ports.append(port)
        placed.append((index, len(ports) - 1))
    earlier, later = ["%s[%d].ports[%d]" % (NAME, *where) for where in sorted(placed)]
    return bridges, later, earlier


@st.composite
def rstp_patch_pair(draw):
    """A valid switch of two bridges or more with the patch pair, and RSTP on both: (bridges, path of the later peer,
    path of the earlier port)."""
    bridges = draw(go.bridges().filter(lambda items: len([b for b in items if "parent" not in b]) >= 2))
    names = [p.get("name") for p in bridges[1].get("ports", [])]
    second = names.index("gpatch1") if "gpatch1" in names else go.patch_pair(bridges)
    first = [p.get("name") for p in bridges[0]["ports"]].index("gpatch0")
    for bridge in bridges[:2]:
        bridge.pop("stp", None)
        bridge["rstp"] = True
    return bridges, "%s[1].ports[%d].peer" % (NAME, second), "%s[0].ports[%d]" % (NAME, first)


def refused(label, case, fragment):
    """The module refuses bridges at the later path, naming the earlier one, before any ovs-vsctl write."""
    bridges, later, earlier = case
    switch = FakeOvs([])
    result = go.run_ovs(bridges, switch)
    assert outcome(label, result, NAME, bridges) == "refused", (bridges, result)
    message = result["msg"]
    assert message.startswith(later + ": ") and fragment in message, (bridges, message)
    assert " at %s " % earlier in message, (bridges, message)
    assert switch.transactions == []


@pytest.mark.parametrize(
    "label, cases, lab_case, fragment",
    [
        (
            "openvswitch twin tunnel",
            twin_tunnel(),
            (LAB_TUNNELS, NAME + "[1].ports[0]", NAME + "[0].ports[0]"),
            " tunnel to ",
        ),
        (
            "openvswitch rstp patch pair",
            rstp_patch_pair(),
            (LAB_RSTP, NAME + "[1].ports[0].peer", NAME + "[0].ports[0]"),
            "and both run rstp",
        ),
    ],
    ids=["second tunnel OVS cannot tell apart", "RSTP at both ends of the patch pair"],
)
def test_what_ovs_vswitchd_refuses_is_refused_at_the_later_entry_naming_the_earlier(label, cases, lab_case, fragment):
    @seed(SEED)
    @fuzz_settings(EXAMPLES)
    @given(cases)
    @example(lab_case)
    def each(case):
        refused(label, case, fragment)

    with timed(label):
        each()
