# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic renderer: model objects -> interfaces(5) lines, built option by option."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    KIND_OPTIONS,
    OVS_OPTION_FIELDS,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    address_family,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_parse import parse

INDENT = "    "
KEEP = ("lo",)  # purge never removes the loopback stanza
HEADER = "# Managed by essentials.kvm (ifupdown_interfaces): stanzas declared there are rewritten on every run.\n"


def encode(codec, value):
    """Option text for a typed value, or None when the option is left out."""
    if codec in ("list", "list-none"):
        if value:
            return " ".join(value)
        return "none" if codec == "list-none" else None
    if value is None:
        return None
    if codec == "onoff":
        return "on" if value else "off"
    if codec == "yesno":
        return "yes" if value else "no"
    return str(value)


def _route_line(route):
    ip = "ip -6" if route.family == "inet6" else "ip"
    text = "up %s route add %s via %s" % (ip, route.to, route.via)
    return text if route.metric is None else "%s metric %d" % (text, route.metric)


def stanza_options(item, family):
    """(keyword, value) pairs of one `iface NAME FAMILY` stanza, in a fixed order."""
    opts = [("address", a) for a in item.addresses if address_family(a) == family]
    routes = [r for r in item.routes if r.family == family]
    if family == "inet6":
        if item.gateway6:
            opts.append(("gateway", item.gateway6))
        return opts + [tuple(_route_line(r).split(" ", 1)) for r in routes]
    if item.gateway:
        opts.append(("gateway", item.gateway))
    for attr, key in (("mtu", "mtu"), ("hwaddress", "hwaddress")):
        if getattr(item, attr) is not None:
            opts.append((key, str(getattr(item, attr))))
    for attr, key in (("dns_nameservers", "dns-nameservers"), ("dns_search", "dns-search")):
        if getattr(item, attr):
            opts.append((key, " ".join(getattr(item, attr))))
    if isinstance(item, (OvsBridge, OvsBond, OvsIntPort)):
        opts.append(("ovs_type", item.ovs_type))
    for attr, key, codec in KIND_OPTIONS[type(item)]:
        text = encode(codec, getattr(item, attr))
        if text is not None:
            opts.append((key, text))
    if type(item) in OVS_OPTION_FIELDS:
        tokens = [
            "%s=%s" % (key, encode(codec, getattr(item, attr)))
            for attr, key, codec in OVS_OPTION_FIELDS[type(item)]
            if getattr(item, attr) is not None
        ]
        tokens += item.ovs_options
        if tokens:
            opts.append(("ovs_options", " ".join(tokens)))
        if item.ovs_extra:
            opts.append(("ovs_extra", " -- ".join(item.ovs_extra)))
    opts.extend(item.options)
    opts.extend(tuple(_route_line(r).split(" ", 1)) for r in routes)
    opts.extend(item.hooks)
    return opts


def render_item(item):
    """Lines (each ending in a newline) of one item: comment, start lines and its stanzas."""
    lines = ["# %s\n" % text if text else "#\n" for text in (item.comment or "").splitlines()]
    if item.start == "auto":
        lines.append("auto %s\n" % item.name)
    elif item.start == "hotplug":
        lines.append("allow-hotplug %s\n" % item.name)
    # openvswitch-switch brings OVS stanzas up through these allow- classes.
    if isinstance(item, OvsBridge):
        lines.append("allow-ovs %s\n" % item.name)
    elif isinstance(item, (OvsBond, OvsIntPort)) and item.bridge:
        lines.append("allow-%s %s\n" % (item.bridge, item.name))
    families = (("inet", item.method), ("inet6", item.method6))
    for family, method in [(f, m) for f, m in families if m]:
        lines.append("iface %s %s %s\n" % (item.name, family, method))
        lines.extend("%s%s %s\n" % (INDENT, key, value) for key, value in stanza_options(item, family))
    return lines


def render_file(document, items, purge=False):
    """New text of a parsed file: declared items replace their stanzas in place (new ones are
    appended), everything else is kept byte for byte; purge drops undeclared stanzas except lo."""
    wanted = dict((item.name, item) for item in items)
    dropped = set(document.names()) - set(wanted) - set(KEEP) if purge else set()
    out, placed = [], set()
    for block in document.blocks:
        if block.kind == "group" and (block.name in wanted or block.name in dropped):
            if block.name in wanted and block.name not in placed:
                out.extend(render_item(wanted[block.name]))
                placed.add(block.name)
        elif block.kind == "start" and set(block.names) & (set(wanted) | dropped):
            # A shared `auto a b` line loses the names whose start lines are now rendered per item.
            rest = [n for n in block.names if n not in wanted and n not in dropped]
            if rest:
                out.append("%s %s\n" % (block.keyword, " ".join(rest)))
        else:
            out.extend(block.lines)
    if not document.blocks:
        out.append(HEADER)
    for item in items:
        if item.name in placed:
            continue
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if out and out[-1].strip():
            out.append("\n")
        out.extend(render_item(item))
    return "".join(out)


def render_items(items):
    """A fresh file holding exactly the given items."""
    return render_file(parse(""), items)
