"""The older ansible-openvswitch role's variables and item keys as the openvswitch role reads them."""

from .compat_globals import CONVERTED, SAME, older
from .errors import at

GLOBALS = [older(name, SAME) for name in ("openvswitch_bridges", "openvswitch_ports", "openvswitch_system_tuning")] + [
    older(
        "openvswitch_debian_packages",
        CONVERTED,
        "openvswitch_packages",
        [["openvswitch-switch", "openvswitch-common"]],
        "the packages on any OS family",
    ),
]
TIMEOUT_HINT = "the module gives ovs-vsctl its own timeout; remove it"


def convert(items, input_name, warnings):
    """openvswitch_bridges or openvswitch_ports with the older per-item `timeout` (ovs-vsctl's) taken out."""
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, dict) and "timeout" in item:
            item = {k: v for k, v in item.items() if k != "timeout"}
            warnings.append("%s is not used: %s" % (at(at(input_name, i), "timeout"), TIMEOUT_HINT))
        out.append(item)
    return out
