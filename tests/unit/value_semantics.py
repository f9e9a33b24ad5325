"""The fields of every kind, for the cross-kind test of value semantics (test_value_semantics.py).

The fields come from the kinds' own tables where a kind has them (storage_pool_validate's POOL, SOURCE, VOLUME, ...;
network_validate.NETWORK_FIELDS; domain_validate's VM_FIELDS, DISK_FIELDS, NIC_FIELDS, ...; image_validate.FIELDS;
cloudinit_validate.WRITE_FILE; ifupdown_validate.TYPED): each key whose checker holds a value class is a field, so a
new key is covered as soon as it is in its table. What a table cannot say is where the key sits and what else the
declaration needs (a pool type that has the source key, a NIC type that has the option): the *_context functions
below. Where a kind reads a key in code (ovs_validate's key tuples, ifupdown's common keys, network_validate's
sections, a pool's source dir), the fields are listed here; test_value_semantics fails when a kind reads a key of a
value class that is no field, and when a key of Open vSwitch's or ifupdown's key tuples is neither a field nor said
why not.
"""

from ansible_collections.essentials.kvm.plugins.module_utils import (
    checks,
    cloudinit_validate,
    ifupdown_addresses,
    ifupdown_fields,
    ifupdown_item,
    libvirt_conf,
)
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as dv
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_disks as dvd
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_nics as dvn
from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_validate as iv
from ansible_collections.essentials.kvm.plugins.module_utils import image_validate as imv
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate as nv
from ansible_collections.essentials.kvm.plugins.module_utils import ovs_validate as ov
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_checks as pc
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate as pv
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_source as pvs
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_volume as pvv
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import TYPES
from tests.unit.value_classes import SLOT, Kind, fixed, listed, table_fields

IQN = "iqn.2026-01.com.example:t1"
WWN = "5001a4aa12345678"
# Names the ifupdown host has, so that a bond or bridge member given in a cell exists.
HOST_INTERFACES = ("eth1", "eth2", "eth3", "br-lan.10", "abcdefghijklmno")


# --------------------------------------------------------------------------------------------------------- pools

POOLS = Kind("pools", "pools", lambda items: pv.parse_pools(items, "pools"))
# The simplest value of each source key a pool type may require.
REQUIRED_SOURCE = {
    "hosts": ("host", "nas1"),
    "dir": ("dir", "/export"),
    "name": ("name", "vg0"),
    "initiator": ("initiator", "iqn.2026-01.com.example:h1"),
    "adapter": ("adapter", {"name": "host0"}),
}


def pool(kind, source=None, **keys):
    rule = TYPES[kind]
    item = {"name": "p1", "type": kind}
    if rule.target == "required" and "target" not in keys:
        item["path"] = "/srv/p1"
    given = {}
    for key in rule.required:
        if key in (source or {}):
            continue
        if key == "devices":
            given["device"] = IQN if rule.device_kind == "iqn" else "/dev/sdb"
        else:
            name, value = REQUIRED_SOURCE[key]
            given[name] = value
    given.update(source or {})
    if given:
        item["source"] = given
    item.update(keys)
    return [item]


def first_type(has):
    return next(kind for kind, rule in TYPES.items() if has(rule))


def pool_context(key, slot):
    if key in ("mount_opts", "config_opts", "refresh_allocation"):
        return pool(first_type(lambda rule: key in rule.extras), **{key: slot})
    if key == "name":
        return [{"name": slot, "type": "dir", "path": "/srv/p1"}]
    return pool("dir", **{key: slot})


def source_context(key, slot):
    # part_separator goes with a device (libvirt carries it on <device>).
    device = {"device": "/dev/sdb"} if key == "part_separator" else {}
    return pool(first_type(lambda rule: key in rule.source), dict(device, **{key: slot}))


def volume_context(key, slot):
    volume = {"name": "v1", "capacity": "100G", key: slot}
    return pool("dir", volumes=[volume])


def permissions_contexts(key, slot):
    return pool("dir", target={"path": "/srv/p1", "permissions": {key: slot}})


def volume_permissions_context(key, slot):
    return pool("dir", volumes=[{"name": "v1", "capacity": "1G", "permissions": {key: slot}}])


def adapter_context(key, slot):
    if key in ("name", "parent_address"):
        adapter = {key: slot}
    elif key == "unique_id":
        adapter = {"parent_address": "0000:00:1f.2", key: slot}
    else:
        adapter = dict({"type": "fc_host", "wwnn": WWN, "wwpn": WWN}, **{key: slot})
    return pool("scsi", {"adapter": adapter})


