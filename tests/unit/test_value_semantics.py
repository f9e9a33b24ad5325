"""A value means the same thing in every kind: the table of value classes x the kinds' fields.

Rows are value classes with the meaning docs/inputs.md gives each value (booleans, whole numbers, sizes, text,
interface names, MACs, VLAN ids, UUIDs, absolute paths). Columns are the fields of every kind that hold the class
(value_semantics.py finds them in the kinds' own tables). Each cell puts the value into the smallest valid
declaration of the kind, at the field, and runs the kind's whole validation:

- an accepted value normalises to the Python value of its meaning, and the kind's result is the same as for the
  value's canonical spelling (True for "yes", 33554432 bytes for "32", the lower-case MAC, the dashed UUID);
- a refused value is refused with the exact path of the field and the kit's message for that value (for text, the
  part after the "what": ", not a boolean: true (unquoted yes/no/... quote it)").
"""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import checks, ifupdown_fields
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate as dv
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_disks as dvd
from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate_nics as dvn
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate as nv
from ansible_collections.essentials.kvm.plugins.module_utils import network_validate_ip as nvi
from ansible_collections.essentials.kvm.plugins.module_utils import ovs_validate as ov
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate as pv
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_source as pvs
from ansible_collections.essentials.kvm.plugins.module_utils import storage_pool_validate_volume as pvv
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from tests.unit import value_semantics as vs
from tests.unit.generated_inputs import closure
from tests.unit.value_classes import value_class

