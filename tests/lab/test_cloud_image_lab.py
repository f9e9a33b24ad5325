"""The lab's cloud image through the collection (issue 18), on the real libvirtd under TCG.

The image is built (or taken from the cache) and served over HTTP inside the lab namespace with
SHA256SUMS. `libvirt_resources` runs as its own process in that namespace, as Ansible runs it: it
declares the image by URL with `checksum_url` and two VMs on image disks grown to 4G with a NoCloud
seed, one with SeaBIOS and one with OVMF. Both boot from the image's own bootloader, take a DHCP
lease on a lab network and accept SSH with the hostname, user and grown root filesystem declared;
the image is fetched once and a rerun changes nothing and fetches nothing. The UEFI VM is then
removed (its NVRAM file with it) and the BIOS guest, booted once for all of them, takes live changes:
balloon, a vCPU, a disk and a NIC, each checked in the live and the persistent definition and inside
the guest; a change libvirt cannot make live comes back as restart_required.

Tests share the booted guest and run in file order. Objects are named ekvm-ib-XXXX.
"""

import json
import os
import shlex
import shutil
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import hostvm, paths
from tests.labkit.cloud_image import CURRENT, QCOW2, SUMS, CloudImage
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.image_server import URL, ImageServer, fetch
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module
from tests.labkit.proc import LabError, read_pid, run, wait_for

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAG = paths.PREFIX + "ib-" + uuid.uuid4().hex[:4]
NET, BRIDGE, POOL, IMAGE = TAG + "-net", TAG[5:] + "br", TAG + "-pool", "debian12"
BIOS, UEFI = TAG + "-bios", TAG + "-uefi"
SUBNET = "10.254.251."
WORK = os.path.join(paths.STATE, TAG)
BOOT_SECONDS = int(os.environ.get("EKVM_GUEST_BOOT_SECONDS", "400"))
USER = "cloudy"
MIB = 1024
TIMES = {}


def module(**params):
    """One run of libvirt_resources inside the lab namespace (where the image server listens)."""
    args = dict(params, uri=LIBVIRT_URI, inventory_hostname="lab", _ansible_diff=True)
    result = run_module("libvirt_resources", args, paths.NETNS, timeout=600)
    assert not result.get("failed"), "%s\ndone: %s" % (result.get("msg"), result.get("done"))
    return result


def vm(name, firmware, mac, **extra):
    spec = {
        "name": name,
        "state": "running",
        "firmware": firmware,
        "memory": "1G",
        "vcpus": 1,
        "max_vcpus": 2,
        "pool": POOL,
        "remove_volumes": True,
        "disks": [{"image": IMAGE, "size": "4G"}],
        "nics": [{"network": NET, "mac": mac}],
        "cloud_init": {
            "user_data": {
                "hostname": name[len(TAG) + 1 :],
                # A minbase root has no locales package: C.UTF-8 is built into libc.
                "locale": "C.UTF-8",
                "users": [
                    {
                        "name": USER,
                        "shell": "/bin/bash",
                        "sudo": "ALL=(ALL) NOPASSWD:ALL",
                        "ssh_authorized_keys": [hostvm.ensure_key().strip()],
                    }
                ],
            }
        },
    }
    spec.update(extra)
    return spec


def request(*vms):
    return {
        "pools": [{"name": POOL, "type": "dir", "path": os.path.join(WORK, "pool")}],
        "images": [
            {
                "name": IMAGE,
                "url": "%s/%s/%s" % (URL, CURRENT, QCOW2),
                "checksum_url": "%s/%s/%s" % (URL, CURRENT, SUMS),
                "pool": POOL,
            }
        ],
        "vms": list(vms),
    }


def libvirtd_path(path):
    """A path as libvirtd sees it: it runs in a mount namespace of its own."""
    return "/proc/%d/root%s" % (read_pid(os.path.join(paths.RUN, "libvirtd.pid")), path)


def _sub(parent, tag, **attrs):
    return ET.SubElement(parent, tag, attrs)


@pytest.fixture(scope="module")
def lab_env(lab):
    """The served image (built or cached), a DHCP network, the work folder; everything removed at the end."""
    started = time.monotonic()
    image = CloudImage().ensure()
    TIMES["build (0 when cached)"] = image.timings
    TIMES["build or cache wall"] = round(time.monotonic() - started, 1)
    server = ImageServer()
    assert server.pid(), "Lab.up starts the image server"
    os.makedirs(WORK)
    os.chmod(WORK, 0o755)
    conn = libvirt.open(LIBVIRT_URI)
    net = ET.Element("network")
    ET.SubElement(net, "name").text = NET
    _sub(net, "bridge", name=BRIDGE, stp="off", delay="0")
    ip = _sub(net, "ip", address=SUBNET + "1", netmask="255.255.255.0")
    _sub(_sub(ip, "dhcp"), "range", start=SUBNET + "100", end=SUBNET + "199")
    network = conn.networkDefineXML(ET.tostring(net, encoding="unicode"))
    network.create()
    try:
        yield {"conn": conn, "server": server, "network": network, "guest": {}}
    finally:
        remove_tagged(conn, TAG)
        network.destroy()
        network.undefine()
        conn.close()
        shutil.rmtree(WORK, ignore_errors=True)
        print("\ncloud image times (s): %s" % json.dumps(TIMES))


