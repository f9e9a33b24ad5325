"""make lab-up / lab-down / lab-status / hosts-up / hosts-down:  python -m tests.labkit COMMAND"""

import argparse
import sys

from . import demo, host_install, hostvm
from .bare_image import SUITES, BareImage
from .cloud_image import CloudImage
from .lab import Lab
from .proc import LabError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.labkit")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the lab (reuses what runs)")
    sub.add_parser("down", help="stop the lab and remove its VMs, networks and namespaces")
    sub.add_parser("status")
    sub.add_parser("check-clean", help="fail if any lab process, namespace or VM is left")
    sub.add_parser("cloud-image", help="build the cloud image the lab serves if it is not cached")
    bare = sub.add_parser("bare-image", help="build a bare host image through the lab's package cache")
    bare.add_argument("release", choices=sorted(SUITES))
    demo_cmd = sub.add_parser("demo", help="converge the demo host VM with playbooks/site.yml, twice")
    demo_cmd.add_argument("--suite", default="trixie", help="Debian suite of the demo host: trixie or bookworm")
    sub.add_parser("demo-down", help="remove the demo host VM and stop the lab")
    hosts_up = sub.add_parser("hosts-up", help="boot host VMs and write their inventory")
    hosts_up.add_argument("names", nargs="+", choices=hostvm.HOST_NAMES)
    hosts_up.add_argument("--release", choices=sorted(SUITES), default="debian-13", help="the bare image to boot")
    hosts_up.add_argument(
        "--install",
        action="store_true",
        help="then the roles' first run on the hosts it booted, as the host_vms fixture does (installs the hypervisor)",
    )
    hosts_down = sub.add_parser("hosts-down", help="remove host VMs")
    hosts_down.add_argument("names", nargs="+", choices=hostvm.HOST_NAMES)
    args = parser.parse_args(argv)
    lab = Lab()
    try:
        if args.command == "up":
            lab.up()
            print(lab.status())
        elif args.command == "down":
            lab.down()
        elif args.command == "status":
            print(lab.status())
        elif args.command == "check-clean":
            leftovers = lab.leftovers()
            if leftovers:
                print("lab: left behind:\n  " + "\n  ".join(leftovers), file=sys.stderr)
                return 1
        elif args.command == "demo":
            demo.up(args.suite)
        elif args.command == "demo-down":
            demo.down()
        elif args.command == "cloud-image":
            print(CloudImage().ensure().dir)
        elif args.command == "bare-image":
            lab.up()
            print(BareImage(args.release).ensure().dir)
        elif args.command == "hosts-up":
            lab.up()
            hosts = [hostvm.HostVM(n, release=args.release) for n in args.names]
            already = {h.name for h in hostvm.running_hosts()}
            inventory = hostvm.boot(hosts)
            fresh = [h for h in hosts if h.name not in already]
            if args.install and fresh:
                host_install.install(fresh)
            print(inventory)
        elif args.command == "hosts-down":
            hostvm.destroy([hostvm.HostVM(n) for n in args.names])
    except LabError as exc:
        print("lab: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