def auth_context(key, slot):
    auth = {"username": "u", "secret_usage": "iscsi-p1"} if key != "secret_uuid" else {"username": "u"}
    auth[key] = slot
    return pool(first_type(lambda rule: rule.auth), {"auth": auth})


def host_context(key, slot):
    kind = first_type(lambda rule: "hosts" in rule.source and rule.max_hosts == 1 and "dir" in rule.required)
    host = dict({"name": "nas1"}, **{key: slot})
    return pool(kind, {"hosts": [host]})


# Pool keys whose checker is chosen in code (by the pool type or another key).
POOL_KEYS_IN_CODE = [
    ("path", pool("netfs", {"dir": SLOT})),
    (pc.port, pool("netfs", {"port": SLOT})),
    ("text", pool("dir", volumes=[{"name": SLOT, "capacity": "1G"}])),
]


def pool_fields():
    return (
        listed(POOLS, POOL_KEYS_IN_CODE)
        + table_fields(POOLS, pv.POOL, pool_context)
        + table_fields(POOLS, pvs.SOURCE, source_context)
        + table_fields(POOLS, pvv.VOLUME, volume_context)
        + table_fields(POOLS, pc.PERMISSIONS, permissions_contexts)
        + table_fields(POOLS, pc.PERMISSIONS, volume_permissions_context)
        + table_fields(POOLS, pvs.ADAPTER, adapter_context)
        + table_fields(POOLS, pvs.AUTH, auth_context)
        + table_fields(POOLS, pvs.HOST, host_context)
    )


# ------------------------------------------------------------------------------------------------------ networks

NETWORKS = Kind(
    "networks", "networks", lambda items: nv.read_networks(items, "networks", interface_exists=lambda name: True)
)
IPS = [{"address": "10.1.0.1", "prefix": 24}]
OVS_NETWORK = {"mode": "bridge", "bridge_name": "br0", "virtualport_type": "openvswitch"}
SRV = {"service": "ldap", "protocol": "tcp"}
ROUTE = {"address": "10.2.0.0", "prefix": 24, "gateway": "10.1.0.2"}


def network(**keys):
    return [dict({"name": "n1", "mode": "isolated"}, **keys)]


def network_context(key, slot):
    if key == "bridge_name":
        return network(mode="bridge", bridge_name=slot)
    if key == "domain_local_only":
        return network(domain="lab.example", domain_local_only=slot)
    return network(**{key: slot})


