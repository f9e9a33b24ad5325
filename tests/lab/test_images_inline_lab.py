"""Images by URL on the VM disks themselves, and fetched on the controller, against the lab's real libvirtd.

A small HTTP server in the lab namespace serves a qcow2 made by qemu-img and logs each request. First,
libvirt_resources (its own process, in that namespace, as Ansible runs it) converges two VMs whose disks give the
image by URL only: one GET, both overlays on one cached volume in the pool `images`, and a rerun makes no request
and changes nothing. Then the kvm role through ansible-playbook, with kvm_images_download_on: controller, for two
inventory hosts on this libvirtd: the image listed for one host's VM and given inline by the other's; the controller
fetches it once (one GET in all), each host gets the copy and caches it from there, and a rerun changes nothing and
makes no request. Objects are named ekvm-iu-XXXX; the pool `images` goes too when this file made it.
"""

import hashlib
import json
import os
import sys
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.labkit import ansible, netns, paths, scratch_server
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.libvirt_cleanup import remove_tagged
from tests.labkit.module_process import run_module
from tests.labkit.scratch_server import qcow2_site

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = paths.PREFIX + "iu-" + uuid.uuid4().hex[:4]
POOL = TAG + "-pool"
ROLE_PLAYBOOK = """- hosts: all
  gather_facts: false
  tasks:
    - name: The kvm role's libvirt resources, images fetched on the controller
      ansible.builtin.include_role:
        name: essentials.kvm.kvm
        tasks_from: libvirt_resources
"""


def module(**params):
    args = dict(params, uri=LIBVIRT_URI, inventory_hostname="lab", vms_input_name="kvm_vms", _ansible_diff=True)
    return run_module("libvirt_resources", args, paths.NETNS)


@pytest.fixture(scope="module")
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    had_images = "images" in [p.name() for p in connection.listAllStoragePools(0)]
    yield connection
    remove_tagged(connection, TAG)
    if not had_images:
        remove_tagged(connection, "images")  # the pool this file made, and the image it cached
    connection.close()


@pytest.fixture(scope="module")
def site(conn):
    """A served directory with a small qcow2, the server's URL and its request log."""
    with qcow2_site(TAG, {"tiny.qcow2": "64M"}) as site:
        with open(os.path.join(site["served"], "tiny.qcow2"), "rb") as handle:
            site["checksum"] = "sha256:" + hashlib.sha256(handle.read()).hexdigest()
        site["url"] += "tiny.qcow2"
        yield site


def gets(site):
    return scratch_server.gets(site["log"], "/tiny.qcow2")


def backing(conn, pool, volume):
    vol = conn.storagePoolLookupByName(pool).storageVolLookupByName(volume)
    return ET.fromstring(vol.XMLDesc(0)).findtext("backingStore/path")


def test_two_vms_on_an_inline_url_make_one_download_and_a_rerun_none(conn, site):
    images_pool = [{"name": "images", "path": os.path.join(site["work"], "images")}]
    vms = [
        {
            "name": "%s-%s" % (TAG, name),
            "state": "shutdown",
            "memory": "128M",
            "pool": POOL,
            "disks": [{"url": site["url"], "checksum": site["checksum"], "size": "128M"}],
            "remove_volumes": True,
        }
        for name in ("a", "b")
    ]
    pools = images_pool + [{"name": POOL, "path": os.path.join(site["work"], "pool")}]
    before = gets(site)
    first = module(pools=pools, vms=vms)
    assert not first.get("failed") and first["changed"], first
    assert [i["name"] for i in first["images"]] == ["tiny"]
    volume = first["images"][0]["volume"]
    assert gets(site) == before + 1
    base = conn.storagePoolLookupByName("images").storageVolLookupByName(volume).path()
    assert backing(conn, POOL, TAG + "-a-disk0.qcow2") == backing(conn, POOL, TAG + "-b-disk0.qcow2") == base
    again = module(pools=pools, vms=vms)
    assert not again.get("failed") and not again["changed"], again
    assert gets(site) == before + 1
    gone = module(pools=pools, vms=[dict(vm, state="absent") for vm in vms])
    assert not gone.get("failed"), gone


def test_the_role_fetches_on_the_controller_once_for_two_hosts(conn, site):
    work = os.path.join(site["work"], "role")
    os.mkdir(work)
    play, extra = os.path.join(work, "play.yml"), os.path.join(work, "vars.json")
    with open(play, "w") as handle:
        handle.write(ROLE_PLAYBOOK)
    listed = {"name": TAG + "-img", "url": site["url"], "checksum": site["checksum"], "pool": POOL}

    def vm(name, host, disk):
        return {
            "name": "%s-%s" % (TAG, name),
            "host": host,
            "state": "shutdown",
            "memory": "128M",
            "pool": POOL,
            "disks": [dict(disk, size="128M")],
        }

    variables = {
        "kvm_libvirt_uri": LIBVIRT_URI,
        "kvm_storage_pools": [{"name": POOL, "path": os.path.join(site["work"], "pool")}],
        "kvm_images": [listed],
        # One host names the listed image, the other gives its URL: one image.
        "kvm_vms": [vm("c1", "lab1", {"image": listed["name"]}), vm("c2", "lab2", {"url": site["url"]})],
        "kvm_images_download_on": "controller",
        "kvm_images_controller_cache": os.path.join(work, "cache"),
        "kvm_images_upload_path": os.path.join(work, "uploads"),
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
    }
    with open(extra, "w") as handle:
        json.dump(variables, handle)
    argv = ansible.playbook_argv(play, ["lab1,lab2,"], args=["-e", "@" + extra])

    def role():
        # In the lab namespace, where the server listens: the controller's fetch is the only one.
        return ansible.Result(ansible.Run(netns.exec_argv(paths.NETNS, argv)).wait(900))

    before = gets(site)
    first = role()
    assert first.rc == 0, first
    assert gets(site) == before + 1, first
    cached = os.listdir(os.path.join(work, "cache"))
    assert (
        len(cached) == 1 and cached[0].endswith("-tiny.qcow2") and os.listdir(os.path.join(work, "uploads")) == cached
    )
    volume = [v for v in conn.storagePoolLookupByName(POOL).listVolumes() if v.startswith(TAG + "-img-")]
    assert len(volume) == 1, volume
    base = conn.storagePoolLookupByName(POOL).storageVolLookupByName(volume[0]).path()
    assert backing(conn, POOL, TAG + "-c1-disk0.qcow2") == backing(conn, POOL, TAG + "-c2-disk0.qcow2") == base
    again = role()
    assert again.rc == 0 and again.changed("lab1") == 0 and again.changed("lab2") == 0, again
    assert gets(site) == before + 1