def _lease(network, mac):
    leases = [lease["ipaddr"] for lease in network.DHCPLeases() if lease["mac"] == mac]
    return leases[0] if leases else None


def ssh(address, command, timeout=60):
    argv = ["ssh", "-i", hostvm.SSH_KEY] + hostvm.ssh_options() + ["%s@%s" % (USER, address), command]
    return run(argv, check=False, timeout=timeout)


def _answers(address):
    try:
        return ssh(address, "true", timeout=40).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _wait_ssh(env, name, mac, started):
    try:
        address = wait_for(lambda: _lease(env["network"], mac), BOOT_SECONDS, interval=2, what="a DHCP lease")
        TIMES[name + " lease"] = round(time.monotonic() - started, 1)
        wait_for(
            lambda: _answers(address), max(BOOT_SECONDS - (time.monotonic() - started), 30), interval=3, what="SSH"
        )
    except LabError as exc:
        raise AssertionError("%s: %s" % (name, exc)) from None
    TIMES[name + " ssh"] = round(time.monotonic() - started, 1)
    return address


MACS = {BIOS: "52:54:00:ec:1b:01", UEFI: "52:54:00:ec:1b:02"}
SPECS = [vm(BIOS, "bios", MACS[BIOS]), vm(UEFI, "uefi", MACS[UEFI])]


def test_two_vms_from_one_image_boot_bios_and_uefi_with_one_download(lab_env):
    server, qcow2 = lab_env["server"], "/%s/%s" % (CURRENT, QCOW2)
    sums = fetch("%s/%s/%s" % (URL, CURRENT, SUMS), os.path.join(WORK, SUMS))
    with open(sums) as handle:
        assert {line.split()[1] for line in handle if line.strip()} == {QCOW2, QCOW2.replace(".qcow2", ".raw.xz")}
    before = server.requests(qcow2)
    started = time.monotonic()
    result = module(**request(*SPECS))
    TIMES["module: download, define, start"] = round(time.monotonic() - started, 1)
    assert result["changed"]
    assert server.requests(qcow2) == before + 1, "two VMs from one image make one GET of it"
    volume = result["images"][0]["volume"]
    conn = lab_env["conn"]
    base = conn.storagePoolLookupByName(POOL).storageVolLookupByName(volume).path()
    for name in (BIOS, UEFI):
        root = ET.fromstring(conn.lookupByName(name).XMLDesc(0))
        assert root.find("os/kernel") is None, "no direct boot: the image's own bootloader"
        disk = conn.storagePoolLookupByName(POOL).storageVolLookupByName(name + "-disk0.qcow2")
        vol = ET.fromstring(disk.XMLDesc(0))
        assert vol.findtext("backingStore/path") == base and vol.findtext("capacity") == str(4 * 1024**3)
    nvram = ET.fromstring(conn.lookupByName(UEFI).XMLDesc(0)).findtext("os/nvram")
    assert nvram and os.path.exists(libvirtd_path(nvram)), nvram
    lab_env["guest"]["nvram"] = nvram
    for name, firmware in ((BIOS, "bios"), (UEFI, "uefi")):
        address = _wait_ssh(lab_env, name, MACS[name], started)
        facts = ssh(
            address,
            "hostname; id -un; df -B1 --output=size / | tail -1; test -d /sys/firmware/efi && echo uefi || echo bios",
        ).stdout.split()
        assert facts[0] == name[len(TAG) + 1 :]
        assert facts[1] == USER
        assert int(facts[2]) > 3.5 * 1024**3, "growpart and resize2fs filled the 4G disk"
        assert facts[3] == firmware
        lab_env["guest"][name] = address


def test_second_run_changes_nothing_and_fetches_no_image(lab_env):
    qcow2 = "/%s/%s" % (CURRENT, QCOW2)
    before = lab_env["server"].requests(qcow2)
    again = module(**request(*SPECS))
    assert not again["changed"] and again["diff"] == [], again
    assert lab_env["server"].requests(qcow2) == before


def test_uefi_vm_removed_with_its_nvram(lab_env):
    nvram = lab_env["guest"].get("nvram")
    assert nvram, "the first test defined the UEFI VM"
    gone = module(**request(SPECS[0], dict(SPECS[1], state="absent")))
    assert gone["changed"]
    assert UEFI not in [d.name() for d in lab_env["conn"].listAllDomains(0)]
    assert not os.path.exists(libvirtd_path(nvram))


