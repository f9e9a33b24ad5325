# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift for the fleet report: what the roles would change on this host, per object.

Nothing here plans on its own: the host's declared variables go through the modules' own validate, read and
plan functions in check mode (resources_reconcile for networks, pools and VMs; ovs_apply's read and ovs_plan
for Open vSwitch; ifupdown_apply.plan_files and ifupdown_plan for the interfaces, see topology_drift_net),
and each planned change is mapped to the report node of the object it touches:
`missing` (the roles would create it), `extra` (they would remove it: purge, or state absent) or `different`,
with the module's diff of that object as Ansible prints it. libvirt is opened read-only, so even a planner
that tried to change something could not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.essentials.kvm.plugins.module_utils import resources_reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt

# The role variables, by module part; a part runs when the play passed any of its lists.
LIBVIRT_LISTS = ("kvm_virtual_networks", "kvm_storage_pools", "kvm_images", "kvm_vms")
# The kvm role's kinds: (role variable prefix, resources_reconcile Request field).
KINDS = (
    ("kvm_virtual_networks", "networks"),
    ("kvm_storage_pools", "pools"),
    ("kvm_images", "images"),
    ("kvm_vms", "vms"),
)
# The kvm role's default kvm_images_pool_path (roles/kvm/defaults/main/images.yml).
IMAGES_POOL_PATH = "/var/lib/libvirt/images/essentials-images"
DIFF_CONTEXT = 3
VOLUME_ACTION = re.compile(r"^(?:create|delete|grow) volume (\S+)")


def unified(before, after, header):
    """A before/after pair as Ansible's default callback prints it with --diff (its _get_diff, DIFF_CONTEXT 3)."""
    before_lines, after_lines = (before or "").splitlines(True), (after or "").splitlines(True)
    for lines in (before_lines, after_lines):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    return "".join(
        difflib.unified_diff(
            before_lines,
            after_lines,
            fromfile="before: %s" % header,
            tofile="after: %s" % header,
            fromfiledate="",
            tofiledate="",
            n=DIFF_CONTEXT,
        )
    )


def drift_object(node_id, kind, name, status, source, actions, diff):
    return {
        "id": node_id,
        "kind": kind,
        "name": name,
        "status": status,
        "source": source,
        "actions": actions,
        "diff": diff,
    }


def status_of(actions, create, remove):
    """missing when the plan creates the object, extra when it removes it, else different."""
    if any(action.startswith(remove) for action in actions):
        return "extra"
    if any(action.startswith(create) for action in actions):
        return "missing"
    return "different"


class ReadOnlyConnections(resources_reconcile.Connections):
    """resources_reconcile's per-URI connections, opened read-only: the report must not be able to change a thing."""

    def __call__(self, uri):
        if uri not in self.open:
            if libvirt is None:
                raise HostError("the libvirt Python bindings are missing (install python3-libvirt)")
            try:
                self.open[uri] = libvirt.openReadOnly(uri)
            except libvirt.libvirtError as exc:
                raise HostError("cannot connect to libvirt at %s: %s" % (uri, exc.get_error_message() or exc))
        return self.open[uri]


def _images_pool(declared):
    """The dir pool `images` the kvm role adds to kvm_storage_pools when an image is cached there (its default
    pool) and kvm_storage_pools has no pool of that name: without it, the VMs on those images cannot plan."""
    images = declared.get("kvm_images") or []
    disks = [disk for vm in declared.get("kvm_vms") or [] if isinstance(vm, dict) for disk in vm.get("disks") or []]
    cached_there = any(isinstance(image, dict) and image.get("pool", "images") == "images" for image in images)
    inline = any(isinstance(disk, dict) and "url" in disk for disk in disks)
    pools = declared.get("kvm_storage_pools")
    if not (cached_there or inline) or not isinstance(pools, list):
        return []
    if "images" in [pool.get("name") for pool in pools if isinstance(pool, dict)]:
        return []
    return [{"name": "images", "path": declared.get("kvm_images_pool_path") or IMAGES_POOL_PATH}]


