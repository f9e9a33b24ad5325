# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lossless parser of interfaces(5) files: every physical line is kept in a block, so
Document.text() returns the input byte for byte; stanzas are also read into model objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    HOOK_KEYWORDS,
    KIND_OPTIONS,
    OVS_KINDS,
    OVS_OPTION_FIELDS,
    Bond,
    Bridge,
    Interface,
    Route,
    Vlan,
)

TOP_KEYWORDS = ("iface", "mapping", "source", "source-directory", "rename", "no-auto-down", "no-scripts")
ROUTE_RE = re.compile(r"^ip(?: -6)? route add (\S+) via (\S+)(?: metric (\d+))?$")


@dataclass
class Stanza:
    name: str
    family: str
    method: str
    options: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Block:
    """kind: 'raw' (comments, blank lines, source lines, anything unmanaged), 'start' (an auto or
    allow- line not attached to one stanza) or 'group' (comment, start lines and stanzas of one name)."""

    kind: str
    lines: list[str] = field(default_factory=list)
    name: Optional[str] = None
    keyword: Optional[str] = None
    names: list[str] = field(default_factory=list)
    stanzas: list[Stanza] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)


class Document:
    def __init__(self, blocks):
        self.blocks = blocks

    def text(self):
        return "".join(line for block in self.blocks for line in block.lines)

    def names(self):
        return list(dict.fromkeys(b.name for b in self.blocks if b.kind == "group"))

    def start_modes(self):
        """Interface name -> 'auto' or 'hotplug', from every start line in the file."""
        modes = {}
        for block in self.blocks:
            pairs = [(k, [block.name]) for k in block.starts] if block.kind == "group" else []
            if block.kind == "start":
                pairs.append((block.keyword, block.names))
            for keyword, names in pairs:
                for name in names:
                    if keyword == "auto" or (keyword == "allow-hotplug" and name not in modes):
                        modes[name] = "auto" if keyword == "auto" else "hotplug"
        return modes

    def sources(self):
        """(keyword, argument) of each source / source-directory line."""
        found = []
        for block in self.blocks:
            for line in block.lines:
                words = line.split(None, 1)
                if block.kind == "raw" and len(words) == 2 and words[0] in ("source", "source-directory"):
                    found.append((words[0], words[1].strip()))
        return found

    def items(self):
        """One model object per name; stanzas of a name spread over the file are read together."""
        modes = self.start_modes()
        groups = {}
        for block in self.blocks:
            if block.kind == "group":
                groups.setdefault(block.name, []).append(block)
        return [
            group_to_item(found[0], [s for g in found for s in g.stanzas], modes.get(name, "none"))
            for name, found in groups.items()
        ]


def _logical_lines(text):
    """(words, physical lines, text) per logical line; a trailing backslash continues a line."""
    physical = text.splitlines(True)
    result, i = [], 0
    while i < len(physical):
        chunk = [physical[i]]
        while chunk[-1].rstrip("\r\n").endswith("\\") and i + 1 < len(physical):
            i += 1
            chunk.append(physical[i])
        joined = " ".join(p.rstrip("\r\n").rstrip("\\") for p in chunk)
        result.append((joined.split(), chunk, joined.strip()))
        i += 1
    return result


def _classify(words):
    if not words:
        return "blank"
    if words[0].startswith("#"):
        return "comment"
    if words[0] == "auto" or words[0].startswith("allow-"):
        return "start"
    if words[0] in TOP_KEYWORDS:
        return words[0] if words[0] in ("iface", "mapping") else "keyword"
    return "option"


def _elements(text):
    """Blocks before grouping: raw lines, start lines, and iface stanzas with their options."""
    elements = []
    for words, chunk, joined in _logical_lines(text):
        cls = _classify(words)
        current = elements[-1] if elements else None
        if cls in ("option", "blank", "comment") and current is not None and current.kind in ("iface", "mapping"):
            current.lines.extend(chunk)
            if cls == "option" and current.kind == "iface":
                value = joined.split(None, 1)[1] if len(words) > 1 else ""
                current.stanzas[0].options.append((words[0], value))
            continue
        _peel(elements)
        if cls == "iface" and len(words) >= 4:
            elements.append(Block("iface", list(chunk), words[1], stanzas=[Stanza(words[1], words[2], words[3])]))
        elif cls == "mapping":
            elements.append(Block("mapping", list(chunk)))
        elif cls == "start" and len(words) >= 2:
            elements.append(Block("start", list(chunk), keyword=words[0], names=words[1:]))
        else:
            elements.append(Block("raw", list(chunk)))
    _peel(elements)
    return elements


def _peel(elements):
    """Move blank and comment lines trailing a stanza out of it, so they stay unmanaged."""
    if not elements or elements[-1].kind not in ("iface", "mapping"):
        return
    block = elements[-1]
    tail = []
    while len(block.lines) > 1 and _classify(block.lines[-1].split()) in ("blank", "comment"):
        tail.insert(0, block.lines.pop())
    if block.kind == "mapping":
        block.kind = "raw"
    elements.extend(Block("raw", [line]) for line in tail)