def _both(conn, name):
    """The live and the persistent (inactive) definition."""
    dom = conn.lookupByName(name)
    return ET.fromstring(dom.XMLDesc(0)), ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))


def _guest(lab_env):
    address = lab_env["guest"].get(BIOS)
    assert address, "the first test booted the BIOS guest"
    return address


def _converge(lab_env, **changes):
    result = module(**request(dict(SPECS[0], **changes)))
    assert result["changed"] and result["restart_required"]["vms"] == [], result
    return result


def _mem_total(address):
    return int(ssh(address, "free -m | awk '/^Mem:/ {print $2}'").stdout)


def _balloon(conn, target):
    """The persistent size at once; the live one once the guest's balloon driver has got there."""
    persistent = _both(conn, BIOS)[1]
    assert persistent.findtext("currentMemory") == str(target) and persistent.findtext("memory") == str(1024 * MIB)
    wait_for(
        lambda: abs(int(_both(conn, BIOS)[0].findtext("currentMemory")) - target) <= 4 * MIB,
        90,
        interval=2,
        what="the balloon at %d KiB" % target,
    )


def test_balloon_down_and_up_live_and_persistently(lab_env):
    address, conn = _guest(lab_env), lab_env["conn"]
    full = _mem_total(address)
    _converge(lab_env, current_memory="768M")
    _balloon(conn, 768 * MIB)
    assert _mem_total(address) < full - 200, "free -m shows the balloon"
    _converge(lab_env, current_memory="1G")
    _balloon(conn, 1024 * MIB)
    assert _mem_total(address) > full - 30


def test_a_vcpu_added_live_up_to_max_vcpus(lab_env):
    address, conn = _guest(lab_env), lab_env["conn"]
    assert ssh(address, "nproc").stdout.strip() == "1"
    _converge(lab_env, vcpus=2)
    for root in _both(conn, BIOS):
        assert root.findtext("vcpu") == "2" and root.find("vcpu").get("current") is None, ET.tostring(root.find("vcpu"))
    # The guest sees the CPU at once; Debian has no udev rule that onlines a hot-added CPU, so it comes up
    # offline (RHEL and Ubuntu ship such a rule): online it as that rule would.
    wait_for(
        lambda: ssh(address, "cat /sys/devices/system/cpu/present").stdout.strip() == "0-1",
        60,
        interval=2,
        what="the guest to see the second vCPU",
    )
    assert ssh(address, "echo 1 | sudo tee /sys/devices/system/cpu/cpu1/online").returncode == 0
    assert ssh(address, "nproc").stdout.strip() == "2"
    SPECS[0]["vcpus"] = 2  # the next tests keep it


def test_a_disk_attached_and_detached_live(lab_env):
    address, conn = _guest(lab_env), lab_env["conn"]
    disks = SPECS[0]["disks"]
    _converge(lab_env, disks=disks + [{"type": "new", "size": "64M"}])
    for root in _both(conn, BIOS):
        assert len(root.findall("devices/disk")) == 3, "the image disk, the seed and the new disk"
    wait_for(lambda: "64M" in ssh(address, "lsblk -dn -o SIZE").stdout, 60, interval=2, what="the disk in lsblk")
    _converge(lab_env, disks=disks)
    wait_for(
        lambda: len(_both(conn, BIOS)[0].findall("devices/disk")) == 2,
        60,
        interval=2,
        what="the guest to release the disk",
    )
    assert len(_both(conn, BIOS)[1].findall("devices/disk")) == 2
    assert "64M" not in ssh(address, "lsblk -dn -o SIZE").stdout


def _links(address):
    return len(ssh(address, "ip -br link | grep -v '^lo'").stdout.split("\n")) - 1


def test_a_nic_attached_and_detached_live(lab_env):
    address, conn = _guest(lab_env), lab_env["conn"]
    nics, links = SPECS[0]["nics"], _links(address)
    _converge(lab_env, nics=nics + [{"network": NET, "mac": "52:54:00:ec:1b:11"}])
    for root in _both(conn, BIOS):
        assert [m.get("address") for m in root.findall("devices/interface/mac")][-1] == "52:54:00:ec:1b:11"
    wait_for(lambda: _links(address) == links + 1, 60, interval=2, what="the NIC in ip link")
    _converge(lab_env, nics=nics)
    wait_for(
        lambda: len(_both(conn, BIOS)[0].findall("devices/interface")) == 1,
        60,
        interval=2,
        what="the guest to release the NIC",
    )
    assert len(_both(conn, BIOS)[1].findall("devices/interface")) == 1
    assert _links(address) == links


