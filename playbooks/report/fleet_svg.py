# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host graphs laid out by Graphviz `dot` (left to right) as compact inline SVG elements.

dot returns the layout only (its json0 output: node centres and sizes, edge points, head label places),
for a batch of hosts in one run; the SVG is built here from it with geometry, text, ids and titles.
Colours, fonts and anchors come from the page's CSS (classes per node kind): that keeps a 10 000-VM
fleet's page small.
"""

import json
import subprocess
import xml.etree.ElementTree as ET

# Detail lines shown in a node's box; all of them are in its tooltip (the SVG title).
DETAIL_LINES = 2
# Few crossing-minimisation and network-simplex passes and straight edges: a 350-node host stays
# readable and dot takes a third of its default time (edge routing with splines dominates it). newrank:
# the same ranks for a graph without clusters (the same layout, byte for byte, for the bench's hosts) in
# a fifth less time.
GRAPH_ATTRS = {
    "rankdir": "LR",
    "ranksep": "0.5",
    "nodesep": "0.12",
    "mclimit": "0.01",
    "nslimit": "0.1",
    "nslimit1": "0.1",
    "splines": "line",
    "newrank": "true",
    "fontname": "sans-serif",
    "fontsize": "9",
}
NODE_ATTRS = {
    "shape": "box",
    "fontname": "sans-serif",
    "fontsize": "9",
    "height": "0.3",
    "margin": "0.06,0.02",
}
EDGE_ATTRS = {
    "fontname": "sans-serif",
    "fontsize": "8",
    "labelfontsize": "8",
    "arrowsize": "0.5",
    "labeldistance": "1.6",
    "labelangle": "25",
}


def quote(text):
    """A DOT double-quoted string; '\\n' inside a label is dot's own line break, so backslashes are escaped."""
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _attrs(attrs):
    return "[%s]" % ", ".join("%s=%s" % (key, quote(value)) for key, value in attrs.items())


def node_dom_id(prefix, index):
    return "%s-n%d" % (prefix, index)


def text_lines(node):
    """The lines shown in a node's box: its label and first detail lines (the rest is in its tooltip)."""
    return [str(line).replace("\n", " ") for line in [node["label"]] + node["detail"][:DETAIL_LINES]]


def to_dot(graph, prefix):
    """The DOT text of a host graph. Nodes go by their SVG ids `<prefix>-n<i>` (unique on the page, and
    free of the quoting rules of DOT names), edges carry theirs as `id`; the SVG gets the object ids."""
    lines = [
        "digraph host {",
        "graph %s;" % _attrs(GRAPH_ATTRS),
        "node %s;" % _attrs(NODE_ATTRS),
        "edge %s;" % _attrs(EDGE_ATTRS),
    ]
    dom_ids = {}
    for index, node in enumerate(graph["nodes"]):
        dom_id = dom_ids[node["id"]] = node_dom_id(prefix, index)
        label = "\\n".join(quote(line)[1:-1] for line in text_lines(node))
        lines.append('"%s" [label="%s"];' % (dom_id, label))
    for index, edge in enumerate(graph["edges"]):
        attrs = {"id": "%s-e%d" % (prefix, index)}
        if edge.get("label"):
            # A head label sits by the edge's end: a plain label with straight edges is placed as if the
            # edge bent through it, often far from its line (and it adds a virtual node to lay out).
            attrs["headlabel"] = edge["label"]
        lines.append('"%s" -> "%s" %s;' % (dom_ids[edge["from"]], dom_ids[edge["to"]], _attrs(attrs)))
    lines.append("}")
    return "\n".join(lines)


