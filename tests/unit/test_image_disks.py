"""VM disks from cached base images (type image), against libvirt's test:///default driver, and the UEFI check."""

import json
import xml.etree.ElementTree as ET

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.module_utils import domain_apply as a
from ansible_collections.essentials.kvm.plugins.module_utils import domain_reconcile as r
from ansible_collections.essentials.kvm.plugins.module_utils.domain_firmware import check_firmware
from ansible_collections.essentials.kvm.plugins.module_utils.domain_model import Domain
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.modules import libvirt_resources

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
GIB = 1024**3
IMAGE = "deb-0123456789ab.img"
IMAGES = {"deb": ("default-pool", IMAGE)}


@pytest.fixture
def conn():
    conn = libvirt.open("test:///default")
    pool = conn.storagePoolLookupByName("default-pool")
    before = set(pool.listVolumes())
    pool.createXML(a.volume_xml(IMAGE, 2 * GIB, "qcow2"), 0)
    yield conn
    for dom in conn.listAllDomains():
        if dom.name().startswith("img-"):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for vol in pool.listAllVolumes():
        if vol.name() not in before:
            vol.delete(0)
    conn.close()


def vm(name="img-a", **disk):
    disk.setdefault("image", "deb")
    return {"name": name, "pool": "default-pool", "memory": "512M", "state": "shutdown", "disks": [disk]}


def converge(conn, vms, check_mode=False, images=IMAGES, pending=()):
    found, pending_pools = r.validate(conn, vms, "kvm_vms", images=images)
    return r.converge_vms(
        conn, found, "kvm_vms", check_mode=check_mode, pending_pools=pending_pools, pending_images=pending
    )


def volume(conn, name):
    return ET.fromstring(conn.storagePoolLookupByName("default-pool").storageVolLookupByName(name).XMLDesc(0))


def test_linked_clone_is_an_overlay_grown_to_its_size_and_a_rerun_changes_nothing(conn):
    first = converge(conn, [vm(size="4G")])
    assert first["changed"] and "create volume default-pool/img-a-disk0.qcow2 (overlay)" in first["vms"][0]["actions"]
    overlay = volume(conn, "img-a-disk0.qcow2")
    assert overlay.findtext("backingStore/path") == "/default-pool/" + IMAGE
    assert overlay.findtext("capacity") == str(4 * GIB)
    assert not converge(conn, [vm(size="4G")])["changed"]


def test_full_clone_is_a_copy_of_at_least_the_image_size(conn):
    converge(conn, [vm(clone="full")])
    copy = volume(conn, "img-a-disk0.qcow2")
    assert copy.find("backingStore/path") is None and int(copy.findtext("capacity")) == 2 * GIB


def test_two_vms_share_one_image(conn):
    converge(conn, [vm("img-a"), vm("img-b")])
    for name in ("img-a", "img-b"):
        assert volume(conn, name + "-disk0.qcow2").findtext("backingStore/path") == "/default-pool/" + IMAGE


def test_size_below_the_image_is_refused_and_nothing_is_defined(conn):
    with pytest.raises(InputError) as info:
        converge(conn, [vm(size="1G")])
    assert info.value.message.startswith("kvm_vms[0].disks[0].size: 1 GiB is smaller than image 'deb' (2 GiB)")
    assert "img-a" not in [d.name() for d in conn.listAllDomains()]
    assert "img-a-disk0.qcow2" not in conn.storagePoolLookupByName("default-pool").listVolumes()


def test_check_mode_plans_a_disk_on_an_image_not_downloaded_yet(conn):
    images = {"new": ("default-pool", "new-ba9876543210.img")}
    result = converge(conn, [vm(image="new")], check_mode=True, images=images, pending=set(images.values()))
    assert any("overlay of image new, which this run downloads" in act for act in result["vms"][0]["actions"])
    assert "img-a" not in [d.name() for d in conn.listAllDomains()]


