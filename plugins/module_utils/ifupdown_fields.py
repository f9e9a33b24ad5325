# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an ifupdown_interfaces item may hold: the keys of each section and of its entries, their choices, the keys
that become one typed model attribute, and the small readers of values in the older role's shapes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks, ifupdown_model
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError, at

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
    ("network_interfaces", ifupdown_model.Interface, ("bond_master",)),
    (
        "network_bonds",
        ifupdown_model.Bond,
        ("slaves", "primary", "mode", "miimon", "lacp_rate", "xmit_hash_policy", "updelay", "downdelay"),
    ),
    ("network_bridges", ifupdown_model.Bridge, ("ports", "stp", "fd", "maxwait", "vlan_aware", "vids")),
    ("network_vlans", ifupdown_model.Vlan, ("vlan_device", "vlan_id")),
    ("ovs_bridges", ifupdown_model.OvsBridge, ("ports", "options", "ovs_extra")),
    ("ovs_bonds", ifupdown_model.OvsBond, ("bridge", "ports", "bond_mode", "lacp", "options", "ovs_extra")),
    ("ovs_interfaces", ifupdown_model.OvsIntPort, ("bridge", "type", "tag", "options", "ovs_extra")),
)
# The keys of a routes, parameters and options entry.
ROUTE_KEYS, PARAMETER_KEYS, OVS_OPTION_KEYS = ("to", "via", "metric"), ("param", "val"), ("opt", "val")
METHODS = ("manual", "static", "dhcp", "loopback")
METHODS6 = ("manual", "static", "dhcp", "auto")
# bonding(5) numbers the modes and LACP rates in this order: mode 4 is 802.3ad, LACP rate 1 is fast.
BOND_MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")
LACP_RATES = ("slow", "fast")
XMIT_HASH_POLICIES = ("layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4", "vlan+srcmac")
OVS_PORT_TYPES = {"OVSIntPort": ifupdown_model.OvsIntPort, "OVSPort": ifupdown_model.OvsPort}
COUNT_HIGH = 2**31 - 1
# One interfaces(5) line (a hook command, a search domain, an option): ifupdown strips it when it reads it back.
LINE = checks.text(hint="give one line, without newlines or control characters")


def one_line(value, path):
    return LINE(value, path).strip()


def numbered(*names):
    """A choice of names or their numbers as bonding(5) counts them; YAML reads an unquoted 4 as a number."""
    check = checks.choice(*(names + tuple(str(number) for number in range(len(names)))))

    def read(value, path):
        return check(str(value) if isinstance(value, int) and not isinstance(value, bool) else value, path)

    read.choices = check.choices
    return read


count = checks.integer(0, COUNT_HIGH)
# Input keys whose value becomes one typed model attribute: key -> (attribute, checker).
TYPED = {
    "bond_master": ("bond_master", checks.ifname),
    "primary": ("primary", checks.ifname),
    "mode": ("mode", numbered(*BOND_MODES)),
    "miimon": ("miimon", count),
    "lacp_rate": ("lacp_rate", numbered(*LACP_RATES)),
    "xmit_hash_policy": ("xmit_hash_policy", checks.choice(*XMIT_HASH_POLICIES)),
    "updelay": ("updelay", count),
    "downdelay": ("downdelay", count),
    "stp": ("stp", checks.boolean),
    "fd": ("fd", count),
    "maxwait": ("maxwait", count),
    "vlan_aware": ("vlan_aware", checks.boolean),
    "bond_mode": ("bond_mode", checks.choice(*checks.BOND_MODES_OVS)),
    "lacp": ("lacp", checks.choice(*checks.LACP_MODES_OVS)),
    "tag": ("tag", checks.vlan_id),
}


def setting(spec, key, default):
    """Ansible passes unset suboptions as None; treat that like a missing key."""
    value = spec.get(key)
    return default if value is None else value


def ifnames(value, path):
    """A list of interface names; a space-separated string (older role shape) also works."""
    if isinstance(value, str):
        value = value.split()
    names = checks.list_of(checks.ifname)(value, path)
    for i, name in enumerate(names):
        if name in names[:i]:
            raise InputError(at(path, i), "%r is listed twice" % name)
    return names


def one_or_list(value, path):
    """A hook command or an address given alone stands for a list of one, as Ansible's list type made it."""
    return [value] if isinstance(value, str) else checks.listing(value, path)