def run_dot(dot_text, dot="dot", fmt="json0"):
    """dot's output for DOT text holding one graph or several in a row; json0 is the layout without drawing
    instructions (the tests compare with fmt="svg", dot's own drawing)."""
    done = subprocess.run([dot, "-T" + fmt], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("dot failed: %s" % done.stderr.decode("utf-8", "replace").strip())
    return done.stdout


def layouts(dot_texts, dot="dot"):
    """The layouts of these graphs from one dot run: one process per batch instead of one per host
    saves dot's start (loading plugins and fonts, a fifth of its time for a 370-node host)."""
    text = run_dot("\n".join(dot_texts), dot).decode("utf-8")
    decoder, found, at = json.JSONDecoder(), [], 0
    while len(found) < len(dot_texts):
        layout, at = decoder.raw_decode(text, text.index("{", at))
        found.append(layout)
    return found


def _point(text):
    x, y = text.split(",")
    return float(x), float(y)


def _baselines(y, count, size):
    """The baselines of a label's lines centred on y (SVG's y, downwards), where dot's own SVG puts them:
    lines int(1.1 * size + 0.5) apart (its text layout's line height), each baseline 0.8 * size below
    its line's top."""
    step = int(size * 1.1 + 0.5)
    top = y - count * step / 2.0 + 0.8 * size
    return [top + i * step for i in range(count)]


def _n(value):
    """A coordinate as whole points: a third fewer bytes than dot's two decimals, no visible difference at
    9 px text."""
    return str(round(value))


def _text(into, x, y, text):
    ET.SubElement(into, "text", {"x": _n(x), "y": _n(y)}).text = text


def _node(into, item, node):
    """A titled group (object id and its full detail, the tooltip) with a rect and the box's text lines."""
    x, y = _point(item["pos"])
    y = -y
    w, h = float(item["width"]) * 72, float(item["height"]) * 72
    classes = "node k-%s" % node["kind"] + (" drift-%s" % node["drift"] if node.get("drift") else "")
    out = ET.SubElement(into, "g", {"id": item["name"], "class": classes})
    ET.SubElement(out, "title").text = "\n".join([node["id"]] + node["detail"])
    ET.SubElement(out, "rect", {"x": _n(x - w / 2), "y": _n(y - h / 2), "width": _n(w), "height": _n(h)})
    lines = text_lines(node)
    for line, baseline in zip(lines, _baselines(y, len(lines), float(NODE_ATTRS["fontsize"]))):
        _text(out, x, baseline, line)


def _edge(into, item, edge):
    """A titled group (`tail->head`) with the edge's path and its head label."""
    out = ET.SubElement(into, "g", {"id": item["id"], "class": "edge"})
    ET.SubElement(out, "title").text = "%s->%s" % (edge["from"], edge["to"])
    # pos: "e,<arrow tip>", then the spline's start and its cubic Bezier triples; the arrowhead is the
    # page's marker at the path's end.
    points = [
        "%s,%s" % (_n(x), _n(-y)) for x, y in (_point(p) for p in item["pos"].split() if not p.startswith(("e,", "s,")))
    ]
    ET.SubElement(out, "path", {"d": "M%sC%s" % (points[0], " ".join(points[1:]))})
    if "head_lp" in item:
        x, y = _point(item["head_lp"])
        label = str(edge["label"]).replace("\n", " ")
        _text(out, x, _baselines(-y, 1, float(EDGE_ATTRS["labelfontsize"]))[0], label)


def svg_element(layout, graph, prefix):
    """A laid out host graph as SVG, y turned downwards. Edges come first, so node boxes cover the lines
    that pass behind them."""
    nodes = {node_dom_id(prefix, i): node for i, node in enumerate(graph["nodes"])}
    edges = {"%s-e%d" % (prefix, i): edge for i, edge in enumerate(graph["edges"])}
    width, height = (float(n) for n in layout["bb"].split(",")[2:])
    # The 4-point margin dot's own SVG has around the drawing.
    width, height = _n(width + 8), _n(height + 8)
    svg = ET.Element(
        "svg",
        {"viewBox": "0 0 %s %s" % (width, height), "width": width + "pt", "height": height + "pt", "class": "topo"},
    )
    top = ET.SubElement(svg, "g", {"transform": "translate(4 %d)" % (int(height) - 4)})
    for item in layout.get("edges", []):
        _edge(top, item, edges[item["id"]])
    for item in layout.get("objects", []):
        _node(top, item, nodes[item["name"]])
    return svg


def render_host_svgs(jobs, dot="dot"):
    """SVG elements of (graph, DOM id prefix) pairs, laid out in one dot run."""
    found = layouts([to_dot(graph, prefix) for graph, prefix in jobs], dot)
    return [svg_element(layout, graph, prefix) for layout, (graph, prefix) in zip(found, jobs)]