def libvirt_request(declared):
    """The kvm role's libvirt_resources call (roles/kvm/tasks/libvirt_resources.yml) as a Request."""
    kinds = {}
    for prefix, field in KINDS:
        if declared.get(prefix) is not None:
            items = declared[prefix]
            if prefix == "kvm_storage_pools":
                items = items + _images_pool(declared)
            kinds[field] = resources_reconcile.Kind(
                items=items,
                uri=declared.get(prefix + "_uri") or declared.get("kvm_libvirt_uri") or "qemu:///system",
                input_name=prefix,
                purge=bool(declared.get(prefix + "_purge")),
            )
    return resources_reconcile.Request(
        declared_bridges=list(declared.get("kvm_virtual_networks_declared_bridges") or []),
        inventory_hostname=declared.get("inventory_hostname"),
        **kinds,
    )


def _diffs(result):
    return {entry["before_header"]: entry for entry in result.get("diff", [])}


def _libvirt_objects(result):
    diffs = _diffs(result)
    found = []
    for net in result.get("networks", []):
        if net["actions"]:
            entry = diffs.get("network %s" % net["name"], {})
            found.append(
                drift_object(
                    "net:" + net["name"],
                    "network",
                    net["name"],
                    status_of(net["actions"], "define", "undefine"),
                    "kvm_virtual_networks",
                    net["actions"],
                    unified(entry.get("before"), entry.get("after"), "network %s" % net["name"]),
                )
            )
    for pool in result.get("pools", []):
        found += _pool_objects(pool, diffs.get("pool %s" % pool["name"], {}))
    for vm in result.get("vms", []):
        if vm["actions"]:
            entry = diffs.get(vm["name"], {})
            found.append(
                drift_object(
                    "vm:" + vm["name"],
                    "vm",
                    vm["name"],
                    status_of(vm["actions"], "define", "undefine"),
                    "kvm_vms",
                    vm["actions"],
                    unified(entry.get("before"), entry.get("after"), vm["name"]),
                )
            )
    return found


def _pool_objects(pool, entry):
    """The pool's own actions mark the pool; a volume's (create, delete, grow) mark that volume, with the
    lines of the pool's diff that describe it (`volume NAME: SIZE FORMAT`)."""
    name, found = pool["name"], []
    own = [action for action in pool["actions"] if not VOLUME_ACTION.match(action)]
    removed = any(action.startswith("undefine pool") for action in own)
    if own:
        found.append(
            drift_object(
                "pool:" + name,
                "pool",
                name,
                status_of(own, "define pool", "undefine pool"),
                "kvm_storage_pools",
                own,
                unified(entry.get("before"), entry.get("after"), "pool %s" % name),
            )
        )
    for action in pool["actions"]:
        match = VOLUME_ACTION.match(action)
        if not match or removed:
            continue
        volume = match.group(1)

        def lines(text, volume=volume):
            return "".join(line for line in (text or "").splitlines(True) if line.startswith("volume %s:" % volume))

        status = {"create": "missing", "delete": "extra"}.get(action.split()[0], "different")
        found.append(
            drift_object(
                "vol:%s/%s" % (name, volume),
                "volume",
                volume,
                status,
                "kvm_storage_pools",
                [action],
                unified(lines(entry.get("before")), lines(entry.get("after")), "pool %s" % name),
            )
        )
    return found


def libvirt_drift(declared):
    """(objects, warnings, commands) the kvm role's libvirt_resources call would change, from its own check-mode
    run; libvirt has no command line to show."""
    request = libvirt_request(declared)
    with ReadOnlyConnections() as connect:
        result = resources_reconcile.converge(request, connect, check_mode=True, diff=True)
    return _libvirt_objects(result), result.get("warnings", []), None


def compute(declared, parts):
    """facts['drift'] for the declared variables: `parts` maps a part's name to (its lists,
    reader(declared) -> (objects, warnings, commands)).
    None when the play declared nothing for this host; a part whose input is invalid (or whose host side
    cannot be read) is an error entry, the other parts still report."""
    drift = {"objects": [], "errors": [], "warnings": [], "commands": {}}
    ran = False
    for name, (lists, reader) in parts.items():
        if not any(declared.get(key) is not None for key in lists):
            continue
        ran = True
        try:
            objects, warnings, commands = reader(declared)
        except EssentialsError as exc:
            drift["errors"].append({"part": name, "message": exc.message})
            continue
        drift["objects"] += objects
        drift["warnings"] += warnings
        if commands:
            drift["commands"][name] = commands
    return drift if ran else None
