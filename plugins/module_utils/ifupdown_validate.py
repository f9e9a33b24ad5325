# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks the whole desired network configuration (in the shape of the older
ansible-config-interfaces role) and turns it into model objects. Nothing on the host is
read or changed here: the host's interface names are passed in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from dataclasses import dataclass, field

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import (
    HOOK_KEYWORDS,
    KIND_OPTIONS,
    START_MODES,
    Bond,
    Bridge,
    Interface,
    OvsBond,
    OvsBridge,
    OvsIntPort,
    OvsPort,
    Route,
    Vlan,
    raw_device_from_name,
    vlan_id_from_name,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_plan import (
    dependency_map,
    find_cycle,
    lower_first,
)

COMMON_KEYS = (
    "name",
    "configure",
    "enable",
    "comment",
    "method",
    "method6",
    "start",
    "address",
    "netmask",
    "netmask_cidr",
    "network",
    "addresses",
    "gateway",
    "gateway6",
    "routes",
    "mtu",
    "hwaddress",
    "dns_nameservers",
    "dns_search",
    "pre_up",
    "up",
    "post_up",
    "pre_down",
    "down",
    "post_down",
    "parameters",
)
SECTIONS = (
    ("network_interfaces", Interface, ("bond_master",)),
    (
        "network_bonds",
        Bond,
        ("slaves", "primary", "mode", "miimon", "lacp_rate", "xmit_hash_policy", "updelay", "downdelay"),
    ),
    ("network_bridges", Bridge, ("ports", "stp", "fd", "maxwait", "vlan_aware", "vids")),
    ("network_vlans", Vlan, ("vlan_device", "vlan_id")),
    ("ovs_bridges", OvsBridge, ("ports", "options", "ovs_extra")),
    ("ovs_bonds", OvsBond, ("bridge", "ports", "bond_mode", "lacp", "options", "ovs_extra")),
    ("ovs_interfaces", OvsIntPort, ("bridge", "type", "tag", "options", "ovs_extra")),
)
# The keys of a routes, parameters and options entry.
ROUTE_KEYS, PARAMETER_KEYS, OVS_OPTION_KEYS = ("to", "via", "metric"), ("param", "val"), ("opt", "val")
METHODS = ("manual", "static", "dhcp", "loopback")
METHODS6 = ("manual", "static", "dhcp", "auto")
BOND_MODES = (
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
)
XMIT_HASH_POLICIES = ("layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4", "vlan+srcmac")
LACP_RATES = ("slow", "fast", "0", "1")
OVS_PORT_TYPES = {"OVSIntPort": OvsIntPort, "OVSPort": OvsPort}
VIDS_RE = re.compile(r"^(\d+)(?:-(\d+))?$")
COUNT_HIGH = 2**31 - 1
METRIC_HIGH = 2**32 - 1
MTU_LOW, MTU_HIGH = 68, 65535
# One interfaces(5) line (a hook command, a search domain, an option): ifupdown strips it when it reads it back.
LINE = checks.text(hint="give one line, without newlines or control characters")


def _line(value, path):
    return LINE(value, path).strip()


def _numbered(*choices):
    """bonding(5) numbers its modes and LACP rates too (mode 4 is 802.3ad); YAML reads an unquoted 4 as a number."""
    check = checks.choice(*choices)

    def read(value, path):
        return check(str(value) if isinstance(value, int) and not isinstance(value, bool) else value, path)

    read.choices = check.choices
    return read


_count = checks.integer(0, COUNT_HIGH)
# Input keys whose value becomes one typed model attribute: key -> (attribute, checker).
TYPED = {
    "bond_master": ("bond_master", checks.ifname),
    "primary": ("primary", checks.ifname),
    "mode": ("mode", _numbered(*BOND_MODES)),
    "miimon": ("miimon", _count),
    "lacp_rate": ("lacp_rate", _numbered(*LACP_RATES)),
    "xmit_hash_policy": ("xmit_hash_policy", checks.choice(*XMIT_HASH_POLICIES)),
    "updelay": ("updelay", _count),
    "downdelay": ("downdelay", _count),
    "stp": ("stp", checks.boolean),
    "fd": ("fd", _count),
    "maxwait": ("maxwait", _count),
    "vlan_aware": ("vlan_aware", checks.boolean),
    "bond_mode": ("bond_mode", checks.choice(*checks.BOND_MODES_OVS)),
    "lacp": ("lacp", checks.choice(*checks.LACP_MODES_OVS)),
    "tag": ("tag", checks.vlan_id),
}


@dataclass
class Desired:
    """Validated items in dependency order, the names never to bounce, and where each came from."""

    items: list[Interface] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)
    paths: dict = field(default_factory=dict)