def test_what_cannot_change_live_is_restart_required_and_a_rerun_changes_nothing(lab_env):
    address, conn = _guest(lab_env), lab_env["conn"]
    result = module(**request(dict(SPECS[0], memory="1280M")))
    assert result["changed"] and result["restart_required"]["vms"] == [BIOS], result
    live, persistent = _both(conn, BIOS)
    assert live.findtext("memory") == str(1024 * MIB) and persistent.findtext("memory") == str(1280 * MIB)
    back = module(**request(SPECS[0]))
    assert back["changed"] and back["restart_required"]["vms"] == [], back
    again = module(**request(SPECS[0]))
    assert not again["changed"], again
    assert ssh(address, "hostname").stdout.strip() == "bios", "the guest never restarted"


# Runs inside the guest: writes each document it reads from stdin to a file and answers, per document, the exit
# status and output of `cloud-init schema --config-file` on it.
SCHEMA_CHECK = r"""
import json, os, subprocess, sys, tempfile
folder = tempfile.mkdtemp(prefix="seeds.")
answers = {}
for name, text in sorted(json.load(sys.stdin).items()):
    path = os.path.join(folder, name)
    with open(path, "w") as handle:
        handle.write(text)
    proc = subprocess.run(["cloud-init", "schema", "--config-file", path], capture_output=True, text=True)
    answers[name] = [proc.returncode, (proc.stdout + proc.stderr).strip()]
print(json.dumps(answers))
"""


def _cloud_configs(value, found):
    """Every cloud_init.user_data mapping in a declaration, however deep."""
    if isinstance(value, dict):
        user_data = (
            (value.get("cloud_init") or {}).get("user_data") if isinstance(value.get("cloud_init"), dict) else None
        )
        if isinstance(user_data, dict):
            found.append(user_data)
        for item in value.values():
            _cloud_configs(item, found)
    elif isinstance(value, list):
        for item in value:
            _cloud_configs(item, found)
    return found


def _generated_user_data(count):
    """A fixed sample (derandomised) of the user_data the generated input tests declare."""
    from hypothesis import HealthCheck, Phase, given, settings

    from tests.unit import generated_inputs

    drawn = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(generated_inputs.USER_DATA)
    def draw(user_data):
        if user_data not in drawn:
            drawn.append(user_data)

    draw()
    return drawn


def seed_user_data():
    """name -> user-data as libvirt_resources writes it into the seeds the tests make: this file's VMs, the
    examples', the secrets lab test's, the seed unit test's, and a sample of the generated input tests'."""
    import glob

    import yaml

    from ansible_collections.essentials.kvm.plugins.module_utils import domain_validate
    from tests.lab.secrets_samples import variables
    from tests.unit.domain_samples import cloud_init

    render = domain_validate.document("user")
    docs = {"cloud-image-%s" % spec["name"][len(TAG) + 1 :]: spec["cloud_init"]["user_data"] for spec in SPECS}
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*", "*_vars", "*.yml"))):
        with open(path) as handle:
            for index, user_data in enumerate(_cloud_configs(yaml.safe_load(handle), [])):
                docs["example-%s-%d" % (os.path.basename(path)[:-4], index)] = user_data
    docs["secrets-lab"] = variables(WORK)["kvm_vms"][0]["cloud_init"]["user_data"]
    rendered = {name: render(user_data, name) for name, user_data in docs.items()}
    rendered["domain-seed-unit"] = cloud_init().user_data
    for index, user_data in enumerate(_generated_user_data(8)):
        rendered["generated-%02d" % index] = render(user_data, "generated")
    return rendered


def test_every_seed_the_tests_make_passes_cloud_init_schema_in_the_guest(lab_env):
    """The guest's own cloud-init (the lab image's) validates each user-data: one SSH call, no extra boot. Each
    `cloud-init schema` starts cloud-init anew, some seconds apiece on a TCG guest: hence the long timeout.
    This test found that cloud-init's schema refuses an empty `runcmd`, `users`, `groups`, `packages`, `mounts`
    or `ssh_authorized_keys`; cloudinit_validate refuses them since (issue 26)."""
    address = _guest(lab_env)
    documents = seed_user_data()
    argv = ["ssh", "-i", hostvm.SSH_KEY] + hostvm.ssh_options() + ["%s@%s" % (USER, address)]
    proc = run(argv + ["sudo -n python3 -c %s" % shlex.quote(SCHEMA_CHECK)], input=json.dumps(documents), timeout=1800)
    answers = json.loads(proc.stdout)
    assert sorted(answers) == sorted(documents)
    refused = {name: out for name, (rc, out) in answers.items() if rc != 0}
    assert not refused, "\n\n".join("%s:\n%s\n%s" % (n, documents[n], out) for n, out in sorted(refused.items()))
    TIMES["cloud-init schema: documents valid"] = len(documents)
