"""The machinery of the cross-kind test of value semantics (test_value_semantics.py): fields and value classes.

A field is a place in the smallest valid declaration of a kind where a value goes (a template with SLOT there), the
value class it holds and the kit checker that gives a value of that class its meaning. value_class reads the class off
a kind's checker: the kit's own checkers and factories (integer, text, ip, list_of) by what they are, the kinds'
checkers built on them by NAMED; a checker it does not know fails the test until it is classified there.
"""

import copy

from ansible_collections.essentials.kvm.plugins.module_utils import checks, cloudinit_validate, ifupdown_fields
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as dv
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_disks as dvd
from ansible_collections.essentials.kvm.plugins.module_utils import image_validate as imv
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate as nv
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate_ip as nvi
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate_portgroup as nvp
from ansible_collections.essentials.kvm.plugins.module_utils import ovs_validate as ov
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_checks as pc
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from tests.unit.generated_inputs import closure

SLOT = object()  # where the value under test goes in a template
FIXED = object()  # (FIXED, template): the slot must name something declared elsewhere, so refusals only


class Field:
    """One cell column: kind, the declaration template, the value class and the kit checker for its meaning."""

    def __init__(self, kind, template, value_class, kit, scale=1, fixed=False):
        self.kind = kind
        self.template = template
        self.value_class = value_class
        self.kit = kit
        self.scale = scale  # the kind keeps sizes in units of scale bytes (a VM's memory in KiB)
        self.fixed = fixed
        self.path = slot_path(template, kind.root)

    def declaration(self, value):
        return fill(self.template, value)

    def __repr__(self):
        return self.path


class Kind:
    def __init__(self, name, root, run):
        self.name, self.root, self.run = name, root, run


def fill(template, value):
    if template is SLOT:
        return copy.deepcopy(value)
    if isinstance(template, dict):
        return {key: fill(item, value) for key, item in template.items()}
    if isinstance(template, list):
        return [fill(item, value) for item in template]
    return template


def slot_path(template, path):
    """The input path of SLOT in template, as the kinds write it in errors."""
    items = (
        template.items() if isinstance(template, dict) else enumerate(template) if isinstance(template, list) else ()
    )
    for key, item in items:
        if item is SLOT:
            return at(path, key)
        found = slot_path(item, at(path, key))
        if found:
            return found
    return None


# ------------------------------------------------------------------------------------------------- value classes

# Checkers whose value class is not read off a closure. None: not one of the value classes tested here, with why.
NAMED = {
    checks.boolean: "bool",
    checks.size: "size",
    dvd.size_above_zero: "size",
    dv.memory_kib: "size",
    checks.mac: "mac",
    checks.uuid: "uuid",
    checks.vlan_id: "vlan",
    checks.ifname: "ifname",
    checks.abs_path: "path",
    checks.host: "text",
    checks.pci_address: "text",
    dv.vm_name: "text",
    dvd.volume_name: "text",
    dv.free_text: "text",
    nv.network_name: "text",
    nv.dns_name: "text",
    nvp.profile_id: "text",
    nvi.duid: "text",
    imv.url: "text",
    imv.checksum: "text",
    pc.mode: "text",
    ov.ovsdb_name: "text",
    ifupdown_fields.one_line: "text",
    cloudinit_validate.string: "text",
    # A version is a number by nature (protocol_version: 4); option values take numbers and booleans by design.
    pc.nfs_version: None,
    pc.rbd_option_value: None,
    checks.word: None,
    # Secrets: their errors never show the value, so a YAML boolean is not named either.
    pc.secret: None,
    pc.ceph_key: None,
    dv.graphics_password: None,
    # Names from a list of states, mappings, and sections read by their own readers.
    pc.pool_state: None,
    checks.mapping: None,
    dv.metadata: None,
    dv.boot_devices: None,
}
# The kit checker that gives each class its meaning (integers: the field's own range, from its checker).
KIT = {
    "bool": checks.boolean,
    "size": checks.size,
    "mac": checks.mac,
    "uuid": checks.uuid,
    "vlan": checks.vlan_id,
    "ifname": checks.ifname,
    "path": checks.abs_path,
    "text": checks.plain_text,
}


def value_class(check):
    """(class, kit checker, item of a list) of a table's checker; None if it holds none of the classes; KeyError if
    the checker is new here (classify it in NAMED)."""
    if check is None or hasattr(check, "choices"):
        return None
    if check in NAMED:
        name = NAMED[check]
        return (name, KIT[name], False) if name else None
    # The kit's factories, by the function that made the checker: integer(low, high), text(...), ip(version), list_of.
    factory = check.__qualname__.split(".<locals>")[0] if check.__module__ == checks.__name__ else None
    if factory == "integer":
        return "int", check, False
    if factory in ("text", "ip"):
        return "text", check, False
    if factory == "list_of":
        inner = value_class(closure(check)["check"])
        return inner and (inner[0], inner[1], True)
    if check.__qualname__.startswith(("document.", "read_", "_")) or check.__name__.startswith(("read_", "_")):
        return None  # a cloud-init document (a mapping or YAML text), or a section reader: its keys are fields
    raise KeyError("no value class for checker %r: add it to value_classes.NAMED" % (check,))


def table_fields(kind, table, context):
    """A Field for each key of table whose checker holds a value class; context(key, slot) places the slot."""
    found = []
    for key, check in table.items():
        holds = value_class(check)
        if not holds:
            continue
        name, kit, in_list = holds
        template = context(key, [SLOT] if in_list else SLOT)
        refusals_only = isinstance(template, tuple)
        template = template[1] if refusals_only else template
        scale = 1024 if check is dv.memory_kib else 1
        found.append(Field(kind, template, name, kit, scale, refusals_only))
    return found


def fixed(template):
    """A template whose slot must name something the declaration has elsewhere (a pool, a bond): refusals only."""
    return (FIXED, template)


def listed(kind, entries):
    """Fields from (class or integer checker, template) pairs."""
    found = []
    for holds, template in entries:
        refusals_only = isinstance(template, tuple)
        template = template[1] if refusals_only else template
        name, kit = ("int", holds) if callable(holds) else (holds, KIT[holds])
        found.append(Field(kind, template, name, kit, fixed=refusals_only))
    return found