def _get(spec, key, default):
    """Ansible passes unset suboptions as None; treat that like a missing key."""
    value = spec.get(key)
    return default if value is None else value


def _gateway(version):
    """An IP address of one family; the other family has its own key."""

    def check(value, path):
        address = checks.ip()(value, path)
        if ipaddress.ip_address(address).version != version:
            hint = "use gateway6 for IPv6" if version == 4 else "use gateway for IPv4"
            checks.fail(path, "must be an IPv%d address (got %r)" % (version, value), hint)
        return address

    return check


def _cidr(value, path):
    if "/" not in checks.text(what="an address with a prefix length")(value, path):
        raise InputError(path, "must be an address with a prefix length such as 192.0.2.10/24 (got %r)" % (value,))
    try:
        return str(ipaddress.ip_interface(value))
    except ValueError:
        raise InputError(path, "must be an address with a valid prefix such as 192.0.2.10/24 (got %r)" % (value,))


def _ifnames(value, path):
    """A list of interface names; a space-separated string (older role shape) also works."""
    if isinstance(value, str):
        value = value.split()
    names = checks.list_of(checks.ifname)(value, path)
    for i, name in enumerate(names):
        if name in names[:i]:
            raise InputError(at(path, i), "%r is listed twice" % name)
    return names


def _one_or_list(value, path):
    """A hook command or an address given alone stands for a list of one, as Ansible's list type made it."""
    return [value] if isinstance(value, str) else checks.listing(value, path)


def _addresses(spec, path):
    """Addresses in CIDR form from `address` (+ `netmask`/`netmask_cidr`) and `addresses`."""
    found = []
    address = spec.get("address")
    if address not in (None, ""):
        mask = spec.get("netmask_cidr") if spec.get("netmask_cidr") not in (None, "") else spec.get("netmask")
        if isinstance(address, str) and "/" not in address and mask not in (None, ""):
            checks.ip()(address, at(path, "address"))
            try:
                address = str(ipaddress.ip_interface("%s/%s" % (address, mask)))
            except ValueError:
                raise InputError(
                    at(path, "netmask"),
                    "%r is not a valid netmask for %r" % (mask, address),
                    "use 255.255.255.0 or a prefix length such as 24",
                )
        found.append((_cidr(address, at(path, "address")), at(path, "address")))
    for i, entry in enumerate(_one_or_list(spec.get("addresses"), at(path, "addresses"))):
        found.append((_cidr(entry, at(at(path, "addresses"), i)), at(at(path, "addresses"), i)))
    seen = set()
    for cidr, where in found:
        if cidr in seen:
            raise InputError(where, "%s is given twice" % cidr)
        seen.add(cidr)
    return found