# network_validate reads its sections (forward, portgroups, ips, dns, ...) against tables inside its readers.
NETWORK_SECTIONS = [
    ("ifname", network(mode="private", forward={"dev": SLOT})),
    ("ifname", network(mode="bridge", forward={"interfaces": [SLOT]})),
    ("ifname", network(mode="passthrough", forward={"pf": SLOT})),
    ("ifname", network(portgroups=[{"name": SLOT}])),
    ("bool", network(portgroups=[{"name": "pg1", "default": SLOT}])),
    ("bool", network(portgroups=[{"name": "pg1", "trust_guest_rx_filters": SLOT}])),
    ("vlan", network(vlan={"tags": [SLOT]}, **OVS_NETWORK)),
    ("bool", network(vlan={"tags": [10], "trunk": SLOT}, **OVS_NETWORK)),
    ("vlan", network(portgroups=[{"name": "pg1", "vlan": {"tags": [SLOT]}}], **OVS_NETWORK)),
    ("uuid", network(virtualport_parameters={"interfaceid": SLOT}, **OVS_NETWORK)),
    ("uuid", network(virtualport_parameters={"instanceid": SLOT}, **OVS_NETWORK)),
    (checks.integer(0, 255), network(virtualport_parameters={"managerid": SLOT}, **OVS_NETWORK)),
    ("bool", network(ips=[dict(IPS[0], local_ptr=SLOT)])),
    ("path", network(ips=[dict(IPS[0], tftp_root=SLOT)])),
    (checks.integer(1, 32), network(ips=[{"address": "10.1.0.1", "prefix": SLOT}])),
    ("mac", network(ips=[dict(IPS[0], dhcp_hosts=[{"ip": "10.1.0.50", "mac": SLOT}])])),
    ("text", network(ips=[dict(IPS[0], dhcp_hosts=[{"ip": "10.1.0.50", "name": SLOT}])])),
    ("bool", network(dns={"enable": SLOT})),
    ("bool", network(dns={"forward_plain_names": SLOT})),
    ("text", network(dns={"hosts": [{"ip": "10.1.0.9", "hostnames": [SLOT]}]})),
    (checks.integer(0, 65535), network(dns={"srvs": [dict(SRV, port=SLOT)]})),
    (checks.integer(0, 65535), network(dns={"srvs": [dict(SRV, priority=SLOT)]})),
    (checks.integer(0, 65535), network(dns={"srvs": [dict(SRV, weight=SLOT)]})),
    ("text", network(dns={"srvs": [dict(SRV, service=SLOT)]})),
    ("text", network(dns={"srvs": [dict(SRV, domain=SLOT)]})),
    ("text", network(dns={"srvs": [dict(SRV, target=SLOT)]})),
    (checks.integer(1, nv.UINT32), network(bandwidth={"inbound": {"average": SLOT}})),
    (checks.integer(1, nv.UINT32), network(bandwidth={"inbound": {"average": 1000, "peak": SLOT}})),
    (checks.integer(1, nv.UINT32), network(bandwidth={"inbound": {"average": 1000, "burst": SLOT}})),
    ("text", [{"name": SLOT, "mode": "isolated"}]),
    ("bool", network(autostart=SLOT)),
    ("text", network(mode="hostdev", forward={"addresses": [SLOT]})),
    ("bool", network(mode="hostdev", forward={"addresses": ["0000:03:10.1"], "managed": SLOT})),
    ("text", network(ips=[{"address": SLOT, "prefix": 24}])),
    ("text", network(ips=[dict(IPS[0], dhcp_hosts=[{"ip": SLOT, "name": "h1"}])])),
    ("text", network(ips=[{"address": "fd00::1", "prefix": 64, "dhcp_hosts": [{"ip": "fd00::5", "id": SLOT}]}])),
    ("bool", network(portgroups=[{"name": "pg1", "vlan": {"tags": [10], "trunk": SLOT}}], **OVS_NETWORK)),
    ("vlan", fixed(network(vlan={"tags": [10], "trunk": True, "native_tag": SLOT}, **OVS_NETWORK))),
    (
        "vlan",
        fixed(
            network(
                portgroups=[{"name": "pg1", "vlan": {"tags": [10], "trunk": True, "native_tag": SLOT}}], **OVS_NETWORK
            )
        ),
    ),
    ("text", network(virtualport_parameters={"profileid": SLOT}, **OVS_NETWORK)),
    (checks.integer(0, 16777215), network(virtualport_parameters={"typeid": SLOT}, **OVS_NETWORK)),
    (checks.integer(0, 255), network(virtualport_parameters={"typeidversion": SLOT}, **OVS_NETWORK)),
    (checks.integer(0, nv.UINT32), network(mode="nat", ips=IPS, routes=[dict(ROUTE, metric=SLOT)])),
    (checks.integer(1, 32), network(mode="nat", ips=IPS, routes=[dict(ROUTE, prefix=SLOT)])),
    ("text", network(mode="nat", ips=IPS, routes=[dict(ROUTE, address=SLOT)])),
    ("text", network(mode="nat", ips=IPS, routes=[dict(ROUTE, gateway=SLOT)])),
]


def network_fields():
    return table_fields(NETWORKS, nv.NETWORK_FIELDS, network_context) + listed(NETWORKS, NETWORK_SECTIONS)


# ----------------------------------------------------------------------------------------------------------- VMs

DEB12_URL = "http://h/deb.qcow2"
VM_CONTEXT = dv.Context(
    host="h1",
    networks=("default",),
    pools=("default",),
    images={"deb12": ("default", "deb.img"), DEB12_URL: ("default", "deb.img")},
)
VMS = Kind("VMs", "kvm_vms", lambda items: dv.normalise_vms(items, "kvm_vms", VM_CONTEXT))


def vm(**keys):
    return [dict({"name": "vm1", "memory": "1G"}, **keys)]


def vm_context(key, slot):
    if key in ("secure_boot", "nvram"):
        return vm(firmware="uefi", **{key: slot})
    if key == "current_memory":
        return vm(memory="64G", current_memory=slot)
    return vm(**{key: slot})


def disk_context(key, slot):
    disk = {
        "path": {"type": "file"},
        "size": {},
        "base": {},
        "base_pool": {"base": "b1"},
        "image": {},
        # The keys of an image given by URL on the disk.
        "validate_certs": {"url": DEB12_URL},
        "checksum": {"url": DEB12_URL},
        "checksum_url": {"url": DEB12_URL},
        "compression": {"url": DEB12_URL},
        "url": {},
    }.get(key, {"volume": "v1"})
    disk = dict(disk, **{key: slot})
    template = vm(disks=[disk])
    return fixed(template) if key in ("pool", "base_pool", "image", "target") else template


