"""The fleet report renderer on recorded facts: fleet.json's schema, every object a node of the SVG with the
right edges, the search index, an unreachable host and a host without libvirt, a self-contained page."""

import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "playbooks", "report"))

import fleet_page  # noqa: E402
import fleet_svg  # noqa: E402

from tests.unit.report_page import PACKED, SvgGraph, inflated, search_index  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "unit", "fixtures", "report", "fleet_hosts.json")

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")

# hv1's objects and the edges between them (tail -> head, in the left-to-right direction).
HV1_EDGES = {
    ("link:eno1", "link:bond0"),
    ("link:eno2", "link:bond0"),
    ("link:bond0", "link:bond0.10"),
    ("link:bond0", "link:bond0.20"),
    ("link:bond0.10", "link:br-lan"),
    ("link:br-lan", "net:lan"),
    ("net:lan", "nic:web1/0"),
    ("nic:web1/0", "vm:web1"),
    ("net:lan", "nic:old/0"),
    ("nic:old/0", "vm:old"),
    ("link:eno3", "ovs:br-ovs/eno3"),
    ("ovs:br-ovs/eno3", "ovs:br-ovs"),
    ("ovs:br-ovs/mgmt", "ovs:br-ovs"),
    ("ovs:br-ovs", "net:ovs"),
    ("ovs:br-ovs", "nic:web1/1"),
    ("nic:web1/1", "vm:web1"),
    ("link:virbr0", "net:default"),
    ("net:default", "nic:db1/0"),
    ("nic:db1/0", "vm:db1"),
    ("pool:default", "vol:default/web1.qcow2"),
    ("pool:default", "vol:default/db1.qcow2"),
    ("pool:default", "vol:default/spare.raw"),
    ("vol:default/web1.qcow2", "disk:web1/vda"),
    ("disk:web1/vda", "vm:web1"),
    ("vol:default/db1.qcow2", "disk:db1/vda"),
    ("disk:db1/vda", "vm:db1"),
    ("disk:db1/sda", "vm:db1"),
}
HV1_KINDS = {
    "link:eno1": "nic",
    "link:eno2": "nic",
    "link:eno3": "nic",
    "link:bond0": "bond",
    "link:bond0.10": "vlan",
    "link:bond0.20": "vlan",
    "link:br-lan": "bridge",
    "link:virbr0": "bridge",
    "ovs:br-ovs": "ovs-bridge",
    "ovs:br-ovs/eno3": "ovs-port",
    "ovs:br-ovs/mgmt": "ovs-port",
    "net:default": "network",
    "net:lan": "network",
    "net:ovs": "network",
    "nic:web1/0": "vm-nic",
    "nic:web1/1": "vm-nic",
    "nic:db1/0": "vm-nic",
    "nic:old/0": "vm-nic",
    "vm:web1": "vm",
    "vm:db1": "vm",
    "vm:old": "vm",
    "pool:default": "pool",
    "vol:default/web1.qcow2": "volume",
    "vol:default/db1.qcow2": "volume",
    "vol:default/spare.raw": "volume",
    "disk:web1/vda": "disk",
    "disk:db1/vda": "disk",
    "disk:db1/sda": "disk",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("report"))
    with open(FIXTURE) as handle:
        fleet_page.render(json.load(handle), out, generated="2026-01-01T00:00:00Z")
    with open(os.path.join(out, "fleet.json")) as handle:
        data = json.load(handle)
    with open(os.path.join(out, "index.html")) as handle:
        html = handle.read()
    parser = SvgGraph()
    parser.feed(inflated(html))
    return data, html, parser


def test_fleet_json_lists_every_host_sorted_with_a_summary(report):
    data, _, _ = report
    assert data["schema"] == 1 and data["generated"] == "2026-01-01T00:00:00Z"
    assert [h["name"] for h in data["hosts"]] == ["bare", "gone", "hv1"]
    assert data["summary"] == {
        "hosts": 3,
        "hosts_reachable": 2,
        "hosts_without_libvirt": 1,
        "hosts_with_drift": 0,
        "vms": 3,
        "vms_running": 2,
        "vcpus": 7,
        "vcpus_running": 6,
        "memory_mib": 11264,
        "memory_mib_running": 10240,
        "cpus": 20,
        "host_memory_mib": 73728,
    }


