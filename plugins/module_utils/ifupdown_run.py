# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ifupdown_interfaces run on the host: its paths checked, the interfaces the kernel knows read, then converge
(ifupdown_apply.py). The module keeps only the Ansible side: its options and the call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.host_units import converge_packages
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_apply import (
    Applier,
    converge,
    plan_files,
    read_text,
)
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_owner import owner_running
from ansible_collections.essentials.kvm.plugins.module_utils.ifupdown_paths import check_paths


def host_interfaces():
    """Interface names the kernel knows now."""
    return sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []


def recover_host(params, runner, check_mode, warn):
    """Before anything is planned: put back what a run killed half way had changed (Applier.recover), so the plan
    starts from the configuration that run found. Check mode only says that the real run will."""
    if params.get("confirm") or params.get("report"):
        return
    applier = Applier(runner, params["state_dir"])
    if check_mode:
        left = read_text(applier.owner)
        if left is not None and not owner_running(left):
            warn(
                "a run killed while it changed the interfaces left %s: the next run puts back what it had changed "
                "first, which this check does not show" % applier.owner
            )
        return
    done = applier.recover(os.path.dirname(params[key]) for key in ("dest", "interfaces_file"))
    if done:
        warn(done)


def converge_host(params, runner, check_mode):
    """The module's result dict; runner(argv) -> (rc, stdout, stderr) runs ifquery, ifup and ifdown."""
    check_paths(params, check_mode)
    return converge(params, host_interfaces(), Applier(runner, params["state_dir"]), check_mode)


def validate_host(params):
    """The whole declared configuration and the paths checked, nothing written: what must hold before the packages
    come (plan_files is pure; the real run checks the paths for writing again)."""
    check_paths(params, True)
    plan_files(
        params,
        host_interfaces(),
        params["dest"],
        params["interfaces_file"],
        params.get("manage_main_file", False),
        params.get("purge", False),
    )


def converge_with_packages(params, runner, check_mode):
    """Install what params["packages"] lacks, then converge; a failure after an installation says so in `done`."""
    installed = converge_packages(runner, params.get("packages") or [], check_mode=check_mode)["installed"]
    try:
        result = converge_host(params, runner, check_mode)
    except EssentialsError as exc:
        if installed and not check_mode:
            exc.done.insert(0, "installed " + ", ".join(installed))
        raise
    result["installed"] = installed
    result["changed"] = result["changed"] or bool(installed)
    return result
