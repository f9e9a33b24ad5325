"""The older ansible-kvm role's variables and item keys as the kvm role reads them (see compat_globals)."""

from .compat_globals import CONVERTED, REFUSED, SAME, UNSET, UNUSED, older
from .errors import InputError, at

SETTINGS_HINT = "write kvm_libvirtd_settings: {%s: ...}"
SOCKET_HINT = (
    "libvirtd's systemd socket units own ports and socket paths; remove it, or change the unit with a "
    "systemd drop-in (ListenStream=)"
)
PACKAGES_HINT = (
    "the role installs its own list per OS family (vars/Debian.yml, vars/RedHat.yml); list more in kvm_extra_packages"
)
NFS_HINT = "NFS mounts are not managed; declare a netfs pool in kvm_storage_pools (type: netfs, source: {host, dir})"
# Older libvirtd.conf settings the role writes only when set: kvm_<setting> -> <setting>.
LIBVIRTD_SETTINGS = {
    "kvm_max_anonymous_clients": 20,
    "kvm_max_client_requests": 5,
    "kvm_max_queued_clients": 1000,
    "kvm_max_requests": 20,
    "kvm_min_workers": 5,
    "kvm_prio_workers": 5,
    "kvm_admin_keepalive_interval": 5,
    "kvm_admin_keepalive_count": 5,
    "kvm_admin_max_client_requests": 5,
    "kvm_admin_max_clients": 5,
    "kvm_admin_max_queued_clients": 5,
    "kvm_admin_min_workers": 1,
    "kvm_admin_max_workers": 5,
}
OLDER_DEBIAN_PACKAGES = (
    ["bridge-utils", "libvirt-bin", "python[3]*-libvirt", "python[3]*-lxml", "qemu-kvm"],
    ["bridge-utils", "libvirt-daemon-system", "libvirt-clients", "python[3]*-libvirt", "python[3]*-lxml", "qemu-kvm"],
)
# The older role's RHEL 7 and RHEL 8 lists.
OLDER_REDHAT_TOOLS = "libvirt qemu-img qemu-kvm virt-install virt-manager virt-viewer".split()
OLDER_REDHAT_PACKAGES = (["bridge-utils", "libvirt-client", "libvirt-python"] + OLDER_REDHAT_TOOLS,)
OLDER_REDHAT_8_PACKAGES = (["libvirt-client", "libvirt-python3"] + OLDER_REDHAT_TOOLS,)

GLOBALS = (
    [
        older(name, SAME)
        for name in (
            "config_kvm",
            "kvm_config",
            "kvm_allow_root_ssh",
            "kvm_audit_level",
            "kvm_audit_logging",
            "kvm_auth_unix_ro",
            "kvm_auth_unix_rw",
            "kvm_config_users",
            "kvm_users",
            "kvm_config_virtual_networks",
            "kvm_config_storage_pools",
            "kvm_manage_vms",
            "kvm_enable_apparmor",
            "kvm_enable_system_tweaks",
            "kvm_sysctl_settings",
            "kvm_enable_tcp",
            "kvm_enable_tls",
            "kvm_enable_libvirtd_syslog",
            "kvm_images_path",
            "kvm_keepalive_interval",
            "kvm_keepalive_count",
            "kvm_listen_addr",
            "kvm_log_level",
            "kvm_max_clients",
            "kvm_max_workers",
            "kvm_ovs_timeout",
            "kvm_security_driver",
            "kvm_virtual_networks",
            "kvm_storage_pools",
            "kvm_vms",
        )
    ]
    + [
        older("allow_root_ssh", CONVERTED, "kvm_allow_root_ssh", [False]),
        older("config_kvm_users", CONVERTED, "kvm_config_users", [False]),
        older("config_kvm_virtual_networks", CONVERTED, "kvm_manage_virtual_networks", [False]),
        older("enable_kvm_mdns", CONVERTED, "kvm_enable_mdns", [False]),
        older("enable_kvm_tcp", CONVERTED, "kvm_enable_tcp", [False]),
        older("enable_kvm_tls", CONVERTED, "kvm_enable_tls"),
        older("enable_libvirtd_syslog", CONVERTED, "kvm_enable_libvirtd_syslog", [False]),
        older(
            "kvm_disable_apparmor",
            CONVERTED,
            "kvm_security_driver: none",
            [False],
            "libvirt starts guests unconfined instead of the older role's disabled AppArmor profiles",
        ),
        older(
            "kvm_images_format_type",
            CONVERTED,
            "kvm_vms[].disks[].format",
            ["qcow2"],
            "it sets the format of the disks given without a pool (kept in kvm_images_path)",
        ),
        older(
            "kvm_images_cache_mode",
            CONVERTED,
            "kvm_vms[].disks[].cache",
            ["none"],
            "it sets the cache mode of the disks given without a pool",
        ),
        older("kvm_enable_mdns", UNUSED, "", [False], "libvirt dropped mDNS advertising (mdns_adv); remove it"),
        older("kvm_tcp_port", REFUSED, "", [16509], SOCKET_HINT),
        older("kvm_tls_port", REFUSED, "", [16514], SOCKET_HINT),
        older("kvm_unix_sock_dir", REFUSED, "", ["/var/run/libvirt", "/run/libvirt"], SOCKET_HINT),
        older("config_nfs_mounts", REFUSED, "", [False], NFS_HINT),
        older("config_nfs_permissions", REFUSED, "", [False], NFS_HINT),
        older("nfs_mounts", UNUSED, "", [[]], NFS_HINT),
        older("kvm_debian_packages", UNUSED, "", OLDER_DEBIAN_PACKAGES, PACKAGES_HINT),
        older("kvm_redhat_packages", UNUSED, "", OLDER_REDHAT_PACKAGES, PACKAGES_HINT),
        older("kvm_redhat_8_packages", UNUSED, "", OLDER_REDHAT_8_PACKAGES, PACKAGES_HINT),
    ]
    + [
        older(name, CONVERTED, "kvm_libvirtd_settings.%s" % name[4:], [default], SETTINGS_HINT % name[4:])
        for name, default in LIBVIRTD_SETTINGS.items()
    ]
)


