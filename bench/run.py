"""Measure the three contenders on the lab's daemons for one or more N; see bench/README.md.

For each N, repetition and part (libvirt, ovs), every contender in turn starts from empty (all
ekvm-b-... objects removed) and runs three times: the first converge, a no-op rerun, and a rerun
after one VM's memory and one port's VLAN changed. Results go to results/nN[-running].json after
each repetition, so a run that stops can be started again and continues where it was.

BENCH_RESULTS=DIR keeps results, logs and inputs in DIR instead of bench/results; BENCH_SCALE=smoke
(which needs BENCH_RESULTS) runs a scenario of a few objects, to check that the bench still works.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import measure
import scenario
import verify

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
RESULTS = scenario.RESULTS
WORK = os.path.join(RESULTS, "work")
BENCH_PY = os.path.join(BENCH, ".venv", "bin", "python")
OURS_VENV = os.path.join(REPO, ".venv", "bin")
PER_ITEM_VENV = os.path.join(BENCH, ".venv", "bin")
# ours_same_ansible: our roles run by the per-item contender's Ansible, so the two differ only in the roles.
CONTENDERS = ("ours", "ours_same_ansible", "per_item", "raw")
PARTS = ("libvirt", "ovs")
PHASES = ("first", "noop", "change")
# Set by main(): where contender 1's collection comes from (--ours-ref).
OURS_REF = None
OURS_COLLECTIONS = None
# ovs-vsctl commands that write; a run holding none of them is a read.
OVS_WRITES = frozenset(
    (
        "add-br",
        "del-br",
        "add-port",
        "del-port",
        "add-bond",
        "add-bond-iface",
        "del-bond-iface",
        "set",
        "remove",
        "clear",
        "create",
        "destroy",
        "set-fail-mode",
        "del-fail-mode",
        "br-set-external-id",
        "add",
        "set-controller",
        "del-controller",
    )
)


def load():
    with open("/proc/loadavg") as src:
        return float(src.read().split()[0])


def export_collection(ref):
    """This checkout's collection at git REF (read with git archive), for a tree being edited."""
    commit = subprocess.run(
        ["git", "-C", REPO, "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    root = os.path.join(WORK, "collection-" + commit[:12])
    target = os.path.join(root, "ansible_collections", "essentials", "kvm")
    if not os.path.isdir(target):
        os.makedirs(target)
        archive = subprocess.run(["git", "-C", REPO, "archive", commit], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    return root, commit


def ours_version():
    """The collection contender 1 runs: (collections path, description)."""
    if OURS_REF:
        root, commit = export_collection(OURS_REF)
        return root, "commit %s" % commit[:12]
    commit = subprocess.run(
        ["git", "-C", REPO, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", REPO, "status", "--porcelain", "--", "plugins", "roles"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return os.path.join(REPO, "build", "collections"), "working tree at %s%s" % (
        commit[:12],
        " with local changes" if dirty else "",
    )


def ansible_env(venv, count_file, ovs_log, ours=False):
    env = dict(os.environ)
    env.update(
        {
            "PATH": os.path.join(BENCH, "bin") + os.pathsep + env.get("PATH", ""),
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(BENCH, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_count",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "BENCH_COUNT_FILE": count_file,
            "BENCH_OVS_LOG": ovs_log,
        }
    )
    if ours:
        env["ANSIBLE_COLLECTIONS_PATH"] = OURS_COLLECTIONS
    else:
        # The ansible package's own collections only, never this checkout's.
        env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    return env


def playbook_argv(venv, playbook, vars_file):
    return [
        os.path.join(venv, "ansible-playbook"),
        "-c",
        "local",
        "-i",
        "localhost,",
        "-e",
        "ansible_python_interpreter=%s" % os.path.join(venv, "python"),
        "-e",
        "@" + vars_file,
        os.path.join(BENCH, "playbooks", playbook),
    ]


def ovs_counts(ovs_log):
    runs = writes = 0
    if os.path.exists(ovs_log):
        with open(ovs_log) as src:
            for line in src:
                runs += 1
                writes += 1 if OVS_WRITES & set(line.rstrip("\n").split("\t")) else 0
    return runs, writes


def one_run(contender, part, files, log_path):
    """Run one contender once; return the measurement as a dict."""
    count_file = log_path + ".count"
    ovs_log = log_path + ".ovs"
    for stale in (count_file, ovs_log):
        if os.path.exists(stale):
            os.unlink(stale)
    if contender == "raw":
        argv = [BENCH_PY, os.path.join(BENCH, "raw_floor.py"), files["scenario"], "--part", part]
        env = ansible_env(PER_ITEM_VENV, count_file, ovs_log)
    else:
        ours = contender in ("ours", "ours_same_ansible")
        venv = OURS_VENV if contender == "ours" else PER_ITEM_VENV
        vars_file = files["ours"] if ours else files["scenario"]
        argv = playbook_argv(venv, "%s_%s.yml" % ("ours" if ours else contender, part), vars_file)
        env = ansible_env(venv, count_file, ovs_log, ours)
    load_before = load()
    rc, wall, cpu, peak_kb, out = measure.run(argv, env=env, log_path=log_path)
    result = {"rc": rc, "wall": round(wall, 3), "cpu": round(cpu, 3), "peak_kb": peak_kb, "load": load_before}
    if contender == "raw":
        result.update(json.loads(out.strip().splitlines()[-1]) if rc == 0 else {})
    elif os.path.exists(count_file):
        with open(count_file) as src:
            result.update(json.load(src))
    result["ovs_runs"], result["ovs_writes"] = ovs_counts(ovs_log)
    return result


def write_inputs(n, running):
    """Scenario and role-variable files for the base and the changed state."""
    os.makedirs(WORK, exist_ok=True)
    files = {}
    for phase_set, changed in (("base", False), ("changed", True)):
        data = scenario.build(n, running=running, changed=changed)
        tag = "n%d%s-%s" % (n, "-running" if running else "", phase_set)
        files[phase_set] = {
            "scenario": os.path.join(WORK, tag + "-scenario.json"),
            "ours": os.path.join(WORK, tag + "-ours.json"),
            "data": data,
        }
        scenario.write_vars(files[phase_set]["scenario"], data)
        scenario.write_vars(files[phase_set]["ours"], scenario.ours_vars(data))
    return files


def cleanup(part):
    subprocess.run([BENCH_PY, os.path.join(BENCH, "cleanup.py"), "--part", part], check=True)


def repetition(contender, part, inputs, log_prefix, wanted):
    cleanup(part)
    phases = {}
    for phase in wanted:
        files = inputs["changed" if phase == "change" else "base"]
        result = one_run(contender, part, files, "%s-%s.log" % (log_prefix, phase))
        check = verify.libvirt_part if part == "libvirt" else verify.ovs_part
        result["problems"] = check(files["data"])[:5] if result["rc"] == 0 else ["rc %d" % result["rc"]]
        phases[phase] = result
        print(
            "  %-8s %-7s %-6s %7.2f s (cpu %6.2f s) %6.1f MiB  modules=%s ovs=%s/%s load=%.1f %s"
            % (
                contender,
                part,
                phase,
                result["wall"],
                result["cpu"],
                result["peak_kb"] / 1024.0,
                result.get("modules", "-"),
                result["ovs_runs"],
                result["ovs_writes"],
                result["load"],
                "OK" if not result["problems"] else "PROBLEMS %s" % result["problems"],
            ),
            flush=True,
        )
        if result["problems"]:
            break
    return phases


def bench_n(n, args):
    name = "n%d%s" % (n, "-running" if args.running else "")
    path = os.path.join(RESULTS, name + ".json")
    data = {"n": n, "running": args.running, "ours_version": args.ours_version, "reps": []}
    if os.path.exists(path) and not args.fresh:
        with open(path) as src:
            data = json.load(src)
    inputs = write_inputs(n, args.running)
    for rep in range(args.reps):
        for part in args.parts:
            for contender in args.contenders:
                done = [r for r in data["reps"] if (r["rep"], r["part"], r["contender"]) == (rep, part, contender)]
                if (
                    done
                    and all(not p["problems"] for p in done[0]["phases"].values())
                    and set(args.phases) <= set(done[0]["phases"])
                ):
                    continue
                data["reps"] = [r for r in data["reps"] if r not in done]
                print("N=%d%s rep %d" % (n, " running" if args.running else "", rep + 1), flush=True)
                log_prefix = os.path.join(WORK, "%s-%s-%s-rep%d" % (name, contender, part, rep))
                phases = repetition(contender, part, inputs, log_prefix, args.phases)
                data["reps"].append(
                    {
                        "rep": rep,
                        "part": part,
                        "contender": contender,
                        "phases": phases,
                        "ours_version": args.ours_version,
                        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                    }
                )
                with open(path, "w") as out:
                    json.dump(data, out, indent=1)
    if args.fixed_cost and "libvirt" in args.parts and "args_floor" not in data:
        data["args_floor"] = args_floor(n, args.reps, inputs["base"]["ours"])
        with open(path, "w") as out:
            json.dump(data, out, indent=1)
    for part in args.parts:
        cleanup(part)


def timed_playbook(venv, playbook, vars_file, reps, log_name):
    """[wall, cpu] of each of reps runs of a playbook that must succeed (logs WORK/log_name-REP.log)."""
    runs = []
    for rep in range(reps):
        log = os.path.join(WORK, "%s-%d.log" % (log_name, rep))
        rc, wall, cpu, _peak, _out = measure.run(
            playbook_argv(venv, playbook, vars_file),
            env=ansible_env(venv, log + ".count", log + ".ovs"),
            log_path=log,
        )
        if rc != 0:
            sys.exit("%s failed, see %s" % (playbook, log))
        runs.append([round(wall, 3), round(cpu, 3)])
    return runs


def args_floor(n, reps, vars_file):
    """playbooks/args_floor.yml: the scenario's lists handed to a module that does nothing, with contender 1's
    Ansible; what any one-module design of the libvirt part costs at least."""
    runs = timed_playbook(OURS_VENV, "args_floor.yml", vars_file, reps, "args-floor-n%d" % n)
    print("args floor N=%d %s" % (n, runs), flush=True)
    return runs


def fixed_cost(reps):
    """Wall time of a one-task playbook with each Ansible."""
    path = os.path.join(RESULTS, "fixed.json")
    data = {}
    os.makedirs(WORK, exist_ok=True)
    empty = os.path.join(WORK, "empty-vars.json")
    scenario.write_vars(empty, {})
    for contender, venv in (("ours", OURS_VENV), ("per_item", PER_ITEM_VENV)):
        data[contender] = timed_playbook(venv, "one_task.yml", empty, reps, "fixed-%s" % contender)
        print("fixed cost %-8s %s" % (contender, data[contender]), flush=True)
    with open(path, "w") as out:
        json.dump(data, out, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="*", default=[10, 50, 100, 200])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument(
        "--phases",
        nargs="+",
        choices=PHASES,
        default=list(PHASES),
        help="fewer phases for a slow contender on a busy machine (in this order)",
    )
    parser.add_argument("--running", action="store_true", help="the variant with %d running VMs" % scenario.RUNNING)
    parser.add_argument("--fresh", action="store_true", help="discard earlier results of these N")
    parser.add_argument(
        "--fixed-cost",
        action="store_true",
        help="also time a one-task playbook and, per N, the scenario's lists handed to a module that does nothing",
    )
    parser.add_argument("--ours-ref", help="run contender 1 from this git commit instead of the working tree")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the lab's libvirtd and Open vSwitch need it")
    if scenario.SCALE != "full" and not os.environ.get("BENCH_RESULTS"):
        sys.exit("BENCH_SCALE=%s needs BENCH_RESULTS: its results must not mix with bench/results" % scenario.SCALE)
    global OURS_REF, OURS_COLLECTIONS
    OURS_REF = args.ours_ref
    OURS_COLLECTIONS, args.ours_version = ours_version()
    print("contender 1: essentials.kvm from the %s" % args.ours_version, flush=True)
    # A crashed earlier run may have left objects behind.
    for part in PARTS:
        cleanup(part)
    if args.fixed_cost:
        fixed_cost(args.reps)
    for n in args.n:
        bench_n(n, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
