"""Images given by URL on a VM disk (image_inline): one image per URL however many disks name it, listed or
inline; one name for two URLs refused naming both places; run through libvirt_resources on test:///default."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.image_inline import implied_name, with_inline
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import parse_images

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.unit.driver_state import to_stock  # noqa: E402
from tests.unit.resources_calls import call  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
URL = "http://127.0.0.1:9/debian-12-genericcloud-amd64.qcow2"
SUM = "sha256:" + "ab" * 32
VOLUME = "debian-12-genericcloud-amd64-%s.img" % ("ab" * 6)


def disk(**extra):
    return dict({"url": URL, "checksum": SUM, "size": "4G"}, **extra)


def vm(name, *disks, **extra):
    return dict({"name": name, "memory": "256M", "pool": "images", "state": "shutdown", "disks": list(disks)}, **extra)


def images_pool(tmp_path, *volumes):
    """The default cache pool; the test driver keeps it in memory, so a cached image is a volume listed here."""
    listed = [{"name": v, "capacity": "2G", "format": "qcow2"} for v in volumes]
    return [{"name": "images", "path": str(tmp_path / "images"), "volumes": listed}]


def run(capsys, tmp_path, vms, images=None, cached=(), **args):
    args.update(pools=images_pool(tmp_path, *cached), vms=vms, vms_input_name="kvm_vms", inventory_hostname="kvm01")
    if images is not None:
        args.update(images=images, images_input_name="kvm_images")
    return call(capsys, **args)


@pytest.fixture
def clean(default_conn):
    yield default_conn
    to_stock(default_conn)


NAMES = {
    URL: "debian-12-genericcloud-amd64",
    "https://m/noble-server-cloudimg-amd64.img": "noble-server-cloudimg-amd64",
    "file:///srv/x/My%20Image.raw.xz": "My-Image",
    "http://m/.hidden.qcow2.gz": "hidden",
    "http://m/": "image",
}


def test_an_inline_image_is_named_after_its_file():
    assert {url: implied_name(url) for url in NAMES} == NAMES


def test_two_vms_on_one_inline_url_plan_one_download_in_check_mode(capsys, clean, tmp_path):
    result = run(capsys, tmp_path, [vm("inl-a", disk()), vm("inl-b", disk())], _ansible_check_mode=True)
    assert not result.get("failed") and result["changed"], result
    assert [i["actions"] for i in result["images"]] == [
        ["download %s into pool images as %s (a pool this play creates)" % (URL, VOLUME)]
    ]
    assert not [d for d in clean.listAllDomains() if d.name().startswith("inl-")]


def test_vms_on_a_cached_inline_image_are_overlays_of_it_and_a_rerun_changes_nothing(capsys, clean, tmp_path):
    vms = [vm("inl-a", disk()), vm("inl-b", disk(checksum=SUM.upper().replace("SHA", "sha")))]
    first = run(capsys, tmp_path, vms, cached=[VOLUME])
    assert not first.get("failed"), first
    assert [i["actions"] for i in first["images"]] == [[]]
    images = clean.storagePoolLookupByName("images")
    base = images.storageVolLookupByName(VOLUME).path()
    for name in ("inl-a", "inl-b"):
        assert "<path>%s</path>" % base in images.storageVolLookupByName(name + "-disk0.qcow2").XMLDesc(0)
    again = run(capsys, tmp_path, vms, cached=[VOLUME])
    assert not again.get("failed") and not again["changed"], again


def test_a_url_listed_and_inline_is_one_image(capsys, clean, tmp_path):
    listed = [{"name": "deb", "url": URL, "checksum": SUM}]
    vms = [vm("inl-a", {"image": "deb", "size": "4G"}), vm("inl-b", {"url": URL, "size": "4G"})]
    result = run(capsys, tmp_path, vms, listed, _ansible_check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert [(i["name"], i["volume"]) for i in result["images"]] == [("deb", "deb-%s.img" % ("ab" * 6))]


def test_only_the_vms_of_this_host_download_their_inline_image(capsys, clean, tmp_path):
    # The other host's checksum file is never read: its server does not exist.
    elsewhere = disk(url="http://127.0.0.1:9/other.qcow2", checksum=None, checksum_url="http://127.0.0.1:9/SUMS")
    del elsewhere["checksum"]
    vms = [vm("inl-a", disk(), host="kvm01"), vm("inl-b", elsewhere, host="kvm02")]
    result = run(capsys, tmp_path, vms, _ansible_check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert [i["name"] for i in result["images"]] == ["debian-12-genericcloud-amd64"]
    assert result["other_hosts"] == ["inl-b"]


def test_a_disk_url_without_the_images_pool_is_refused_naming_the_url(capsys, clean):
    result = call(capsys, vms=[vm("inl-a", disk(), pool="default-pool")], vms_input_name="kvm_vms")
    assert result["failed"] and result["msg"].startswith(
        "kvm_vms[0].disks[0].url: storage pool 'images', which caches the images disks give by URL, is not defined"
    ), result


@pytest.mark.parametrize(
    "vms, message",
    [
        (
            [vm("a", disk(url="ftp://h/x.qcow2"))],
            "kvm_vms[0].disks[0].url: must be an http://, https:// or file:// URL",
        ),
        ([vm("a", disk(checksum="md5:00"))], "kvm_vms[0].disks[0].checksum: must be sha256:HEX"),
        ([vm("a", {"url": URL})], "kvm_vms[0].disks[0].checksum: is required"),
        ([vm("a", disk(image="a/b"))], "kvm_vms[0].disks[0].image: is not a valid image name"),
        (
            [vm("a", disk()), vm("b", disk(url="http://other/debian-12-genericcloud-amd64.qcow2"))],
            "kvm_vms[1].disks[0].url: image 'debian-12-genericcloud-amd64' is also used for %s at kvm_vms[0].disks[0]"
            % URL,
        ),
        (
            [vm("a", disk()), vm("b", disk(checksum="sha256:" + "cd" * 32))],
            "kvm_vms[1].disks[0].checksum: differs from the checksum of the same URL at kvm_vms[0].disks[0]",
        ),
    ],
)
def test_bad_inline_images(vms, message):
    with pytest.raises(InputError) as info:
        with_inline([], vms, "kvm_vms")
    assert info.value.message.startswith(message), info.value.message


def test_one_name_for_a_listed_and_an_inline_url_is_refused_naming_both():
    listed = parse_images([{"name": "deb", "url": "http://a/x.qcow2", "checksum": SUM}], "kvm_images")
    with pytest.raises(InputError) as info:
        with_inline(listed, [vm("a", disk(image="deb"))], "kvm_vms")
    assert info.value.message.startswith(
        "kvm_vms[0].disks[0].image: image 'deb' is also used for http://a/x.qcow2 at kvm_images[0]"
    ), info.value.message


def test_a_listed_url_named_otherwise_inline_is_refused():
    listed = parse_images([{"name": "deb", "url": URL, "checksum": SUM}], "kvm_images")
    with pytest.raises(InputError) as info:
        with_inline(listed, [vm("a", disk(image="debian"))], "kvm_vms")
    assert info.value.message.startswith("kvm_vms[0].disks[0].image: %s is image 'deb' at kvm_images[0]" % URL)


@pytest.mark.parametrize(
    "bad, where, message",
    [
        ({"image": "deb", "checksum": SUM}, "checksum", "only applies with url"),
        ({"type": "new", "size": "1G", "url": URL}, "url", "only applies to type image"),
    ],
)
def test_image_keys_out_of_place(capsys, clean, tmp_path, bad, where, message):
    listed = [{"name": "deb", "url": URL, "checksum": SUM}]
    result = run(capsys, tmp_path, [vm("inl-a", bad)], listed)
    assert result["failed"] and result["msg"].startswith("kvm_vms[0].disks[0].%s: %s" % (where, message)), result
    assert not [d for d in clean.listAllDomains() if d.name().startswith("inl-")]
