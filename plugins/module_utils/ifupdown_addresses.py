# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ifupdown_interfaces item's addresses, gateways and routes read from the input, and the one default gateway
per address family across all items."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_fields import ROUTE_KEYS, one_or_list
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_model import Route

METRIC_HIGH = 2**32 - 1


def gateway(version):
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


def read_addresses(spec, path):
    """Addresses in CIDR form from `address` (+ `netmask`/`netmask_cidr`) and `addresses`, each with its path."""
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
    for i, entry in enumerate(one_or_list(spec.get("addresses"), at(path, "addresses"))):
        found.append((_cidr(entry, at(at(path, "addresses"), i)), at(at(path, "addresses"), i)))
    seen = set()
    for cidr, where in found:
        if cidr in seen:
            raise InputError(where, "%s is given twice" % cidr)
        seen.add(cidr)
    return found


def read_routes(spec, path):
    found = []
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
        found.append(Route(str(network), via, entry.get("metric", checks.integer(0, METRIC_HIGH))))
    return found


def check_gateways(items, paths):
    """One default gateway per address family: a gateway key or a default route, on any item."""
    seen = {}
    for item in items:
        path = paths[item.name]
        found = [(4, item.gateway, at(path, "gateway")), (6, item.gateway6, at(path, "gateway6"))]
        found += [
            (ipaddress.ip_network(r.to).version, r.via, at(path, "routes"))
            for r in item.routes
            if ipaddress.ip_network(r.to).prefixlen == 0
        ]
        for version, address, where in found:
            if address is None:
                continue
            if version in seen:
                raise InputError(
                    where,
                    "a default IPv%d gateway is already set at %s" % (version, seen[version]),
                    "keep one default gateway per address family; use routes for the others",
                )
            seen[version] = where
