"""Reading a rendered fleet report back: fleet.json, and the page's diagrams inflated and parsed into
nodes (object id -> (DOM id, kind)) and edges ((tail, head) object ids) per host section. Shared by the
renderer's unit tests, the lab test and the browser test."""

import base64
import gzip
import json
import os
import re
from html.parser import HTMLParser

PACKED = re.compile(r'<script type="application/x-gzip-base64"( id="index")?>([^<]*)</script>')


def unpack(match):
    return gzip.decompress(base64.b64decode(match.group(2))).decode("utf-8")


def inflated(html):
    """The page as the browser shows it: packed diagrams inflated in place, the index left out."""
    return PACKED.sub(lambda m: "" if m.group(1) else unpack(m), html)


def search_index(html):
    return json.loads([unpack(m) for m in PACKED.finditer(html) if m.group(1)][0])


class SvgGraph(HTMLParser):
    """Nodes (title -> (DOM id, kind class)) and edges (title pairs) of every inline SVG, per host section."""

    def __init__(self):
        super().__init__()
        self.sections = {}
        self.section = None
        self.group = None
        self.in_title = False
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name) and not attrs[name].startswith("#"):
                self.external.append(attrs[name])
        if tag == "section":
            self.section = self.sections.setdefault(attrs["id"], {"nodes": {}, "edges": set(), "text": ""})
        elif tag == "g" and attrs.get("class", "").split()[:1] in (["node"], ["edge"]):
            self.group = (attrs["class"].split(), attrs["id"])
        elif tag == "title" and self.group:
            self.in_title = True

    def handle_endtag(self, tag):
        self.in_title = False

    def handle_data(self, data):
        if self.section is not None:
            self.section["text"] += data
        if not self.in_title:
            return
        classes, dom_id = self.group
        if classes[0] == "node":
            self.section["nodes"][data.split("\n")[0]] = (dom_id, [c for c in classes if c.startswith("k-")][0][2:])
        else:
            self.section["edges"].add(tuple(data.split("->")))
        self.group = None


def parse_report(folder):
    """(fleet.json, sections by id) of a report folder."""
    with open(os.path.join(folder, "fleet.json")) as handle:
        data = json.load(handle)
    with open(os.path.join(folder, "index.html")) as handle:
        parser = SvgGraph()
        parser.feed(inflated(handle.read()))
    return data, parser.sections
