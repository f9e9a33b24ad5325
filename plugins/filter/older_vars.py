"""Filters that apply the older roles' compatibility tables (plugins/module_utils/compat_*.py) in the roles:
refused variables stop the role before its first change, converted ones warn once (Display drops repeats)."""

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.essentials.kvm.plugins.module_utils import (
    compat_globals,
    compat_interfaces,
    compat_kvm,
    compat_openvswitch,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError

TABLES = {
    "kvm": compat_kvm.GLOBALS,
    "config_interfaces": compat_interfaces.GLOBALS,
    "openvswitch": compat_openvswitch.GLOBALS,
}
# Besides the names a run may warn about or refuse (never the item lists, which may hold secrets): the older
# globals the conversions read (the older network template's DNS names, the disks' directory, the switches).
EXTRA = {
    "kvm": ["pri_dns", "sec_dns", "pri_domain_name", "kvm_images_path"],
    "config_interfaces": ["enable_configured_interfaces_after_defining"] + list(compat_interfaces.SWITCHES.values()),
    "openvswitch": [],
}


def _warn(warnings):
    for warning in warnings:
        Display().warning(warning)


def older_names(role):
    names = [e.name for e in TABLES[role] if e.status != compat_globals.SAME] + EXTRA[role]
    return list(dict.fromkeys(names))


def older_vars(values, role):
    """The values of older_names(role), in that order -> {name: value}; stops on a refused variable."""
    got = dict(zip(older_names(role), values))
    try:
        _warn(compat_globals.check(TABLES[role], got))
    except InputError as exc:
        raise AnsibleFilterError(exc.message) from None
    if role == "kvm":
        got["libvirtd_settings"] = compat_kvm.libvirtd_settings(got)
    return got


def _run(fn, *args):
    warnings = []
    try:
        result = fn(*args, warnings)
    except InputError as exc:
        raise AnsibleFilterError(exc.message) from None
    _warn(warnings)
    return result


def older_kvm_resources(older, networks, pools, vms):
    return _run(compat_kvm.convert_resources, networks, pools, vms, older)


def older_interfaces(older, lists):
    return _run(compat_interfaces.convert, dict(older, **lists))


def older_openvswitch(items, input_name):
    return _run(compat_openvswitch.convert, items, input_name)


class FilterModule:
    def filters(self):
        return {
            "older_names": older_names,
            "older_vars": older_vars,
            "older_kvm_resources": older_kvm_resources,
            "older_interfaces": older_interfaces,
            "older_openvswitch": older_openvswitch,
        }
