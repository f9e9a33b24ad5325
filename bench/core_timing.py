"""The libvirt part's own work, without Ansible: libvirt_resources' core on the lab's libvirtd, with
every libvirt call timed; see bench/README.md.

From empty, then again (the no-op): wall and CPU seconds of the converge and the libvirt calls that
took longest. Tells how much of contender 1's time is the collection's work and how much Ansible's.
Runs with the project's .venv (its collection in build/collections); removes the scenario at the end.
"""

import argparse
import collections
import functools
import os
import subprocess
import sys
import time

import libvirt

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "build", "collections"))

import scenario  # noqa: E402
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.essentials.kvm.plugins.module_utils import resources_reconcile  # noqa: E402
from ansible_collections.essentials.kvm.plugins.modules import libvirt_resources as module  # noqa: E402

SECONDS = collections.Counter()
CALLS = collections.Counter()


def timed(cls, name, func):
    @functools.wraps(func)
    def call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            SECONDS["%s.%s" % (cls.__name__, name)] += time.perf_counter() - start
            CALLS["%s.%s" % (cls.__name__, name)] += 1

    return call


def time_libvirt_calls():
    for cls in (
        libvirt.virConnect,
        libvirt.virNetwork,
        libvirt.virStoragePool,
        libvirt.virStorageVol,
        libvirt.virDomain,
    ):
        for name in dir(cls):
            if not name.startswith("_") and callable(getattr(cls, name)):
                setattr(cls, name, timed(cls, name, getattr(cls, name)))


def request(n):
    """The module's parameters for the scenario, defaults filled as AnsibleModule fills them."""
    variables = scenario.ours_vars(scenario.build(n, running=False, changed=False))
    raw = {
        "networks": variables["kvm_virtual_networks"],
        "pools": variables["kvm_storage_pools"],
        "vms": variables["kvm_vms"],
        "inventory_hostname": "localhost",
    }
    params = ArgumentSpecValidator(module.ARGUMENT_SPEC).validate(raw).validated_parameters
    return resources_reconcile.Request(
        networks=module.kind(params, "networks"),
        pools=module.kind(params, "pools"),
        vms=module.kind(params, "vms"),
        inventory_hostname=params["inventory_hostname"],
    )


def converge(label, wanted):
    SECONDS.clear()
    CALLS.clear()
    connections = resources_reconcile.Connections()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = resources_reconcile.converge(wanted, connections, diff=False)  # as ansible-playbook without --diff
    finally:
        connections.close()
    print(
        "%s: changed=%s, %.2f s wall, %.2f s CPU, %.2f s in libvirt calls (summed over threads)"
        % (label, result["changed"], time.perf_counter() - start, time.process_time() - cpu, sum(SECONDS.values()))
    )
    for name, seconds in SECONDS.most_common(5):
        print("  %-38s %6.3f s  %d calls" % (name, seconds, CALLS[name]))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    cleanup = [os.path.join(BENCH, ".venv", "bin", "python"), os.path.join(BENCH, "cleanup.py"), "--part", "libvirt"]
    subprocess.run(cleanup, check=True)
    wanted = request(args.n)
    time_libvirt_calls()
    try:
        converge("first converge, N=%d" % args.n, wanted)
        converge("no-op, N=%d" % args.n, wanted)
    finally:
        subprocess.run(cleanup, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