def nic_context(key, slot):
    nic = {
        "bridge": {"type": "bridge"},
        "dev": {"type": "direct"},
        "pci": {"type": "hostdev"},
        "ovs": {"type": "bridge", "bridge": "br0"},
        "target_dev": {"type": "ethernet"},
        "network": {},
    }.get(key, {"network": "default"})
    template = vm(nics=[dict(nic, **{key: slot})])
    return fixed(template) if key == "network" else template


def vm_fields():
    return (
        table_fields(VMS, dv.VM_FIELDS, vm_context)
        + table_fields(VMS, dv.CPU_FIELDS, lambda key, slot: vm(cpu={"mode": "custom", key: slot}))
        + table_fields(
            VMS,
            dv.DIRECT_BOOT_FIELDS,
            lambda key, slot: vm(direct_boot=dict({"kernel": "/boot/vmlinuz"}, **{key: slot})),
        )
        + table_fields(VMS, dv.GRAPHICS_FIELDS, lambda key, slot: vm(graphics={"type": "vnc", key: slot}))
        + table_fields(VMS, dvd.DISK_FIELDS, disk_context)
        + table_fields(VMS, dvn.NIC_FIELDS, nic_context)
        + table_fields(VMS, dv.CLOUD_INIT_FIELDS, lambda key, slot: fixed(vm(cloud_init={key: slot})))
        + listed(VMS, [("bool", vm(cloud_init={"user_data": {"chpasswd": {"expire": SLOT}}}))])
        + table_fields(
            VMS,
            cloudinit_validate.WRITE_FILE,
            lambda key, slot: vm(
                cloud_init={"user_data": {"write_files": [dict({"path": "/etc/motd", "content": "hi"}, **{key: slot})]}}
            ),
        )
    )


# -------------------------------------------------------------------------------------------------------- images

IMAGES = Kind("images", "kvm_images", lambda items: imv.parse_images(items, "kvm_images"))
IMAGE = {"name": "deb12", "url": "https://example.org/deb12.qcow2", "checksum": "sha256:" + "a" * 64}


def image_context(key, slot):
    image = dict(IMAGE, **{key: slot})
    if key == "checksum_url":
        del image["checksum"]
    return [image]


def image_fields():
    return table_fields(IMAGES, imv.FIELDS, image_context)


# ----------------------------------------------------------------------------------------------- Open vSwitch

OVS = Kind("Open vSwitch", "openvswitch_bridges", lambda items: ov.parse_bridges(items, "openvswitch_bridges"))


def bridge(**keys):
    return [dict({"name": "br0"}, **keys)]


def port(**keys):
    return bridge(ports=[dict({"name": "eth1"}, **keys)])


def bond(**keys):
    return bridge(bonds=[dict({"name": "bond0", "members": ["eth1", "eth2"]}, **keys)])


def mirror(**keys):
    return bridge(ports=[{"name": "eth1"}], mirrors=[dict({"name": "m1", "select_vlan": [5]}, **keys)])


