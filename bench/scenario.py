"""The benchmark scenario: every object one host holds, for N VMs, in the shapes each contender takes.

Everything is named ekvm-b-...; the "change" variant differs from the base in one VM's memory and
one port's VLAN, so the rerun after it has exactly two things to do. BENCH_SCALE=smoke shrinks the
host to a few objects that still take every code path (tests/lab/test_bench_lab.py); BENCH_RESULTS
names the directory run.py and report.py keep results in, instead of bench/results.
"""

import json
import os

PREFIX = "ekvm-b-"
# Every bench script and subprocess reads the same BENCH_SCALE, so they all see one scenario.
SCALE = os.environ.get("BENCH_SCALE") or "full"
SCALES = {"full": (20, 20, 5, 200, 10), "smoke": (2, 2, 1, 4, 1)}
if SCALE not in SCALES:
    raise SystemExit("BENCH_SCALE=%s: one of %s" % (SCALE, ", ".join(SCALES)))
NETWORKS, POOLS, VOLUMES_PER_POOL, PORTS, RUNNING = SCALES[SCALE]
RESULTS = os.environ.get("BENCH_RESULTS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
POOL_ROOT = "/var/lib/libvirt/images"
BRIDGE = PREFIX + "br"
VM_MEMORY_MIB = 64
CHANGED_MEMORY_MIB = 96
PORT_TAG = 10
CHANGED_TAG = 11


def network_name(i):
    return "%sn%02d" % (PREFIX, i)


def pool_name(i):
    return "%sp%02d" % (PREFIX, i)


def volume_name(j):
    return "v%d.qcow2" % j


def vm_name(i):
    return "%svm%03d" % (PREFIX, i)


def port_name(i):
    return "%sq%03d" % (PREFIX, i)


def build(n, running=False, changed=False):
    """The desired state as plain data: networks, pools with volumes, VMs, the OVS bridge."""
    networks = [{"name": network_name(i), "bridge": "%snb%02d" % (PREFIX, i)} for i in range(NETWORKS)]
    pools = [
        {
            "name": pool_name(i),
            "path": os.path.join(POOL_ROOT, pool_name(i)),
            "volumes": [volume_name(j) for j in range(VOLUMES_PER_POOL)],
        }
        for i in range(POOLS)
    ]
    vms = []
    for i in range(n):
        # Disks spread over the pools' volumes (100 at full scale); beyond that many VMs, shut-off VMs
        # share them, while the running ones of that variant always have volumes of their own.
        vms.append(
            {
                "name": vm_name(i),
                "memory_mib": CHANGED_MEMORY_MIB if changed and i == 0 else VM_MEMORY_MIB,
                "pool": pool_name(i % POOLS),
                "volume": volume_name((i // POOLS) % VOLUMES_PER_POOL),
                "network": network_name(i % NETWORKS),
                "running": running and i < RUNNING,
            }
        )
    ports = [
        {"name": port_name(i), "tag": CHANGED_TAG if changed and i == 0 else PORT_TAG + i % 10} for i in range(PORTS)
    ]
    return {"networks": networks, "pools": pools, "vms": vms, "bridge": BRIDGE, "ports": ports}


def ours_vars(scenario):
    """Variables for the essentials.kvm roles (kvm_* of roles/kvm, openvswitch_bridges)."""
    return {
        "kvm_virtual_networks": [
            {
                "name": net["name"],
                "mode": "isolated",
                "bridge_name": net["bridge"],
                "state": "active",
                "autostart": True,
            }
            for net in scenario["networks"]
        ],
        "kvm_storage_pools": [
            {
                "name": pool["name"],
                "type": "dir",
                "state": "active",
                "autostart": True,
                "target": {"path": pool["path"]},
                "volumes": [{"name": vol, "capacity": "1G", "format": "qcow2"} for vol in pool["volumes"]],
            }
            for pool in scenario["pools"]
        ],
        "kvm_vms": [
            {
                "name": vm["name"],
                "domain_type": "qemu",
                "memory": "%dM" % vm["memory_mib"],
                "vcpus": 1,
                "state": "running" if vm["running"] else "shutdown",
                "autostart": True,
                "rng": False,
                "guest_agent": False,
                "disks": [{"type": "volume", "pool": vm["pool"], "volume": vm["volume"]}],
                "nics": [{"network": vm["network"]}],
            }
            for vm in scenario["vms"]
        ],
        "openvswitch_bridges": [
            {
                "name": scenario["bridge"],
                "datapath_type": "netdev",
                "ports": [{"name": port["name"], "type": "internal", "tag": port["tag"]} for port in scenario["ports"]],
            }
        ],
    }


def write_vars(path, data):
    with open(path, "w") as out:
        json.dump(data, out, indent=1)