def libvirtd_settings(values):
    """The libvirtd.conf settings the older names ask for: those set to other than the older default."""
    return {
        name[4:]: int(values[name])
        for name, default in LIBVIRTD_SETTINGS.items()
        if values.get(name, UNSET) != UNSET and str(values[name]) != str(default)
    }


def _older(ctx, name, default=None):
    """An older global from the role's lookup: default when not set (or empty)."""
    value = ctx.get(name, UNSET)
    return default if value in (UNSET, None, "") else value


# Item keys of kvm_virtual_networks the older template read and the libvirt_network module does not.
NETWORK_DHCP_KEYS = ("enable_dhcp", "dhcp_gateway", "dhcp_netmask", "dhcp_scope_start", "dhcp_scope_end")


def convert_network(item, path, ctx, warnings):
    """One kvm_virtual_networks item of the older shape -> the module's shape. ctx holds the older globals
    pri_domain_name, pri_dns and sec_dns (UNSET when not set)."""
    if not isinstance(item, dict):
        return item
    item = dict(item)
    if item.pop("uuid", None) is not None:
        warnings.append(
            "%s is not used: libvirt keeps an existing network's uuid and picks one for a new network; "
            "remove it" % at(path, "uuid")
        )
    dhcp = {key: item.pop(key) for key in NETWORK_DHCP_KEYS if key in item}
    if dhcp.get("enable_dhcp") in (True, "true", "yes", "True", 1, "1"):
        if "ips" in item:
            raise InputError(at(path, "enable_dhcp"), "cannot be combined with ips", "give the DHCP range in ips")
        missing = [key for key in NETWORK_DHCP_KEYS[1:] if key not in dhcp]
        if missing:
            raise InputError(at(path, missing[0]), "is required with enable_dhcp: true")
        item["ips"] = [
            {
                "address": dhcp["dhcp_gateway"],
                "netmask": dhcp["dhcp_netmask"],
                "dhcp_ranges": [{"start": dhcp["dhcp_scope_start"], "end": dhcp["dhcp_scope_end"]}],
            }
        ]
        forwarders = [{"addr": ctx[key]} for key in ("pri_dns", "sec_dns") if _older(ctx, key)]
        if forwarders and "dns" not in item:
            item["dns"] = {"forwarders": forwarders}
        if _older(ctx, "pri_domain_name") and "domain" not in item:
            item["domain"] = ctx["pri_domain_name"]
        warnings.append(
            "%s: enable_dhcp and dhcp_* are the older role's spelling, read as ips: [{address, netmask, "
            "dhcp_ranges: [{start, end}]}] (pri_dns/sec_dns as dns.forwarders, pri_domain_name as domain)" % path
        )
    if item.get("mode") == "private" and item.get("bridge_name"):
        # The older template wrote <bridge name=.../> without <forward>: an isolated bridge, while
        # libvirt's private mode is macvtap on a host device. Keep the older meaning, say so.
        item["mode"] = "isolated"
        warnings.append(
            "%s: private with bridge_name was the older role's isolated bridge; it is read as mode: isolated "
            "(libvirt's private mode is macvtap: give forward.interfaces and no bridge_name for that)"
            % at(path, "mode")
        )
    return item


