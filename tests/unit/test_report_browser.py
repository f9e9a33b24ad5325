"""The fleet report in a real browser: headless Chromium opens index.html from disk with no console error and
no network request, every host section gets a screenshot (artifacts in the test's tmp folder), and the search
box finds a VM by its MAC and marks the NIC in the diagram; drift is drawn in colour (missing objects dashed)."""

import json
import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "playbooks", "report"))

import fleet_page  # noqa: E402

from tests.labkit.chromium import BINARY, Chromium  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "unit", "fixtures", "report", "fleet_hosts.json")

pytestmark = pytest.mark.skipif(BINARY is None or shutil.which("dot") is None, reason="needs Chromium and Graphviz dot")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    out = tmp_path_factory.mktemp("report-browser")
    with open(FIXTURE) as handle:
        items = json.load(handle)
    hv1 = [item for item in items if item["name"] == "hv1"][0]
    hv1["facts"]["drift"] = {
        "errors": [],
        "warnings": [],
        "commands": {},
        "objects": [
            {
                "id": node_id,
                "kind": "vm",
                "name": node_id[3:],
                "status": status,
                "source": "kvm_vms",
                "actions": [],
                "diff": '-  <memory unit="KiB">1</memory>\n',
            }
            for node_id, status in (("vm:web1", "different"), ("vm:ghost", "missing"), ("vm:old", "extra"))
        ],
    }
    fleet_page.render(items, str(out))
    chromium = Chromium()
    try:
        chromium.open("file://" + os.path.join(str(out), "index.html"))
        chromium.wait_for("document.body.classList.contains('indexed')")
        yield chromium, out
    finally:
        chromium.close()


def test_page_opens_without_errors_or_network(browser):
    chromium, out = browser
    # The diagrams near the top are inflated once visible; wait for the reachable ones.
    chromium.wait_for("document.querySelectorAll('.diagram.ready svg.topo').length === 2")
    assert chromium.errors() == []
    assert [url for url in chromium.requests() if not url.startswith("file://")] == []
    assert chromium.evaluate("document.querySelectorAll('#h2 g.node').length") == 29


def test_every_host_section_has_a_screenshot(browser):
    chromium, out = browser
    shots = []
    for index in range(3):
        chromium.evaluate("document.getElementById('h%d').scrollIntoView()" % index)
        box = chromium.evaluate(
            "(() => { const r = document.getElementById('h%d').getBoundingClientRect();"
            " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()" % index
        )
        shots.append(chromium.screenshot(os.path.join(str(out), "host-%d.png" % index), box))
    chromium.screenshot(os.path.join(str(out), "page.png"))
    for shot in shots:
        with open(shot, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
        assert os.path.getsize(shot) > 1000
    assert chromium.errors() == []


def test_search_finds_a_vm_by_mac(browser):
    chromium, _ = browser
    chromium.evaluate(
        "(() => { const q = document.getElementById('q'); q.value = '52:54:00:AA:00:03';"
        " q.dispatchEvent(new Event('input')); })()"
    )
    chromium.wait_for("document.querySelectorAll('g.node.hit').length > 0")
    results = chromium.evaluate("Array.from(document.querySelectorAll('#results li')).map(li => li.textContent)")
    assert results == ["hv1: vm-nic 52:54:00:aa:00:03 of VM web1"]
    hits = chromium.evaluate(
        "Array.from(document.querySelectorAll('g.node.hit'))"
        ".map(g => g.querySelector('title').textContent.split('\\n')[0])"
    )
    assert hits == ["nic:web1/1"]
    chromium.evaluate(
        "(() => { const q = document.getElementById('q'); q.value = 'no-such-thing';"
        " q.dispatchEvent(new Event('input')); })()"
    )
    assert chromium.evaluate("document.getElementById('results').textContent") == "nothing found"
    assert chromium.evaluate("document.querySelectorAll('g.node.hit').length") == 0
    assert chromium.errors() == []


def test_drift_is_drawn_in_colour(browser):
    chromium, _ = browser
    chromium.wait_for("document.querySelectorAll('#h2 g.node.drift-missing').length === 1")
    styles = chromium.evaluate(
        "Object.fromEntries(['missing', 'extra', 'different'].map(s => {"
        " const r = getComputedStyle(document.querySelector('#h2 g.node.drift-' + s + ' rect'));"
        " return [s, [r.stroke, r.strokeDasharray, r.strokeWidth]]; }))"
    )
    plain = chromium.evaluate(
        "getComputedStyle(document.querySelector('#h2 g.node.k-vm:not([class*=drift]) rect')).stroke"
    )
    assert styles["missing"][1] not in ("none", "") and styles["extra"][1] in ("none", "")
    assert {styles[s][0] for s in styles} != {plain} and styles["different"][0] != plain
    assert chromium.evaluate("document.querySelectorAll('#h2 details.drift-different').length") == 1
    chromium.evaluate(
        "(() => { const q = document.getElementById('q'); q.value = 'ghost'; q.dispatchEvent(new Event('input')); })()"
    )
    chromium.wait_for("document.querySelectorAll('g.node.hit').length > 0")
    assert chromium.evaluate("Array.from(document.querySelectorAll('#results li')).map(li => li.textContent)") == [
        "hv1: vm ghost"
    ]
    assert chromium.errors() == []
