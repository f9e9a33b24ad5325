# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host graph laid out by Graphviz `dot` (left to right) as a compact inline SVG element.

Colours, fonts and anchors come from the page's CSS (classes per node kind), so the SVG carries only
geometry, text, ids and titles: that keeps a 10 000-VM fleet's page small.
"""

import re
import subprocess
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"
# Detail lines shown in a node's box; all of them are in its tooltip (the SVG title).
DETAIL_LINES = 2
# Few crossing-minimisation and network-simplex passes and straight edges: a 350-node host stays
# readable and dot takes a third of its default time (edge routing with splines dominates it).
GRAPH_ATTRS = {
    "rankdir": "LR",
    "ranksep": "0.5",
    "nodesep": "0.12",
    "mclimit": "0.01",
    "nslimit": "0.1",
    "nslimit1": "0.1",
    "splines": "line",
    "fontname": "sans-serif",
    "fontsize": "9",
}
NODE_ATTRS = {
    "shape": "box",
    "style": "rounded",
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


def to_dot(graph, prefix):
    """The DOT text of a host graph. Nodes go by their SVG ids `<prefix>-n<i>` (unique on the page, and
    free of the quoting rules of DOT names); compact_svg puts the object ids back into the titles."""
    lines = [
        "digraph host {",
        "graph %s;" % _attrs(GRAPH_ATTRS),
        "node %s;" % _attrs(NODE_ATTRS),
        "edge %s;" % _attrs(EDGE_ATTRS),
    ]
    dom_ids = {}
    for index, node in enumerate(graph["nodes"]):
        dom_id = dom_ids[node["id"]] = node_dom_id(prefix, index)
        label = "\\n".join([quote(node["label"])[1:-1]] + [quote(d)[1:-1] for d in node["detail"][:DETAIL_LINES]])
        classes = "k-%s" % node["kind"] + (" drift-%s" % node["drift"] if node.get("drift") else "")
        lines.append('"%s" [id="%s", class="%s", label="%s"];' % (dom_id, dom_id, classes, label))
    for index, edge in enumerate(graph["edges"]):
        attrs = {"id": "%s-e%d" % (prefix, index)}
        if edge.get("label"):
            # A head label sits by the edge's end: a plain label with straight edges is placed as if the
            # edge bent through it, often far from its line (and it adds a virtual node to lay out).
            attrs["headlabel"] = edge["label"]
        lines.append('"%s" -> "%s" %s;' % (dom_ids[edge["from"]], dom_ids[edge["to"]], _attrs(attrs)))
    lines.append("}")
    return "\n".join(lines)


def run_dot(dot_text, dot="dot"):
    done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("dot failed: %s" % done.stderr.decode("utf-8", "replace").strip())
    return done.stdout


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FRACTION = re.compile(r"\.\d+")


def _ints(text):
    """Coordinates cut to whole points (dot writes up to two decimals): a third fewer bytes, no visible
    difference at 9 px text, and a plain substitution is the cheapest rewrite of 100 000 numbers."""
    return _FRACTION.sub("", text)


def _box(shape):
    """The bounding box of dot's node outline (a rounded path or a polygon) as a rect; CSS rounds it."""
    numbers = [float(n) for n in _NUMBER.findall(shape.get("d") or shape.get("points"))]
    xs, ys = numbers[0::2], numbers[1::2]
    return ET.Element(
        "rect",
        {
            "x": "%d" % min(xs),
            "y": "%d" % min(ys),
            "width": "%d" % (max(xs) - min(xs)),
            "height": "%d" % (max(ys) - min(ys)),
        },
    )


def _texts(group, into):
    for text in group.iter(SVG_NS + "text"):
        ET.SubElement(into, "text", {"x": _ints(text.get("x")), "y": _ints(text.get("y"))}).text = text.text


def compact_svg(svg_bytes, graph, prefix):
    """dot's SVG rebuilt with only what the page needs: per node a titled group (object id and its full
    detail, the tooltip) with a rect and its text lines; per edge a titled group (`tail->head`) with its
    path and label. Colours, fonts and arrowheads come from the page's CSS."""
    nodes = {node_dom_id(prefix, i): node for i, node in enumerate(graph["nodes"])}
    edges = {"%s-e%d" % (prefix, i): edge for i, edge in enumerate(graph["edges"])}
    root = ET.fromstring(svg_bytes)
    outer = root.find(SVG_NS + "g")
    svg = ET.Element(
        "svg",
        {
            "viewBox": _ints(root.get("viewBox")),
            "width": _ints(root.get("width")),
            "height": _ints(root.get("height")),
            "class": "topo",
        },
    )
    top = ET.SubElement(svg, "g", {"transform": _ints(outer.get("transform"))})
    for group in outer.findall(SVG_NS + "g"):
        dom_id = group.get("id")
        if dom_id in nodes:
            node = nodes[dom_id]
            out = ET.SubElement(top, "g", {"id": dom_id, "class": group.get("class")})
            ET.SubElement(out, "title").text = "\n".join([node["id"]] + node["detail"])
            out.append(
                _box(
                    group.find(SVG_NS + "path")
                    if group.find(SVG_NS + "path") is not None
                    else group.find(SVG_NS + "polygon")
                )
            )
            _texts(group, out)
        elif dom_id in edges:
            edge = edges[dom_id]
            out = ET.SubElement(top, "g", {"id": dom_id, "class": "edge"})
            ET.SubElement(out, "title").text = "%s->%s" % (edge["from"], edge["to"])
            ET.SubElement(out, "path", {"d": _ints(group.find(SVG_NS + "path").get("d"))})
            _texts(group, out)
    return svg


def render_host_svg(graph, prefix, dot="dot"):
    return compact_svg(run_dot(to_dot(graph, prefix), dot), graph, prefix)