def parse(text):
    """Document whose text() is exactly `text`."""
    blocks = []
    for element in _elements(text):
        if element.kind != "iface":
            blocks.append(element)
            continue
        previous = blocks[-1] if blocks else None
        if previous is not None and previous.kind == "group" and previous.name == element.name:
            previous.lines.extend(element.lines)
            previous.stanzas.extend(element.stanzas)
            continue
        group = Block("group", [], element.name, stanzas=list(element.stanzas))
        # Single-name start lines and a comment directly above the stanza belong to it.
        while blocks and blocks[-1].kind == "start" and blocks[-1].names == [element.name]:
            start = blocks.pop()
            group.starts.insert(0, start.keyword)
            group.lines[0:0] = start.lines
        while blocks and blocks[-1].kind == "raw" and _classify(blocks[-1].lines[0].split()) == "comment":
            group.lines[0:0] = blocks.pop().lines
        group.lines.extend(element.lines)
        blocks.append(group)
    return Document(blocks)


def _norm(key):
    return key.lower().replace("_", "-")


def _decode(codec, text):
    if codec in ("list", "list-none"):
        words = text.split()
        return [] if codec == "list-none" and words == ["none"] else words
    if codec == "int":
        return int(text)
    if codec in ("onoff", "yesno"):
        if text.lower() not in ("on", "off", "yes", "no", "true", "false", "1", "0"):
            raise ValueError(text)
        return text.lower() in ("on", "yes", "true", "1")
    return text


def _kind_of(stanza):
    keys = dict((_norm(k), v) for k, v in stanza.options)
    for cls in OVS_KINDS:
        if keys.get("ovs-type") == cls.ovs_type:
            return cls
    for key, cls in (("bond-slaves", Bond), ("bridge-ports", Bridge), ("vlan-raw-device", Vlan)):
        if key in keys:
            return cls
    return Interface


def _with_netmask(address, netmask):
    if "/" in address or not netmask:
        return address
    try:
        return str(ipaddress.ip_interface("%s/%s" % (address, netmask)))
    except ValueError:
        return address


def group_to_item(group, stanzas, start):
    """Model object of one name; options it cannot type stay in `options`."""
    inet = [s for s in stanzas if s.family == "inet"]
    inet6 = [s for s in stanzas if s.family == "inet6"]
    cls = _kind_of(inet[0] if inet else stanzas[0])
    values = {
        "name": group.name,
        "start": start,
        "method": inet[0].method if inet else None,
        "method6": inet6[0].method if inet6 else None,
        "addresses": [],
        "routes": [],
        "hooks": [],
        "options": [],
        "comment": _comment(group),
    }
    typed = dict((_norm(key), (attr, codec)) for attr, key, codec in KIND_OPTIONS[cls])
    ovs_typed = dict((key, (attr, codec)) for attr, key, codec in OVS_OPTION_FIELDS.get(cls, ()))
    for stanza in inet[:1] + inet6[:1]:
        netmask = dict((_norm(k), v) for k, v in stanza.options).get("netmask")
        for key, value in stanza.options:
            _read_option(cls, stanza.family, _norm(key), key, value, netmask, typed, ovs_typed, values)
    return cls(**values)


def _read_option(cls, family, norm, key, value, netmask, typed, ovs_typed, values):
    route = ROUTE_RE.match(value) if norm == "up" else None
    if norm == "address":
        values["addresses"].append(_with_netmask(value, netmask))
    elif norm == "netmask" and netmask:
        return
    elif norm == "gateway":
        values["gateway6" if family == "inet6" else "gateway"] = value
    elif route:
        values["routes"].append(Route(route.group(1), route.group(2), int(route.group(3)) if route.group(3) else None))
    elif family == "inet" and norm in ("dns-nameservers", "dns-search"):
        values[norm.replace("-", "_")] = value.split()
    elif family == "inet" and norm in ("mtu", "hwaddress") and (norm == "hwaddress" or value.isdigit()):
        values[norm] = int(value) if norm == "mtu" else value
    elif family == "inet" and norm == "ovs-type" and cls in OVS_KINDS:
        return
    elif family == "inet" and norm == "ovs-options" and cls in OVS_KINDS:
        values["ovs_options"] = []
        for token in value.split():
            name, _sep, text = token.partition("=")
            if name in ovs_typed and _try_set(values, ovs_typed[name], text):
                continue
            values["ovs_options"].append(token)
    elif family == "inet" and norm == "ovs-extra" and cls in OVS_KINDS:
        values["ovs_extra"] = [part.strip() for part in value.split(" -- ")]
    elif family == "inet" and norm in typed and _try_set(values, typed[norm], value):
        return
    elif norm in HOOK_KEYWORDS:
        values["hooks"].append((norm, value))
    else:
        values["options"].append((key, value))


def _try_set(values, spec, text):
    attr, codec = spec
    try:
        values[attr] = _decode(codec, text)
    except ValueError:
        return False
    return True


def _comment(group):
    lines = []
    for line in group.lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped[2:] if stripped.startswith("# ") else stripped[1:])
    return "\n".join(lines) if lines else None


def parse_items(text):
    return parse(text).items()
