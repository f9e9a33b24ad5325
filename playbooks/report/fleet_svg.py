# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host graph laid out by Graphviz `dot` (left to right) as a compact inline SVG element.

Colours, fonts and anchors come from the page's CSS (classes per node kind), so the SVG carries only
geometry, text, ids and titles: that keeps a 10 000-VM fleet's page small.
"""
import subprocess
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"
# Node lines shown in the box; the rest of an object's detail is in the page's detail panel.
DETAIL_LINES = 2
# Fewer crossing-minimisation passes and straight edge segments: the layout of a 300-node host stays
# readable and dot spends a fraction of its default time on it.
GRAPH_ATTRS = {"rankdir": "LR", "ranksep": "0.5", "nodesep": "0.12", "mclimit": "0.3", "nslimit": "4",
               "splines": "polyline", "fontname": "sans-serif", "fontsize": "9"}
NODE_ATTRS = {"shape": "box", "style": "rounded", "fontname": "sans-serif", "fontsize": "9", "height": "0.3",
              "margin": "0.06,0.02"}
EDGE_ATTRS = {"fontname": "sans-serif", "fontsize": "8", "arrowsize": "0.5"}


def quote(text):
    """A DOT double-quoted string; '\\n' inside a label is dot's own line break, so backslashes are escaped."""
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _attrs(attrs):
    return "[%s]" % ", ".join("%s=%s" % (key, quote(value)) for key, value in attrs.items())


def node_dom_id(prefix, index):
    return "%s-n%d" % (prefix, index)


def to_dot(graph, prefix):
    """The DOT text of a host graph. Nodes go by their SVG ids `<prefix>-n<i>` (unique on the page, and
    free of the quoting rules of DOT names); compact_svg puts the object ids back into the titles."""
    lines = ["digraph host {", "graph %s;" % _attrs(GRAPH_ATTRS), "node %s;" % _attrs(NODE_ATTRS),
             "edge %s;" % _attrs(EDGE_ATTRS)]
    dom_ids = {}
    for index, node in enumerate(graph["nodes"]):
        dom_ids[node["id"]] = node_dom_id(prefix, index)
        label = "\\n".join([quote(node["label"])[1:-1]] + [quote(d)[1:-1] for d in node["detail"][:DETAIL_LINES]])
        lines.append('"%s" [id="%s", class="k-%s", label="%s"];' % (dom_ids[node["id"]], dom_ids[node["id"]],
                                                                     node["kind"], label))
    for index, edge in enumerate(graph["edges"]):
        attrs = {"id": "%s-e%d" % (prefix, index)}
        if edge.get("label"):
            attrs["label"] = edge["label"]
        lines.append('"%s" -> "%s" %s;' % (dom_ids[edge["from"]], dom_ids[edge["to"]], _attrs(attrs)))
    lines.append("}")
    return "\n".join(lines)


def run_dot(dot_text, dot="dot"):
    done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise RuntimeError("dot failed: %s" % done.stderr.decode("utf-8", "replace").strip())
    return done.stdout


# Presentation attributes the page's CSS sets instead (per kind), dropped from every element.
_STYLED = ("fill", "stroke", "font-family", "font-size", "text-anchor")


def compact_svg(svg_bytes, graph, prefix):
    """dot's SVG as an element without namespace, comments, background or styling attributes; each node's
    and edge's title is the object id (`vm:web1`, `net:lan->nic:web1/0`), for the tooltip and for tests."""
    names = {node_dom_id(prefix, i): node["id"] for i, node in enumerate(graph["nodes"])}
    names.update({"%s-e%d" % (prefix, i): "%s->%s" % (edge["from"], edge["to"])
                  for i, edge in enumerate(graph["edges"])})
    root = ET.fromstring(svg_bytes)
    for element in root.iter():
        if element.tag.startswith(SVG_NS):
            element.tag = element.tag[len(SVG_NS):]
        for name in _STYLED:
            element.attrib.pop(name, None)
        if element.tag == "g" and element.get("id") in names:
            element.find(SVG_NS + "title").text = names[element.get("id")]
    outer = root.find("g")
    # The graph's own title and white background polygon.
    for child in list(outer):
        if child.tag in ("title", "polygon"):
            outer.remove(child)
    svg = ET.Element("svg", {"viewBox": root.get("viewBox"), "width": root.get("width"),
                             "height": root.get("height"), "class": "topo"})
    svg.append(outer)
    return svg


def render_host_svg(graph, prefix, dot="dot"):
    return compact_svg(run_dot(to_dot(graph, prefix), dot), graph, prefix)