MIB, GIB = 1024**2, 1024**3
REFUSED = "refused"
# What a YAML boolean or number where text belongs gets: refused, with the hint saying why.
NOT_TEXT = [(True, REFUSED), (False, REFUSED), (0, REFUSED), (1.5, REFUSED)]
UUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
ROWS = {
    "bool": [
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
        ("on", True),
        ("off", False),
        ("True", True),
        ("FALSE", False),
        ("y", True),
        (1, True),
        (0, False),
        ("1", True),
        ("maybe", REFUSED),
        (2, REFUSED),
        ("", REFUSED),
    ],
    "size": [
        (32, 32 * MIB),
        ("32", 32 * MIB),
        ("32M", 32 * MIB),
        ("32MiB", 32 * MIB),
        ("32G", 32 * GIB),
        ("32 GiB", 32 * GIB),
        ("1.5G", 3 * GIB // 2),
        ("32 MB", 32 * 10**6),
        ("ten", REFUSED),
        (True, REFUSED),
        (-1, REFUSED),
        ("-1", REFUSED),
    ],
    "mac": [
        ("52:54:00:ab:cd:ef", "52:54:00:ab:cd:ef"),
        ("52:54:00:AB:CD:EF", "52:54:00:ab:cd:ef"),
        ("52-54-00-ab-cd-ef", REFUSED),
        ("01:00:5e:00:00:01", REFUSED),
        ("52:54:00:ab:cd", REFUSED),
    ]
    + NOT_TEXT,
    "uuid": [
        (UUID, UUID),
        (UUID.upper(), UUID),
        (UUID.replace("-", ""), UUID),
        ("not-a-uuid", REFUSED),
    ]
    + NOT_TEXT,
    "vlan": [
        (1, 1),
        (4094, 4094),
        (10, 10),
        ("10", 10),
        (0, REFUSED),
        (4095, REFUSED),
        ("ten", REFUSED),
        (True, REFUSED),
        (10.0, REFUSED),
    ],
    "ifname": [
        ("br-lan.10", "br-lan.10"),
        ("abcdefghijklmno", "abcdefghijklmno"),
        ("br:1", REFUSED),
        ("abcdefghijklmnop", REFUSED),
        ("-x", REFUSED),
    ]
    + NOT_TEXT,
    "path": [("/etc/passwd", "/etc/passwd"), ("etc/passwd", REFUSED), ("/etc/../passwd", REFUSED)] + NOT_TEXT,
    "text": NOT_TEXT,
}


def int_rows(check):
    """Whole numbers within the field's own range: a number and its digits mean the same, nothing else does."""
    low, high = closure(check)["low"], closure(check)["high"]
    n = min(max(low, 10), high if high is not None else 10)
    rows = [(n, n), (str(n), n), ("0%d" % n, n), (float(n), REFUSED), ("%d.5" % n, REFUSED), (True, REFUSED)]
    rows += [("ten", REFUSED), (-1, -1 if low <= -1 else REFUSED)]
    return rows + ([(high + 1, REFUSED)] if high is not None else [])


def rows(field):
    found = int_rows(field.kit) if field.value_class == "int" else ROWS[field.value_class]
    return [(value, meaning) for value, meaning in found if meaning == REFUSED or not field.fixed]


def canonical(field, meaning):
    """The plainest spelling of a meaning: sizes in bytes, everything else as its Python value."""
    return "%dB" % meaning if field.value_class == "size" else meaning


FIELDS = vs.all_fields()
CELLS = [
    pytest.param(field, value, meaning, id="%s=%r" % (field.path, value))
    for field in FIELDS
    for value, meaning in rows(field)
]


def outcome(run):
    try:
        return run(), None
    except InputError as error:
        return None, error


def tail(message, value, field):
    """The part of a refusal every kind must share: all of it, or for text from the YAML type on."""
    text_based = field.value_class in ("text", "ifname", "mac", "uuid", "path")
    if text_based and isinstance(value, (bool, int, float)) and ", not " in message:
        return message[message.index(", not ") :]
    return message


@pytest.fixture
def recorded(monkeypatch):
    """What checks.Fields.get returned, by input path: the normalised value a kind keeps."""
    seen = {}
    get = checks.Fields.get

    def spy(self, key, check=checks.plain_text, required=False, default=None):
        result = get(self, key, check, required, default)
        if self.has(key):
            seen[self.where(key)] = result
        return result

    monkeypatch.setattr(checks.Fields, "get", spy)
    return seen


def normalised(field, seen, result):
    """The value the kind keeps for the field: what Fields.get returned there, or (ifupdown reads its keys in code)
    the attribute of the item; None where neither holds it (ifupdown's configure and enable)."""
    path = field.path[:-3] if field.path.endswith("[0]") else field.path
    if path in seen:
        kept = seen[path]
    elif field.kind is vs.IFUPDOWN:
        item_path, key = path.rsplit(".", 1)
        items = [item for item in result.items if result.paths[item.name] == item_path]  # none if not configured
        kept = getattr(items[0], ifupdown_fields.TYPED.get(key, (key,))[0], None) if items else None
    else:
        return None
    return kept[0] if path != field.path and kept is not None else kept


@pytest.mark.parametrize("field, value, meaning", CELLS)
def test_a_value_means_the_same_in_every_kind(field, value, meaning, recorded):
    expected, kit_error = outcome(lambda: field.kit(value, "x"))
    assert (REFUSED if kit_error else expected) == meaning, "the kit gives %r another meaning" % (value,)
    result, error = outcome(lambda: field.kind.run(field.declaration(value)))
    if meaning == REFUSED:
        assert error is not None, "%s accepts %r" % (field.path, value)
        assert error.message.startswith(field.path + ": "), error.message
        want = kit_error.message[len("x: ") :]
        assert tail(error.message[len(field.path) + 2 :], value, field) == tail(want, value, field)
        return
    assert error is None, "%s refuses %r: %s" % (field.path, value, error)
    kept = normalised(field, recorded, result)
    if kept is not None:
        assert kept * field.scale == expected if field.value_class == "size" else kept == expected
    plain = canonical(field, meaning)
    assert result == field.kind.run(field.declaration(plain)), "%s keeps %r otherwise than %r" % (
        field.path,
        value,
        plain,
    )


def test_ovs_keys_are_each_a_field_or_said_why_not():
    placed = {key for _keys, key in vs.OVS_FIELDS}
    for name in ("BRIDGE_KEYS", "PORT_KEYS", "BOND_KEYS", "MIRROR_KEYS", "VLAN_KEYS"):
        for key in getattr(ov, name):
            assert (name, key) in vs.OVS_FIELDS or key in vs.OVS_OTHER_KEYS or key in placed, (name, key)


def test_ifupdown_keys_are_each_a_field_or_said_why_not():
    keys = set(ifupdown_fields.COMMON_KEYS) | {
        key for _section, _cls, extra in ifupdown_fields.SECTIONS for key in extra
    }
    placed = set(vs.IFUPDOWN_COMMON) | {key for _section, key in vs.IFUPDOWN_EXTRA} | set(ifupdown_fields.TYPED)
    assert sorted(keys - placed - set(vs.IFUPDOWN_OTHER_KEYS)) == []


def test_the_table_covers_every_kind_and_class():
    """Which kinds have a field of each class; the test log shows the table's size."""
    columns = {}
    for field in FIELDS:
        columns.setdefault(field.value_class, set()).add(field.kind.name)
    print(
        "value semantics: %d fields of %d kinds, %d values, %d cells"
        % (len(FIELDS), len(vs.KINDS), sum(len(v) for v in ROWS.values()), len(CELLS))
    )
    for name, kinds in sorted(columns.items()):
        print("  %-6s %s" % (name, ", ".join(sorted(kinds))))
    assert set(columns) == set(ROWS) | {"int"}
    assert {field.kind for field in FIELDS} == set(vs.KINDS)


def reads_of_the_kinds(monkeypatch):
    """Every (input path, checker) the kinds read while running the table's declarations: Fields.get, and the
    helpers that read a section against its table (checks.values as checks.declared and the network_validate files
    use it, checks.read_set as each domain_validate and
    storage_pool file imports it), with the keys the input leaves out too."""
    found = set()
    get = checks.Fields.get

    def spy(self, key, check=checks.plain_text, required=False, default=None):
        found.add((self.where(key), check))
        return get(self, key, check, required, default)

    def section_spy(module, name):
        original = getattr(module, name)

        def read(fields, spec, *args):
            found.update((fields.where(key), check) for key, check in spec.items() if check)
            return original(fields, spec, *args)

        monkeypatch.setattr(module, name, read)

    monkeypatch.setattr(checks.Fields, "get", spy)
    for module in (checks, nv, nvi):
        section_spy(module, "values")
    for module in (checks, dv, dvd, dvn, pv, pvs, pvv):
        section_spy(module, "read_set")
    for field in FIELDS:
        accepted = [value for value, meaning in rows(field) if meaning != REFUSED]
        if accepted:
            outcome(lambda field=field, value=accepted[0]: field.kind.run(field.declaration(value)))
    return found


def test_every_field_the_kinds_read_is_a_column(monkeypatch):
    """A key a kind reads with a checker of a value class is in the table, wherever the kind keeps its checker."""
    columns = {field.path for field in FIELDS}
    missing = set()
    for path, check in sorted(reads_of_the_kinds(monkeypatch), key=lambda read: read[0]):
        holds = value_class(check)
        if holds and (path + "[0]" if holds[2] else path) not in columns:
            missing.add("%s (%s)" % (path, holds[0]))
    assert sorted(missing) == []
