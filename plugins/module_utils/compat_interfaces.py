"""The older ansible-config-interfaces role's variables and item keys as the config_interfaces role reads them."""

from .compat_globals import CONVERTED, REFUSED, SAME, UNSET, UNUSED, older
from .errors import InputError, at

# Each list and the older switch that had to be on for the list to be written.
SWITCHES = {
    "network_bonds": "config_network_bonds",
    "network_bridges": "config_network_bridges",
    "network_vlans": "config_network_vlans",
    "ovs_bonds": "config_ovs_bonds",
    "ovs_bridges": "config_ovs_bridges",
    "ovs_interfaces": "config_ovs_interfaces",
}
LISTS = ("network_interfaces",) + tuple(SWITCHES)
OLDER_NAMESERVERS = ["8.8.8.8", "8.8.4.4"]
OLDER_DOMAIN = "example.org"

GLOBALS = (
    [older(name, SAME) for name in ("config_network_interfaces", "config_install_lldp") + LISTS]
    + [older(name, SAME) for name in SWITCHES.values()]
    + [older("enable_configured_interfaces_after_defining", SAME)]
    + [
        older("config_interfaces", CONVERTED, "config_network_interfaces", [False]),
        older("interfaces", CONVERTED, "network_interfaces", [[]]),
        older(
            "dns_nameservers",
            CONVERTED,
            "network_interfaces[].dns_nameservers",
            [OLDER_NAMESERVERS],
            "they go to the first configured static interface or bridge",
        ),
        older("dns_search", CONVERTED, "network_interfaces[].dns_search", [OLDER_DOMAIN, "{{ pri_domain_name }}"]),
        older("pri_domain_name", CONVERTED, "network_interfaces[].dns_search", [OLDER_DOMAIN]),
        older("pri_dns", CONVERTED, "network_interfaces[].dns_nameservers"),
        older("sec_dns", CONVERTED, "network_interfaces[].dns_nameservers"),
        older(
            "config_interface_template",
            REFUSED,
            "",
            ["etc/network/interfaces.j2"],
            "stanzas are built by the ifupdown_interfaces module, not a template; remove it",
        ),
        older(
            "config_interfaces_debian_packages",
            UNUSED,
            "",
            [],
            "the role installs what the listed items need (ifupdown, ifenslave, bridge-utils, vlan...)",
        ),
    ]
    + [
        older(name, UNUSED, "", [], "the older role's example variable; nothing reads it")
        for name in ("kvm_mgmt_gateway", "kvm_mgmt_ip", "kvm_nfs1_ip")
    ]
)
# Item keys of the older templates the module does not read.
REFUSED_KEYS = {
    "wireless_network": "wireless interfaces are not configured by this role; configure them with wpa_supplicant",
    "wpa_ssid": "wireless interfaces are not configured by this role; configure them with wpa_supplicant",
    "wpa_psk": "wireless interfaces are not configured by this role; configure them with wpa_supplicant",
}
DROPPED_KEYS = ("netboot", "onboot", "slave")  # the older RedHat ifcfg template's, unused with ifupdown


def _set(value):
    return value not in (UNSET, None, "", [])


def convert(values, warnings):
    """{list name: items} plus the older globals (UNSET when not set) -> {list name: items} as the module
    reads them: a list whose older switch is false is left out, enable and DNS filled in as the older role did."""
    out = {}
    after = values.get("enable_configured_interfaces_after_defining", UNSET)
    for name in LISTS:
        items = values.get(name, UNSET)
        items = [] if items in (UNSET, None) else items
        switch = SWITCHES.get(name)
        if switch and values.get(switch, UNSET) != UNSET and str(values[switch]).lower() in ("false", "no", "0"):
            if items:
                warnings.append("%s is left out: %s is false (as in the older role)" % (name, switch))
            out[name] = []
            continue
        out[name] = (
            [_item(item, at(name, i), after, warnings) for i, item in enumerate(items)]
            if isinstance(items, list)
            else items
        )
    _dns(values, out, warnings)
    return out


def _item(item, path, after, warnings):
    if not isinstance(item, dict):
        return item
    item = dict(item)
    for key, hint in REFUSED_KEYS.items():
        if item.get(key):
            raise InputError(at(path, key), "is not supported", hint)
        item.pop(key, None)
    for key in DROPPED_KEYS:
        if key in item:
            warnings.append("%s is not used: it was the older role's RedHat ifcfg setting" % at(path, key))
            item.pop(key)
    if "addl_settings" in item:
        if "parameters" in item:
            raise InputError(at(path, "addl_settings"), "is the older spelling of parameters; give only one")
        item["parameters"] = [
            _setting(s, at(at(path, "addl_settings"), i)) for i, s in enumerate(item.pop("addl_settings") or [])
        ]
        warnings.append("%s is the older spelling, read as parameters: [{param, val}]" % at(path, "addl_settings"))
    # The older role brought an item up after writing it only when enable or the global switch said so.
    if after != UNSET and "enable" not in item:
        item["enable"] = str(after).lower() in ("true", "yes", "1")
    return item


def _setting(text, path):
    parts = str(text).split(None, 1)
    if len(parts) != 2:
        raise InputError(path, "must be 'setting value' (got %r)" % text, "e.g. bond_miimon 100")
    return {"param": parts[0], "val": parts[1]}


def _dns(values, out, warnings):
    servers = values.get("dns_nameservers", UNSET)
    servers = [] if not _set(servers) or servers == OLDER_NAMESERVERS else list(servers)
    servers += [values[k] for k in ("pri_dns", "sec_dns") if _set(values.get(k, UNSET)) and values[k] not in servers]
    search = values.get("dns_search", UNSET)
    if not _set(search) or search == OLDER_DOMAIN:
        domain = values.get("pri_domain_name", UNSET)
        search = domain if _set(domain) and domain != OLDER_DOMAIN else None
    if not servers and not search:
        return
    for name in ("network_interfaces", "network_bridges", "network_bonds", "network_vlans"):
        for i, item in enumerate(out[name]):
            if (
                isinstance(item, dict)
                and str(item.get("method", "")).lower() == "static"
                and item.get("configure", True)
            ):
                if servers and "dns_nameservers" not in item:
                    item["dns_nameservers"] = servers
                if search and "dns_search" not in item:
                    item["dns_search"] = search
                warnings.append("the older global DNS settings are written on %s" % at(name, i))
                return
    raise InputError(
        "dns_nameservers" if servers else "dns_search",
        "has no static interface to go on",
        "set dns_nameservers and dns_search on the interface that carries them",
    )