def _routes(spec, path):
    routes = []
    for i, entry in enumerate(checks.listing(spec.get("routes"), at(path, "routes"))):
        entry = checks.Fields(entry, at(at(path, "routes"), i), ROUTE_KEYS)
        via = entry.get("via", checks.ip(), required=True)
        version = ipaddress.ip_address(via).version
        to = entry.get("to", required=True)
        where = entry.path
        if to == "default":
            to = "0.0.0.0/0" if version == 4 else "::/0"
        try:
            network = ipaddress.ip_network(to if isinstance(to, str) else "", strict=True)
        except ValueError:
            raise InputError(
                at(where, "to"),
                "must be a network such as 10.1.0.0/16 or 'default' (got %r)" % (to,),
                "host bits must be zero",
            )
        if network.version != version:
            raise InputError(
                at(where, "via"), "is IPv%d but the destination %s is IPv%d" % (version, to, network.version)
            )
        routes.append(Route(str(network), via, entry.get("metric", checks.integer(0, METRIC_HIGH))))
    return routes


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
            port_type = checks.choice(*OVS_PORT_TYPES)(_get(spec, "type", "OVSIntPort"), at(path, "type"))
            self.cls = OVS_PORT_TYPES[port_type]
        return self.cls(**self.values)

    def _common(self):
        spec, path, values = self.spec, self.path, self.values
        addresses = _addresses(spec, path)
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
            values["gateway"] = _gateway(4)(spec["gateway"], at(path, "gateway"))
        if spec.get("gateway6") not in (None, ""):
            values["gateway6"] = _gateway(6)(spec["gateway6"], at(path, "gateway6"))
        values["routes"] = _routes(spec, path)
        for route in values["routes"]:
            if route.family == "inet6" and not method6:
                raise InputError(at(path, "routes"), "an IPv6 route needs an inet6 stanza", "set method6")
        values["start"] = checks.choice(*START_MODES)(_get(spec, "start", "auto"), at(path, "start"))
        if spec.get("mtu") is not None:
            values["mtu"] = checks.integer(MTU_LOW, MTU_HIGH)(spec["mtu"], at(path, "mtu"))
        if spec.get("hwaddress") is not None:
            values["hwaddress"] = checks.mac(spec["hwaddress"], at(path, "hwaddress"))
        servers = spec.get("dns_nameservers")
        servers = servers.split() if isinstance(servers, str) else checks.listing(servers, at(path, "dns_nameservers"))
        values["dns_nameservers"] = [checks.ip()(s, at(at(path, "dns_nameservers"), i)) for i, s in enumerate(servers)]
        search = spec.get("dns_search")
        search = search.split() if isinstance(search, str) else checks.listing(search, at(path, "dns_search"))
        values["dns_search"] = [_line(s, at(at(path, "dns_search"), i)) for i, s in enumerate(search)]
        values["hooks"] = []
        for keyword in HOOK_KEYWORDS:
            key = keyword.replace("-", "_")
            for i, command in enumerate(_one_or_list(spec.get(key), at(path, key))):
                values["hooks"].append((keyword, _line(command, at(at(path, key), i))))
        if spec.get("comment") is not None:
            if not isinstance(spec["comment"], str):
                checks.plain_text(spec["comment"], at(path, "comment"))
            values["comment"] = spec["comment"].strip() or None
        self._kind()

    def _kind(self):
        spec, path, values, cls = self.spec, self.path, self.values, self.cls
        if cls in (Bond, OvsBond):
            key = "slaves" if cls is Bond else "ports"
            values["slaves"] = _ifnames(spec.get(key) or [], at(path, key))
        if cls in (Bridge, OvsBridge):
            values["ports"] = _ifnames(spec.get("ports") or [], at(path, "ports"))
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
            values["ovs_extra"] = [_line(e, at(at(path, "ovs_extra"), i)) for i, e in enumerate(extra)]

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
        opt = entry.get("opt", _line, required=True)
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
            line = entry.get("param", _line, required=True)
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
        return _ifnames(text, path)
    checker = dict(TYPED.values()).get(attr)
    return (checker or checks.ifname)(text, path)


def build_desired(config, host_interfaces):
    """Validate every section of `config` and return a Desired. Raises InputError naming the
    first wrong field; no partial result is ever returned."""
    desired = Desired()
    host = set(host_interfaces)
    for section, cls, extra in SECTIONS:
        entries = checks.listing(config.get(section), section)
        for index, spec in enumerate(entries):
            if not isinstance(spec, dict):
                raise InputError(at(section, index), "must be a dict with at least a name (got %r)" % (spec,))
            if not checks.boolean(_get(spec, "configure", True), at(at(section, index), "configure")):
                continue
            item = _Builder(section, index, spec, cls, extra).build()
            path = at(section, index)
            if item.name in desired.paths:
                raise InputError(
                    at(path, "name"), "%r is already declared at %s" % (item.name, desired.paths[item.name])
                )
            desired.paths[item.name] = path
            desired.items.append(item)
            if not checks.boolean(_get(spec, "enable", True), at(path, "enable")):
                desired.frozen.append(item.name)
    _cross_check(desired, host)
    _primary_on_members(desired)
    deps = dependency_map(desired.items)
    cycle = find_cycle(deps)
    if cycle:
        raise InputError(
            desired.paths[cycle[0]],
            "dependency cycle: %s" % " -> ".join(reversed(cycle)),
            "a device cannot sit on top of itself",
        )
    order = lower_first([i.name for i in desired.items], deps)
    by_name = dict((i.name, i) for i in desired.items)
    desired.items = [by_name[n] for n in order]
    return desired


def _primary_on_members(desired):
    """ifenslave applies bond-primary when a member is enslaved, reading the member's own stanza:
    members declared with bond_master repeat their bond's primary."""
    primaries = dict((i.name, i.primary) for i in desired.items if isinstance(i, Bond) and i.primary)
    for item in desired.items:
        primary = primaries.get(item.bond_master)
        if primary and ("bond-primary", primary) not in item.options:
            item.options.append(("bond-primary", primary))


