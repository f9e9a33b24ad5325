"""docs/migration.md's mapping of the older roles' names against the names those roles defined (a vendored list
of names, tests/sanity/fixtures/older_role_defaults.yml) and against the code that accepts, converts or refuses
them (the roles and the compat_* tables)."""

import glob
import os
import re

import pytest
import yaml

from ansible_collections.essentials.kvm.plugins.module_utils import compat_interfaces, compat_kvm, compat_openvswitch

pytestmark = pytest.mark.sanity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = {
    "ansible-kvm": ("kvm", compat_kvm.GLOBALS),
    "ansible-config-interfaces": ("config_interfaces", compat_interfaces.GLOBALS),
    "ansible-openvswitch": ("openvswitch", compat_openvswitch.GLOBALS),
}
STATUSES = ("1", "2", "3", "W")
IDENT = re.compile(r"^\.?([A-Za-z_][A-Za-z0-9_]*)(\[\]\.([A-Za-z_][A-Za-z0-9_]*))?")


def table_rows():
    """(section, first cell, [names as written], status) of every mapping row of docs/migration.md."""
    rows, section = [], None
    with open(os.path.join(ROOT, "docs", "migration.md")) as handle:
        for line in handle:
            if line.startswith("## "):
                section = next((s for s in SECTIONS if line.startswith("## %s " % s)), None)
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if section and line.startswith("|") and len(cells) == 3 and cells[1] in STATUSES:
                rows.append((section, cells[0], re.findall(r"`([^`]+)`", cells[0]), cells[1]))
    return rows


def globals_in_table(section):
    """The plain variable names (no item path) the section's rows name, with their status."""
    found = {}
    for sec, cell, names, status in table_rows():
        if sec != section or cell.startswith("item key"):
            continue
        for name in names:
            if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                found.setdefault(name, status)
    return found


def code_text():
    paths = (
        glob.glob(os.path.join(ROOT, "roles", "*", "*", "*.yml"))
        + glob.glob(os.path.join(ROOT, "roles", "*", "*", "*", "*.yml"))
        + glob.glob(os.path.join(ROOT, "plugins", "module_utils", "*.py"))
    )
    text = []
    for path in paths:
        with open(path) as handle:
            text.append(handle.read())
    return "\n".join(text)


def test_every_older_default_is_in_the_table():
    with open(os.path.join(ROOT, "tests", "sanity", "fixtures", "older_role_defaults.yml")) as handle:
        older = yaml.safe_load(handle)
    missing = {
        section: sorted(set(names) - set(globals_in_table(section)))
        for section, names in older.items()
        if set(names) - set(globals_in_table(section))
    }
    assert not missing, "older defaults missing from docs/migration.md: %s" % missing


def test_every_name_in_the_table_is_handled_by_the_code():
    text = code_text()
    unhandled = set()
    for _, _, names, _ in table_rows():
        for name in names:
            match = IDENT.match(name)
            if match:
                key = match.group(3) or match.group(1)
                if not re.search(r"\b%s\b" % re.escape(key), text):
                    unhandled.add(name)
    assert not unhandled, "named in docs/migration.md but nowhere in roles/ or module_utils: %s" % sorted(unhandled)


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_the_table_says_what_the_compat_table_does(section):
    documented = globals_in_table(section)
    role, table = SECTIONS[section]
    differ = {e.name: (documented.get(e.name), e.status) for e in table if documented.get(e.name) != e.status}
    assert not differ, "%s: docs/migration.md status != compat table status (docs, code): %s" % (role, differ)