DELAY = checks.integer(0, ov.DELAY_HIGH)
# ovs_validate reads its keys in code; (keys tuple, key) -> (class or integer checker, template). Keys of the
# tuples that hold none of the value classes are in OVS_OTHER_KEYS.
OVS_FIELDS = {
    ("BRIDGE_KEYS", "name"): ("ifname", [{"name": SLOT}]),
    ("BRIDGE_KEYS", "vlan"): ("vlan", bridge() + [{"name": "br0v", "parent": "br0", "vlan": SLOT}]),
    ("BRIDGE_KEYS", "parent"): ("ifname", fixed(bridge() + [{"name": "br0v", "parent": SLOT, "vlan": 10}])),
    ("BRIDGE_KEYS", "stp"): ("bool", bridge(stp=SLOT)),
    ("BRIDGE_KEYS", "rstp"): ("bool", bridge(rstp=SLOT)),
    ("BRIDGE_KEYS", "mcast_snooping"): ("bool", bridge(mcast_snooping=SLOT)),
    ("PORT_KEYS", "name"): ("ifname", bridge(ports=[{"name": SLOT}])),
    ("PORT_KEYS", "peer"): ("text", bridge(ports=[{"name": "patch0", "type": "patch", "peer": SLOT}])),
    ("VLAN_KEYS", "tag"): ("vlan", port(tag=SLOT)),
    ("VLAN_KEYS", "trunks"): ("vlan", port(trunks=[SLOT])),
    ("BOND_KEYS", "name"): ("ifname", bridge(bonds=[{"name": SLOT, "members": ["eth1", "eth2"]}])),
    ("BOND_KEYS", "members"): ("ifname", bridge(bonds=[{"name": "bond0", "members": [SLOT, "eth2"]}])),
    ("BOND_KEYS", "tag"): ("vlan", bond(tag=SLOT)),
    ("BOND_KEYS", "trunks"): ("vlan", bond(trunks=[SLOT])),
    ("FAKE_BRIDGE_KEYS", "name"): ("ifname", bridge() + [{"name": SLOT, "parent": "br0", "vlan": 10}]),
    ("BOND_KEYS", "bond_updelay"): (DELAY, bond(bond_updelay=SLOT)),
    ("BOND_KEYS", "bond_downdelay"): (DELAY, bond(bond_downdelay=SLOT)),
    ("MIRROR_KEYS", "name"): ("text", mirror(name=SLOT, output_vlan=20)),
    ("MIRROR_KEYS", "select_all"): ("bool", mirror(select_all=SLOT, output_vlan=20)),
    ("MIRROR_KEYS", "select_src_port"): ("text", fixed(mirror(select_src_port=[SLOT], output_vlan=20))),
    ("MIRROR_KEYS", "select_dst_port"): ("text", fixed(mirror(select_dst_port=[SLOT], output_vlan=20))),
    ("MIRROR_KEYS", "select_vlan"): ("vlan", mirror(select_vlan=[SLOT], output_vlan=20)),
    ("MIRROR_KEYS", "output_port"): ("text", fixed(mirror(output_port=SLOT))),
    ("MIRROR_KEYS", "output_vlan"): ("vlan", mirror(output_vlan=SLOT)),
}
OVS_OTHER_KEYS = {
    "state": "a choice",
    "type": "a choice",
    "fail_mode": "a choice",
    "datapath_type": "a choice",
    "vlan_mode": "a choice",
    "bond_mode": "a choice",
    "lacp": "a choice",
    "lacp_time": "a choice",
    "other_config": "option values (strings, numbers, booleans)",
    "external_ids": "option values (strings, numbers, booleans)",
    "ports": "a section",
    "bonds": "a section",
    "mirrors": "a section",
    "remote_ip": "an address or 'flow'",
    "key": "a tunnel key or 'flow'",
}


def ovs_fields():
    return listed(OVS, OVS_FIELDS.values())


# ------------------------------------------------------------------------------------------- ifupdown interfaces

IFUPDOWN = Kind("ifupdown", "", lambda config: iv.build_desired(config, HOST_INTERFACES))


def iface(**keys):
    return {"network_interfaces": [dict({"name": "eth1"}, **keys)]}


def section_item(section, key, slot):
    """The smallest valid item of an ifupdown section with key set to slot (TYPED keys)."""
    items = {
        "network_interfaces": {"network_interfaces": [{"name": "eth1"}]},
        "network_bonds": {"network_bonds": [{"name": "bond0", "slaves": ["eth1", "eth2"]}]},
        "network_bridges": {"network_bridges": [{"name": "br0", "ports": ["eth1"]}]},
        "network_vlans": {"network_vlans": [{"name": "eth1.10"}]},
        "ovs_bridges": {"ovs_bridges": [{"name": "ovsbr0", "ports": ["p1", "bond1"]}]},
        "ovs_bonds": {
            "ovs_bridges": [{"name": "ovsbr0", "ports": ["bond1"]}],
            "ovs_bonds": [{"name": "bond1", "bridge": "ovsbr0", "ports": ["eth1", "eth2"]}],
        },
        "ovs_interfaces": {
            "ovs_bridges": [{"name": "ovsbr0", "ports": ["p1"]}],
            "ovs_interfaces": [{"name": "p1", "bridge": "ovsbr0"}],
        },
    }[section]
    items[section][-1][key] = slot
    return fixed(items) if key in ("bond_master", "primary") else items