def test_graph_in_json_has_every_object_and_edge(report):
    data, _, _ = report
    graph = data["hosts"][2]["graph"]
    assert {n["id"]: n["kind"] for n in graph["nodes"]} == HV1_KINDS
    assert {(e["from"], e["to"]) for e in graph["edges"]} == HV1_EDGES


def test_svg_has_every_object_as_a_node_with_the_right_edges(report):
    _, _, parser = report
    hv1 = parser.sections["h2"]
    assert {title: kind for title, (_, kind) in hv1["nodes"].items()} == HV1_KINDS
    assert hv1["edges"] == HV1_EDGES
    # VM taps and OVS's own devices are drawn as the VM NIC / the OVS bridge, never twice.
    assert not {"link:vnet0", "link:vnet2", "link:ovs-system", "link:br-ovs", "ovs:br-ovs/br-ovs"} & set(hv1["nodes"])


def test_edge_labels_carry_vlans_tags_and_trunks(report):
    data, _, _ = report
    labels = {(e["from"], e["to"]): e["label"] for e in data["hosts"][2]["graph"]["edges"]}
    assert labels[("link:bond0", "link:bond0.10")] == "VLAN 10"
    assert labels[("ovs:br-ovs/mgmt", "ovs:br-ovs")] == "tag 30"
    assert labels[("ovs:br-ovs/eno3", "ovs:br-ovs")] == "trunks 30,40"
    assert labels[("ovs:br-ovs", "nic:web1/1")] == "VLAN 40"


def test_unreachable_host_and_host_without_libvirt_are_sections_saying_so(report):
    data, _, parser = report
    assert data["hosts"][1] == {
        "name": "gone",
        "reachable": False,
        "facts": None,
        "graph": None,
        "problem": "Failed to connect to the host via ssh: ssh: connect to host 10.9.9.9 port 22: No route to host",
    }
    gone = parser.sections["h1"]["text"]
    assert "Unreachable: Failed to connect" in gone and not parser.sections["h1"]["nodes"]
    bare = parser.sections["h0"]["text"]
    assert "No libvirt: the libvirt Python bindings are missing" in bare
    assert "No Open vSwitch: Open vSwitch is not installed" in bare
    assert set(parser.sections["h0"]["nodes"]) == {"link:eth0"}


def test_search_index_names_the_vm_of_a_mac_and_an_address(report):
    _, html, parser = report
    index = search_index(html)
    assert index["hosts"] == ["bare", "gone", "hv1"]
    by_mac = [row for row in index["nodes"] if "52:54:00:aa:00:03" in row[5]]
    assert [(row[2], row[3], row[4]) for row in by_mac] == [("vm-nic", "52:54:00:aa:00:03", "web1")]
    assert "h%d-n%d" % tuple(by_mac[0][:2]) == parser.sections["h2"]["nodes"]["nic:web1/1"][0], "points at the node"
    by_address = [row[3] for row in index["nodes"] if "192.168.122.50" in row[5].split()]
    assert sorted(by_address) == ["52:54:00:aa:00:02", "db1", "default"]


def test_page_is_self_contained(report):
    _, html, parser = report
    assert parser.external == []
    assert "http://" not in html and "https://" not in html
    assert len(PACKED.findall(html)) == 3, "one diagram per reachable host, and the search index"
    assert inflated(html).count("<svg viewBox") == 2