@pytest.mark.parametrize(
    "disk, where, message",
    [
        ({"image": "ubuntu"}, "image", "image 'ubuntu' is not declared"),
        ({"type": "image", "image": None}, "image", "is required for type image"),
        ({"image": "deb", "base": "x.qcow2"}, "base", "does not apply to type image"),
        ({"type": "new", "size": "1G", "image": "deb"}, "image", "only applies to type image"),
        ({"image": "deb", "clone": "thin"}, "clone", "must be one of linked, full"),
        # Without libvirt_resources' images step (libvirt_domain alone) nothing downloads an image by URL.
        ({"image": None, "url": "http://h/x.qcow2"}, "url", "downloaded by libvirt_resources"),
    ],
)
def test_bad_image_disks(conn, disk, where, message):
    with pytest.raises(InputError) as info:
        converge(conn, [vm(**disk)])
    assert info.value.message.startswith("kvm_vms[0].disks[0].%s: " % where) and message in info.value.message


class Caps:
    """A host's domain capabilities, as libvirt reports them with and without the OVMF package."""

    def __init__(self, firmware, secure=("no",)):
        values = "".join("<value>%s</value>" % v for v in firmware)
        loader = "<value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>" if "efi" in firmware else ""
        secure_values = "".join("<value>%s</value>" % v for v in secure)
        self.xml = (
            "<domainCapabilities><os supported='yes'><enum name='firmware'>%s</enum>"
            "<loader supported='yes'>%s<enum name='secure'>%s</enum></loader></os></domainCapabilities>"
            % (values, loader, secure_values)
        )
        self.asked = []

    def getDomainCapabilities(self, *args):  # noqa: N802 (libvirt's name)
        self.asked.append(args)
        return self.xml


def test_uefi_without_ovmf_is_refused_before_any_change():
    vms = [Domain(name="bios"), Domain(name="efi", firmware="uefi")]
    with pytest.raises(InputError) as info:
        check_firmware(Caps(["bios"]), vms, "kvm_vms")
    assert info.value.message.startswith("kvm_vms[1].firmware: uefi needs OVMF")
    assert "package ovmf" in info.value.message


def test_secure_boot_needs_the_secboot_build_and_asks_for_q35():
    caps = Caps(["bios", "efi"])
    check_firmware(caps, [Domain(name="efi", firmware="uefi")], "kvm_vms")
    with pytest.raises(InputError) as info:
        check_firmware(caps, [Domain(name="sb", firmware="uefi", secure_boot=True)], "kvm_vms")
    assert info.value.message.startswith("kvm_vms[0].secure_boot: this host's OVMF has no secure boot build")
    assert caps.asked[-1][2] == "q35"
    check_firmware(Caps(["efi"], ("yes", "no")), [Domain(name="sb", firmware="uefi", secure_boot=True)], "kvm_vms")


def test_a_driver_without_domain_capabilities_is_not_refused(conn):
    check_firmware(conn, [Domain(name="efi", firmware="uefi")], "kvm_vms")


def call_resources(capsys, **args):
    args.update(uri="test:///default", images_input_name="kvm_images", vms_input_name="kvm_vms")
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            libvirt_resources.main()
    return json.loads(capsys.readouterr().out)


def test_the_module_in_check_mode_plans_one_download_for_two_vms_and_touches_nothing(conn, capsys):
    images = [
        {
            "name": "cloud",
            "url": "http://127.0.0.1:9/cloud.qcow2",
            "checksum": "sha256:" + "ab" * 32,
            "pool": "default-pool",
        }
    ]
    result = call_resources(
        capsys, images=images, vms=[vm("img-a", image="cloud"), vm("img-b", image="cloud")], _ansible_check_mode=True
    )
    assert result["changed"] and not result.get("failed"), result
    assert [i["actions"] for i in result["images"]] == [
        ["download http://127.0.0.1:9/cloud.qcow2 into pool default-pool as cloud-%s.img" % ("ab" * 6)]
    ]
    assert all("which this run downloads" in " ".join(v["actions"]) for v in result["vms"])
    assert not [d for d in conn.listAllDomains() if d.name().startswith("img-")]


def test_the_module_refuses_an_image_pool_the_host_lacks(conn, capsys):
    images = [{"name": "cloud", "url": "http://127.0.0.1:9/c.qcow2", "checksum": "sha256:" + "ab" * 32}]
    result = call_resources(capsys, images=images)
    assert result["failed"] and result["msg"].startswith(
        "kvm_images[0].pool: storage pool 'images' is not defined on this host"
    ), result
