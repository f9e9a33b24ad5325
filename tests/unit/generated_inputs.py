"""Hypothesis strategies for the libvirt kinds' input: valid declarations built from the validators' own field
tables (storage_pool_validate, network_validate, domain_validate) and the pool type rules, and mutations of them.

A value is drawn for a key from the checker the table holds for it: `valid(check)` is the one place that maps a
checker to a strategy. Kit factories are recognised by what their closures hold (integer's bounds, text's pattern,
list_of's item checker, choice's choices), so a table that changes a bound or a pattern changes the values drawn;
a checker with no strategy raises KeyError, which test_generated_tables turns into a failing test.
"""

import re

from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from ansible_collections.essentials.kvm.plugins.module_utils import checks, cloudinit_validate
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as dv
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_disks as dd
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_nics as dn
from ansible_collections.essentials.kvm.plugins.module_utils import network_model as nm
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate as nv
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_checks as pc
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate as pv
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_source as pvs
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_volume as pvv
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import TYPES

# Hypothesis also draws, now and then, literals it finds in the project's own modules loaded at that moment
# ("local constants"): which are loaded changes with the tests selected, their order and the hash seed, so one
# Hypothesis seed drew other cases in `make unit`, in one file alone, or under another PYTHONHASHSEED. Here the
# cases come from the strategies and the seed alone (the constants stay the empty set Hypothesis starts with).
providers._get_local_constants = lambda: providers._local_constants