def test_dot_quoting_keeps_odd_names_apart(tmp_path):
    graph = {
        "nodes": [
            {"id": 'vm:a"b\\c', "kind": "vm", "label": 'a"b\\c', "detail": ["x\ny"], "search": [], "owner": None},
            {"id": "vm:plain", "kind": "vm", "label": "plain", "detail": [], "search": [], "owner": None},
        ],
        "edges": [{"from": 'vm:a"b\\c', "to": "vm:plain", "label": 'say "hi"'}],
    }
    svg = fleet_svg.render_host_svgs([(graph, "h0")])[0]
    titles = [el.text.split("\n")[0] for el in svg.iter("title")]
    assert 'vm:a"b\\c' in titles and "vm:plain" in titles and 'vm:a"b\\c->vm:plain' in titles
    assert [g.get("id") for g in svg.iter("g") if g.get("class", "").startswith("node")] == ["h0-n0", "h0-n1"]


def test_dot_failure_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="dot failed"):
        fleet_svg.run_dot("digraph {", "dot")


def _drift(*objects, errors=()):
    return {
        "objects": [
            {
                "id": node_id,
                "kind": kind,
                "name": node_id.split(":")[1].split("/")[-1],
                "status": status,
                "source": "kvm_vms",
                "actions": ["redefine"],
                "diff": "-old %s\n+new %s\n" % (node_id, node_id),
            }
            for node_id, kind, status in objects
        ],
        "errors": list(errors),
        "warnings": [],
        "commands": {},
    }


@pytest.fixture(scope="module")
def drift_report(tmp_path_factory):
    """hv1 with drift on four objects (two of them missing from the host), bare with none, and a host whose
    declared variables are invalid."""
    out = str(tmp_path_factory.mktemp("drift"))
    with open(FIXTURE) as handle:
        items = {item["name"]: item for item in json.load(handle)}
    items["hv1"]["facts"]["drift"] = _drift(
        ("vm:web1", "vm", "different"),
        ("vm:ghost", "vm", "missing"),
        ("vol:default/new.raw", "volume", "missing"),
        ("ovs:br-ovs/eno3", "ovs-port", "extra"),
    )
    items["bare"]["facts"]["drift"] = _drift()
    broken = json.loads(json.dumps(items["bare"]))
    broken["name"] = "broken"
    broken["facts"]["drift"] = _drift(errors=[{"part": "kvm", "message": "kvm_vms[0].memory: 'lots' is not a size"}])
    fleet_page.render(list(items.values()) + [broken], out, generated="2026-01-01T00:00:00Z")
    with open(os.path.join(out, "fleet.json")) as handle:
        data = json.load(handle)
    with open(os.path.join(out, "index.html")) as handle:
        html = handle.read()
    parser = SvgGraph()
    parser.feed(inflated(html))
    return data, html, parser


def test_drift_is_drawn_on_the_objects_it_touches(drift_report):
    data, html, parser = drift_report
    assert data["summary"]["hosts_with_drift"] == 2
    hv1 = [h for h in data["hosts"] if h["name"] == "hv1"][0]
    marked = {n["id"]: n["drift"] for n in hv1["graph"]["nodes"] if n.get("drift")}
    assert marked == {
        "vm:web1": "different",
        "vm:ghost": "missing",
        "vol:default/new.raw": "missing",
        "ovs:br-ovs/eno3": "extra",
    }
    section = parser.sections["h3"]
    assert section["nodes"]["vm:ghost"][1] == "vm" and ("pool:default", "vol:default/new.raw") in section["edges"]
    page = inflated(html)
    for node_id, status in marked.items():
        dom_id = section["nodes"][node_id][0]
        assert (
            'id="%s" class="node k-' % dom_id in page
            and ('drift-%s"' % status) in page.split('id="%s"' % dom_id)[1][:60]
        ), node_id
    assert "-old vm:web1\n+new vm:web1\n" in section["text"], "the diff is beside the diagram"


