# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report: fleet.json (docs/report.md) and one self-contained index.html built with
ElementTree: inline SVG per host, inline CSS, a small script, no external resource of any kind."""

import base64
import contextlib
import datetime
import gc
import gzip
import json
import multiprocessing
import os
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor

from fleet_graph import DRIFT_STATUSES, KINDS, host_graph
from fleet_svg import render_host_svgs

SCHEMA_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
# A host's drift diffs are shown open up to this many objects; more start folded.
OPEN_DIFFS = 8
# Script blocks of this type hold packed() data, never code: the browser does not run them.
PACKED_TYPE = "application/x-gzip-base64"


@contextlib.contextmanager
def paused_gc():
    """Python's cycle collector paused: a fleet's report builds millions of objects (facts, graphs, SVG
    elements) with no reference cycles among them, and every collection walks all of them (half the main
    process's time for 200 hosts; in a forked worker it also copies each memory page it touches)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_hosts(path):
    """The gathered hosts (render.py's input file)."""
    with paused_gc(), open(path) as handle:
        return json.load(handle)


def host_entry(item):
    """One host of the input list ({'name', 'facts'} or {'name', 'problem'}) as a fleet.json host."""
    facts = item.get("facts")
    if not facts:
        return {
            "name": item["name"],
            "reachable": False,
            "problem": item.get("problem") or "no facts gathered",
            "facts": None,
            "graph": None,
        }
    return {"name": item["name"], "reachable": True, "problem": None, "facts": facts, "graph": host_graph(facts)}


def has_drift(host):
    """Whether the roles would change something on the host, or could not plan it (a drift error)."""
    drift = (host.get("facts") or {}).get("drift") or {}
    return bool(drift.get("objects") or drift.get("errors"))


def drift_text(drift):
    """One line on a host's drift for the summary table."""
    if drift is None:
        return "not declared"
    if drift["errors"]:
        return "error: " + "; ".join(error["message"] for error in drift["errors"])
    if not drift["objects"]:
        return "none"
    counts = [(status, sum(1 for item in drift["objects"] if item["status"] == status)) for status in DRIFT_STATUSES]
    return ", ".join("%d %s" % (count, status) for status, count in counts if count)


def summary(hosts):
    reachable = [h["facts"] for h in hosts if h["reachable"]]
    total = {
        key: sum(f["totals"][key] for f in reachable)
        for key in ("vms", "vms_running", "vcpus", "vcpus_running", "memory_mib", "memory_mib_running")
    }
    total.update(
        {
            "hosts": len(hosts),
            "hosts_reachable": len(reachable),
            "hosts_with_drift": sum(1 for h in hosts if has_drift(h)),
            "hosts_without_libvirt": sum(1 for f in reachable if not f["libvirt"]["available"]),
            "cpus": sum(f["resources"]["cpus"] for f in reachable),
            "host_memory_mib": sum(f["resources"]["memory_mib"] for f in reachable),
        }
    )
    return total


def fleet(items, generated=None):
    hosts = [host_entry(item) for item in sorted(items, key=lambda item: item["name"])]
    return {
        "schema": SCHEMA_VERSION,
        "generated": generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": summary(hosts),
        "hosts": hosts,
    }


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def _gib(mib):
    return "%.1f GiB" % (mib / 1024.0)


def _summary_table(body, data):
    total = data["summary"]
    cards = _sub(body, "div", class_="cards")
    for label, value in (
        ("hosts", "%d (%d reachable)" % (total["hosts"], total["hosts_reachable"])),
        ("VMs running / defined", "%d / %d" % (total["vms_running"], total["vms"])),
        ("vCPUs committed / host CPUs", "%d / %d" % (total["vcpus"], total["cpus"])),
        ("memory committed / host", "%s / %s" % (_gib(total["memory_mib"]), _gib(total["host_memory_mib"]))),
    ):
        card = _sub(cards, "div", class_="card")
        _sub(card, "b", value)
        _sub(card, "span", label)
    table = _sub(body, "table", class_="hosts")
    head = _sub(table, "tr")
    for title in (
        "host",
        "drift",
        "VMs running / defined",
        "vCPUs / CPUs",
        "memory committed / host",
        "libvirt",
        "Open vSwitch",
    ):
        _sub(head, "th", title)
    # Hosts with drift first; the sections below stay in name order.
    rows = sorted(enumerate(data["hosts"]), key=lambda pair: not has_drift(pair[1]))
    for index, host in rows:
        row = _sub(table, "tr", class_=("drift" if has_drift(host) else "ok") if host["reachable"] else "down")
        _sub(_sub(row, "td"), "a", host["name"], href="#h%d" % index)
        if not host["reachable"]:
            _sub(row, "td", "unreachable: %s" % host["problem"], colspan="6")
            continue
        _sub(row, "td", drift_text(host["facts"].get("drift")))
        facts = host["facts"]
        totals, res = facts["totals"], facts["resources"]
        _sub(row, "td", "%d / %d" % (totals["vms_running"], totals["vms"]))
        _sub(row, "td", "%d / %d" % (totals["vcpus"], res["cpus"]))
        _sub(row, "td", "%s / %s" % (_gib(totals["memory_mib"]), _gib(res["memory_mib"])))
        _sub(row, "td", "yes" if facts["libvirt"]["available"] else facts["libvirt"]["problem"])
        _sub(row, "td", "yes" if facts["ovs"]["available"] else facts["ovs"]["problem"])


def packed(text):
    """gzip + base64 of a text block: a 350-node host's SVG shrinks about tenfold, which keeps a 10 000-VM
    fleet's page under 10 MB; the page's script inflates it (DecompressionStream) when it is needed."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")


def diagrams(jobs, dot):
    """Packed SVG diagrams of (graph, DOM id prefix) pairs: one dot run for the batch, then the SVG built
    from its layout and packed."""
    return [packed(ET.tostring(svg, encoding="unicode")) for svg in render_host_svgs(jobs, dot)]


# The worker processes' jobs: set before the pool forks them, so each batch is sent as its numbers, not as
# pickled graphs (pickling a 370-node graph to a worker and back in costs as much as building its SVG).
_JOBS = []


def _batch(numbers, dot):
    return diagrams([_JOBS[i] for i in numbers], dot)


def _batches(count, workers):
    """Job numbers in batches: about four per worker, so a slow batch leaves the others work to take, and
    at most 8 hosts in one dot run (more saves little: dot starts in a fifth of a 370-node host's time)."""
    size = max(1, min(8, -(-count // (workers * 4))))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _host_section(body, index, host):
    """A host's section; returns the script element its packed diagram goes into (None if unreachable)."""
    section = _sub(body, "section", class_="host", id="h%d" % index)
    _sub(section, "h2", host["name"])
    if not host["reachable"]:
        _sub(section, "p", "Unreachable: %s" % host["problem"], class_="problem")
        return None
    facts = host["facts"]
    if not facts["libvirt"]["available"]:
        _sub(section, "p", "No libvirt: %s" % facts["libvirt"]["problem"], class_="note")
    if not facts["ovs"]["available"]:
        _sub(section, "p", "No Open vSwitch: %s" % facts["ovs"]["problem"], class_="note")
    _drift_panel(section, facts.get("drift"))
    box = _sub(section, "div", class_="diagram", id="d%d" % index)
    return _sub(box, "script", type=PACKED_TYPE)


def _drift_panel(section, drift):
    """What the roles would change on the host, object by object, with the modules' diffs."""
    if drift is None:
        _sub(section, "p", "Drift not checked: no role variables are declared for this host.", class_="note")
        return
    for error in drift["errors"]:
        _sub(section, "p", "Drift error (%s): %s" % (error["part"], error["message"]), class_="problem drift-error")
    if not drift["objects"] and not drift["errors"]:
        _sub(section, "p", "No drift: the roles would change nothing on this host.", class_="nodrift")
        return
    if not drift["objects"]:
        return
    panel = _sub(section, "div", class_="driftlist")
    _sub(panel, "p", "Drift: %s (what the roles would change, from their check-mode plans)" % drift_text(drift))
    for item in drift["objects"]:
        entry = _sub(panel, "details", class_="drift-%s" % item["status"])
        entry.set("data-node", item["id"])
        if len(drift["objects"]) <= OPEN_DIFFS:
            entry.set("open", "open")
        _sub(
            entry,
            "summary",
            "%s %s %s (%s)%s"
            % (
                item["status"],
                item["kind"],
                item["name"],
                item["source"],
                ": " + "; ".join(item["actions"]) if item["actions"] else "",
            ),
        )
        pre = _sub(entry, "pre")
        for line in (item["diff"] or "(no diff)\n").splitlines(True):
            # Coloured as Ansible's --diff output: removed lines red, added green.
            kind = "" if line.startswith(("---", "+++")) else {"-": "del", "+": "add", "@": "hunk"}.get(line[:1], "")
            span = _sub(pre, "span", line)
            if kind:
                span.set("class", kind)
    for warning in drift["warnings"]:
        _sub(panel, "p", "warning: %s" % warning, class_="note")


def search_index(data):
    """{'hosts': names, 'nodes': [[host index, node index, kind, label, owner VM, searchable text]]}; the
    SVG node of a row has the id h<host>-n<node>."""
    rows = []
    for h, host in enumerate(data["hosts"]):
        for n, node in enumerate((host["graph"] or {}).get("nodes", [])):
            rows.append([h, n, node["kind"], node["label"], node["owner"], " ".join(node["search"])])
    return {"hosts": [host["name"] for host in data["hosts"]], "nodes": rows}


def _read(name):
    with open(os.path.join(HERE, name)) as handle:
        return handle.read()


def page(data):
    """The page's element tree, and per host index the script element its packed diagram goes into (the
    page is built while the diagrams are)."""
    html = ET.Element("html", lang="en")
    head = _sub(html, "head")
    _sub(head, "meta", charset="utf-8")
    _sub(head, "title", "KVM fleet report")
    _sub(head, "style", _read("fleet.css"))
    body = _sub(html, "body")
    # The one arrowhead every edge's path ends with (CSS marker-end), instead of a polygon per edge.
    defs = _sub(_sub(body, "svg", width="0", height="0", style="position:absolute"), "defs")
    marker = _sub(
        defs,
        "marker",
        id="arrow",
        viewBox="0 0 10 10",
        refX="2",
        refY="5",
        markerWidth="5",
        markerHeight="5",
        orient="auto",
    )
    _sub(marker, "path", d="M0,0L10,5L0,10z")
    _sub(body, "h1", "KVM fleet report")
    _sub(body, "p", "Generated %s; read-only facts of each host (kvm_host_facts)." % data["generated"], class_="meta")
    search = _sub(body, "div", class_="search")
    _sub(search, "input", id="q", type="search", placeholder="Find a VM, MAC or address", autocomplete="off")
    _sub(search, "ol", id="results")
    legend = _sub(body, "p", class_="legend")
    for kind in KINDS:
        _sub(legend, "span", kind, class_="k-%s" % kind)
    for status in DRIFT_STATUSES:
        _sub(legend, "span", status, class_="drift-%s" % status)
    checked = [h for h in data["hosts"] if h["reachable"] and h["facts"].get("drift") is not None]
    if not checked:
        _sub(body, "p", "Drift not checked: no host declares role variables.", class_="note")
    elif not data["summary"]["hosts_with_drift"]:
        _sub(
            body,
            "p",
            "No drift: the roles would change nothing on any host (%d checked)." % len(checked),
            class_="nodrift",
        )
    _summary_table(body, data)
    diagram_at = {index: _host_section(body, index, host) for index, host in enumerate(data["hosts"])}
    _sub(body, "script", packed(json.dumps(search_index(data), separators=(",", ":"))), type=PACKED_TYPE, id="index")
    _sub(body, "script", _read("fleet.js"))
    return html, diagram_at


@paused_gc()
def render(items, out_dir, dot="dot", generated=None, workers=None):
    """Write fleet.json and index.html for these hosts into out_dir; returns the fleet data.

    dot and the SVG building run in `workers` processes (default: one per CPU; forked, so they inherit the
    paused collector), batches of hosts each; this process writes fleet.json and builds the page meanwhile."""
    data = fleet(items, generated)
    drawn = [i for i, host in enumerate(data["hosts"]) if host["graph"]]
    workers = workers or os.cpu_count() or 2
    batches = _batches(len(drawn), workers)
    _JOBS[:] = [(data["hosts"][i]["graph"], "h%d" % i) for i in drawn]
    os.makedirs(out_dir, exist_ok=True)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = [pool.submit(_batch, numbers, dot) for numbers in batches]
            with open(os.path.join(out_dir, "fleet.json"), "w") as handle:
                # dumps, not dump: the C encoder; dump streams through the pure-Python one (10x slower).
                handle.write(json.dumps(data, separators=(",", ":"), sort_keys=True))
            html, diagram_at = page(data)
            for numbers, batch in zip(batches, pending):
                for number, svg in zip(numbers, batch.result()):
                    diagram_at[drawn[number]].text = svg
    finally:
        _JOBS[:] = []
    with open(os.path.join(out_dir, "index.html"), "w") as handle:
        handle.write("<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html"))
    return data