WORDS = st.from_regex(r"\A[a-z][a-z0-9]{0,7}\Z")
ABS_PATH = st.lists(WORDS, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
SIZE = st.one_of(
    st.integers(1, 4096),
    st.integers(1, 4096).map(str),
    st.tuples(st.integers(1, 64), st.sampled_from(["K", "M", "G", "KiB", "MiB", "GiB", "MB", "GB"])).map(
        lambda t: "%d%s" % t
    ),
).filter(lambda v: checks.size(v, "") >= 1024 * 1024)
UNICAST_MAC = st.tuples(st.integers(0, 127).map(lambda n: n * 2), *[st.integers(0, 255)] * 5).map(
    lambda octets: ":".join("%02x" % o for o in octets)
)

# Checkers that are plain functions (not factories), and the few local checkers whose rule is code, not a pattern.
NAMED = {
    checks.boolean: st.one_of(st.booleans(), st.sampled_from(checks.TRUE_WORDS + checks.FALSE_WORDS + ("Yes", "ON"))),
    checks.size: SIZE,
    checks.abs_path: ABS_PATH,
    checks.mac: UNICAST_MAC,
    checks.uuid: st.uuids().map(str),
    checks.ifname: st.from_regex(r"\A[a-z][a-z0-9]{0,11}\Z"),
    checks.vlan_id: st.integers(checks.VLAN_LOW, checks.VLAN_HIGH),
    checks.pci_address: st.tuples(st.integers(0, 15), st.integers(0, 255), st.integers(0, 31), st.integers(0, 7)).map(
        lambda t: "%04x:%02x:%02x.%d" % t
    ),
    checks.host: st.one_of(st.ip_addresses(v=4).map(str), st.from_regex(r"\A[a-z][a-z0-9-]{0,10}[a-z0-9]\Z")),
    checks.mapping: st.just({}),
    pc.mode: st.sampled_from(["0755", "0700", "750", "0644"]),
    pc.nfs_version: st.sampled_from([3, 4, "4.1", "4.2", 4.2]),
    pc.rbd_option_value: st.one_of(st.booleans(), st.integers(0, 100), WORDS),
    pc.pool_state: st.sampled_from(pc.POOL_STATES + tuple(pc.LEGACY_STATES)),
    dv.vm_name: st.from_regex(r"\A[a-z][a-z0-9._+-]{0,15}\Z"),
    dd.volume_name: st.from_regex(r"\A[a-z][a-z0-9._-]{0,15}\Z"),
    dd.size_above_zero: SIZE,
    dv.memory_kib: st.sampled_from(["64M", "512", 1024, "1G", "1.5G", "256MiB"]),
    dv.free_text: st.one_of(
        st.just(""),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(
            str.strip
        ),
    ),
    dv.boot_devices: st.lists(st.sampled_from(dv.BOOT_DEVICES), min_size=1, max_size=3, unique=True),
    nv.network_name: st.from_regex(r"\A[a-z][a-z0-9_-]{0,15}\Z"),
    nv.dns_name: st.from_regex(r"\A[a-z][a-z0-9]{0,8}(\.[a-z]{2,5})?\Z"),
    cloudinit_validate.string: st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
}


def closure(check):
    """What a kit factory's checker closes over: integer's low/high, text's pattern, list_of's check, ..."""
    cells = check.__closure__ or ()
    return dict(zip(check.__code__.co_freevars, (cell.cell_contents for cell in cells)))


def valid(check):
    """A strategy of values that check accepts (the one map from checker to strategy)."""
    if check in NAMED:
        return NAMED[check]
    if hasattr(check, "choices"):
        return st.sampled_from(check.choices)
    env = closure(check)
    if {"low", "high"} <= set(env):
        numbers = st.integers(env["low"], env["high"] if env["high"] is not None else env["low"] + 10**6)
        return st.one_of(numbers, numbers.filter(lambda n: n >= 0).map(str))
    if {"pattern", "what"} <= set(env):
        return st.from_regex(env["pattern"], fullmatch=True).filter(lambda v: v.strip() and _passes(check, v))
    if set(env) == {"check"}:
        return st.lists(valid(env["check"]), max_size=3)
    if "version" in env:  # checks.ip(version)
        return st.ip_addresses(v=env["version"]).map(str) if env["version"] else st.ip_addresses().map(str)
    raise KeyError("no strategy for checker %r" % (check,))


def _passes(check, value):
    try:
        check(value, "")
        return True
    except checks.InputError:
        return False


def section(table):
    """A mapping read against table by checks.Fields: any of its keys, each with a value its checker accepts."""
    return st.fixed_dictionaries({}, optional={key: valid(check) for key, check in table.items() if check})


# Section readers, whose keys are a table of their own.
NAMED.update(
    {
        pc.read_permissions: section(pc.PERMISSIONS),
        pv._config_opts: st.dictionaries(WORDS, valid(pc.rbd_option_value), max_size=2),
        pvs._adapter: st.one_of(
            st.builds(dict, name=valid(pc.adapter_name)),
            st.builds(dict, type=st.just("fc_host"), wwnn=valid(pc.wwn), wwpn=valid(pc.wwn)),
        ),
        dv.metadata: st.dictionaries(st.from_regex(r"\A[a-z][a-z0-9]{0,7}\Z"), valid(dv.free_text), max_size=2),
    }
)


def optional(fields, table, draw, keys):
    """Some of keys, each with a value its checker in table accepts."""
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))) if keys else ():
        fields[key] = draw(valid(table[key]))
    return fields


# ------------------------------------------------------------------------------------------------------- pools