def test_hosts_with_drift_come_first_and_no_drift_is_said(drift_report):
    data, html, parser = drift_report
    rows = html.split('<table class="hosts">')[1].split("</table>")[0]
    order = [name for name in ("broken", "hv1", "bare", "gone") if ">%s</a>" % name in rows]
    assert sorted(order, key=rows.index) == ["broken", "hv1", "bare", "gone"]
    assert "No drift: the roles would change nothing on this host." in parser.sections["h0"]["text"]
    assert "Drift error (kvm): kvm_vms[0].memory: 'lots' is not a size" in parser.sections["h1"]["text"]


def test_no_declared_variables_is_no_drift_check(report):
    _, html, parser = report
    assert "Drift not checked: no host declares role variables." in html
    assert "Drift not checked" in parser.sections["h2"]["text"]


def test_fleet_without_drift_says_so(tmp_path):
    with open(FIXTURE) as handle:
        items = [item for item in json.load(handle) if item["name"] == "bare"]
    items[0]["facts"]["drift"] = _drift()
    fleet_page.render(items, str(tmp_path))
    with open(os.path.join(str(tmp_path), "index.html")) as handle:
        assert "No drift: the roles would change nothing on any host (1 checked)." in handle.read()


def _graph(*labels, edge_label=None):
    nodes = [
        {"id": "vm:%d" % i, "kind": "vm", "label": lines[0], "detail": list(lines[1:]), "search": [], "owner": None}
        for i, lines in enumerate(labels)
    ]
    edges = [{"from": "vm:%d" % i, "to": "vm:%d" % (i + 1), "label": edge_label} for i in range(len(labels) - 1)]
    return {"nodes": nodes, "edges": edges}


def test_text_and_boxes_sit_where_dots_own_svg_puts_them():
    """The SVG is built from dot's layout numbers: boxes, line baselines and head labels land within a point
    of where dot's own SVG output draws them."""
    graph = _graph(("one",), ("one", "two"), ("one", "two", "three", "hidden"), edge_label="VLAN 10")
    ours = fleet_svg.render_host_svgs([(graph, "h0")])[0]
    theirs = ET.fromstring(fleet_svg.run_dot(fleet_svg.to_dot(graph, "h0"), fmt="svg"))
    ns = "{http://www.w3.org/2000/svg}"
    theirs_text = [(t.text, float(t.get("x")), float(t.get("y"))) for t in theirs.iter(ns + "text")]
    ours_text = [(t.text, float(t.get("x")), float(t.get("y"))) for t in ours.iter("text")]
    assert sorted(t[0] for t in ours_text) == sorted(t[0] for t in theirs_text)
    assert "hidden" not in [t[0] for t in ours_text], "the box shows two detail lines, the tooltip all"
    for text, x, y in ours_text:
        assert any(t == text and abs(x - tx) <= 1 and abs(y - ty) <= 1 for t, tx, ty in theirs_text), (text, x, y)
    assert ours.get("viewBox") == theirs.get("viewBox").replace(".00", "")
    for group in theirs.iter(ns + "g"):
        if group.get("class", "").startswith("node"):
            outline = group.find(ns + "polygon").get("points")
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", outline)]
            box = [min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2]), max(numbers[1::2])]
            dom_id = group.find(ns + "title").text
            rect = [g for g in ours.iter("g") if g.get("id") == dom_id][0].find("rect")
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            assert max(abs(a - b) for a, b in zip(box, [x, y, x + w, y + h])) <= 1, dom_id


def test_one_dot_run_lays_out_a_batch_of_hosts():
    jobs = [(_graph(("a",), ("b",)), "h0"), (_graph(("c",), ("d",), ("e",)), "h7")]
    first, second = fleet_svg.render_host_svgs(jobs)
    assert [g.get("id") for g in first.iter("g") if g.get("id")] == ["h0-e0", "h0-n0", "h0-n1"]
    assert [t.text for t in second.iter("text")] == ["c", "d", "e"]


def test_batches_cover_every_host_once():
    for count in (0, 1, 3, 200, 1001):
        batches = fleet_page._batches(count, 2)
        assert [i for batch in batches for i in batch] == list(range(count))
        assert all(1 <= len(batch) <= 8 for batch in batches)
