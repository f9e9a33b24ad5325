"""Whole-site cost on one converged host (issue 19): module runs, wall and controller CPU time of a
no-op playbooks/site.yml against a one-task playbook on the same host.

    .venv/bin/python bench/site_noop.py -i examples/homelab/inventory.yml -i HOSTS.json --limit homelab \\
        [-e @vars.yml ...] [--runs 3] [--converge] [--out result.json]

The inventories (-i, any number) must reach the host; --converge runs site.yml once first (its time is
reported, not part of the no-op figures, split into package installation, the tasks named "Install...",
and the rest). Each measured run is a fresh ansible-playbook: its wall time,
the CPU seconds of the controller's whole process tree (user + system, from the children's rusage), and
the module runs and changed results counted by bench/callback_plugins/bench_count.py. The ping floor is a
playbook of as many ping tasks as the no-op's module runs: no playbook that runs that many modules on the host
can be faster. A no-op must
report changed 0, else the script fails: a changing run measures something else.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SITE = os.path.join(ROOT, "playbooks", "site.yml")


def ping_playbook(count):
    """A playbook of `count` ping tasks: with one, the one-task playbook; with as many as the no-op's module runs,
    the floor of any playbook that runs that many modules on this host (ping's module is the smallest there is)."""
    tasks = "".join("    - name: Ping %d\n      ansible.builtin.ping:\n" % (index + 1) for index in range(count))
    return "---\n- name: Ping tasks on the host\n  hosts: all\n  gather_facts: false\n  tasks:\n" + tasks


def environment():
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, "build", "collections"),
            "ANSIBLE_ROLES_PATH": os.path.join(ROOT, "roles"),
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_count",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_NOCOLOR": "1",
        }
    )
    return env


def run(playbook, args, log):
    """One ansible-playbook run: wall seconds, controller CPU seconds, the callback's counts."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        count_file = handle.name
    env = dict(environment(), BENCH_COUNT_FILE=count_file)
    bin_dir = os.path.dirname(sys.executable)
    argv = [os.path.join(bin_dir, "ansible-playbook"), playbook] + args
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.write(proc.stdout)
    if proc.returncode != 0:
        sys.exit("%s failed (rc %d); see the log" % (" ".join(argv), proc.returncode))
    with open(count_file) as handle:
        counts = json.load(handle)
    os.unlink(count_file)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    slowest = sorted(counts["task_seconds"].items(), key=lambda item: -item[1])[:5]
    # The roles' package steps: config_interfaces' apt, openvswitch_host (its service start rides along, a
    # second or two) and the kvm role's one package run. Task names carry their role: "ROLE : Install ...".
    install = sum(
        seconds for name, seconds in counts["task_seconds"].items() if name.split(" : ")[-1].startswith("Install")
    )
    return dict(
        wall=round(wall, 2),
        cpu=round(cpu, 2),
        modules=counts["modules"],
        changed=counts["changed"],
        install_seconds=round(install, 2),
        rest_seconds=round(wall - install, 2),
        slowest_tasks=slowest,
    )


def run_pings(count, args, runs, log):
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as playbook:
        playbook.write(ping_playbook(count))
        playbook.flush()
        return [run(playbook.name, args, log) for _ in range(runs)]


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-i", "--inventory", action="append", required=True)
    parser.add_argument("--limit", required=True, help="the one host measured")
    parser.add_argument("-e", "--extra-vars", action="append", default=[])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--converge", action="store_true", help="run site.yml once before measuring")
    parser.add_argument("--out", help="write the result here as JSON")
    parser.add_argument("--log", default=os.path.join(tempfile.gettempdir(), "site_noop.log"))
    opts = parser.parse_args()
    args = sum((["-i", path] for path in opts.inventory), []) + ["--limit", opts.limit]
    args += sum((["-e", value] for value in opts.extra_vars), [])
    result = {"host": opts.limit}
    with open(opts.log, "w") as log:
        if opts.converge:
            result["converge"] = run(SITE, args, log)
        noops = [run(SITE, args, log) for _ in range(opts.runs)]
        checks = [run(SITE, args + ["--check"], log)]
        pings = run_pings(1, args, opts.runs, log)
        floor = run_pings(noops[0]["modules"], args, opts.runs, log)
    changed = [r["changed"] for r in noops + checks]
    if any(changed):
        sys.exit("the no-op runs changed something (%s): converge the host first (--converge)" % changed)
    result["noop"] = dict(
        wall=median([r["wall"] for r in noops]),
        cpu=median([r["cpu"] for r in noops]),
        modules=noops[0]["modules"],
        slowest_tasks=noops[0]["slowest_tasks"],
        runs=noops,
    )
    result["check"] = checks[0]
    result["one_task"] = dict(
        wall=median([r["wall"] for r in pings]), cpu=median([r["cpu"] for r in pings]), modules=pings[0]["modules"]
    )
    result["noop_vs_one_task"] = round(result["noop"]["wall"] / result["one_task"]["wall"], 2)
    result["ping_floor"] = dict(
        wall=median([r["wall"] for r in floor]), cpu=median([r["cpu"] for r in floor]), modules=floor[0]["modules"]
    )
    result["floor_vs_one_task"] = round(result["ping_floor"]["wall"] / result["one_task"]["wall"], 2)
    result["noop_vs_floor"] = round(result["noop"]["wall"] / result["ping_floor"]["wall"], 2)
    # One host: the no-op's controller CPU is the per-host figure (the fixed start-up cost included).
    result["controller_cpu_seconds_per_host"] = result["noop"]["cpu"]
    text = json.dumps(result, indent=2)
    print(text)
    if opts.out:
        with open(opts.out, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