@st.composite
def pool(draw, kind=None, name=None):
    """A valid pool of a type from TYPES, with the source keys its rule requires and some of those it allows."""
    kind = kind or draw(st.sampled_from(sorted(TYPES)))
    rule = TYPES[kind]
    name = name or draw(valid(pv.POOL["name"]))
    # An active fs pool that libvirt lacks is first probed on this machine's own device (not the test driver's).
    state = draw(
        st.sampled_from(["inactive", "present"] if kind == "fs" else ["active", "active", "inactive", "present"])
    )
    item = {"name": name, "type": kind, "state": state}
    if rule.target == "required" or (
        rule.target == "optional" and kind not in ("logical", "zfs") and draw(st.booleans())
    ):
        item["path"] = "/srv/gen/" + name
    source = {}
    chosen = (
        set(rule.required) | set(draw(st.lists(st.sampled_from(rule.source), unique=True))) if rule.source else set()
    )
    for key in sorted(chosen):
        if key == "hosts":
            if rule.max_hosts > 1 and draw(st.booleans()):
                source["hosts"] = draw(
                    st.lists(
                        st.builds(dict, name=valid(checks.host), port=valid(pc.port)),
                        min_size=1,
                        max_size=rule.max_hosts,
                    )
                )
            else:
                source["host"] = draw(valid(checks.host))
        elif key == "devices":
            check = pc.target_iqn if rule.device_kind == "iqn" else checks.abs_path
            device = "/dev/sd" + draw(st.sampled_from("bcdef")) if kind == "disk" else draw(valid(check))
            source["device"] = device
        elif key == "dir":
            source["dir"] = draw(ABS_PATH)
        elif key == "format":
            source["format"] = draw(st.sampled_from(rule.formats))
        elif key == "name":
            source["name"] = draw(st.from_regex(r"\A[a-z][a-z0-9_-]{0,10}\Z"))
        elif key == "adapter":
            source["adapter"] = {"name": "host%d" % draw(st.integers(0, 9))}
        elif key == "auth":
            continue  # the test driver has no secret driver: auth is refused there (the lab tests it)
        elif key == "protocol_version" and source.get("format", "auto") not in ("auto", "nfs"):
            continue
        elif key == "part_separator" and "device" not in source:
            continue  # libvirt carries it on <device>: refused without one
        elif pvs.SOURCE.get(key):
            source[key] = draw(valid(pvs.SOURCE[key]))
    if source:
        item["source"] = source
    optional(
        item,
        pv.POOL,
        draw,
        ["autostart", "overwrite", "delete_data"]
        + (["cow"] if kind in ("dir", "fs") else [])
        + [key for key in rule.extras],
    )
    if rule.volume_formats is not None and state == "active":
        item["volumes"] = draw(st.lists(volume(kind, rule, source), max_size=3, unique_by=lambda v: v["name"]))
    return item


@st.composite
def volume(draw, kind, rule, source):
    if kind == "disk":
        name = source["device"].rsplit("/", 1)[1] + str(draw(st.integers(1, 9)))
    else:
        name = draw(valid(pvv.VOLUME["name"] or pc.volume_name))
    item = {"name": name, "capacity": draw(SIZE)}
    if rule.volume_formats:
        item["format"] = draw(st.sampled_from(rule.volume_formats))
    return optional(item, pvv.VOLUME, draw, ["permissions"] if kind != "disk" else [])


def sources_apart(items):
    """Whether no two pools of the list use one source: libvirt refuses the second, and so does the validator."""
    try:
        pv.check_sources_apart([pv.parse_pool(item, "pools[%d]" % i) for i, item in enumerate(items)], items)
        return True
    except checks.InputError:
        return False


# ---------------------------------------------------------------------------------------------------- networks

# The SR-IOV NIC of the fake sysfs the tests give network_reconcile.check_sriov (this machine has none).
SRIOV_PF = "sriov0"
SRIOV_VFS = ["0000:03:10.%d" % fn for fn in range(4)]


