# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report (fleet.json, index.html) from gathered host facts.

Input: a JSON list of {"name": host, "facts": <kvm_host_facts facts>} or {"name": host, "problem": text}
for a host that could not be read. Runs on the controller; needs Graphviz `dot`.
"""

import argparse
import shutil
import sys

from fleet_page import load_hosts, render


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hosts", help="JSON file with the gathered hosts")
    parser.add_argument("out", help="folder to write fleet.json and index.html to")
    parser.add_argument("--dot", default="dot", help="the Graphviz dot program")
    args = parser.parse_args(argv)
    if shutil.which(args.dot) is None:
        sys.stderr.write("Graphviz dot (%s) is not installed on the controller: apt-get install graphviz\n" % args.dot)
        return 2
    data = render(load_hosts(args.hosts), args.out, dot=args.dot)
    total = data["summary"]
    print("%d hosts (%d reachable), %d VMs: %s" % (total["hosts"], total["hosts_reachable"], total["vms"], args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
