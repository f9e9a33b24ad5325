"""How a run treats the older roles' global variables, read from one table per role (compat_kvm.py,
compat_interfaces.py, compat_openvswitch.py); docs/migration.md shows the same tables.

Every older name has one status:
- SAME: read as before (the role's defaults and tasks use the name itself);
- CONVERTED: read under its new spelling (the role's defaults or the table's `convert`), with one warning
  naming that spelling;
- REFUSED: stops the run before any change unless it holds one of the older role's own defaults (which is
  what this collection does anyway), with a message naming the variable and what to write instead;
- UNUSED: has no effect here; a value other than the older default is a warning naming it.
"""

from collections import namedtuple

from .errors import InputError

SAME, CONVERTED, REFUSED, UNUSED = "1", "2", "3", "W"
# What the role's lookup returns for a variable nobody set.
UNSET = "__essentials_kvm_unset__"

# defaults: the older role's default values (a value among them never warns nor stops the run).
Older = namedtuple("Older", "name status new defaults hint")


def older(name, status, new="", defaults=(), hint=""):
    return Older(name, status, new, tuple(defaults), hint)


def _is_default(entry, value):
    return any(value == d or (isinstance(d, (int, bool)) and str(value) == str(d)) for d in entry.defaults)


def check(table, values):
    """values: {name: value} of the table's names (UNSET when not set) -> the warnings to show; raises
    InputError naming every refused variable at once, before the role changes anything."""
    warnings, refused = [], []
    for entry in table:
        value = values.get(entry.name, UNSET)
        if value == UNSET or entry.status == SAME or _is_default(entry, value):
            continue
        if entry.status == CONVERTED:
            warnings.append("%s is the older roles' spelling, read as %s" % (entry.name, entry.new))
            if entry.hint:
                warnings[-1] += ": " + entry.hint
        elif entry.status == UNUSED:
            warnings.append("%s is not used by this collection (set to %r): %s" % (entry.name, value, entry.hint))
        else:
            refused.append("%s (set to %r): %s" % (entry.name, value, entry.hint))
    if refused:
        raise InputError("", "older variables this collection cannot honour: " + "; ".join(refused))
    return warnings
