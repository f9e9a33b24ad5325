"""The images variant of the benchmark (issue 18): N VMs (20) from one ~300 MiB qcow2 that the lab's HTTP server
serves; see the section "Images" of bench/README.md.

Contenders, each from empty (every ekvm-bi-... object removed, the cached image with them) then a no-op rerun:
- `images`: the kvm role's libvirt_resources step (bench/playbooks/ours_libvirt.yml) with kvm_images (a fixed
  sha256) and every VM's disk `{image: bench300, size: 2G}`: one download, N overlays, N defines;
- `control`: the same scenario without images, every disk `{type: new, size: 2G}`;
- `floor`: bench/images_floor.py, the same download, overlays and defines with the fewest libvirt calls.
Everything runs in the lab namespace, where the server listens; the server's log gives the image's GETs per run.
Results go to bench/results/images-nN.json. Run as root with the lab up:
`.venv/bin/python bench/images_run.py --reps 3`.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys

import libvirt
import measure

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, REPO)
from tests.labkit import netns, paths  # noqa: E402
from tests.labkit.cloud_image import SERVED  # noqa: E402
from tests.labkit.image_server import URL  # noqa: E402

PREFIX = "ekvm-bi-"
POOL_ROOT = "/var/lib/libvirt/images"
IMAGE_DIR, IMAGE_FILE, IMAGE_NAME = "bench-images", "bench-300m.qcow2", "bench300"
IMAGE_MIB, IMAGE_VIRTUAL = 300, "1G"
SERVER_LOG = os.path.join(paths.LOGS, "image-server.log")
PY = os.path.join(REPO, ".venv", "bin", "python")
CONTENDERS = ("images", "control", "floor")
PHASES = ("first", "noop")


def prepare():
    """The served image (random data, so that it is 300 MiB to fetch and to hash) and its sha256, made once."""
    directory = os.path.join(SERVED, IMAGE_DIR)
    path = os.path.join(directory, IMAGE_FILE)
    if not os.path.exists(path + ".sha256"):
        os.makedirs(directory, exist_ok=True)
        raw = path + ".raw"
        subprocess.run(["qemu-img", "create", "-q", "-f", "raw", raw, IMAGE_VIRTUAL], check=True)
        subprocess.run(
            ["dd", "if=/dev/urandom", "of=" + raw, "bs=1M", "count=%d" % IMAGE_MIB, "conv=notrunc", "status=none"],
            check=True,
        )
        subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, path], check=True)
        os.unlink(raw)
        hasher = hashlib.sha256()
        with open(path, "rb") as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                hasher.update(chunk)
        with open(path + ".sha256", "w") as out:
            out.write(hasher.hexdigest())
    with open(path + ".sha256") as src:
        digest = src.read().strip()
    return {"url": "%s/%s/%s" % (URL, IMAGE_DIR, IMAGE_FILE), "sha256": digest, "bytes": os.path.getsize(path)}


def scenario(n, image):
    network = {"name": PREFIX + "net", "bridge": PREFIX + "br"}
    disk_pool = {"name": PREFIX + "vms", "path": os.path.join(POOL_ROOT, PREFIX + "vms")}
    image_pool = {"name": PREFIX + "img", "path": os.path.join(POOL_ROOT, PREFIX + "img")}
    vms = [
        {
            "name": "%svm%02d" % (PREFIX, i),
            "memory_mib": 64,
            "pool": disk_pool["name"],
            "volume": "%svm%02d-disk0.qcow2" % (PREFIX, i),
            "network": network["name"],
        }
        for i in range(n)
    ]
    volume = "%s-%s.img" % (IMAGE_NAME, image["sha256"][:12])
    return {
        "network": network,
        "disk_pool": disk_pool,
        "image_pool": image_pool,
        "vms": vms,
        "disk_bytes": 2 << 30,
        "image": dict(image, volume=volume),
    }


def role_vars(data, images):
    pools = [data["disk_pool"], data["image_pool"]]
    disk = {"image": IMAGE_NAME, "size": "2G"} if images else {"type": "new", "size": "2G"}
    result = {
        "kvm_virtual_networks": [
            {"name": data["network"]["name"], "mode": "isolated", "bridge_name": data["network"]["bridge"]}
        ],
        "kvm_storage_pools": [{"name": p["name"], "type": "dir", "target": {"path": p["path"]}} for p in pools],
        "kvm_vms": [
            {
                "name": vm["name"],
                "domain_type": "qemu",
                "memory": "64M",
                "vcpus": 1,
                "state": "shutdown",
                "autostart": True,
                "rng": False,
                "guest_agent": False,
                "pool": vm["pool"],
                "disks": [disk],
                "nics": [{"network": vm["network"]}],
            }
            for vm in data["vms"]
        ],
    }
    if images:
        image = data["image"]
        result["kvm_images"] = [
            {"name": IMAGE_NAME, "url": image["url"], "checksum": "sha256:" + image["sha256"], "pool": PREFIX + "img"}
        ]
    return result


def cleanup():
    conn = libvirt.open("qemu:///system")
    for dom in conn.listAllDomains():
        if dom.name().startswith(PREFIX):
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    for pool in conn.listAllStoragePools():
        if pool.name().startswith(PREFIX):
            if pool.isActive():
                for vol in pool.listAllVolumes():
                    vol.delete(0)
                pool.destroy()
            pool.undefine()
    for net in conn.listAllNetworks():
        if net.name().startswith(PREFIX):
            if net.isActive():
                net.destroy()
            net.undefine()
    conn.close()


def image_gets():
    try:
        with open(SERVER_LOG, errors="replace") as src:
            return sum(1 for line in src if '"GET /%s/%s ' % (IMAGE_DIR, IMAGE_FILE) in line)
    except FileNotFoundError:
        return 0


def argv_of(contender, work):
    if contender == "floor":
        return [PY, os.path.join(BENCH, "images_floor.py"), os.path.join(work, "scenario.json")]
    return [
        os.path.join(REPO, ".venv", "bin", "ansible-playbook"),
        "-c",
        "local",
        "-i",
        "localhost,",
        "-e",
        "ansible_python_interpreter=" + PY,
        "-e",
        "@" + os.path.join(work, contender + ".json"),
        os.path.join(BENCH, "playbooks", "ours_libvirt.yml"),
    ]


class RunFailed(Exception):
    """A run that failed, as when another user of the shared lab removes a pool while it is read."""


def repetition(contender, work, rep):
    """The phases of one contender from empty; a failed run starts them again (three attempts)."""
    for attempt in range(3):
        cleanup()
        try:
            return [one(contender, work, os.path.join(work, "%s-%s-%d.log" % (contender, p, rep))) for p in PHASES]
        except RunFailed as exc:
            print("attempt %d: %s" % (attempt + 1, exc), flush=True)
    raise SystemExit("%s failed three times" % contender)


def one(contender, work, log):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"), ANSIBLE_NOCOLOR="1")
    env["PYTHONPATH"] = BENCH  # images_floor imports libvirt_xml
    with open("/proc/loadavg") as src:
        load = float(src.read().split()[0])
    before = image_gets()
    rc, wall, cpu, peak_kb, _out = measure.run(netns.exec_argv(paths.NETNS, argv_of(contender, work)), env, log)
    if rc != 0:
        raise RunFailed("%s failed (rc %d), see %s" % (contender, rc, log))
    return {
        "wall": round(wall, 3),
        "cpu": round(cpu, 3),
        "peak_kb": peak_kb,
        "load": load,
        "gets": image_gets() - before,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    work = os.path.join(BENCH, "results", "work", "images-n%d" % args.n)
    os.makedirs(work, exist_ok=True)
    data = scenario(args.n, prepare())
    with open(os.path.join(work, "scenario.json"), "w") as out:
        json.dump(data, out, indent=1)
    for contender in ("images", "control"):
        with open(os.path.join(work, contender + ".json"), "w") as out:
            json.dump(role_vars(data, contender == "images"), out, indent=1)
    runs = {c: {p: [] for p in PHASES} for c in CONTENDERS}
    try:
        for rep in range(args.reps):
            for contender in CONTENDERS:
                for phase, measured in zip(PHASES, repetition(contender, work, rep)):
                    runs[contender][phase].append(measured)
                    print(contender, phase, measured, flush=True)
    finally:
        cleanup()
    summary = {
        c: {p: {k: statistics.median(r[k] for r in runs[c][p]) for k in runs[c][p][0]} for p in PHASES}
        for c in CONTENDERS
    }
    result = {"n": args.n, "image_bytes": data["image"]["bytes"], "runs": runs, "median": summary}
    with open(os.path.join(BENCH, "results", "images-n%d.json" % args.n), "w") as out:
        json.dump(result, out, indent=1)
    first, floor = summary["images"]["first"]["wall"], summary["floor"]["first"]["wall"]
    noop, control = summary["images"]["noop"]["wall"], summary["control"]["noop"]["wall"]
    print(
        "first converge: %.2f s vs floor %.2f s + 1.5 s: %s"
        % (first, floor, "met" if first <= floor + 1.5 else "NOT met")
    )
    print("no-op: %.2f s vs control %.2f s x 1.1: %s" % (noop, control, "met" if noop <= 1.1 * control else "NOT met"))


if __name__ == "__main__":
    main()
