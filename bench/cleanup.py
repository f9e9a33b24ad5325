"""Remove every benchmark object (ekvm-b-...) from the lab's libvirtd and Open vSwitch.

Run before each measured converge "from empty", at the start of a bench run (a crashed run may have
left objects) and at its end. Only names starting with ekvm-b- are touched.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys

import libvirt
import scenario

URI = "qemu:///system"


def _quiet(_ctx, _err):
    """libvirt prints every error to stderr by default; objects vanishing meanwhile are expected."""


def _stop(obj):
    # A run killed halfway can leave an object changing state; it is gone or stopped either way.
    try:
        if obj.isActive():
            obj.destroy()
    except libvirt.libvirtError:
        pass


def clean_libvirt(conn):
    for dom in conn.listAllDomains():
        if dom.name().startswith(scenario.PREFIX):
            _stop(dom)
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    for net in conn.listAllNetworks():
        if net.name().startswith(scenario.PREFIX):
            _stop(net)
            net.undefine()
    for pool in conn.listAllStoragePools():
        if pool.name().startswith(scenario.PREFIX):
            _stop(pool)
            pool.undefine()
    # The pools' directories and volumes go with them; a pool dir is only ever ours by its name.
    # Matched by prefix, so a run at another scale (BENCH_SCALE) leaves none behind either.
    for path in glob.glob(os.path.join(scenario.POOL_ROOT, scenario.PREFIX + "*")):
        shutil.rmtree(path, ignore_errors=True)


def clean_ovs():
    subprocess.run(["ovs-vsctl", "--if-exists", "del-br", scenario.BRIDGE], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["libvirt", "ovs", "all"], default="all")
    args = parser.parse_args()
    libvirt.registerErrorHandler(_quiet, None)
    if args.part in ("libvirt", "all"):
        conn = libvirt.open(URI)
        try:
            clean_libvirt(conn)
        finally:
            conn.close()
    if args.part in ("ovs", "all"):
        clean_ovs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