def _member_refs(desired):
    """(member name, master name, input path, whether it must be an OVS port stanza)."""
    for item in desired.items:
        path = desired.paths[item.name]
        if isinstance(item, (Bond, OvsBond)):
            key = "slaves" if isinstance(item, Bond) else "ports"
            for i, member in enumerate(item.slaves):
                yield member, item.name, at(at(path, key), i), False
        if isinstance(item, (Bridge, OvsBridge)):
            for i, member in enumerate(item.ports):
                yield member, item.name, at(at(path, "ports"), i), isinstance(item, OvsBridge)
        if item.bond_master:
            yield item.name, item.bond_master, at(path, "bond_master"), False


def _cross_check(desired, host):
    by_name = dict((i.name, i) for i in desired.items)
    for item in desired.items:
        if item.bond_master and not isinstance(by_name.get(item.bond_master), Bond):
            raise InputError(
                at(desired.paths[item.name], "bond_master"), "%r is not declared in network_bonds" % item.bond_master
            )
    owners = {}
    for member, master, path, ovs_port in _member_refs(desired):
        if member not in host and member not in by_name:
            raise InputError(
                path,
                "%r is neither an interface on the host nor declared" % member,
                "host interfaces: %s" % (", ".join(sorted(host)) or "none"),
            )
        if ovs_port and not isinstance(by_name.get(member), (OvsBond, OvsIntPort)):
            raise InputError(
                path,
                "%r must be declared in ovs_bonds or ovs_interfaces" % member,
                "declare a physical NIC in ovs_interfaces with type OVSPort",
            )
        if owners.get(member, (master,))[0] != master:
            raise InputError(
                path,
                "%r is already a member of %s (%s)" % (member, owners[member][0], owners[member][1]),
                "an interface can belong to one bond or bridge only",
            )
        owners.setdefault(member, (master, path))
    _check_masters(desired, by_name, owners, host)
    _check_gateways(desired)


def _check_masters(desired, by_name, owners, host):
    for item in desired.items:
        path = desired.paths[item.name]
        if isinstance(item, Bond):
            members = [m for m, (master, _path) in owners.items() if master == item.name]
            if not members:
                raise InputError(
                    at(path, "slaves"),
                    "bond %r has no members" % item.name,
                    "list slaves, or set bond_master on its interfaces",
                )
            if item.primary and item.primary not in members:
                raise InputError(at(path, "primary"), "%r is not a member of %s" % (item.primary, item.name))
        if isinstance(item, Bridge) and item.vids and not item.vlan_aware:
            raise InputError(at(path, "vids"), "needs vlan_aware: true")
        if isinstance(item, OvsBond) and len(item.slaves) < 2:
            raise InputError(at(path, "ports"), "an OVS bond needs at least two member interfaces")
        if isinstance(item, Vlan) and item.raw_device not in by_name and item.raw_device not in host:
            raise InputError(
                at(path, "vlan_device"),
                "%r is neither an interface on the host nor declared" % item.raw_device,
                "host interfaces: %s" % (", ".join(sorted(host)) or "none"),
            )
        if isinstance(item, (OvsBond, OvsIntPort)):
            bridge = by_name.get(item.bridge)
            if not isinstance(bridge, OvsBridge):
                raise InputError(at(path, "bridge"), "%r is not declared in ovs_bridges" % item.bridge)
            if item.name not in bridge.ports:
                raise InputError(
                    at(path, "bridge"),
                    "%s does not list %r in its ports" % (item.bridge, item.name),
                    "add it to %s.ports" % desired.paths[item.bridge],
                )


def _check_gateways(desired):
    seen = {}
    for item in desired.items:
        path = desired.paths[item.name]
        found = [(4, item.gateway, at(path, "gateway")), (6, item.gateway6, at(path, "gateway6"))]
        found += [
            (ipaddress.ip_network(r.to).version, r.via, at(path, "routes"))
            for r in item.routes
            if ipaddress.ip_network(r.to).prefixlen == 0
        ]
        for version, gateway, where in found:
            if gateway is None:
                continue
            if version in seen:
                raise InputError(
                    where,
                    "a default IPv%d gateway is already set at %s" % (version, seen[version]),
                    "keep one default gateway per address family; use routes for the others",
                )
            seen[version] = where
