"""Where contender 1's no-op rerun of the libvirt part spends its CPU, by phase; see bench/README.md.

For each N: converges the scenario once (from empty), runs the no-op rerun REPS times under
bench/ansible_phases.py and prints the median CPU seconds of each phase as a markdown table, with
the CPU of the whole process tree (bench/measure.py) to check that the phases add up. The scenario
is removed at the end unless --keep; --reuse then skips the first converge next time. Contender 1
runs from the working tree, or from a git commit (--ours-ref), or from another collections path
(--collections: a copy holding a change to try).
"""

import argparse
import json
import os
import statistics
import sys

import measure
import run
import verify

TASK_PREFIX = "essentials.kvm.kvm : "


def noop(files, log_prefix, rep):
    """One no-op rerun under ansible_phases.py: ({(owner, phase): cpu}, tree CPU)."""
    phases_out = "%s-rep%d.json" % (log_prefix, rep)
    argv = run.playbook_argv(run.OURS_VENV, "ours_libvirt.yml", files["ours"])
    argv = [
        os.path.join(run.OURS_VENV, "python"),
        os.path.join(run.BENCH, "ansible_phases.py"),
        "--phases-out",
        phases_out,
    ] + argv[1:]
    log = "%s-rep%d.log" % (log_prefix, rep)
    env = run.ansible_env(run.OURS_VENV, log + ".count", log + ".ovs", ours=True)
    rc, _wall, cpu, _peak, _out = measure.run(argv, env=env, log_path=log)
    if rc != 0:
        sys.exit("the no-op rerun failed, see %s" % log)
    with open(log + ".count") as src:
        if json.load(src)["changed"]:
            sys.exit("the no-op rerun changed something, see %s" % log)
    with open(phases_out) as src:
        rows = json.load(src)["phases"]
    figures = {}
    for owner, phase, seconds in rows:
        owner = owner[len(TASK_PREFIX) :] if owner.startswith(TASK_PREFIX) else owner
        figures[(owner, phase)] = figures.get((owner, phase), 0.0) + seconds
    return figures, cpu


def table(samples, trees):
    keys = []
    for figures in samples:
        keys.extend(key for key in figures if key not in keys)
    lines = ["| where | phase | CPU s |", "|---|---|---|"]
    owners = {}
    for owner, phase in keys:
        median = statistics.median(figures.get((owner, phase), 0.0) for figures in samples)
        owners[owner] = owners.get(owner, 0.0) + median
        lines.append("| %s | %s | %.3f |" % (owner, phase, median))
    for owner, seconds in owners.items():
        lines.append("| %s | **all phases** | **%.3f** |" % (owner, seconds))
    tree = statistics.median(trees)
    lines.append(
        "| main process | interpreter exit, after the figures (tree minus phases) | %.3f |"
        % (tree - sum(owners.values()))
    )
    lines.append("| | **process tree (measure.py)** | **%.3f** |" % tree)
    return "\n".join(lines)


def measure_n(n, args):
    """The scenario for n on the lab, then REPS no-op reruns: (phase samples, tree CPU samples)."""
    files = run.write_inputs(n, False)["base"]
    log_prefix = os.path.join(run.WORK, "phases-n%d" % n)
    try:
        first = log_prefix + "-first.log"
        rc = 0
        if not args.reuse:
            run.cleanup("libvirt")
            rc = measure.run(
                run.playbook_argv(run.OURS_VENV, "ours_libvirt.yml", files["ours"]),
                env=run.ansible_env(run.OURS_VENV, first + ".count", first + ".ovs", ours=True),
                log_path=first,
            )[0]
        problems = verify.libvirt_part(files["data"]) if rc == 0 else ["rc %d" % rc]
        if problems:
            sys.exit("the lab does not hold the scenario (%s), see %s" % (problems[:5], first))
        samples, trees = [], []
        for rep in range(args.reps):
            figures, tree = noop(files, log_prefix, rep)
            samples.append(figures)
            trees.append(tree)
            print("no-op %d: %.2f CPU s" % (rep + 1, tree), flush=True)
    finally:
        if not args.keep:
            run.cleanup("libvirt")
    return samples, trees


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[100])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--collections", help="collections path to run contender 1 from")
    parser.add_argument("--ours-ref", help="run contender 1 from this git commit instead of the working tree")
    parser.add_argument("--keep", action="store_true", help="leave the scenario on the lab")
    parser.add_argument(
        "--reuse", action="store_true", help="the scenario is on the lab already (--keep): skip the first converge"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the lab's libvirtd needs it")
    run.OURS_REF = args.ours_ref
    run.OURS_COLLECTIONS, version = (
        (args.collections, "collections path " + args.collections) if args.collections else run.ours_version()
    )
    print("contender 1: essentials.kvm from the %s" % version, flush=True)
    for n in args.n:
        print("N=%d" % n, flush=True)
        print(table(*measure_n(n, args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
