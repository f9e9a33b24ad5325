# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ifupdown_interfaces item read into its model object: its keys, its addresses and methods, what its kind
adds (bond members, bridge ports and VLANs, the VLAN's raw device, the OVS bridge and options), and the older role's
parameters, typed where they name a known setting. What holds across items is checked in ifupdown_members.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_addresses import (
    gateway,
    read_addresses,
    read_routes,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_fields import (
    COMMON_KEYS,
    METHODS,
    METHODS6,
    OVS_OPTION_KEYS,
    OVS_PORT_TYPES,
    PARAMETER_KEYS,
    TYPED,
    ifnames,
    one_line,
    one_or_list,
    setting,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    HOOK_KEYWORDS,
    KIND_OPTIONS,
    START_MODES,
    Bond,
    Bridge,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    Vlan,
    raw_device_from_name,
    vlan_id_from_name,
)

VIDS_RE = re.compile(r"^(\d+)(?:-(\d+))?$")
MTU_LOW, MTU_HIGH = 68, 65535
# A comment may run over several lines (each becomes a `#` line) but, as all text, holds no NUL, control character
# or lone surrogate (undecodable bytes), which could not be written to the file.
COMMENT = checks.text(re.compile(r"^[^\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]+$"), what="a comment")


def read_item(section, index, spec, cls, extra_keys):
    """The model object of entry `index` of `section`, read against the common keys and `extra_keys`."""
    return _Builder(section, index, spec, cls, extra_keys).build()


class _Builder:
    def __init__(self, section, index, spec, cls, extra_keys):
        self.path = at(section, index)
        self.spec = spec
        self.cls = cls
        self.values = {}
        self.known = COMMON_KEYS + extra_keys

    def set(self, attr, value, path):
        if attr in self.values and self.values[attr] is not None:
            raise InputError(
                path,
                "sets %s, which is already set on this item" % attr,
                "give each setting once, either as a key or in parameters",
            )
        self.values[attr] = value

    def build(self):
        spec, path = self.spec, self.path
        unknown = sorted(set(spec) - set(self.known))
        if unknown:
            raise InputError(
                at(path, unknown[0]), "is not a known key", "known keys: %s" % ", ".join(sorted(self.known))
            )
        if spec.get("name") is None:
            raise InputError(at(path, "name"), "is required")
        name = checks.ifname(spec["name"], at(path, "name"))
        self.values["name"] = name
        for key in self.known:
            if key in TYPED and spec.get(key) is not None:
                attr, checker = TYPED[key]
                self.set(attr, checker(spec[key], at(path, key)), at(path, key))
        self._common()
        self._parameters()
        if self.cls is OvsIntPort:
            port_type = checks.choice(*OVS_PORT_TYPES)(setting(spec, "type", "OVSIntPort"), at(path, "type"))
            self.cls = OVS_PORT_TYPES[port_type]
        return self.cls(**self.values)

    def _common(self):
        spec, path, values = self.spec, self.path, self.values
        addresses = read_addresses(spec, path)
        v4 = [(a, p) for a, p in addresses if ipaddress.ip_interface(a).version == 4]
        v6 = [(a, p) for a, p in addresses if ipaddress.ip_interface(a).version == 6]
        method = checks.choice(*METHODS)(spec.get("method") or ("static" if v4 else "manual"), at(path, "method"))
        default6 = "static" if v6 or spec.get("gateway6") else None
        method6 = spec.get("method6") or default6
        if method6 is not None:
            checks.choice(*METHODS6)(method6, at(path, "method6"))
        if method == "static" and not v4:
            raise InputError(
                at(path, "method"),
                "is static but no IPv4 address is given",
                "add address (with netmask) or addresses, or use method manual or dhcp",
            )
        if v4 and method != "static":
            raise InputError(v4[0][1], "an IPv4 address needs method static (method is %s)" % method)
        if v6 and method6 != "static":
            raise InputError(v6[0][1], "an IPv6 address needs method6 static (method6 is %s)" % method6)
        values.update(method=method, method6=method6, addresses=[a for a, _path in addresses])
        if spec.get("gateway") not in (None, ""):
            if method != "static":
                raise InputError(at(path, "gateway"), "needs method static (method is %s)" % method)
            values["gateway"] = gateway(4)(spec["gateway"], at(path, "gateway"))
        if spec.get("gateway6") not in (None, ""):
            values["gateway6"] = gateway(6)(spec["gateway6"], at(path, "gateway6"))
        values["routes"] = read_routes(spec, path)
        for route in values["routes"]:
            if route.family == "inet6" and not method6:
                raise InputError(at(path, "routes"), "an IPv6 route needs an inet6 stanza", "set method6")
        values["start"] = checks.choice(*START_MODES)(setting(spec, "start", "auto"), at(path, "start"))
        if spec.get("mtu") is not None:
            values["mtu"] = checks.integer(MTU_LOW, MTU_HIGH)(spec["mtu"], at(path, "mtu"))
        if spec.get("hwaddress") is not None:
            values["hwaddress"] = checks.mac(spec["hwaddress"], at(path, "hwaddress"))
        servers = spec.get("dns_nameservers")
        servers = servers.split() if isinstance(servers, str) else checks.listing(servers, at(path, "dns_nameservers"))
        values["dns_nameservers"] = [checks.ip()(s, at(at(path, "dns_nameservers"), i)) for i, s in enumerate(servers)]
        search = spec.get("dns_search")
        search = search.split() if isinstance(search, str) else checks.listing(search, at(path, "dns_search"))
        values["dns_search"] = [one_line(s, at(at(path, "dns_search"), i)) for i, s in enumerate(search)]
        values["hooks"] = []
        for keyword in HOOK_KEYWORDS:
            key = keyword.replace("-", "_")
            for i, command in enumerate(one_or_list(spec.get(key), at(path, key))):
                values["hooks"].append((keyword, one_line(command, at(at(path, key), i))))
        comment = spec.get("comment")
        if isinstance(comment, str) and not comment.strip():
            comment = None
        if comment is not None:
            values["comment"] = COMMENT(comment, at(path, "comment")).strip()
        self._kind()

    def _kind(self):
        spec, path, values, cls = self.spec, self.path, self.values, self.cls
        if cls in (Bond, OvsBond):
            key = "slaves" if cls is Bond else "ports"
            values["slaves"] = ifnames(spec.get(key) or [], at(path, key))
        if cls in (Bridge, OvsBridge):
            values["ports"] = ifnames(spec.get("ports") or [], at(path, "ports"))
        if cls is Bridge:
            vids = spec.get("vids") or []
            vids = str(vids).split() if isinstance(vids, (str, int)) else checks.listing(vids, at(path, "vids"))
            values["vids"] = [self._vid(v, at(at(path, "vids"), i)) for i, v in enumerate(vids)]
        if cls is Vlan:
            self._vlan()
        if cls in (OvsBond, OvsIntPort):
            if spec.get("bridge") in (None, ""):
                raise InputError(at(path, "bridge"), "is required: name the OVS bridge this port belongs to")
            values["bridge"] = checks.ifname(spec["bridge"], at(path, "bridge"))
        if cls in (OvsBridge, OvsBond, OvsIntPort):
            values["ovs_options"] = []
            for i, entry in enumerate(checks.listing(spec.get("options"), at(path, "options"))):
                self._ovs_option(entry, at(at(path, "options"), i))
            extra = spec.get("ovs_extra") or []
            extra = [extra] if isinstance(extra, str) else checks.listing(extra, at(path, "ovs_extra"))
            values["ovs_extra"] = [one_line(e, at(at(path, "ovs_extra"), i)) for i, e in enumerate(extra)]

    @staticmethod
    def _vid(value, path):
        match = VIDS_RE.match(str(value))
        low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or not checks.VLAN_LOW <= low <= high <= checks.VLAN_HIGH:
            raise InputError(
                path,
                "must be a VLAN id or range within %d-%d such as 10 or 20-30 (got %r)"
                % (checks.VLAN_LOW, checks.VLAN_HIGH, value),
            )
        return str(value)

    def _vlan(self):
        spec, path, name = self.spec, self.path, self.values["name"]
        vid = vlan_id_from_name(name)
        if vid is None:
            raise InputError(
                at(path, "name"),
                "%r is not a VLAN name the vlan package understands" % name,
                "name it RAW.ID (eth0.100) or vlanID (vlan100)",
            )
        if not checks.VLAN_LOW <= vid <= checks.VLAN_HIGH:
            raise InputError(
                at(path, "name"),
                "%r encodes VLAN %d; a VLAN id is from %d to %d" % (name, vid, checks.VLAN_LOW, checks.VLAN_HIGH),
            )
        if spec.get("vlan_id") is not None and checks.vlan_id(spec["vlan_id"], at(path, "vlan_id")) != vid:
            raise InputError(
                at(path, "vlan_id"), "is %s but the name %r encodes VLAN %d" % (spec["vlan_id"], name, vid)
            )
        raw = raw_device_from_name(name)
        device = spec.get("vlan_device")
        if device is None and raw is None:
            raise InputError(at(path, "vlan_device"), "is required for a vlanID name such as %r" % name)
        device = checks.ifname(device, at(path, "vlan_device")) if device is not None else raw
        if raw is not None and device != raw:
            raise InputError(at(path, "vlan_device"), "is %r but the name %r says %r" % (device, name, raw))
        self.values["raw_device"] = device

    def _ovs_option(self, entry, path):
        entry = checks.Fields(entry, path, OVS_OPTION_KEYS)
        opt = entry.get("opt", one_line, required=True)
        val = checks.word(entry.raw("val"), at(path, "val")).strip()
        if " " in opt + val:
            raise InputError(path, "ovs_options entries cannot contain spaces (got %r=%r)" % (opt, val))
        if opt in TYPED and opt in self.known:
            attr, checker = TYPED[opt]
            self.set(attr, checker(val, at(path, "val")), path)
        else:
            self.values["ovs_options"].append("%s=%s" % (opt, val))

    def _parameters(self):
        """parameters: [{param, val}] becomes one `param val` line; known settings are typed."""
        path = at(self.path, "parameters")
        typed = dict((key, (attr, codec)) for attr, key, codec in KIND_OPTIONS[self.cls])
        for i, entry in enumerate(checks.listing(self.spec.get("parameters"), path)):
            where = at(path, i)
            entry = checks.Fields(entry, where, PARAMETER_KEYS)
            line = entry.get("param", one_line, required=True)
            if entry.raw("val") not in (None, ""):
                line = "%s %s" % (line, entry.get("val", checks.word).strip())
            words = line.split(None, 1)
            if len(words) < 2:
                raise InputError(at(where, "val"), "is required: %r needs a value" % words[0])
            key = words[0].lower().replace("_", "-")
            short = "bond-" + key if self.cls is Bond else key
            if key in HOOK_KEYWORDS:
                self.values["hooks"].append((key, words[1]))
            elif key in typed or short in typed:
                attr, codec = typed.get(key) or typed[short]
                self.set(attr, _typed_parameter(attr, codec, words[1], at(where, "val")), where)
            elif key in ("address", "netmask", "gateway", "mtu", "hwaddress", "dns-nameservers", "dns-search"):
                raise InputError(
                    at(where, "param"),
                    "%r has its own key" % words[0],
                    "set %s on the item instead" % key.replace("-", "_"),
                )
            else:
                self.values.setdefault("options", []).append((words[0], words[1]))


def _typed_parameter(attr, codec, text, path):
    if codec in ("list", "list-none"):
        return ifnames(text, path)
    checker = dict(TYPED.values()).get(attr)
    return (checker or checks.ifname)(text, path)