def convert_vm(item, path, ctx, warnings):
    """One kvm_vms item of the older shape -> the module's shape. ctx: kvm_images_path, kvm_images_format_type,
    kvm_images_cache_mode and images_pool (the pool holding kvm_images_path)."""
    if not isinstance(item, dict):
        return item
    item = dict(item)
    if isinstance(item.get("graphics"), bool) or str(item.get("graphics")).lower() in ("yes", "no", "true", "false"):
        on = str(item["graphics"]).lower() in ("true", "yes")
        # The older template wrote a SPICE display for true.
        item["graphics"] = "spice" if on else "none"
        if on:
            warnings.append("%s: true is read as graphics: spice, as the older role wrote it" % at(path, "graphics"))
    if isinstance(item.get("cdrom"), dict):
        cdrom = dict(item["cdrom"])
        source = cdrom.pop("source", None)
        if cdrom or not source:
            raise InputError(at(path, "cdrom"), "takes the ISO's path", "write cdrom: /path/to/image.iso")
        item["cdrom"] = source
        warnings.append("%s: {source: PATH} is the older role's spelling, read as cdrom: PATH" % at(path, "cdrom"))
    if isinstance(item.get("disks"), list) and "pool" not in item:
        item["disks"] = [_older_disk(d, at(at(path, "disks"), i), ctx, warnings) for i, d in enumerate(item["disks"])]
    return item


# Keys that make a disk one of the module's shape (it then keeps the module's meaning).
NEW_DISK_KEYS = ("pool", "volume", "type", "path", "image", "base", "clone")


def _older_disk(disk, path, ctx, warnings):
    """An older-role disk (name, size in MB, disk_driver, no pool): the file <kvm_images_path>/<name>.<format>,
    a volume of the pool at kvm_images_path; an existing file there is adopted, never replaced."""
    if not isinstance(disk, dict) or "name" not in disk or any(k in disk for k in NEW_DISK_KEYS):
        return disk
    disk = dict(disk)
    fmt = disk.pop("format", _older(ctx, "kvm_images_format_type", "qcow2"))
    disk.setdefault("cache", _older(ctx, "kvm_images_cache_mode", "none"))
    disk["pool"] = ctx["images_pool"]
    disk["volume"] = "%s.%s" % (disk.pop("name"), fmt)
    disk["format"] = fmt
    warnings.append(
        "%s: a disk without a pool is the file %s/%s as the older role wrote it, read as pool: %s, volume: %s"
        % (path, ctx["images_path"], disk["volume"], disk["pool"], disk["volume"])
    )
    return disk


OLDER_IMAGES_PATH = "/var/lib/libvirt/images"


def convert_resources(networks, pools, vms, ctx, warnings):
    """The kvm role's three lists with older items converted; declares the dir pool at kvm_images_path when
    an older disk needs it and no listed pool has that path (libvirt's `default` for the older default path)."""
    images_path = str(_older(ctx, "kvm_images_path", OLDER_IMAGES_PATH)).rstrip("/") or "/"
    pools = list(pools or [])
    holder = [
        p.get("name")
        for p in pools
        if isinstance(p, dict)
        and str(p.get("path") or (p.get("target") or {}).get("path") or "").rstrip("/") == images_path
    ]
    ctx = dict(
        ctx,
        images_path=images_path,
        images_pool=holder[0] if holder else ("default" if images_path == OLDER_IMAGES_PATH else "kvm_images"),
    )
    networks = [convert_network(n, at("kvm_virtual_networks", i), ctx, warnings) for i, n in enumerate(networks or [])]
    vms = [convert_vm(v, at("kvm_vms", i), ctx, warnings) for i, v in enumerate(vms or [])]
    uses = any(
        isinstance(d, dict) and d.get("pool") == ctx["images_pool"]
        for v in vms
        if isinstance(v, dict) and isinstance(v.get("disks"), list)
        for d in v["disks"]
    )
    if uses and not holder:
        pools.append({"name": ctx["images_pool"], "path": images_path})
    return {"networks": networks, "pools": pools, "vms": vms}
