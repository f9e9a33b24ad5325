"""Base images by URL through libvirt_resources against the lab's real libvirtd (issue 18).

An HTTP server inside the lab namespace serves small qcow2 files made by qemu-img, and the module runs in that
namespace too, as its own process, as Ansible runs it. Two VMs use one image: one download; a rerun makes no
request; check mode touches nothing; a new checksum adds a volume while the VMs keep their backing file; purge
removes the old image only once no VM uses it. A UEFI VM on a full copy grown to its size gets its NVRAM file
from libvirt and loses it with the VM. Every object is named ekvm-img-XXXX and removed at the end; the server
is stopped by its PID.
"""

import hashlib
import os
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import paths, scratch_server
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module
from tests.labkit.proc import read_pid
from tests.labkit.scratch_server import qcow2_site

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = paths.PREFIX + "img-" + uuid.uuid4().hex[:4]
POOL, IMAGE = TAG + "-pool", TAG + "-tiny"


def module(check=False, **params):
    """One run of libvirt_resources inside the lab namespace (where the server listens); its JSON result."""
    args = dict(params, uri=LIBVIRT_URI, inventory_hostname="lab", _ansible_check_mode=check, _ansible_diff=True)
    return run_module("libvirt_resources", args, paths.NETNS)


@pytest.fixture(scope="module")
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    yield connection
    remove_tagged(connection, TAG)
    connection.close()


@pytest.fixture(scope="module")
def site(conn):
    """The served directory with two small qcow2 images, the server's URL and its log of requests."""
    with qcow2_site(TAG, {"tiny.qcow2": "64M", "tiny2.qcow2": "96M"}) as site:
        yield site


def gets(site, name):
    return scratch_server.gets(site["log"], "/" + name)


def sha256(site, name):
    with open(os.path.join(site["served"], name), "rb") as handle:
        return "sha256:" + hashlib.sha256(handle.read()).hexdigest()


def request(site, name="tiny.qcow2", vms=("a", "b"), purge=False, state="shutdown"):
    pools = [{"name": POOL, "path": os.path.join(site["work"], "pool")}]
    images = [{"name": IMAGE, "url": site["url"] + name, "checksum": sha256(site, name), "pool": POOL}]
    machines = [
        {
            "name": "%s-%s" % (TAG, vm),
            "state": state,
            "memory": "128M",
            "pool": POOL,
            "disks": [{"image": IMAGE, "size": "128M"}],
            "remove_volumes": True,
        }
        for vm in vms
    ]
    return dict(pools=pools, images=images, images_purge=purge, vms=machines)


def volumes(conn):
    return sorted(conn.storagePoolLookupByName(POOL).listVolumes())


def backing(conn, vm):
    vol = conn.storagePoolLookupByName(POOL).storageVolLookupByName("%s-%s-disk0.qcow2" % (TAG, vm))
    return ET.fromstring(vol.XMLDesc(0)).findtext("backingStore/path")


def test_check_mode_on_an_empty_host_shows_the_download_and_touches_nothing(conn, site):
    result = module(check=True, **request(site))
    assert not result.get("failed") and result["changed"], result
    assert result["images"][0]["actions"] == [
        "download %stiny.qcow2 into pool %s as %s (a pool this play creates)"
        % (site["url"], POOL, result["images"][0]["volume"])
    ]
    assert all(vm["actions"] for vm in result["vms"]), result["vms"]
    assert gets(site, "tiny.qcow2") == 0
    assert POOL not in [p.name() for p in conn.listAllStoragePools(0)]
    assert not any(d.name().startswith(TAG) for d in conn.listAllDomains(0))


def test_two_vms_one_download_and_a_rerun_makes_no_request(conn, site):
    result = module(**request(site))
    assert not result.get("failed") and result["changed"], result
    image = result["images"][0]
    assert image["format"] == "qcow2" and image["virtual_size"] == 64 * 1024 * 1024
    assert gets(site, "tiny.qcow2") == 1
    assert volumes(conn) == sorted([image["volume"], TAG + "-a-disk0.qcow2", TAG + "-b-disk0.qcow2"])
    base = conn.storagePoolLookupByName(POOL).storageVolLookupByName(image["volume"]).path()
    assert backing(conn, "a") == backing(conn, "b") == base
    assert not [f for f in os.listdir(os.path.join(site["work"], "pool")) if f.startswith(".")]
    again = module(**request(site))
    assert not again.get("failed") and not again["changed"] and again["diff"] == [], again
    assert gets(site, "tiny.qcow2") == 1


def test_a_new_checksum_adds_an_image_and_the_vms_keep_their_backing_file(conn, site):
    old = backing(conn, "a")
    result = module(**request(site, "tiny2.qcow2", purge=True))
    assert not result.get("failed") and result["changed"], result
    new = result["images"][0]["volume"]
    assert gets(site, "tiny2.qcow2") == 1 and new in volumes(conn)
    assert os.path.basename(old) in volumes(conn), "purge removed an image that VMs use"
    assert backing(conn, "a") == backing(conn, "b") == old


def test_purge_removes_the_old_image_only_after_its_last_vm_is_gone(conn, site):
    old = os.path.basename(backing(conn, "a"))
    spec = request(site, "tiny2.qcow2", purge=True)
    spec["vms"][0]["state"] = "absent"
    kept = module(**spec)
    assert not kept.get("failed") and kept["changed"], kept
    assert old in volumes(conn) and TAG + "-a-disk0.qcow2" not in volumes(conn)
    spec["vms"][1]["state"] = "absent"
    purged = module(**spec)
    assert not purged.get("failed") and purged["changed"], purged
    assert old not in volumes(conn) and TAG + "-b-disk0.qcow2" not in volumes(conn)
    assert {
        "name": old,
        "pool": POOL,
        "volume": old,
        "actions": ["delete unused image %s from pool %s" % (old, POOL)],
    } in purged["images"]
    assert gets(site, "tiny2.qcow2") == 1


def libvirtd_path(path):
    """A path as libvirtd sees it: it runs in a mount namespace of its own."""
    return "/proc/%d/root%s" % (read_pid(os.path.join(paths.RUN, "libvirtd.pid")), path)


def test_uefi_vm_gets_an_nvram_file_from_the_template_and_loses_it_with_the_vm(conn, site):
    spec = request(site, "tiny2.qcow2", vms=("efi",), state="running")
    spec["vms"][0]["firmware"] = "uefi"
    spec["vms"][0]["disks"][0]["clone"] = "full"
    result = module(**spec)
    assert not result.get("failed"), result
    copy = ET.fromstring(conn.storagePoolLookupByName(POOL).storageVolLookupByName(TAG + "-efi-disk0.qcow2").XMLDesc(0))
    assert copy.find("backingStore/path") is None and copy.findtext("capacity") == str(128 * 1024 * 1024)
    nvram = ET.fromstring(conn.lookupByName(TAG + "-efi").XMLDesc(0)).findtext("os/nvram")
    assert nvram and os.path.exists(libvirtd_path(nvram)), nvram
    spec["vms"][0]["state"] = "absent"
    gone = module(**spec)
    assert not gone.get("failed") and gone["changed"], gone
    assert not os.path.exists(libvirtd_path(nvram))
