"""Live migration's downtime and total time in the lab (issue 24's performance figures), measured, not asserted.

A 256 MiB TCG guest running the counter boot sector (tests/labkit/counter_guest.py, on a read-only disk both
daemons open, so each move sends memory only) moves back and forth between two real libvirt daemons of this
script's own in the lab namespace (tests/labkit/private_daemons.PrivateLibvirtd, each with its own state; their
sockets are in this script's folder, which both see), through libvirt_migrate itself with
the role's defaults (kvm_migration_max_downtime 300 ms, auto-converge on, no bandwidth limit) unless given.
Per move: the module's seconds, and the downtime and total time libvirt measured. At the end the guest must
still count with the boot id it started with (it was never reset).

Run as root with the lab up (`make lab-up`; only its namespace is used):
    .venv/bin/python -m bench.migration_downtime [--moves 6] [--memory 256] [--max-downtime 300] [--out FILE]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import libvirt

from tests.labkit import paths
from tests.labkit.counter_guest import console_ticks, counter_sector, guest_xml
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module
from tests.labkit.private_daemons import PrivateLibvirtd

NAME = "ekvm-bm-migrate"
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def move(source_uri, source, target_uri, target, options):
    result = run_module(
        "libvirt_migrate",
        dict(
            {
                "uri": source_uri,
                "source": source,
                "moves": [{"name": NAME, "target": target, "address": "127.0.0.1", "uri": target_uri}],
            },
            **options,
        ),
        namespace=paths.NETNS,
        timeout=900,
    )
    if result.get("failed") or len(result.get("moves", [])) != 1:
        raise SystemExit("the move %s -> %s failed: %s" % (source, target, result.get("msg", result)))
    return result["moves"][0]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.migration_downtime")
    parser.add_argument("--moves", type=int, default=6, help="moves in all, alternately there and back")
    parser.add_argument("--memory", type=int, default=256, help="the guest's memory in MiB")
    parser.add_argument("--max-downtime", type=int, default=300, help="ms (kvm_migration_max_downtime)")
    parser.add_argument("--no-auto-converge", action="store_true")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    options = {"max_downtime": args.max_downtime, "auto_converge": not args.no_auto_converge}

    folder = tempfile.mkdtemp(prefix="ekvm-bm-migrate-", dir="/var/tmp")
    os.chmod(folder, 0o755)
    disk = os.path.join(folder, "boot.img")
    with open(disk, "wb") as handle:
        handle.write(counter_sector().ljust(1024 * 1024, b"\0"))
    os.chmod(disk, 0o644)
    daemons = [PrivateLibvirtd(os.path.join(folder, name)) for name in ("kvm1", "kvm2")]
    ends, figures = [], []
    try:
        for name, daemon in zip(("kvm1", "kvm2"), daemons):
            os.makedirs(daemon.folder)
            daemon.start()
            ends.append((name, daemon.uri, libvirt.open(daemon.uri)))
        first = ends[0][2]
        first.defineXML(guest_xml(NAME, args.memory, disk, readonly=True, serial=True)).create()
        started = None
        deadline = time.monotonic() + 60
        while started is None and time.monotonic() < deadline:
            started = console_ticks(first, NAME)
        if started is None:
            raise SystemExit("the guest wrote no tick within 60 s")
        for index in range(args.moves):
            (source, source_uri, _), (name, uri, _) = ends[index % 2], ends[(index + 1) % 2]
            made = move(source_uri, source, uri, name, options)
            figures.append(
                {
                    "from": source,
                    "to": name,
                    "seconds": made["seconds"],
                    "downtime_ms": made["downtime_ms"],
                    "time_ms": made["time_ms"],
                    "load1": round(os.getloadavg()[0], 2),
                }
            )
            print(
                "%s -> %s: %.1f s, libvirt: %s ms in all, downtime %s ms (load %.2f)"
                % (source, name, made["seconds"], made["time_ms"], made["downtime_ms"], os.getloadavg()[0])
            )
        last = console_ticks(ends[args.moves % 2][2], NAME)
        if not last or last[0] != started[0] or last[1] <= started[1]:
            raise SystemExit("the guest was reset or stopped counting: %s, then %s" % (started, last))
    finally:
        for _, _, conn in ends:
            remove_tagged(conn, NAME)
            conn.close()
        for daemon in daemons:
            daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)
    downtimes = [f["downtime_ms"] for f in figures]
    times = [f["time_ms"] for f in figures]
    summary = {
        "memory_mib": args.memory,
        "options": options,
        "moves": figures,
        "downtime_ms_median": statistics.median(downtimes),
        "downtime_ms_max": max(downtimes),
        "time_ms_median": statistics.median(times),
        "counter": "the same boot id from start to end",
    }
    print(
        "%d moves of a %d MiB guest: downtime median %s ms (max %s), total time median %s ms; never reset"
        % (len(figures), args.memory, summary["downtime_ms_median"], max(downtimes), summary["time_ms_median"])
    )
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(summary, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