# ifupdown_validate reads the keys every section shares (COMMON_KEYS) in code.
IFUPDOWN_COMMON = {
    "name": ("ifname", {"network_interfaces": [{"name": SLOT}]}),
    "configure": ("bool", iface(configure=SLOT)),
    "enable": ("bool", iface(enable=SLOT)),
    "comment": ("text", iface(comment=SLOT)),
    "gateway": ("text", iface(address="192.0.2.10/24", gateway=SLOT)),
    "routes": (
        checks.integer(0, ifupdown_addresses.METRIC_HIGH),
        iface(routes=[{"to": "10.9.0.0/16", "via": "192.0.2.1", "metric": SLOT}]),
    ),
    "mtu": (checks.integer(ifupdown_item.MTU_LOW, ifupdown_item.MTU_HIGH), iface(mtu=SLOT)),
    "hwaddress": ("mac", iface(hwaddress=SLOT)),
    "dns_nameservers": ("text", iface(dns_nameservers=[SLOT])),
    "dns_search": ("text", iface(dns_search=[SLOT])),
    "pre_up": ("text", iface(pre_up=[SLOT])),
}
# Section keys read in code (TYPED keys come from the table).
IFUPDOWN_EXTRA = {
    ("network_bonds", "slaves"): ("ifname", {"network_bonds": [{"name": "bond0", "slaves": [SLOT, "eth2"]}]}),
    ("network_bridges", "ports"): ("ifname", {"network_bridges": [{"name": "br0", "ports": [SLOT]}]}),
    ("network_vlans", "vlan_id"): ("vlan", fixed({"network_vlans": [{"name": "eth1.10", "vlan_id": SLOT}]})),
    ("network_vlans", "vlan_device"): ("ifname", fixed({"network_vlans": [{"name": "vlan10", "vlan_device": SLOT}]})),
    ("network_interfaces", "routes.to"): ("text", iface(routes=[{"to": SLOT, "via": "192.0.2.1"}])),
    ("network_interfaces", "routes.via"): ("text", iface(routes=[{"to": "10.9.0.0/16", "via": SLOT}])),
    ("ovs_interfaces", "bridge"): (
        "ifname",
        fixed(
            {"ovs_bridges": [{"name": "ovsbr0", "ports": ["p1"]}], "ovs_interfaces": [{"name": "p1", "bridge": SLOT}]}
        ),
    ),
}
IFUPDOWN_OTHER_KEYS = {
    "method": "a choice",
    "method6": "a choice",
    "start": "a choice",
    "type": "a choice",
    "address": "an address with its prefix, or with netmask",
    "netmask": "goes with address",
    "netmask_cidr": "goes with address",
    "network": "not read (the older role's key)",
    "addresses": "addresses with their prefix",
    "gateway6": "an IPv6 address (gateway has the class)",
    "up": "hook commands: pre_up has the class",
    "post_up": "hook commands: pre_up has the class",
    "pre_down": "hook commands: pre_up has the class",
    "down": "hook commands: pre_up has the class",
    "post_down": "hook commands: pre_up has the class",
    "parameters": "option values (interfaces(5) words)",
    "options": "option values (interfaces(5) words)",
    "ovs_extra": "ovs-vsctl lines",
    "vids": "VLAN ids or ranges (20-30), kept as written",
    "ports": "members: network_bridges.ports has the class",
    "bridge": "the OVS bridge: ovs_interfaces.bridge has the class",
}


def ifupdown_columns():
    found = listed(IFUPDOWN, IFUPDOWN_COMMON.values()) + listed(IFUPDOWN, IFUPDOWN_EXTRA.values())
    for section, _cls, extra in ifupdown_fields.SECTIONS:
        for key in extra:
            if key in ifupdown_fields.TYPED:
                table = {key: ifupdown_fields.TYPED[key][1]}
                found += table_fields(
                    IFUPDOWN, table, lambda key, slot, section=section: section_item(section, key, slot)
                )
    return found


# ------------------------------------------------------------------------------------------------ daemon settings

# libvirt_daemon_config's files: the settings are libvirt's own (an int, a string, a list; a boolean is written 1/0),
# so of the value classes only the file's path is the kit's.
DAEMON = Kind("daemon settings", "files", lambda files: libvirt_conf.validate_files(files, "files"))


def daemon_fields():
    return listed(DAEMON, [("path", [{"path": SLOT, "settings": {"max_clients": 100}}])])


KINDS = (POOLS, NETWORKS, VMS, IMAGES, OVS, IFUPDOWN, DAEMON)


def all_fields():
    return (
        pool_fields()
        + network_fields()
        + vm_fields()
        + image_fields()
        + ovs_fields()
        + ifupdown_columns()
        + daemon_fields()
    )