@st.composite
def ip_block(draw, third):
    item = {"address": "10.%d.%d.1" % (third // 256, third % 256), "prefix": 24}
    if draw(st.booleans()):
        item["dhcp_ranges"] = [
            {
                "start": "10.%d.%d.100" % (third // 256, third % 256),
                "end": "10.%d.%d.%d" % (third // 256, third % 256, draw(st.integers(100, 254))),
            }
        ]
    if draw(st.booleans()):
        item["dhcp_hosts"] = [{"ip": "10.%d.%d.50" % (third // 256, third % 256), "mac": draw(UNICAST_MAC)}]
    return item


@st.composite
def network(draw, mode=None, name=None, third=None, bridges=()):
    """A valid network of a forward mode from network_model.MODES; bridges are the bridge names it may use."""
    mode = mode or draw(valid(nv.NETWORK_FIELDS["mode"]))
    item = {"name": name or draw(valid(nv.network_name)), "mode": mode}
    third = draw(st.integers(0, 60000)) if third is None else third
    if mode in nm.MANAGED_MODES:
        if mode != "isolated" or draw(st.booleans()):
            item["ips"] = [draw(ip_block(third))]
        optional(item, nv.NETWORK_FIELDS, draw, ["stp", "delay", "mac", "domain", "mtu"])
        if "domain" in item:
            optional(item, nv.NETWORK_FIELDS, draw, ["domain_local_only"])
        if draw(st.booleans()):
            item["dns"] = {"enable": True, "hosts": [{"ip": "10.0.0.9", "hostnames": [draw(valid(nv.dns_name))]}]}
        if mode == "nat" and draw(st.booleans()):
            item["nat"] = {"port_start": 1024, "port_end": draw(st.integers(1024, 65535))}
    elif mode == "bridge":
        if bridges and draw(st.booleans()):
            item["bridge_name"] = draw(st.sampled_from(bridges))
            if draw(st.booleans()):
                item["virtualport_type"] = "openvswitch"
                item["portgroups"] = [
                    {"name": "vlan%d" % tag, "vlan": {"tags": [tag]}}
                    for tag in draw(st.lists(valid(checks.vlan_id), max_size=2, unique=True))
                ]
        else:
            item["forward"] = {"interfaces": draw(st.lists(valid(checks.ifname), min_size=1, max_size=2, unique=True))}
    elif mode in nm.DIRECT_MODES:
        item["forward"] = (
            {"pf": SRIOV_PF}
            if mode == "passthrough" and draw(st.booleans())
            else {"interfaces": draw(st.lists(valid(checks.ifname), min_size=1, max_size=2, unique=True))}
        )
    else:  # hostdev
        item["forward"] = draw(
            st.one_of(
                st.just({"pf": SRIOV_PF}),
                st.builds(dict, addresses=st.lists(st.sampled_from(SRIOV_VFS), min_size=1, max_size=2, unique=True)),
            )
        )
    return optional(item, {"autostart": checks.boolean}, draw, ["autostart"])


# --------------------------------------------------------------------------------------------------------- VMs

USER_DATA = st.fixed_dictionaries(
    {},
    optional={
        # cloud-init's schema wants at least one item in each list below.
        "users": st.lists(
            st.one_of(
                st.just("default"),
                st.builds(dict, name=WORDS, ssh_authorized_keys=st.lists(WORDS, min_size=1, max_size=2)),
            ),
            min_size=1,
        ),
        "groups": st.lists(WORDS, min_size=1, max_size=2),
        "ssh_authorized_keys": st.lists(WORDS, min_size=1, max_size=2),
        "chpasswd": st.builds(dict, expire=st.booleans()),
        "write_files": st.lists(
            st.builds(dict, path=ABS_PATH, content=valid(cloudinit_validate.string)), min_size=1, max_size=2
        ),
        "runcmd": st.lists(st.one_of(WORDS, st.lists(WORDS, min_size=1, max_size=3)), min_size=1, max_size=2),
        "bootcmd": st.lists(WORDS, min_size=1, max_size=2),
        "packages": st.lists(WORDS, min_size=1, max_size=3),
        "mounts": st.lists(st.lists(WORDS, min_size=1, max_size=6), min_size=1, max_size=2),
    },
)


@st.composite
def disk(draw, pool_name, base):
    # type image needs the images kind declared and downloaded first: not generated yet (see docs/inputs.md).
    kind = draw(st.sampled_from([kind for kind in dd.DISK_TYPES if kind != "image"]))
    item = {"type": kind}
    if kind in ("file", "cdrom"):
        item["path"] = draw(valid(dd.DISK_FIELDS["path"]))
    elif kind == "volume":
        item["volume"] = base
    else:
        item["size"] = draw(valid(dd.DISK_FIELDS["size"]))
        if kind in ("copy", "overlay"):
            item["base"] = base
        if kind == "overlay":
            item["format"] = "qcow2"
    if kind != "file" and kind != "cdrom":
        item["pool"] = pool_name
    bus = draw(valid(dd.DISK_FIELDS["bus"]))
    item["bus" if draw(st.booleans()) else "disk_driver"] = bus
    return optional(item, dd.DISK_FIELDS, draw, ["cache", "io", "discard"])


@st.composite
def nic(draw, networks):
    kind = draw(st.sampled_from(dn.NIC_TYPES))
    item = {"type": kind}
    source = dn.NIC_SOURCE.get(kind)
    if source:
        value = draw(st.sampled_from(networks)) if kind == "network" else draw(valid(dn.NIC_FIELDS[source]))
        item[source if draw(st.booleans()) else "source"] = value
    if kind == "direct":
        optional(item, dn.NIC_FIELDS, draw, ["mode"])
    if kind == "ethernet":
        optional(item, dn.NIC_FIELDS, draw, ["target_dev"])
    if kind in ("network", "hostdev"):
        optional(item, dn.NIC_FIELDS, draw, ["vlan"])
    if kind != "hostdev":
        model = draw(valid(dn.NIC_FIELDS["model"]))
        item["model" if draw(st.booleans()) else "network_driver"] = model
    return optional(item, dn.NIC_FIELDS, draw, ["mtu"])


@st.composite
def vm(draw, pool_name="default-pool", base="base.qcow2", networks=("default",), name=None):
    """A valid VM: every disk type and NIC type, BIOS or UEFI (secure boot on q35), cloud-init or not."""
    item = {
        "name": name or draw(valid(dv.VM_FIELDS["name"])),
        "memory": draw(valid(dv.VM_FIELDS["memory"])),
        "pool": pool_name,
    }
    item["vcpus" if draw(st.booleans()) else "vcpu"] = draw(st.integers(1, 4))
    firmware = draw(valid(dv.VM_FIELDS["firmware"]))
    item["firmware"] = firmware
    if firmware == "uefi" and draw(st.booleans()):
        item.update(secure_boot=True, machine="q35")
    optional(item, dv.VM_FIELDS, draw, ["autostart", "boot", "serial_console", "rng", "guest_agent", "description"])
    if draw(st.booleans()):
        item["cpu"] = draw(st.one_of(st.just({"mode": "host-model"}), st.just({"mode": "custom", "model": "qemu64"})))
    if draw(st.booleans()):
        item["graphics"] = draw(
            st.one_of(
                st.booleans(),
                valid(dv.GRAPHICS_FIELDS["type"]),
                st.builds(
                    dict, type=st.sampled_from(["vnc", "spice"]), listen=st.sampled_from(["127.0.0.1", "0.0.0.0"])
                ),
            )
        )
    disks = draw(st.lists(disk(pool_name, base), max_size=3))
    if disks:
        item["disks"] = disks
    nics = draw(
        st.lists(
            nic(list(networks)),
            max_size=3,
            unique_by=lambda n: str(n.get("source") or n.get("pci")) if n["type"] == "hostdev" else id(n),
        )
    )
    if nics:
        item["nics" if draw(st.booleans()) else "network_interfaces"] = nics
    if draw(st.booleans()):
        item["cloud_init"] = {"user_data": draw(USER_DATA)}
    return item


# --------------------------------------------------------------------------------------------------- mutations

INJECTIONS = [
    "it's",
    'say "hi"',
    "a\nb",
    "<x/>",
    "--force",
    "a;reboot",
    "nul\x00byte",
    "bad\udcffbytes",
    "x" * 300,
    "",
    " ",
    "../../etc",
    "$(id)",
    "&amp;",
]
WRONG_TYPES = [True, False, 0, 1, 10, -1, 3.5, 2**32, 10**20, "yes", "no", "010", [], {}, ["x"], {"a": 1}, None]
MUTATIONS = (
    "wrong_type",
    "injection",
    "misspell",
    "unknown_key",
    "drop_key",
    "duplicate",
    "scalar_for_mapping",
    "out_of_range",
)


def nodes(value, trail=()):
    """Every (trail, value) in the declaration; a trail is the keys and indexes from the top."""
    yield trail, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, trail + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, trail + (index,))


def _replace(top, trail, fn):
    """A copy of top with the value at trail replaced by fn(value) (or, for the top, fn(top))."""
    if not trail:
        return fn(top)
    head, rest = trail[0], trail[1:]
    copy = list(top) if isinstance(top, list) else dict(top)
    copy[head] = _replace(top[head], rest, fn)
    return copy


def mutate(draw, items):
    """One mutation of a valid list of declarations: (items, (how, trail))."""
    how = draw(st.sampled_from(MUTATIONS))
    every = list(nodes(items))
    mappings = [(t, v) for t, v in every if isinstance(v, dict) and v]
    lists = [(t, v) for t, v in every if isinstance(v, list) and v]
    leaves = [(t, v) for t, v in every if t and not isinstance(v, (dict, list))]
    if how in ("misspell", "unknown_key", "drop_key") and mappings:
        trail, value = draw(st.sampled_from(mappings))
        key = draw(st.sampled_from(sorted(value, key=str)))
        if how == "drop_key":
            return _replace(items, trail, lambda m: {k: v for k, v in m.items() if k != key}), (how, trail + (key,))
        new = key[:-1] + key[-1] * 2 if how == "misspell" else draw(WORDS) + "_x"
        return _replace(items, trail, lambda m: dict({k: v for k, v in m.items() if k != key}, **{new: m[key]})), (
            how,
            trail + (new,),
        )
    if how == "duplicate" and lists:
        trail, value = draw(st.sampled_from(lists))
        index = draw(st.integers(0, len(value) - 1))
        return _replace(items, trail, lambda seq: seq + [seq[index]]), (how, trail)
    if how == "scalar_for_mapping" and mappings:
        trail, _value = draw(st.sampled_from(mappings))
        scalar = draw(st.sampled_from([True, 5, "x", "no", ["a"]]))
        return _replace(items, trail, lambda _m: scalar), (how, trail)
    trail, _value = draw(st.sampled_from(leaves or every[1:] or every))
    bad = {
        "injection": st.sampled_from(INJECTIONS),
        "out_of_range": st.sampled_from([-1, 0, 65536, 4095, 2**32, 10**6, "99999999999"]),
    }.get(how, st.sampled_from(WRONG_TYPES))
    value = draw(bad)
    return _replace(items, trail, lambda _v: value), (how, trail)


@st.composite
def mutated(draw, declarations, per_declaration=8):
    """Several independent mutations of one valid list of declarations: drawing the declaration costs most of a
    case's time, a mutation of it little."""
    items = draw(declarations)
    return [mutate(draw, items) for _ in range(per_declaration)]


# ------------------------------------------------------------------------------------------- the path property

PATH_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
# Each key the validators read, and the other spellings a user may write for it.
SPELLINGS = {}
for _aliases in (dv.VM_ALIASES, dd.DISK_ALIASES, dn.NIC_ALIASES, pvs.SOURCE_ALIASES):
    for _written, _key in _aliases.items():
        SPELLINGS.setdefault(_key, set()).add(_written)


def names_what_was_written(message, name, items):
    """Whether message begins with `name[i]` and its path walks the input as written: each step is a key or an
    index the user wrote, until a step the user left out (a missing key the message asks for), which must not be
    another spelling of a key the user did write there."""
    head = message.split(": ", 1)[0]
    if not head.startswith(name + "[") or not re.fullmatch(r"(?:%s)+" % PATH_TOKEN.pattern, head[len(name) :]):
        return False
    node = items
    for key, index in PATH_TOKEN.findall(head[len(name) :]):
        if index:
            if isinstance(node, str):
                node = node.split()  # a space-separated list of names (the older ifupdown role's shape)
            if not (isinstance(node, list) and int(index) < len(node)):
                return False
            node = node[int(index)]
            continue
        written = {str(k): v for k, v in node.items()} if isinstance(node, dict) else {}
        if key not in written:
            return isinstance(node, dict) and not SPELLINGS.get(key, set()) & set(written)
        node = written[key]
    return True
